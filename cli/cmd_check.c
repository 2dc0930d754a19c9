/* clearance check: decide one request or a stream of JSON Lines. */
#include "cli_audit.h" /* --audit (issue 5) */
#include "cli_meter.h" /* --store: licences and usage */
#include "cli_util.h"
#include "commands.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct check_ctx {
    const clr_ruleset *rs;
    clr_lists *lists; /* loaded when a request first needs screening */
    const cli_strv *list_paths;
    int lists_failed;
    int explain;
    int has_at;
    clr_time at;
    clr_time now;
    int bad;                /* some request was malformed */
    cli_audit *audit;       /* --audit: every decision is appended to this log */
    clr_licences *licences; /* --licences: lift the license_required they cover */
    cli_meter meter;        /* --store: the store's licences, and usage metered */
    clr_registry *registry; /* --store: fill requests from the registry */
    clr_geoip *geoip;       /* --geoip: the country database of the IP red flags */
    int spike;              /* --usage-spike: the usage-spike red flag (with --store) */
    clr_redflags_options flags;
    char out[65536];
} check_ctx;

static void print_error(check_ctx *c, const clr_request_error *err, size_t line)
{
    char buf[1024];
    char msg[600], path[300];
    /* the message and path are plain text; escape quotes and backslashes */
    size_t o = 0;
    for (const char *p = err->message; *p && o + 2 < sizeof msg; p++) {
        if (*p == '"' || *p == '\\')
            msg[o++] = '\\';
        msg[o++] = *p;
    }
    msg[o] = '\0';
    o = 0;
    for (const char *p = err->path; *p && o + 2 < sizeof path; p++) {
        if (*p == '"' || *p == '\\')
            path[o++] = '\\';
        path[o++] = *p;
    }
    path[o] = '\0';
    if (line)
        snprintf(buf, sizeof buf, "{\"error\":\"%s\",\"path\":\"%s\",\"line\":%zu}", msg, path,
                 line);
    else
        snprintf(buf, sizeof buf, "{\"error\":\"%s\",\"path\":\"%s\"}", msg, path);
    puts(buf);
    fprintf(stderr, "clearance: %s%.0zu%s%s: %s\n", line ? "line " : "", line, line ? " " : "",
            err->path, err->message);
    c->bad = 1;
}

static int count_adjudication(void *arg, const clr_adjudication *a)
{
    (void)a;
    ++*(int64_t *)arg;
    return 0;
}

static int decide_one(void *arg, char *text, size_t len, size_t line)
{
    check_ctx *c = arg;
    clr_request req;
    clr_request_error err;
    if (clr_registry_request_parse(&req, c->registry, text, len, c->now, &err)) {
        print_error(c, &err, line);
        return 0;
    }
    if (c->has_at)
        req.time = c->at;
    clr_registry_check chk;
    clr_registry_fill(c->registry, &req, &chk);
    if (!c->lists && !c->lists_failed && clr_ruleset_uses_screening(c->rs) &&
        (req.principal.name[0] || req.principal.org_name[0]))
        c->lists_failed = cli_load_lists(c->list_paths->v, c->list_paths->n, &c->lists) != 0;
    clr_decision d;
    clr_decide_env env = {c->lists, c->meter.usage ? clr_usage_as_source(c->meter.usage) : NULL};
    if (clr_decide_env_run(c->rs, &env, &req, &d, &err) == CLR_EREQUEST) {
        print_error(c, &err, line);
        return 0;
    }
    clr_registry_apply_adjudications(c->registry, &req, &d);
    clr_registry_flag(&chk, &d);
    if (c->flags.geoip || c->flags.usage)
        clr_redflags_apply(&c->flags, c->rs, &req, &d);
    if (c->licences)
        clr_licences_apply(c->licences, &req, &d);
    if (c->audit) /* --audit: a failure is reported and fails the run at close */
        cli_audit_append(c->audit, &req, &d);
    if (c->meter.usage && clr_usage_record(c->meter.usage, &req, &d))
        c->bad = 1;
    if (c->explain) {
        clr_decision_explain(c->rs, c->lists, &req, &d, stdout);
        fputc('\n', stdout);
        return 0;
    }
    size_t n = clr_decision_to_json(&d, c->out, sizeof c->out);
    if (n >= sizeof c->out) {
        fprintf(stderr, "clearance: decision too large to print\n");
        c->bad = 1;
        return 0;
    }
    fwrite(c->out, 1, n, stdout);
    fputc('\n', stdout);
    return 0;
}

