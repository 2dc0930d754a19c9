/* clearance impact: which combinations change outcome between two rule sets,
 * or between two instants. */
#include "cli_sides.h"
#include "cli_util.h"
#include "commands.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct impact_ctx {
    clr_impact *im;
    const clr_ruleset *rs[2];
    clr_decide_env env;
    clr_lists *lists; /* loaded when a combination first needs screening */
    const cli_strv *list_paths;
    int lists_failed;
    int screens;
    clr_time now;
    int bad;
} impact_ctx;

static int add_request(void *arg, clr_request *req, uint64_t ref)
{
    impact_ctx *c = arg;
    if (c->screens && !c->lists && !c->lists_failed &&
        (req->principal.name[0] || req->principal.org_name[0])) {
        c->lists_failed = cli_load_lists(c->list_paths->v, c->list_paths->n, &c->lists) != 0;
        c->env.lists = c->lists;
    }
    if (clr_impact_add(c->im, req, ref)) {
        fprintf(stderr, "clearance: out of memory\n");
        return CLR_EXIT_BADINPUT;
    }
    return 0;
}

static int add_line(void *arg, char *text, size_t len, size_t line)
{
    impact_ctx *c = arg;
    clr_request req;
    clr_request_error err;
    if (clr_request_parse(&req, text, len, c->now, &err)) {
        fprintf(stderr, "clearance: line %zu: %s: %s\n", line, err.path, err.message);
        c->bad = 1;
        return 0;
    }
    return add_request(c, &req, line);
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: clearance impact [--rules PATH]... [--proposed PATH]... [--at TIME]\n"
            "                        [--then TIME] [--lists PATH]... [--examples N] [--json]\n"
            "                        [--store DB [--version N] [--then-version M]\n"
            "                         [--registry] [--audit-since TIME [--audit-until TIME]]]\n"
            "                        [--combinations FILE.jsonl]\n"
            "  Decides every combination (a request per line) under two sides and reports\n"
            "  those whose outcome changes, grouped by transition and by the rules responsible.\n"
            "  --rules PATH     the active rules (repeatable; default: built-in)\n"
            "  --proposed PATH  the rules to compare with (repeatable); without it, the active\n"
            "                   rules at --at are compared with themselves at --then\n"
            "  --at TIME        the instant of the active side (RFC 3339 or a date; default now)\n"
            "  --then TIME      the instant of the other side (default: --at)\n"
            "  --lists PATH     restricted-party lists for rules that screen names\n"
            "  --examples N     combinations shown per group (default 20)\n"
            "  --json           one JSON object instead of the table\n"
            "  --store DB       without --rules, the active side is the rulebook version stored\n"
            "                   in force at --at (or --version N), and without --proposed the\n"
            "                   other side is the one in force at --then (or --then-version M)\n"
            "  --audit-since T  also compare every distinct combination in the store's audit\n"
            "                   log recorded from T (until --audit-until); ref is its first\n"
            "                   record's sequence number\n"
            "  --registry       also compare every registered user with every model, use and\n"
            "                   integration of the rules (ref: the user's place in id order)\n");
}

