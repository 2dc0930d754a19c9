/*
 * clearance: what a compiled rule set holds, for people to read.
 *
 * Rulebooks, rules and exemptions with their validity windows, citations,
 * messages and conditions as written, and groups with the windows of their
 * members: what a dashboard draws on a time axis or a reviewer reads. Nothing
 * here is on the decision path. Every string lives as long as the set.
 */
#ifndef CLEARANCE_RULES_INFO_H
#define CLEARANCE_RULES_INFO_H

#include "clearance.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One rulebook of a set. */
typedef struct clr_rulebook_info {
    const char *id;
    const char *title;        /* "" when none */
    const char *jurisdiction; /* "" when none */
    const char *scope;        /* the scope condition as written; "" when it has none */
} clr_rulebook_info;

/* One rule or exemption of a set. */
typedef struct clr_rule_info {
    const char *id;
    const char *rulebook;     /* the id of the rulebook that declares it */
    const char *jurisdiction; /* that rulebook's; "" when none */
    int is_exemption;         /* 1: an exemption; 0: a rule */
    clr_effect effect;        /* rules only; 0 for an exemption */
    clr_time from, until;     /* in force during [from, until); CLR_TIME_MIN and
                                 CLR_TIME_MAX when open */
    const char *citation;     /* "" when none */
    const char *message;      /* "" when none */
    const char *condition;    /* the when clause as written; "" when none */
    const char *file;         /* the source it was declared in */
    int line;                 /* 1-based */
    size_t nlinks;            /* an exemption: the rules it switches off; a rule: the exemptions
                                 naming it (clr_ruleset_rule_link) */
} clr_rule_info;

/* One group (a named set of values, such as country group D:5). */
typedef struct clr_group_info {
    const char *name;
    size_t nmembers;
    int dated; /* some member has a window */
} clr_group_info;

/* One member of a group and its window [from, until) (CLR_TIME_MIN and
 * CLR_TIME_MAX when open). */
typedef struct clr_group_member {
    const char *value;
    clr_time from, until;
} clr_group_member;

/* Describes the i-th rulebook of rs (in load order) into *out. Returns 0,
 * CLR_ENOTFOUND past the end, or CLR_EINVAL for a NULL argument. Thread-safe. */
int clr_ruleset_rulebook_info(clr_rulebook_info *out, const clr_ruleset *rs, size_t i);

/* Describes the i-th rule or exemption of rs (exemptions first, then rules,
 * each in declaration order) into *out. Returns 0, CLR_ENOTFOUND past the end,
 * or CLR_EINVAL for a NULL argument. Thread-safe. */
int clr_ruleset_rule_info(clr_rule_info *out, const clr_ruleset *rs, size_t i);

/* The id of the j-th link of rule or exemption i (see clr_rule_info.nlinks):
 * for an exemption a rule it switches off, for a rule an exemption naming it.
 * NULL when i or j is past the end. Thread-safe. */
const char *clr_ruleset_rule_link(const clr_ruleset *rs, size_t i, size_t j);

/* Describes the i-th group of rs (in declaration order) into *out. Returns 0,
 * CLR_ENOTFOUND past the end, or CLR_EINVAL for a NULL argument. Thread-safe. */
int clr_ruleset_group_info(clr_group_info *out, const clr_ruleset *rs, size_t i);

/* The j-th member of group i (members sorted by the set's internal order, not
 * by name) into *out. Returns 0, CLR_ENOTFOUND past the end, or CLR_EINVAL.
 * Thread-safe. */
int clr_ruleset_group_member(clr_group_member *out, const clr_ruleset *rs, size_t i, size_t j);

#ifdef __cplusplus
}
#endif

#endif
