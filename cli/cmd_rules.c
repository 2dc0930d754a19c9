/* clearance rules: rulebook versions in the store (docs/store.md, "Rulebook
 * versions"). push stores the given rulebooks (or the built-in ones) as a new
 * version; versions lists them; show prints one version's sources. Exit 0
 * done, 2 bad input, 3 a rulebook has errors. */
#include "clearance_store.h"
#include "cli_util.h"
#include "commands.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
            "usage: clearance rules push     --store DB [--by WHO] [--reason WHY] [--from TIME]\n"
            "                                [PATH]...\n"
            "       clearance rules versions --store DB\n"
            "       clearance rules show     --store DB (--version N | --at TIME)\n"
            "  push      stores the rulebooks at PATH (or the built-in ones) as a new version,\n"
            "            in force from now (or --from TIME, to record history; never before the\n"
            "            latest version); nothing is stored when the latest version is the same\n"
            "  versions  lists the versions: number, in force from, by, digest, files, reason\n"
            "  show      prints the sources of a version, or of the one in force at TIME\n"
            "  --store DB  the store (default: $CLEARANCE_DB)\n"
            "  Decide under the version in force at an instant with\n"
            "  'clearance check --store DB --at TIME'.\n");
}

static int print_version(void *arg, const clr_rules_version *v)
{
    (void)arg;
    char at[32] = "";
    clr_time_format(at, sizeof at, v->created_at);
    printf("%6lld  %-20s  %-16s  %.12s  %3zu  %s\n", (long long)v->version, at, v->created_by,
           v->digest, v->nfiles, v->reason);
    return 0;
}

int clr_cmd_rules(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLR_EXIT_BADINPUT : CLR_EXIT_OK;
    }
    const char *verb = argv[1];
    const char *db = getenv("CLEARANCE_DB"), *by = getenv("USER"), *reason = "";
    long long version = 0;
    clr_time at = 0;
    int has_at = 0;
    static const struct option opts[] = {
        {"store", required_argument, NULL, 's'},  {"by", required_argument, NULL, 'b'},
        {"reason", required_argument, NULL, 'r'}, {"version", required_argument, NULL, 'v'},
        {"at", required_argument, NULL, 'a'},     {"from", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    optind = 1;
    argc--;
    argv++;
    int opt;
    char *end;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case 's': db = optarg; break;
        case 'b': by = optarg; break;
        case 'r': reason = optarg; break;
        case 'v':
            version = strtoll(optarg, &end, 10);
            if (*end || version < 1) {
                fprintf(stderr, "clearance: --version takes a version number\n");
                return CLR_EXIT_BADINPUT;
            }
            break;
        case 'a':
        case 'f':
            if (clr_time_parse(&at, optarg, strlen(optarg))) {
                fprintf(stderr, "clearance: --%s '%s' is not an RFC 3339 time or a date\n",
                        opt == 'a' ? "at" : "from", optarg);
                return CLR_EXIT_BADINPUT;
            }
            has_at = 1;
            break;
        case 'h': usage(stdout); return CLR_EXIT_OK;
        default: usage(stderr); return CLR_EXIT_BADINPUT;
        }
    }
    if (!db || !*db) {
        fprintf(stderr, "clearance: rules %s needs --store DB (or $CLEARANCE_DB)\n", verb);
        return CLR_EXIT_BADINPUT;
    }
    int push = strcmp(verb, "push") == 0, list = strcmp(verb, "versions") == 0,
        show = strcmp(verb, "show") == 0;
    if (!push && !list && !show) {
        fprintf(stderr, "clearance: unknown rules command '%s'\n", verb);
        usage(stderr);
        return CLR_EXIT_BADINPUT;
    }
    if ((!push && optind < argc) || (show && !version && !has_at)) {
        usage(stderr);
        return CLR_EXIT_BADINPUT;
    }
    clr_store *s = NULL;
    clr_ruleset *rs = NULL;
    int rc = cli_open_store(&s, db, !push);
    if (rc)
        return rc;
    if (push) {
        rc = cli_load_rules((const char *const *)argv + optind, (size_t)(argc - optind), 0, &rs);
        if (rc)
            goto done;
        clr_rules_version v;
        int src = clr_rules_version_store(&v, s, rs, by, reason, has_at ? at : clr_time_now());
        if (src) {
            fprintf(stderr, "clearance: cannot store the version: %s\n",
                    src == CLR_ESTORE || src == CLR_EINVAL ? clr_store_errmsg(s)
                                                           : clr_strerror(src));
            rc = CLR_EXIT_BADINPUT;
            goto done;
        }
        char from[32] = "";
        clr_time_format(from, sizeof from, v.created_at);
        printf("version %lld (%s), in force from %s, by %s\n", (long long)v.version, v.digest, from,
               v.created_by);
    } else if (list) {
        printf("%6s  %-20s  %-16s  %-12s  %3s  %s\n", "version", "in force from", "by", "digest",
               "files", "reason");
        if (clr_rules_version_list(s, print_version, NULL)) {
            fprintf(stderr, "clearance: %s\n", clr_store_errmsg(s));
            rc = CLR_EXIT_BADINPUT;
        }
    } else {
        clr_rules_version v;
        clr_diags *diags = NULL;
        clr_diags_new(&diags);
        int lrc = clr_rules_version_load(&rs, &v, s, at, version, diags);
        if (lrc == CLR_ENOTFOUND) {
            fprintf(stderr, "clearance: %s\n",
                    version ? "no such version" : "no version was in force at that instant");
            rc = CLR_EXIT_BADINPUT;
        } else if (lrc) {
            if (diags)
                clr_diags_print(diags, stderr);
            fprintf(stderr, "clearance: cannot load the version: %s\n",
                    lrc == CLR_ESTORE ? clr_store_errmsg(s) : clr_strerror(lrc));
            rc = lrc == CLR_ERULEBOOK ? CLR_EXIT_BADRULES : CLR_EXIT_BADINPUT;
        } else {
            char from[32] = "";
            clr_time_format(from, sizeof from, v.created_at);
            printf("# version %lld, in force from %s, by %s: %s\n# digest %s\n",
                   (long long)v.version, from, v.created_by, v.reason, v.digest);
            for (size_t i = 0; i < clr_ruleset_source_count(rs); i++) {
                clr_rule_file f;
                clr_ruleset_source(rs, i, &f);
                printf("\n# ---- %s\n%.*s", f.name, (int)f.len, f.text);
            }
        }
        clr_diags_free(diags);
    }
done:
    clr_ruleset_unref(rs);
    clr_store_close(s);
    return rc;
}
