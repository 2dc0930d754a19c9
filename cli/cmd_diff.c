/* clearance diff: what changed between two rule sets, or one set at two
 * instants, and where their outcomes differ. */
#include "cli_sides.h"
#include "cli_util.h"
#include "commands.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f, "usage: clearance diff [--at TIME] [--then TIME] [--ignore-scope] [--agreement]\n"
               "                      [--json] [A B]\n"
               "       clearance diff [--rules PATH]... --at TIME --then TIME [--json]\n"
               "       clearance diff --store DB [--at TIME] [--then TIME] [--version N]\n"
               "                      [--then-version M] [--json]\n"
               "  Compares rule set A (a file or folder) with B: rulebooks, rules, exemptions,\n"
               "  groups and models added, removed and changed, then the regions of destination,\n"
               "  model, use, integration, nationality and organisation where outcomes differ.\n"
               "  Without A and B, compares the rules (default: built-in) at --at and at --then.\n"
               "  --at TIME        the instant of A (RFC 3339 or a date; default now)\n"
               "  --then TIME      the instant of B (default: --at)\n"
               "  --ignore-scope   decide as if every rulebook applied to every request, to\n"
               "                   compare two jurisdictions' rules on the same ground\n"
               "  --agreement      also list the regions where both restrict alike\n"
               "  --json           one JSON object instead of the text\n"
               "  --store DB       compare the rulebook versions stored in DB: the one in force\n"
               "                   at --at (or --version N) with the one in force at --then (or\n"
               "                   --then-version M)\n");
}

int clr_cmd_diff(int argc, char **argv)
{
    static const struct option opts[] = {{"rules", required_argument, NULL, 'r'},
                                         {"at", required_argument, NULL, 'a'},
                                         {"then", required_argument, NULL, 't'},
                                         {"ignore-scope", no_argument, NULL, 's'},
                                         {"agreement", no_argument, NULL, 'g'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"help", no_argument, NULL, 'h'},
                                         {"store", required_argument, NULL, 'S'},
                                         {"version", required_argument, NULL, 'V'},
                                         {"then-version", required_argument, NULL, 'W'},
                                         {NULL, 0, NULL, 0}};
    cli_strv rules = {0};
    clr_ruleset *ra = NULL, *rb = NULL;
    clr_diff *d = NULL;
    char *json = NULL;
    int rc = CLR_EXIT_BADINPUT, opt, as_json = 0, has_at = 0, has_then = 0;
    clr_time at = 0, then = 0;
    clr_diff_options o = CLR_DIFF_OPTIONS_INIT;
    const char *db = NULL;
    clr_store *store = NULL;
    int64_t version = 0, then_version = 0;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "r:a:t:sgjhS:V:W:", opts, NULL)) != -1) {
        switch (opt) {
        case 'r':
            if (cli_strv_push(&rules, optarg))
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
        case 's': o.ignore_scope = 1; break;
        case 'g': o.agreement = 1; break;
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
        case 'h':
            usage(stdout);
            rc = CLR_EXIT_OK;
            goto done;
        default: usage(stderr); goto done;
        }
    }
    int npos = argc - optind;
    if (npos != 0 && npos != 2) {
        usage(stderr);
        goto done;
    }
    if (npos == 2 && rules.n) {
        fprintf(stderr, "clearance: give --rules or A and B, not both\n");
        goto done;
    }
    if (!db && (version || then_version)) {
        fprintf(stderr, "clearance: --version and --then-version need --store\n");
        goto done;
    }
    if (db && (npos || rules.n)) {
        fprintf(stderr, "clearance: with --store, both sides are stored rules versions\n");
        goto done;
    }
    if (npos == 0 && !has_then && !version && !then_version) {
        fprintf(stderr, "clearance: diff compares A with B, or the rules at --at with --then: "
                        "give one of them\n");
        goto done;
    }
    if (!has_at)
        at = clr_time_now();
    if (!has_then)
        then = at;
    if (db) {
        if ((rc = cli_open_store(&store, db, 1)) ||
            (rc = cli_stored_rules(store, at, version, "a", &ra)) ||
            (rc = cli_stored_rules(store, then, then_version, "b", &rb)))
            goto done;
    } else if (npos == 2) {
        const char *pa = argv[optind], *pb = argv[optind + 1];
        if ((rc = cli_load_rules(&pa, 1, 0, &ra)) || (rc = cli_load_rules(&pb, 1, 0, &rb)))
            goto done;
    } else {
        if ((rc = cli_load_rules(rules.v, rules.n, 0, &ra)))
            goto done;
        rb = clr_ruleset_ref(ra);
    }
    clr_side a = {ra, at}, b = {rb, then};
    int drc = clr_diff_run(&d, &a, &b, &o);
    rc = CLR_EXIT_BADINPUT;
    if (drc) {
        fprintf(stderr, "clearance: diff: %s\n", clr_strerror(drc));
        goto done;
    }
    if (as_json) {
        if (clr_diff_to_json(&json, d)) {
            fprintf(stderr, "clearance: out of memory\n");
            goto done;
        }
        puts(json);
    } else {
        clr_diff_print(d, stdout);
    }
    rc = CLR_EXIT_OK;
done:
    fflush(stdout);
    free(json);
    clr_diff_free(d);
    clr_store_close(store);
    clr_ruleset_unref(ra);
    clr_ruleset_unref(rb);
    cli_strv_free(&rules);
    return rc;
}
