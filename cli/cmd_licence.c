/* clearance licence: add, list, show and revoke the licences in the store
 * (docs/store.md, "Licences"). Exit 0 done, 2 bad input. */
#include "clearance_store.h"
#include "cli_util.h"
#include "commands.h"

#include <cjson/cJSON.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *f)
{
    fprintf(f,
            "usage: clearance licence add    --store DB [FILE|-]\n"
            "       clearance licence add    --store DB --id ID --rulebook R --licensee L\n"
            "                                [--model M]... [--class C]... [--destination CC]...\n"
            "                                [--use U]... [--integration I]... [--from TIME]\n"
            "                                [--until TIME] [--quantity N [--unit requests]]\n"
            "       clearance licence list   --store DB [--json]\n"
            "       clearance licence show   --store DB ID\n"
            "       clearance licence revoke --store DB ID\n"
            "  add     adds licences: one JSON object, or JSON Lines (the format of\n"
            "          --licences FILE), or one licence built from the flags\n"
            "  list    prints every licence with what is used and left (--json: JSON Lines)\n"
            "  show    prints one licence as JSON\n"
            "  revoke  revokes a licence: it covers nothing from then on\n"
            "  --store DB  the store (default: $CLEARANCE_DB)\n");
}

typedef struct add_ctx {
    clr_store *s;
    const char *name;
    int bad, added;
} add_ctx;

static int add_one(void *arg, char *text, size_t len, size_t line)
{
    add_ctx *c = arg;
    char id[CLR_ID_MAX], err[512];
    int rc = clr_licence_store_add(c->s, text, len, clr_time_now(), id, err, sizeof err);
    if (rc) {
        if (line)
            fprintf(stderr, "clearance: %s:%zu: %s\n", c->name, line,
                    rc == CLR_ENOMEM ? "out of memory" : err);
        else
            fprintf(stderr, "clearance: %s: %s\n", c->name,
                    rc == CLR_ENOMEM ? "out of memory" : err);
        c->bad = 1;
        return 0;
    }
    printf("added %s\n", id);
    c->added++;
    return 0;
}

/* The licence the flags describe, as JSON; NULL (after printing) when a
 * required one is missing. */
typedef struct flags {
    const char *id, *rulebook, *licensee, *from, *until, *unit;
    double quantity;
    int has_quantity;
    cli_strv models, classes, destinations, uses, integrations;
} flags;

static char *json_of_flags(const flags *f)
{
    cJSON *o = cJSON_CreateObject();
    char *text = NULL;
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "id", f->id);
    cJSON_AddStringToObject(o, "rulebook", f->rulebook);
    cJSON_AddStringToObject(o, "licensee", f->licensee);
    const struct {
        const char *key;
        const cli_strv *v;
    } lists[] = {{"models", &f->models},
                 {"classes", &f->classes},
                 {"destinations", &f->destinations},
                 {"uses", &f->uses},
                 {"integrations", &f->integrations}};
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
        if (lists[i].v->n)
            cJSON_AddItemToObject(o, lists[i].key,
                                  cJSON_CreateStringArray(lists[i].v->v, (int)lists[i].v->n));
    if (f->from)
        cJSON_AddStringToObject(o, "from", f->from);
    if (f->until)
        cJSON_AddStringToObject(o, "until", f->until);
    if (f->has_quantity)
        cJSON_AddNumberToObject(o, "quantity", f->quantity);
    if (f->unit)
        cJSON_AddStringToObject(o, "unit", f->unit);
    text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return text;
}

static int print_json(void *arg, const clr_licence_info *x)
{
    (void)arg;
    char *text = NULL;
    if (clr_licence_info_json(&text, x, 0))
        return CLR_ENOMEM;
    printf("%s\n", text);
    free(text);
    return 0;
}

static int print_row(void *arg, const clr_licence_info *x)
{
    char until[32] = "-", q[32] = "unlimited", left[32] = "-";
    if (*(int *)arg)
        return print_json(NULL, x);
    if (x->until != CLR_TIME_MAX)
        clr_time_format(until, sizeof until, x->until);
    if (x->quantity >= 0) {
        snprintf(q, sizeof q, "%lld%s", (long long)x->quantity, x->per_request ? " req" : "");
        snprintf(left, sizeof left, "%lld", (long long)(x->quantity - x->used));
    }
    printf("%-20s %-14s %-18s %16s %12lld %12s  %-20s %s\n", x->id, x->rulebook, x->licensee, q,
           (long long)x->used, left, until, x->revoked ? "revoked" : "active");
    return 0;
}

