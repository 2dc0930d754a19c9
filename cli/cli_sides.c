/* The store-backed sources of impact and diff. */
#include "cli_sides.h"
#include "commands.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_stored_rules(clr_store *s, clr_time at, int64_t version, const char *label,
                     clr_ruleset **out)
{
    clr_rules_version v;
    clr_diags *diags = NULL;
    clr_diags_new(&diags);
    int lrc = clr_rules_version_load(out, &v, s, at, version, diags);
    int rc = 0;
    if (lrc == CLR_ENOTFOUND) {
        fprintf(stderr, "clearance: %s: %s\n", label,
                version ? "no such rules version in the store" : "no rules version is stored");
        rc = CLR_EXIT_BADINPUT;
    } else if (lrc) {
        if (diags)
            clr_diags_print(diags, stderr);
        fprintf(stderr, "clearance: %s: cannot load the rules version: %s\n", label,
                lrc == CLR_ESTORE ? clr_store_errmsg(s) : clr_strerror(lrc));
        rc = lrc == CLR_ERULEBOOK ? CLR_EXIT_BADRULES : CLR_EXIT_BADINPUT;
    } else {
        char from[32] = "";
        clr_time_format(from, sizeof from, v.created_at);
        fprintf(stderr, "clearance: %s: rules version %lld (%s, from %s by %s%s%s)\n", label,
                (long long)v.version, v.digest, from, v.created_by, v.reason[0] ? ": " : "",
                v.reason);
    }
    clr_diags_free(diags);
    return rc;
}

int cli_parse_version(int64_t *out, const char *flag, const char *s)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end || errno || v < 1) {
        fprintf(stderr, "clearance: %s wants a version number\n", flag);
        return -1;
    }
    *out = v;
    return 0;
}
