/* Helpers shared by the CLI's subcommands. */
#ifndef CLR_CLI_UTIL_H
#define CLR_CLI_UTIL_H

#include "clearance.h"

#include <stddef.h>

/* Reads a whole file ("-" for standard input) into a malloc'd, NUL-terminated
 * buffer; *len excludes the NUL. Returns NULL (after printing why) on failure. */
char *cli_read_all(const char *path, size_t *len);

/* Compiles the rulebooks at paths, or the built-in defaults when npaths is 0.
 * Prints diagnostics to stderr (warnings only with show_warnings). Returns 0
 * with *out set, or CLR_EXIT_BADRULES / CLR_EXIT_BADINPUT after printing. */
int cli_load_rules(const char *const *paths, size_t npaths, int show_warnings, clr_ruleset **out);

/* Loads restricted-party lists from paths, or the shipped default lists when
 * npaths is 0. Prints problems to stderr. Returns 0 with *out set, or
 * CLR_EXIT_BADINPUT after printing why. */
int cli_load_lists(const char *const *paths, size_t npaths, clr_lists **out);

/* Splits text into lines in place: calls fn for each non-blank line with its
 * 1-based number. Stops early when fn returns non-zero and returns that. */
int cli_each_line(char *text, size_t len, int (*fn)(void *arg, char *line, size_t len, size_t no),
                  void *arg);

/* Non-zero when text (len bytes) is one JSON request, perhaps spread over
 * several lines, rather than JSON Lines (whose first line is a whole value). */
int cli_is_single_json(const char *text, size_t len);

/* A growable list of strings for repeated flags. */
typedef struct cli_strv {
    const char **v;
    size_t n, cap;
} cli_strv;

/* Appends s (not copied); returns 0 or -1 when out of memory. */
int cli_strv_push(cli_strv *l, const char *s);
void cli_strv_free(cli_strv *l);

/* Opens the store at db (NULL or "": none given), read-only when read_only
 * (the file must then exist). Returns 0 with *s set, or CLR_EXIT_BADINPUT
 * after printing why. */
int cli_open_store(clr_store **s, const char *db, int read_only);

/* Parses the value s of option flag ("--at") as an RFC 3339 time or a date
 * into *t. Returns 0, or -1 after printing why. */
int cli_parse_time(clr_time *t, const char *flag, const char *s);

#endif
