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

static int versions_cmd(int argc, char **argv, int of_lists);

int clr_cmd_rules(int argc, char **argv)
{
    return versions_cmd(argc, argv, 0);
}

int clr_cmd_lists(int argc, char **argv)
{
    return versions_cmd(argc, argv, 1);
}

static void lists_usage(FILE *f)
{
    fprintf(f,
            "usage: clearance lists push     --store DB [--by WHO] [--reason WHY] [--from TIME]\n"
            "                                PATH...\n"
            "       clearance lists versions --store DB\n"
            "  push      stores the restricted-party list files at PATH (files or folders) as a\n"
            "            new version, in force from now (or --from TIME); each file's content is\n"
            "            kept once; nothing is stored when the files equal the latest version's\n"
            "  versions  lists the versions: number, in force from, by, digest, files, reason\n"
            "  --store DB  the store (default: $CLEARANCE_DB)\n"
            "  'clearance check --store DB --at TIME' screens against the version in force\n"
            "  then; a server started with --store records the lists it loads.\n");
}

static int versions_cmd(int argc, char **argv, int of_lists)
{
    void (*usage_fn)(FILE *) = of_lists ? lists_usage : usage;
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage_fn(argc < 2 ? stderr : stdout);
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
            if (cli_parse_time(&at, opt == 'a' ? "--at" : "--from", optarg))
                return CLR_EXIT_BADINPUT;
            has_at = 1;
            break;
        case 'h': usage_fn(stdout); return CLR_EXIT_OK;
        default: usage_fn(stderr); return CLR_EXIT_BADINPUT;
        }
    }
    if (!db || !*db) {
        fprintf(stderr, "clearance: %s %s needs --store DB (or $CLEARANCE_DB)\n",
                of_lists ? "lists" : "rules", verb);
        return CLR_EXIT_BADINPUT;
    }
    int push = strcmp(verb, "push") == 0, list = strcmp(verb, "versions") == 0,
        show = strcmp(verb, "show") == 0;
    if (!push && !list && !(show && !of_lists)) {
        fprintf(stderr, "clearance: unknown %s command '%s'\n", of_lists ? "lists" : "rules", verb);
        usage_fn(stderr);
        return CLR_EXIT_BADINPUT;
    }
    if ((!push && optind < argc) || (show && !version && !has_at) ||
        (of_lists && push && optind == argc)) {
        usage_fn(stderr);
        return CLR_EXIT_BADINPUT;
    }
    clr_store *s = NULL;
    clr_ruleset *rs = NULL;
    int rc = cli_open_store(&s, db, !push);
    if (rc)
        return rc;
    if (push && of_lists) {
        clr_lists_version v;
        clr_lists *check = NULL;
        clr_list_report *report = calloc(1, sizeof *report);
        /* the files must load as lists before they are put in force */
        int lrc = report ? clr_lists_load(&check, (const char *const *)argv + optind,
                                          (size_t)(argc - optind), report)
                         : CLR_ENOMEM;
        clr_lists_unref(check);
        if (lrc) {
            fprintf(stderr, "clearance: the lists cannot be loaded: %s\n", clr_strerror(lrc));
            for (size_t i = 0; report && i < report->nproblems; i++)
                fprintf(stderr, "  %s:%zu: %s\n", report->problems[i].file, report->problems[i].row,
                        report->problems[i].message);
            free(report);
            rc = CLR_EXIT_BADINPUT;
            goto done;
        }
        free(report);
        int src = clr_lists_version_store(&v, s, (const char *const *)argv + optind,
                                          (size_t)(argc - optind), by, reason,
                                          has_at ? at : clr_time_now());
        if (src) {
            fprintf(stderr, "clearance: cannot store the version: %s\n",
                    src == CLR_ENOMEM ? clr_strerror(src) : clr_store_errmsg(s));
            rc = CLR_EXIT_BADINPUT;
            goto done;
        }
        char from[32] = "";
        clr_time_format(from, sizeof from, v.created_at);
        printf("version %lld (%s), %zu files, in force from %s, by %s\n", (long long)v.version,
               v.digest, v.nfiles, from, v.created_by);
    } else if (push) {
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
        if (of_lists ? clr_lists_version_list(s, print_version, NULL)
                     : clr_rules_version_list(s, print_version, NULL)) {
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
