/*
 * clearance: impact analysis and rulebook diffs (docs/impact.md).
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

/* declared in clearance_store.h and clearance_registry.h */
typedef struct clr_store clr_store;
typedef struct clr_registry clr_registry;

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
    CLR_CAUSE_FIRES = 1,    /* the rule fires after, not before */
    CLR_CAUSE_STOPS = 2,    /* the rule fired before, not after */
    CLR_CAUSE_EFFECT = 3,   /* the rule fires on both sides with different effects */
    CLR_CAUSE_EXEMPTS = 4,  /* the exemption switches the rule off after, not before */
    CLR_CAUSE_UNEXEMPTS = 5 /* the exemption switched the rule off before, not after */
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
    unsigned version;          /* CLR_IMPACT_OPTIONS_VERSION */
    size_t max_examples;       /* combinations kept per group; the rest are counted */
    const clr_decide_env *env; /* lists and usage figures for both sides; may be NULL. Read
                                  at each decision: it must outlive the analysis, and its
                                  members may be filled in before a combination needs them */
    int no_cache;              /* non-zero: decide every combination (for measuring) */
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

/* Combination sources. Each calls fn(arg, req, ref) per combination; fn
 * returns 0 to go on, or non-zero to stop (the source returns that value). */

/* Every registered user of r (filled from the registry: organisation, its
 * headquarters and legal name, nationality, country; destination the user's
 * country) with every catalogue model, vocabulary use and vocabulary
 * integration of rs: what each customer could ask. ref is the user's place
 * (1, 2, ...). Sets *count. Returns 0, fn's value or CLR_ENOMEM. */
int clr_registry_combinations(const clr_registry *r, const clr_ruleset *rs,
                              int (*fn)(void *arg, clr_request *req, uint64_t ref), void *arg,
                              size_t *count);

/* The distinct requests of the audit records of s logged in [since, until):
 * requests alike in every field a rule may read but time and units are one
 * combination, passed once with ref the sequence number of its first record.
 * Sets *records (read), *distinct (passed) and *unreadable (records whose
 * request does not parse, skipped). Returns 0, fn's value, CLR_ESTORE or
 * CLR_ENOMEM. */
int clr_audit_combinations(clr_store *s, clr_time since, clr_time until,
                           int (*fn)(void *arg, clr_request *req, uint64_t ref), void *arg,
                           size_t *records, size_t *distinct, size_t *unreadable);

/* ------------------------------------------------------------------------- */
/* Diff: what changed between two rule sets, and where outcomes differ         */
/* ------------------------------------------------------------------------- */

/* The semantic diff's dimensions. */
enum {
    CLR_DIM_DESTINATION, /* also the principal's country and headquarters */
    CLR_DIM_MODEL,
    CLR_DIM_USE,
    CLR_DIM_INTEGRATION,
    CLR_DIM_NATIONALITY,
    CLR_DIM_ORG,
    CLR_NDIMS
};

/* "destination", "model", "use", "integration", "nationality", "org". */
const char *clr_dim_name(int dim);

/* One structural change. */
typedef struct clr_diff_change {
    const char *what;     /* "rulebook", "rule", "exemption", "group", "model", "class",
                             "vocabulary" */
    const char *change;   /* "added", "removed", "changed", "in-force" (in force on one side
                             only), "membership" (members at the two instants differ) */
    const char *rulebook; /* the rule's or exemption's rulebook; NULL otherwise */
    const char *id;
    const char *detail; /* what changed, readable; "" when nothing more to say */
} clr_diff_change;

/* A region where the outcomes differ (or agree, see clr_diff_agreement_get):
 * the cartesian product of its values per dimension. values[dim] lists the
 * values ("CN, RU"; "other" stands for every value the rules do not
 * mention); with negated[dim] set, the region holds every value but those;
 * values[dim] NULL means any value. */
typedef struct clr_diff_region {
    clr_outcome before, after;
    size_t points; /* points of the enumerated grid in the region */
    const char *values[CLR_NDIMS];
    int negated[CLR_NDIMS];
    const char *model_class; /* the class whose catalogue models are exactly the region's
                                models, or NULL */
    size_t ncauses;
    const clr_cause *causes; /* as in an impact group; for an agreement, the rules that fire:
                                STOPS on side a only, FIRES on side b only, EFFECT on both */
} clr_diff_region;

typedef struct clr_diff_options {
    unsigned version;  /* CLR_DIFF_OPTIONS_VERSION */
    int ignore_scope;  /* decide as if every rulebook applied to every request, to compare
                          two jurisdictions' rules on the same ground */
    int agreement;     /* also compute the regions where both sides restrict alike */
    size_t max_points; /* enumerate no grid larger than this; 0: 4 million */
} clr_diff_options;

#define CLR_DIFF_OPTIONS_VERSION 1
#define CLR_DIFF_OPTIONS_INIT                                                                      \
    {                                                                                              \
        CLR_DIFF_OPTIONS_VERSION, 0, 0, 0                                                          \
    }

typedef struct clr_diff clr_diff;

/* Compares a with b: the structural diff (rulebooks, rules, exemptions,
 * groups, models, vocabularies), and the semantic diff: the grid of values the
 * rules mention per dimension (plus one value standing for every value they do
 * not), values that every condition treats alike merged into one class, each
 * point decided under both sides and the differing points merged into
 * regions. The principal is taken to be in, and headquartered in, the
 * destination; other attributes are absent (no names, so nothing is
 * screened; no app; no units), and usage figures are zero. A grid beyond opts->max_points (or 256
 * classes in one dimension) is not enumerated: clr_diff_too_large says so, and there are no
 * regions. opts may be NULL. Returns 0 and *out, which the caller frees with
 * clr_diff_free; CLR_EINVAL for a side without rules or an unknown options
 * version; CLR_ENOMEM. Thread-safe. */
int clr_diff_run(clr_diff **out, const clr_side *a, const clr_side *b,
                 const clr_diff_options *opts);

/* Frees d. NULL is allowed. */
void clr_diff_free(clr_diff *d);

/* The structural changes, in the order rulebooks, rules and exemptions,
 * groups, models; living as long as d. */
size_t clr_diff_change_count(const clr_diff *d);
const clr_diff_change *clr_diff_change_get(const clr_diff *d, size_t i);

/* The regions where outcomes differ, the largest first; living as long as d. */
size_t clr_diff_region_count(const clr_diff *d);
const clr_diff_region *clr_diff_region_get(const clr_diff *d, size_t i);

/* With opts->agreement, the regions where both sides give the same outcome
 * other than allow. */
size_t clr_diff_agreement_count(const clr_diff *d);
const clr_diff_region *clr_diff_agreement_get(const clr_diff *d, size_t i);

/* Points of the grid, and how many of them differ. */
size_t clr_diff_points(const clr_diff *d);
size_t clr_diff_points_differing(const clr_diff *d);

/* Non-zero when the grid was too large to enumerate. */
int clr_diff_too_large(const clr_diff *d);

/* The classes of values along dim (the grid's extent there). */
size_t clr_diff_dimension_classes(const clr_diff *d, int dim);

/* The values the grid took along dim, comma-separated, "other" standing for
 * the unmentioned; lives as long as d. */
const char *clr_diff_dimension(const clr_diff *d, int dim);

/* Writes the diff as one JSON object into a malloc'd, NUL-terminated string;
 * the caller frees *out. Returns 0 or CLR_ENOMEM. */
int clr_diff_to_json(char **out, const clr_diff *d);

/* Writes the diff as readable text to f. */
void clr_diff_print(const clr_diff *d, FILE *f);

#ifdef __cplusplus
}
#endif

#endif
