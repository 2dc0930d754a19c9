/* Evaluating compiled conditions against one request. */
#ifndef CLR_EVAL_H
#define CLR_EVAL_H

#include "ruleset.h"

/* What a condition can see of one request: every attribute resolved to a
 * symbol (0 when absent or never mentioned by the rulebooks), the raw strings
 * for attribute-to-attribute comparisons, and the model. */
typedef struct clr__ctx {
    const clr_ruleset *rs;
    clr_time t;
    clr__sym sym[CLR__NSYMATTR];
    const char *str[CLR__NSYMATTR]; /* NUL-terminated; "" when absent */
    double units;
    const clr__model *model;
} clr__ctx;

/* The truth of n for ctx. Recursion depth is bounded by the parser's nesting
 * limit. Never allocates. */
int clr__eval(const clr__ctx *ctx, const clr__node *n);

#endif