/* --store DB: the registry snapshot, with the lists its adjudications are
 * checked against (loaded now when it holds any). */
static int load_registry(check_ctx *c, const char *path)
{
    clr_store *s = NULL;
    char err[512];
    int64_t n = 0;
    if (clr_store_open(&s, path, NULL, err, sizeof err)) {
        fprintf(stderr, "clearance: --store %s: %s\n", path, err);
        return CLR_EXIT_BADINPUT;
    }
    if (clr_registry_adjudication_list(s, count_adjudication, &n) == 0 && n > 0 && !c->lists &&
        (c->lists_failed = cli_load_lists(c->list_paths->v, c->list_paths->n, &c->lists) != 0)) {
        clr_store_close(s);
        return CLR_EXIT_BADINPUT;
    }
    int rc = clr_registry_load(&c->registry, s, c->lists);
    if (rc)
        fprintf(stderr, "clearance: --store %s: %s\n", path,
                rc == CLR_ESTORE ? clr_store_errmsg(s) : clr_strerror(rc));
    clr_store_close(s);
    return rc ? CLR_EXIT_BADINPUT : 0;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: clearance check [--rules PATH]... [--lists PATH]... [--at TIME] [--explain]\n"
            "                       [--audit DB] [--licences FILE] [--store DB]\n"
            "                       [--geoip FILE] [--usage-spike FACTOR] [--spike-minimum N]\n"
            "                       [FILE|-]\n"
            "  Decides one request (a JSON object) or JSON Lines, one decision per line.\n"
            "  --rules PATH  a rulebook file or folder (repeatable; default: built-in)\n"
            "  --lists PATH  restricted-party list files or folders for rules that screen\n"
            "                names (repeatable; default: the shipped lists)\n"
            "  --at TIME     evaluate at this instant (RFC 3339 or a date), not the request's\n"
            "  --explain     print a readable account instead of JSON\n"
            "  --audit DB    append every decision to the audit log in store DB (docs/store.md)\n"
            "  --licences F  licences (JSON Lines) that lift the license_required they cover,\n"
            "                drawn down as requests are decided (with --store: imported\n"
            "                into the store first)\n"
            "  --store DB    apply the licences in store DB (drawn down there) and meter\n"
            "                usage into it (docs/store.md); with --at and no --rules, decide\n"
            "                under the rulebook version stored in force at that instant; fill\n"
            "                requests from the customer registry in it, flag what it\n"
            "                contradicts and apply reviewers' adjudications\n"
            "  --geoip FILE  red flags from a MaxMind DB country database: a source_ip in\n"
            "                another country than the destination is review, one in E:1 or\n"
            "                E:2 deny (docs/redflags.md)\n"
            "  --usage-spike FACTOR  with --store: review an organisation whose units today\n"
            "                exceed FACTOR (e.g. 5) times its 30-day daily average\n"
            "  --spike-minimum N  with --usage-spike: units today below which there is no\n"
            "                spike (100000)\n");
}

/* --usage-spike FACTOR (more than 1) or --spike-minimum UNITS into o;
 * returns 0, or -1 after saying why. */
static int spike_option(clr_redflags_options *o, int opt, const char *arg)
{
    char *end;
    errno = 0;
    if (opt == 'F') {
        double f = strtod(arg, &end);
        if (errno || end == arg || *end || !(f > 1 && f < 1e9)) {
            fprintf(stderr, "clearance: --usage-spike '%s' is not a factor above 1\n", arg);
            return -1;
        }
        o->spike_factor = f;
        return 0;
    }
    long long n = strtoll(arg, &end, 10);
    if (errno || end == arg || *end || n < 0) {
        fprintf(stderr, "clearance: --spike-minimum '%s' is not a number of units\n", arg);
        return -1;
    }
    o->spike_minimum = n;
    return 0;
}

