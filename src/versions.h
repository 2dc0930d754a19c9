/* The versions tables (rule_versions, list_versions) share one shape:
 * version, created_at, created_by, reason, digest, files (JSON). These read
 * and write them for either table. Library-internal. */
#ifndef CLR_VERSIONS_H
#define CLR_VERSIONS_H

#include "store.h"

/* The latest version of table, without its files (nfiles and until left 0).
 * Returns 0, CLR_ENOTFOUND or CLR_ESTORE. */
int clr__version_latest(clr_store *s, const char *table, clr_rules_version *out);

/* Calls fn for every version of table, oldest first, nfiles counted. Returns
 * 0, fn's non-zero value or CLR_ESTORE. */
int clr__version_list(clr_store *s, const char *table,
                      int (*fn)(void *arg, const clr_rules_version *v), void *arg);

/* The version of table numbered version when > 0, else the one in force at at
 * (before the first: the first), with until (the next version's start, or
 * CLR_TIME_MAX) and *files, its files' JSON (malloc'd; the caller frees it;
 * nfiles is left 0).
 * Returns 0, CLR_ENOTFOUND, CLR_ENOMEM or CLR_ESTORE. */
int clr__version_find(clr_store *s, const char *table, clr_time at, int64_t version,
                      clr_rules_version *out, char **files);

/* Inserts v with files into table. Returns 0, CLR_EEXIST or CLR_ESTORE. */
int clr__version_insert(clr_store *s, const char *table, const clr_rules_version *v,
                        const char *files);

#endif
