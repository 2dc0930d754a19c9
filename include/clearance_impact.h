/*
 * clearance: impact analysis (docs/impact.md).
 *
 * Same conventions as clearance.h: clr_<module>_<verb>, int return 0 or a
 * negative CLR_E* code, out-parameters first, the caller owns **out.
 *
 * Both compare two "sides": a rule set evaluated at an instant. The two sides
 * may be two versions of the rules at one instant, a proposed set against the
 * active one, or one set at two instants.
 */
#ifndef CLEARANCE_IMPACT_H
#define CLEARANCE_IMPACT_H

#include "clearance.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One side of a comparison: the rules, and the instant they are evaluated at. */
typedef struct clr_side {
    const clr_ruleset *rs;
    clr_time at;
} clr_side;

/* ------------------------------------------------------------------------- */
/* Impact: which combinations change outcome                                  */
/* ------------------------------------------------------------------------- */

/* How a rule or exemption accounts for a change of outcome. */
typedef enum {
    CLR_CAUSE_FIRES = 1,      /* the rule fires after, not before */
    CLR_CAUSE_STOPS = 2,      /* the rule fired before, not after */
    CLR_CAUSE_EFFECT = 3,     /* the rule fires on both sides with different effects */
    CLR_CAUSE_EXEMPTS = 4,    /* the exemption switches the rule off after, not before */
    CLR_CAUSE_UNEXEMPTS = 5   /* the exemption switched the rule off before, not after */
} clr_cause_kind;

/* "fires", "stops", "effect", "exempts", "unexempts"; "?" for any other value. */
const char *clr_cause_kind_name(clr_cause_kind k);

typedef struct clr_cause {
    clr_cause_kind kind;
    const char *rulebook;  /* "clearance" for the engine's own reasons (unknown-model, ...) */
    const char *rule;      /* the rule fired, stopped or exempted */
    const char *exemption; /* CLR_CAUSE_EXEMPTS and _UNEXEMPTS; NULL otherwise */
    clr_effect before;     /* the rule's effect before (FIRES: 0) */
    clr_effect after;      /* the rule's effect after (STOPS: 0) */
} clr_cause;

/* A combination kept as an example of a group: the caller's reference for it
 * (a line number, a registry id) and the request itself, its time that of the
 * side after. */
typedef struct clr_impact_example {
    uint64_t ref;
    clr_request req;
} clr_impact_example;

/* Every combination whose outcome went from before to after for the same
 * causes. */
typedef struct clr_impact_group {
    clr_outcome before, after;
    size_t count; /* combinations in the group */
    size_t ncauses;
    const clr_cause *causes;
    size_t nexamples; /* the first combinations, up to the cap; count - nexamples more */
    const clr_impact_example *examples;
} clr_impact_group;

typedef struct clr_impact_options {
    unsigned version;           /* CLR_IMPACT_OPTIONS_VERSION */
    size_t max_examples;        /* combinations kept per group; the rest are counted */
    const clr_decide_env *env;  /* lists and usage figures for both sides; may be NULL. Read
                                   at each decision: it must outlive the analysis, and its
                                   members may be filled in before a combination needs them */
    int no_cache;               /* non-zero: decide every combination (for measuring) */
} clr_impact_options;

#define CLR_IMPACT_OPTIONS_VERSION 1
#define CLR_IMPACT_OPTIONS_INIT                                                                    \
    {                                                                                              \
        CLR_IMPACT_OPTIONS_VERSION, 20, NULL, 0                                                    \
    }

typedef struct clr_impact clr_impact;

/* A new, empty impact analysis of before against after (each side's set gets
 * a reference, dropped by clr_impact_free). opts may be NULL for the defaults.
 * Returns 0 and *out, which the caller frees with clr_impact_free;
 * CLR_EINVAL when a side has no rules or opts has an unknown version;
 * CLR_ENOMEM. A clr_impact is used by one thread at a time. */
int clr_impact_new(clr_impact **out, const clr_side *before, const clr_side *after,
                   const clr_impact_options *opts);

/* Frees im. NULL is allowed. */
void clr_impact_free(clr_impact *im);

/* Decides req under both sides (req->time is set to each side's instant in
 * turn, and left at the after side's) and, when the outcome changes, counts
 * it in the group of its transition and causes, keeping a copy as an example
 * while the group has fewer than max_examples. ref is the caller's reference
 * for the combination. Decisions are cached per distinct value of the fields
 * the rules read, so combinations alike in those fields cost one look-up.
 * Allocates only when a new group appears, an example is kept or the cache
 * grows. Returns 0, or CLR_ENOMEM (the combination is then not counted). A
 * request the rules reject (a use outside the vocabulary) is a deny, as
 * clr_decide makes it. */
int clr_impact_add(clr_impact *im, clr_request *req, uint64_t ref);

/* Combinations added, and of those how many changed outcome. */
size_t clr_impact_total(const clr_impact *im);
size_t clr_impact_changed(const clr_impact *im);

/* Combinations whose outcome went from before to after (before == after:
 * unchanged ones). */
size_t clr_impact_transition(const clr_impact *im, clr_outcome before, clr_outcome after);

/* The groups, the largest first (ties in order of first appearance). The
 * pointer lives until the next clr_impact_add or clr_impact_free. */
size_t clr_impact_group_count(const clr_impact *im);
const clr_impact_group *clr_impact_group_get(const clr_impact *im, size_t i);

/* Writes the analysis as one JSON object into a malloc'd, NUL-terminated
 * string; the caller frees *out. Returns 0 or CLR_ENOMEM. */
int clr_impact_to_json(char **out, const clr_impact *im);

/* Writes the analysis as a readable table to f: the transitions, then each
 * group with its causes and examples. */
void clr_impact_print(const clr_impact *im, FILE *f);

#ifdef __cplusplus
}
#endif

#endif
