/* The store-backed sides of impact and diff: stored rulebook versions. */
#ifndef CLR_CLI_SIDES_H
#define CLR_CLI_SIDES_H

#include "clearance.h"

#include <stddef.h>
#include <stdint.h>

/* The rules of one side kept in store s: the stored version number version
 * when > 0, else the version in force at at. Names the version on standard
 * error, after label ("before", "a", ...). Returns 0 with *out set (the
 * caller owns it), or an exit code after printing why. */
int cli_stored_rules(clr_store *s, clr_time at, int64_t version, const char *label,
                     clr_ruleset **out);

/* Parses the value s of option flag ("--version") as a stored rules version
 * number (1 or more) into *out. Returns 0, or -1 after printing why. */
int cli_parse_version(int64_t *out, const char *flag, const char *s);

#endif