int clr_cmd_licence(int argc, char **argv)
{
    enum {
        O_STORE = 1,
        O_JSON,
        O_ID,
        O_RB,
        O_LIC,
        O_MOD,
        O_CLS,
        O_DST,
        O_USE,
        O_INT,
        O_FROM,
        O_UNTIL,
        O_QTY,
        O_UNIT,
        O_HELP
    };
    static const struct option opts[] = {{"store", required_argument, NULL, O_STORE},
                                         {"db", required_argument, NULL, O_STORE},
                                         {"json", no_argument, NULL, O_JSON},
                                         {"id", required_argument, NULL, O_ID},
                                         {"rulebook", required_argument, NULL, O_RB},
                                         {"licensee", required_argument, NULL, O_LIC},
                                         {"model", required_argument, NULL, O_MOD},
                                         {"class", required_argument, NULL, O_CLS},
                                         {"destination", required_argument, NULL, O_DST},
                                         {"use", required_argument, NULL, O_USE},
                                         {"integration", required_argument, NULL, O_INT},
                                         {"from", required_argument, NULL, O_FROM},
                                         {"until", required_argument, NULL, O_UNTIL},
                                         {"quantity", required_argument, NULL, O_QTY},
                                         {"unit", required_argument, NULL, O_UNIT},
                                         {"help", no_argument, NULL, O_HELP},
                                         {NULL, 0, NULL, 0}};
    const char *db = getenv("CLEARANCE_DB"), *what;
    flags f;
    int json = 0, opt, rc = CLR_EXIT_BADINPUT, nflags = 0;
    clr_store *s = NULL;
    char *text = NULL, *built = NULL;
    memset(&f, 0, sizeof f);
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLR_EXIT_BADINPUT : CLR_EXIT_OK;
    }
    what = argv[1];
    optind = 1;
    argc--;
    argv++;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        int bad = 0;
        nflags += opt >= O_ID && opt <= O_UNIT;
        switch (opt) {
        case O_STORE: db = optarg; break;
        case O_JSON: json = 1; break;
        case O_ID: f.id = optarg; break;
        case O_RB: f.rulebook = optarg; break;
        case O_LIC: f.licensee = optarg; break;
        case O_MOD: bad = cli_strv_push(&f.models, optarg); break;
        case O_CLS: bad = cli_strv_push(&f.classes, optarg); break;
        case O_DST: bad = cli_strv_push(&f.destinations, optarg); break;
        case O_USE: bad = cli_strv_push(&f.uses, optarg); break;
        case O_INT: bad = cli_strv_push(&f.integrations, optarg); break;
        case O_FROM: f.from = optarg; break;
        case O_UNTIL: f.until = optarg; break;
        case O_QTY: {
            char *end;
            f.quantity = strtod(optarg, &end);
            f.has_quantity = 1;
            if (*end || end == optarg) {
                fprintf(stderr, "clearance: --quantity '%s' is not a number\n", optarg);
                bad = 1;
            }
            break;
        }
        case O_UNIT: f.unit = optarg; break;
        case O_HELP:
        case 'h':
            usage(stdout);
            rc = CLR_EXIT_OK;
            goto done;
        default: usage(stderr); goto done;
        }
        if (bad)
            goto done;
    }
    int nargs = argc - optind;
    int is_add = strcmp(what, "add") == 0, is_list = strcmp(what, "list") == 0;
    int is_show = strcmp(what, "show") == 0, is_revoke = strcmp(what, "revoke") == 0;
    if ((!is_add && !is_list && !is_show && !is_revoke) || (is_add && nargs > (nflags ? 0 : 1)) ||
        (is_list && nargs) || ((is_show || is_revoke) && nargs != 1) || (nflags && !is_add)) {
        usage(stderr);
        goto done;
    }
    if ((rc = cli_open_store(&s, db, is_list || is_show)))
        goto done;
    rc = CLR_EXIT_BADINPUT;
    if (is_add) {
        add_ctx c = {s, nargs ? argv[optind] : "-", 0, 0};
        size_t len = 0;
        if (nflags) {
            if (!(built = json_of_flags(&f)))
                goto done;
            c.name = "licence";
            add_one(&c, built, strlen(built), 0);
        } else {
            if (!(text = cli_read_all(c.name, &len)))
                goto done;
            if (cli_is_single_json(text, len))
                add_one(&c, text, len, 0);
            else
                cli_each_line(text, len, add_one, &c);
        }
        rc = c.bad ? CLR_EXIT_BADINPUT : CLR_EXIT_OK;
    } else if (is_list) {
        if (!json)
            printf("%-20s %-14s %-18s %16s %12s %12s  %-20s %s\n", "ID", "RULEBOOK", "LICENSEE",
                   "QUANTITY", "USED", "LEFT", "UNTIL", "STATUS");
        int lr = clr_licence_store_list(s, NULL, print_row, &json);
        if (lr)
            fprintf(stderr, "clearance: %s\n",
                    lr == CLR_ESTORE ? clr_store_errmsg(s) : clr_strerror(lr));
        else
            rc = CLR_EXIT_OK;
    } else if (is_show) {
        int lr = clr_licence_store_list(s, argv[optind], print_json, NULL);
        if (lr == CLR_ENOTFOUND)
            fprintf(stderr, "clearance: no licence '%s'\n", argv[optind]);
        else if (lr)
            fprintf(stderr, "clearance: %s\n",
                    lr == CLR_ESTORE ? clr_store_errmsg(s) : clr_strerror(lr));
        else
            rc = CLR_EXIT_OK;
    } else {
        int lr = clr_licence_store_revoke(s, argv[optind], clr_time_now());
        if (lr == CLR_ENOTFOUND)
            fprintf(stderr, "clearance: no licence '%s'\n", argv[optind]);
        else if (lr)
            fprintf(stderr, "clearance: %s\n", clr_store_errmsg(s));
        else {
            printf("revoked %s\n", argv[optind]);
            rc = CLR_EXIT_OK;
        }
    }
done:
    cJSON_free(built);
    free(text);
    clr_store_close(s);
    cli_strv_free(&f.models);
    cli_strv_free(&f.classes);
    cli_strv_free(&f.destinations);
    cli_strv_free(&f.uses);
    cli_strv_free(&f.integrations);
    return rc;
}