int clr_cmd_impact(int argc, char **argv)
{
    static const struct option opts[] = {{"rules", required_argument, NULL, 'r'},
                                         {"proposed", required_argument, NULL, 'p'},
                                         {"at", required_argument, NULL, 'a'},
                                         {"then", required_argument, NULL, 't'},
                                         {"lists", required_argument, NULL, 'l'},
                                         {"combinations", required_argument, NULL, 'c'},
                                         {"examples", required_argument, NULL, 'n'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"help", no_argument, NULL, 'h'},
                                         {"store", required_argument, NULL, 'S'},
                                         {"version", required_argument, NULL, 'V'},
                                         {"then-version", required_argument, NULL, 'W'},
                                         {"audit-since", required_argument, NULL, 'F'},
                                         {"audit-until", required_argument, NULL, 'U'},
                                         {"registry", no_argument, NULL, 'R'},
                                         {NULL, 0, NULL, 0}};
    cli_strv rules = {0}, proposed = {0}, lists = {0};
    impact_ctx c = {0};
    clr_ruleset *active = NULL, *other = NULL;
    const char *combinations = NULL;
    char *text = NULL, *json = NULL;
    int rc = CLR_EXIT_BADINPUT, opt, as_json = 0, has_at = 0, has_then = 0;
    clr_time at = 0, then = 0;
    clr_impact_options io = CLR_IMPACT_OPTIONS_INIT;
    const char *db = NULL;
    clr_store *store = NULL;
    int64_t version = 0, then_version = 0;
    int has_since = 0, registry = 0;
    clr_time since = 0, until = CLR_TIME_MAX;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "r:p:a:t:l:c:n:jhS:V:W:F:U:R", opts, NULL)) != -1) {
        switch (opt) {
        case 'r':
            if (cli_strv_push(&rules, optarg))
                goto done;
            break;
        case 'p':
            if (cli_strv_push(&proposed, optarg))
                goto done;
            break;
        case 'l':
            if (cli_strv_push(&lists, optarg))
                goto done;
            break;
        case 'a':
            if (cli_parse_time(&at, "--at", optarg))
                goto done;
            has_at = 1;
            break;
        case 't':
            if (cli_parse_time(&then, "--then", optarg))
                goto done;
            has_then = 1;
            break;
        case 'c': combinations = optarg; break;
        case 'n': {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (*end || n < 0 || n > 100000) {
                fprintf(stderr, "clearance: --examples wants a number from 0 to 100000\n");
                goto done;
            }
            io.max_examples = (size_t)n;
            break;
        }
        case 'j': as_json = 1; break;
        case 'S': db = optarg; break;
        case 'V':
            if (cli_parse_version(&version, "--version", optarg))
                goto done;
            break;
        case 'W':
            if (cli_parse_version(&then_version, "--then-version", optarg))
                goto done;
            break;
        case 'F':
            if (cli_parse_time(&since, "--audit-since", optarg))
                goto done;
            has_since = 1;
            break;
        case 'U':
            if (cli_parse_time(&until, "--audit-until", optarg))
                goto done;
            break;
        case 'R': registry = 1; break;
        case 'h':
            usage(stdout);
            rc = CLR_EXIT_OK;
            goto done;
        default: usage(stderr); goto done;
        }
    }
    if (optind < argc || (!combinations && !has_since && !registry)) {
        if (optind >= argc)
            fprintf(stderr, "clearance: impact needs --combinations FILE, --registry or "
                            "--audit-since TIME\n");
        usage(stderr);
        goto done;
    }
    if (!db && (version || then_version || has_since || registry)) {
        fprintf(
            stderr,
            "clearance: --version, --then-version, --registry and --audit-since need --store\n");
        goto done;
    }
    if ((version && rules.n) || (then_version && proposed.n)) {
        fprintf(stderr, "clearance: a side is stored rules or files, not both\n");
        goto done;
    }
    if (!proposed.n && !has_then && !then_version) {
        fprintf(stderr, "clearance: impact compares --rules with --proposed, or --at with "
                        "--then: give one of them\n");
        goto done;
    }
    c.now = clr_time_now();
    if (!has_at)
        at = c.now;
    if (!has_then)
        then = at;
    if (db && (rc = cli_open_store(&store, db, 1)))
        goto done;
    if (store && !rules.n)
        rc = cli_stored_rules(store, at, version, "before", &active);
    else
        rc = cli_load_rules(rules.v, rules.n, 0, &active);
    if (rc)
        goto done;
    if (proposed.n)
        rc = cli_load_rules(proposed.v, proposed.n, 0, &other);
    else if (store && (!rules.n || then_version))
        rc = cli_stored_rules(store, then, then_version, "after", &other);
    if (rc)
        goto done;
    clr_side before = {active, at}, after = {other ? other : active, then};
    c.screens = clr_ruleset_uses_screening(before.rs) || clr_ruleset_uses_screening(after.rs);
    c.list_paths = &lists;
    io.env = &c.env;
    rc = CLR_EXIT_BADINPUT;
    if (clr_impact_new(&c.im, &before, &after, &io)) {
        fprintf(stderr, "clearance: out of memory\n");
        goto done;
    }
    size_t len = 0;
    if (combinations && !(text = cli_read_all(combinations, &len)))
        goto done;
    if (text && cli_each_line(text, len, add_line, &c))
        goto done;
    if (registry) {
        clr_registry *reg = NULL;
        size_t n = 0;
        int rrc = clr_registry_load(&reg, store, NULL);
        if (!rrc) {
            /* what each registered customer could ask, under the rules after */
            rrc = clr_registry_combinations(reg, after.rs, add_request, &c, &n);
            fprintf(stderr,
                    "clearance: registry: %zu users, %zu combinations (each model, use and "
                    "integration)\n",
                    clr_registry_user_count(reg), n);
        }
        clr_registry_unref(reg);
        if (rrc) {
            fprintf(stderr, "clearance: cannot read the registry: %s\n",
                    rrc == CLR_ESTORE ? clr_store_errmsg(store) : clr_strerror(rrc));
            goto done;
        }
    }
    if (has_since) {
        size_t records = 0, distinct = 0, unreadable = 0;
        int arc = clr_audit_combinations(store, since, until, add_request, &c, &records, &distinct,
                                         &unreadable);
        if (arc) {
            fprintf(stderr, "clearance: cannot read the audit log: %s\n",
                    arc == CLR_ESTORE ? clr_store_errmsg(store) : clr_strerror(arc));
            goto done;
        }
        if (unreadable)
            fprintf(stderr, "clearance: audit log: %zu records whose request cannot be read\n",
                    unreadable);
        fprintf(stderr, "clearance: audit log: %zu records, %zu distinct combinations\n", records,
                distinct);
    }
    if (as_json) {
        if (clr_impact_to_json(&json, c.im)) {
            fprintf(stderr, "clearance: out of memory\n");
            goto done;
        }
        puts(json);
    } else {
        clr_impact_print(c.im, stdout);
    }
    rc = c.bad ? CLR_EXIT_BADINPUT : CLR_EXIT_OK;
done:
    fflush(stdout);
    free(json);
    free(text);
    clr_impact_free(c.im);
    clr_store_close(store);
    clr_lists_unref(c.lists);
    clr_ruleset_unref(active);
    clr_ruleset_unref(other);
    cli_strv_free(&rules);
    cli_strv_free(&proposed);
    cli_strv_free(&lists);
    return rc;
}
