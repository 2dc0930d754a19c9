/* Evaluating compiled conditions against one request. */
#ifndef CLR_EVAL_H
#define CLR_EVAL_H

#include "ruleset.h"

/* What a condition can see of one request: every attribute resolved to a
 * symbol (0 when absent or never mentioned by the rulebooks), the request
 * itself (its raw strings, for attribute-to-attribute comparisons) and the
 * model. */
typedef struct clr__ctx {
    const clr_ruleset *rs;
    clr_time t;
    clr__sym sym[CLR__NSYMATTR];
    uint32_t row[CLR__NDIM + 1]; /* the index's row of each dimension; [CLR__NDIM] 0 */
    double units;
    const clr__model *model;
    const clr_request *req; /* NULL when evaluating a model alone */
    /* screening: with screen NULL, no "on" test may be reached */
    const clr_lists *lists;
    struct clr__screening *screen;
    int possible_as_hit;           /* count a possible match as a hit (to find review reasons) */
    const clr_usage_source *usage; /* usage conditions; NULL: they cannot be answered */
    int *usage_failed; /* set to 1 when a usage condition could not be answered; may be NULL */
} clr__ctx;

/* The string of symbol-valued attribute attr (< CLR__NSYMATTR), NUL-terminated;
 * "" when absent. */
const char *clr__ctx_str(const clr__ctx *ctx, int attr);

/* Sets ctx up to evaluate conditions on model m alone (classes, scopes and
 * index rows that read only the model); request attributes are absent. */
void clr__ctx_for_model(clr__ctx *ctx, const clr_ruleset *rs, const clr__model *m);

/* The outcome of an "on" test (decide_screen.c): 1 for a hit (or, with
 * ctx->possible_as_hit, a possible match), else 0. */
int clr__screen_test(const clr__ctx *ctx, const clr__node *n);

/* a cmp b */
static inline int clr__compare(double a, clr__cmp cmp, double b)
{
    switch (cmp) {
    case CMP_EQ: return a == b;
    case CMP_NE: return a != b;
    case CMP_LT: return a < b;
    case CMP_LE: return a <= b;
    case CMP_GT: return a > b;
    case CMP_GE: return a >= b;
    }
    return 0;
}

/* The truth of n for ctx. Recursion depth is bounded by the parser's nesting
 * limit. Never allocates. */
int clr__eval(const clr__ctx *ctx, const clr__node *n);

#endif
