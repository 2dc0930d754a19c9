/* The CLI's subcommands. Each takes the arguments after the subcommand name
 * (argv[0] is the subcommand) and returns the process exit code. */
#ifndef CLR_CLI_COMMANDS_H
#define CLR_CLI_COMMANDS_H

/* Exit codes, documented in the README. */
enum {
    CLR_EXIT_OK = 0,       /* done; for check, every request was decided */
    CLR_EXIT_FAILED = 1,   /* done, but something failed: a rulebook test, a verification */
    CLR_EXIT_BADINPUT = 2, /* bad input: a malformed request, a bad flag, an unreadable file */
    CLR_EXIT_BADRULES = 3, /* a rulebook has errors */
};

int clr_cmd_check(int argc, char **argv);
int clr_cmd_lint(int argc, char **argv);
int clr_cmd_test(int argc, char **argv);
int clr_cmd_classify(int argc, char **argv);
int clr_cmd_bench(int argc, char **argv);
int clr_cmd_screen(int argc, char **argv);
int clr_cmd_serve(int argc, char **argv);
int clr_cmd_audit(int argc, char **argv);
int clr_cmd_licence(int argc, char **argv);
int clr_cmd_usage(int argc, char **argv);
int clr_cmd_rules(int argc, char **argv);
int clr_cmd_lists(int argc, char **argv);
int clr_cmd_org(int argc, char **argv);
int clr_cmd_user(int argc, char **argv);
int clr_cmd_key(int argc, char **argv);
int clr_cmd_adjudicate(int argc, char **argv);
int clr_cmd_rescreen(int argc, char **argv);
int clr_cmd_impact(int argc, char **argv);
int clr_cmd_diff(int argc, char **argv);
int clr_cmd_demo(int argc, char **argv);

#endif
