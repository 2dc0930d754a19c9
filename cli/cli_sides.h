/* The store-backed sources of impact and diff: stored rulebook versions as
 * the sides, and the combinations seen in the audit log. */
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

/* Calls fn with each distinct combination among the requests of the audit
 * records of s whose record time is in [since, until): requests alike in
 * principal, organisation, nationality, country, headquarters, names, model,
 * use, integration, destination and app are one combination, passed once
 * with ref the sequence number of its first record. Sets *records and
 * *distinct. Returns 0, fn's non-zero value, or an exit code after printing
 * why. */
int cli_audit_combinations(clr_store *s, clr_time since, clr_time until,
                           int (*fn)(void *arg, clr_request *req, uint64_t ref), void *arg,
                           size_t *records, size_t *distinct);

#endif