/* --store with --at and no --rules: the rules are the version stored in
 * force at that instant (time travel; before the first version, the first).
 * A store with no versions at all keeps *rs. */
static int rules_at(clr_ruleset **rs, const char *db, clr_time at)
{
    clr_store *s = NULL;
    clr_ruleset *then = NULL;
    clr_rules_version v;
    clr_diags *diags = NULL;
    int rc = cli_open_store(&s, db, 1);
    if (rc)
        return rc;
    clr_diags_new(&diags);
    int lrc = clr_rules_version_load(&then, &v, s, at, 0, diags);
    if (lrc == CLR_ENOTFOUND) {
        rc = 0; /* no versions stored: the rules as given */
    } else if (lrc) {
        clr_diags_print(diags, stderr);
        fprintf(stderr, "clearance: cannot load the version in force then: %s\n",
                lrc == CLR_ESTORE ? clr_store_errmsg(s) : clr_strerror(lrc));
        rc = lrc == CLR_ERULEBOOK ? CLR_EXIT_BADRULES : CLR_EXIT_BADINPUT;
    } else {
        char from[32] = "";
        clr_time_format(from, sizeof from, v.created_at);
        fprintf(stderr, "clearance: rules version %lld (%s, from %s by %s%s%s)\n",
                (long long)v.version, v.digest, from, v.created_by, v.reason[0] ? ": " : "",
                v.reason);
        clr_ruleset_unref(*rs);
        *rs = then;
    }
    clr_diags_free(diags);
    clr_store_close(s);
    return rc;
}

/* --store with --at and no --lists: the lists version stored in force at
 * that instant. A store with no lists versions leaves *lists to be loaded
 * as usual. */
static int lists_at(clr_lists **lists, const char *db, clr_time at)
{
    clr_store *s = NULL;
    clr_lists_version v;
    int rc = cli_open_store(&s, db, 1);
    if (rc)
        return rc;
    int lrc = clr_lists_version_load(lists, &v, s, at, 0, NULL);
    if (lrc == CLR_ENOTFOUND) {
        rc = 0;
    } else if (lrc) {
        fprintf(stderr, "clearance: cannot load the lists in force then: %s\n",
                lrc == CLR_ESTORE || lrc == CLR_EIO ? clr_store_errmsg(s) : clr_strerror(lrc));
        rc = CLR_EXIT_BADINPUT;
    } else {
        char from[32] = "";
        clr_time_format(from, sizeof from, v.created_at);
        fprintf(stderr, "clearance: lists version %lld (%s, from %s by %s)\n", (long long)v.version,
                v.digest, from, v.created_by);
    }
    clr_store_close(s);
    return rc;
}

