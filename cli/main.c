/* clearance: the command-line front end. */
#include "clearance.h"
#include "commands.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"check", clr_cmd_check, "decide requests (one JSON object, or JSON Lines)"},
    {"lint", clr_cmd_lint, "check rulebooks for errors and suspicious rules"},
    {"test", clr_cmd_test, "run rulebook tests (*.tests.jsonl)"},
    {"classify", clr_cmd_classify, "derive a model's classes from its attributes"},
    {"bench", clr_cmd_bench, "measure decisions per second and latency"},
    {"screen", clr_cmd_screen, "screen a name against restricted-party lists"},
    {"impact", clr_cmd_impact,
     "which combinations change outcome between two rule sets or instants"},
    {"diff", clr_cmd_diff, "what changed between two rule sets, and where outcomes differ"},
    {"audit", clr_cmd_audit, "verify, prove and export the audit log (docs/store.md)"},
    {"licence", clr_cmd_licence, "add, list, show and revoke licences in the store"},
    {"usage", clr_cmd_usage, "report the usage metered in the store"},
    {"rules", clr_cmd_rules, "store rulebook versions and show them (time travel)"},
    {"lists", clr_cmd_lists, "store restricted-party list versions (time travel)"},
    {"org", clr_cmd_org, "manage registered organisations (--store DB)"},
    {"user", clr_cmd_user, "manage registered users (--store DB)"},
    {"key", clr_cmd_key, "create, revoke and list users' API keys (--store DB)"},
    {"adjudicate", clr_cmd_adjudicate, "record a reviewer's verdict on a possible match"},
    {"rescreen", clr_cmd_rescreen, "screen every registered party again; report changes"},
    {"demo", clr_cmd_demo, "fill a store with demonstration data for the dashboard"},
#ifdef CLR_WITH_SERVER
    {"serve", clr_cmd_serve, "serve decisions over HTTP (docs/http-api.md)"},
#endif
};

static void usage(FILE *f)
{
    fprintf(f, "usage: clearance COMMAND [OPTIONS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n'clearance COMMAND --help' describes a command. Exit codes: 0 done, 1 a test or "
               "check failed,\n2 bad input, 3 a rulebook has errors.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLR_EXIT_BADINPUT : CLR_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("clearance %s\n", CLR_VERSION);
        return CLR_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "clearance: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return CLR_EXIT_BADINPUT;
}
