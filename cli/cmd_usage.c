/* clearance usage: the units and decisions metered in the store, filtered
 * and grouped (docs/store.md, "Usage"). Exit 0 done, 2 bad input. */
#include "clearance_store.h"
#include "cli_util.h"
#include "commands.h"

#include <cjson/cJSON.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f, "usage: clearance usage --store DB [--org ORG] [--user USER] [--model MODEL]\n"
               "                       [--destination CC] [--from DATE] [--until DATE]\n"
               "                       [--by org,user,model,destination,day] [--json]\n"
               "  Prints the units (of allowed decisions) and the decisions metered, summed over\n"
               "  the days from --from to --until (both included; default: all) and grouped by\n"
               "  the --by columns (default: one total). --json prints a JSON array.\n"
               "  --store DB  the store (default: $CLEARANCE_DB)\n");
}

typedef struct print_ctx {
    unsigned by;
    int json;
    cJSON *rows;
    size_t n;
} print_ctx;

static int print_row(void *arg, const clr_usage_row *r)
{
    print_ctx *c = arg;
    char day[32] = "";
    if (r->day >= 0) {
        clr_time_format(day, sizeof day, r->day);
        day[10] = '\0';
    }
    const char *cols[] = {r->org, r->user, r->model, r->destination, r->day >= 0 ? day : NULL};
    static const char *const names[] = {"org", "user", "model", "destination", "day"};
    c->n++;
    if (c->json) {
        cJSON *o = cJSON_CreateObject();
        if (!o)
            return CLR_ENOMEM;
        for (int i = 0; i < 5; i++)
            if ((c->by >> i) & 1)
                cJSON_AddStringToObject(o, names[i], cols[i] ? cols[i] : "");
        cJSON_AddNumberToObject(o, "units", (double)r->units);
        cJSON_AddNumberToObject(o, "decisions", (double)r->decisions);
        cJSON_AddItemToArray(c->rows, o);
        return 0;
    }
    for (int i = 0; i < 5; i++)
        if ((c->by >> i) & 1)
            printf("%-*s ", i == 3 ? 11 : i == 4 ? 10 : 20, cols[i] ? cols[i] : "");
    printf("%16lld %12lld\n", (long long)r->units, (long long)r->decisions);
    return 0;
}

int clr_cmd_usage(int argc, char **argv)
{
    static const struct option opts[] = {
        {"store", required_argument, NULL, 's'}, {"db", required_argument, NULL, 's'},
        {"org", required_argument, NULL, 'o'},   {"user", required_argument, NULL, 'u'},
        {"model", required_argument, NULL, 'm'}, {"destination", required_argument, NULL, 'd'},
        {"from", required_argument, NULL, 'f'},  {"until", required_argument, NULL, 't'},
        {"by", required_argument, NULL, 'b'},    {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0}};
    const char *db = getenv("CLEARANCE_DB");
    clr_usage_query q = {NULL, NULL, NULL, NULL, CLR_TIME_MIN, CLR_TIME_MAX, 0};
    print_ctx c = {0, 0, NULL, 0};
    clr_store *s = NULL;
    int rc = CLR_EXIT_BADINPUT, opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (opt) {
        case 's': db = optarg; break;
        case 'o': q.org = optarg; break;
        case 'u': q.user = optarg; break;
        case 'm': q.model = optarg; break;
        case 'd': q.destination = optarg; break;
        case 'f':
            if (cli_parse_time(&q.from, "--from", optarg))
                return CLR_EXIT_BADINPUT;
            break;
        case 't':
            if (cli_parse_time(&q.until, "--until", optarg))
                return CLR_EXIT_BADINPUT;
            break;
        case 'b':
            if (clr_usage_by_parse(&q.by, optarg)) {
                fprintf(stderr,
                        "clearance: --by '%s': columns are org, user, model, "
                        "destination, day\n",
                        optarg);
                return CLR_EXIT_BADINPUT;
            }
            break;
        case 'j': c.json = 1; break;
        case 'h': usage(stdout); return CLR_EXIT_OK;
        default: usage(stderr); return CLR_EXIT_BADINPUT;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return CLR_EXIT_BADINPUT;
    }
    if ((rc = cli_open_store(&s, db, 1)))
        return rc;
    c.by = q.by;
    if (c.json && !(c.rows = cJSON_CreateArray())) {
        rc = CLR_EXIT_BADINPUT;
        goto done;
    }
    if (!c.json) {
        static const char *const heads[] = {"ORG", "USER", "MODEL", "DESTINATION", "DAY"};
        for (int i = 0; i < 5; i++)
            if ((q.by >> i) & 1)
                printf("%-*s ", i == 3 ? 11 : i == 4 ? 10 : 20, heads[i]);
        printf("%16s %12s\n", "UNITS", "DECISIONS");
    }
    int lr = clr_usage_report(s, &q, print_row, &c);
    if (lr) {
        fprintf(stderr, "clearance: %s\n",
                lr == CLR_ESTORE ? clr_store_errmsg(s) : clr_strerror(lr));
        rc = CLR_EXIT_BADINPUT;
        goto done;
    }
    if (c.json) {
        char *text = cJSON_PrintUnformatted(c.rows);
        if (text)
            printf("%s\n", text);
        cJSON_free(text);
    }
    rc = CLR_EXIT_OK;
done:
    cJSON_Delete(c.rows);
    clr_store_close(s);
    return rc;
}