int clr_cmd_check(int argc, char **argv)
{
    static const struct option opts[] = {{"rules", required_argument, NULL, 'r'},
                                         {"lists", required_argument, NULL, 'l'},
                                         {"at", required_argument, NULL, 'a'},
                                         {"explain", no_argument, NULL, 'e'},
                                         {"help", no_argument, NULL, 'h'},
                                         {"audit", required_argument, NULL, 'A'},
                                         {"licences", required_argument, NULL, 'L'},
                                         {"store", required_argument, NULL, 'S'},
                                         {"geoip", required_argument, NULL, 'G'},
                                         {"usage-spike", required_argument, NULL, 'F'},
                                         {"spike-minimum", required_argument, NULL, 'M'},
                                         {NULL, 0, NULL, 0}};
    const char *audit_path = NULL, *licences_path = NULL, *store_path = NULL, *geoip_path = NULL;
    check_ctx *c = calloc(1, sizeof(*c));
    cli_strv rules = {0}, lists = {0};
    int rc = CLR_EXIT_BADINPUT, opt;
    clr_ruleset *rs = NULL;
    char *text = NULL;
    if (!c)
        goto done;
    optind = 1;
    c->list_paths = &lists;
    c->flags = (clr_redflags_options)CLR_REDFLAGS_OPTIONS_INIT;
    while ((opt = getopt_long(argc, argv, "r:l:a:ehA:L:S:G:F:M:", opts, NULL)) != -1) {
        switch (opt) {
        case 'r':
            if (cli_strv_push(&rules, optarg))
                goto done;
            break;
        case 'l':
            if (cli_strv_push(&lists, optarg))
                goto done;
            break;
        case 'a':
            if (cli_parse_time(&c->at, "--at", optarg))
                goto done;
            c->has_at = 1;
            break;
        case 'e': c->explain = 1; break;
        case 'A': audit_path = optarg; break;
        case 'L': licences_path = optarg; break;
        case 'S': store_path = optarg; break;
        case 'G': geoip_path = optarg; break;
        case 'F':
        case 'M':
            if (spike_option(&c->flags, opt, optarg))
                goto done;
            c->spike |= opt == 'F';
            break;
        case 'h':
            usage(stdout);
            rc = CLR_EXIT_OK;
            goto done;
        default: usage(stderr); goto done;
        }
    }
    if (argc - optind > 1) {
        usage(stderr);
        goto done;
    }
    if (c->spike && !store_path) {
        fprintf(stderr,
                "clearance: --usage-spike reads the usage metered in a store: add --store\n");
        goto done;
    }
    if (geoip_path) {
        char gerr[512];
        int grc = clr_geoip_open(&c->geoip, geoip_path, gerr, sizeof gerr);
        if (grc) {
            fprintf(stderr, "clearance: --geoip %s\n", grc == CLR_ENOMEM ? "out of memory" : gerr);
            goto done;
        }
        c->flags.geoip = c->geoip;
    }
    const char *input = optind < argc ? argv[optind] : "-";
    if ((rc = cli_load_rules(rules.v, rules.n, 0, &rs)))
        goto done;
    if (audit_path && (rc = cli_audit_open(&c->audit, audit_path)))
        goto done;
    if (store_path) {
        if ((rc = cli_meter_open(&c->meter, store_path, licences_path, "clearance")))
            goto done;
        if (c->has_at && rules.n == 0 && (rc = rules_at(&rs, store_path, c->at)))
            goto done;
        if (c->has_at && lists.n == 0 && (rc = lists_at(&c->lists, store_path, c->at)))
            goto done;
        c->licences = c->meter.licences;
        if (c->spike)
            c->flags.usage = clr_usage_as_source(c->meter.usage);
    } else if (licences_path) {
        size_t llen = 0;
        char *ltext = cli_read_all(licences_path, &llen);
        char lerr[512];
        rc = CLR_EXIT_BADINPUT;
        if (!ltext)
            goto done;
        int lrc = clr_licences_parse(&c->licences, ltext, llen, licences_path, lerr, sizeof lerr);
        free(ltext);
        if (lrc) {
            fprintf(stderr, "clearance: %s\n", lrc == CLR_ENOMEM ? "out of memory" : lerr);
            goto done;
        }
    }
    if (store_path && (rc = load_registry(c, store_path)))
        goto done;
    size_t len = 0;
    rc = CLR_EXIT_BADINPUT;
    if (!(text = cli_read_all(input, &len)))
        goto done;
    c->rs = rs;
    c->now = clr_time_now();
    if (cli_is_single_json(text, len))
        decide_one(c, text, len, 0);
    else
        cli_each_line(text, len, decide_one, c);
    rc = c->bad ? CLR_EXIT_BADINPUT : CLR_EXIT_OK;
done:
    if (c && cli_audit_close(c->audit) && rc == CLR_EXIT_OK)
        rc = CLR_EXIT_FAILED; /* a decision was not logged */
    if (c && c->meter.licences) {
        if (cli_meter_close(&c->meter, "clearance") && rc == CLR_EXIT_OK)
            rc = CLR_EXIT_FAILED; /* usage was not written */
    } else if (c) {
        clr_licences_free(c->licences);
    }
    fflush(stdout);
    free(text);
    clr_ruleset_unref(rs);
    if (c) {
        clr_lists_unref(c->lists);
        clr_registry_unref(c->registry);
        clr_geoip_close(c->geoip);
    }
    cli_strv_free(&rules);
    cli_strv_free(&lists);
    free(c);
    return rc;
}
