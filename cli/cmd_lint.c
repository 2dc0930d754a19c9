/* clearance lint: report errors and suspicious constructs in rulebooks. */
#include "cli_util.h"
#include "commands.h"

#include <stdio.h>
#include <string.h>

int clr_cmd_lint(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0) {
        fprintf(argc < 2 ? stderr : stdout,
                "usage: clearance lint PATH...\n"
                "  Compiles the rulebook files and folders and prints every error and warning\n"
                "  as file:line:column. Exit 0 when there is no error (warnings allowed), 3 when\n"
                "  there is, 2 when a file cannot be read.\n");
        return argc < 2 ? CLR_EXIT_BADINPUT : CLR_EXIT_OK;
    }
    clr_diags *diags = NULL;
    if (clr_diags_new(&diags))
        return CLR_EXIT_BADRULES;
    clr_ruleset *rs = NULL;
    int rc = clr_ruleset_load(&rs, (const char *const *)argv + 1, (size_t)argc - 1, diags);
    clr_diags_print(diags, stdout);
    size_t errors = clr_diags_errors(diags), warnings = clr_diags_count(diags) - errors;
    if (rs)
        printf("%zu rulebook%s, %zu rule%s: %zu error%s, %zu warning%s\n",
               clr_ruleset_rulebook_count(rs), clr_ruleset_rulebook_count(rs) == 1 ? "" : "s",
               clr_ruleset_rule_count(rs), clr_ruleset_rule_count(rs) == 1 ? "" : "s", errors,
               errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s");
    else
        printf("%zu error%s, %zu warning%s\n", errors, errors == 1 ? "" : "s", warnings,
               warnings == 1 ? "" : "s");
    clr_diags_free(diags);
    clr_ruleset_unref(rs);
    if (rc == CLR_EIO)
        return CLR_EXIT_BADINPUT;
    return rc ? CLR_EXIT_BADRULES : CLR_EXIT_OK;
}
