/* Evaluating compiled conditions. Absent values are unequal to everything:
 * "==" and "in" are false for them, "!=" and "not in" true. */
#include "eval.h"

#include <string.h>

int clr__set_contains(const clr__set *set, clr__sym sym, clr_time t)
{
    if (sym == 0)
        return 0;
    if (set->n <= 16) {
        /* small sets: a scan beats a binary search */
        for (size_t i = 0; i < set->n && set->members[i].sym <= sym; i++)
            if (set->members[i].sym == sym && t >= set->members[i].from &&
                t < set->members[i].until)
                return 1;
        return 0;
    }
    size_t lo = 0, hi = set->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (set->members[mid].sym < sym)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < set->n && set->members[i].sym == sym; i++)
        if (t >= set->members[i].from && t < set->members[i].until)
            return 1;
    return 0;
}

static double number(const clr__ctx *ctx, int attr)
{
    if (attr == ATTR_UNITS)
        return ctx->units;
    return ctx->model ? ctx->model->training_ops : __builtin_nan("");
}

void clr__ctx_for_model(clr__ctx *ctx, const clr_ruleset *rs, const clr__model *m)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->rs = rs;
    ctx->model = m;
    ctx->sym[ATTR_MODEL] = m->sym;
    ctx->sym[ATTR_M_PROVIDER] = m->provider;
    ctx->sym[ATTR_M_ORIGIN] = m->origin;
}

const char *clr__ctx_str(const clr__ctx *ctx, int attr)
{
    const clr__model *m = ctx->model;
    const clr_request *q = ctx->req;
    const char *s = NULL;
    switch ((clr__attr)attr) {
    case ATTR_MODEL: s = q ? q->model : m ? m->id : NULL; break;
    case ATTR_M_PROVIDER: s = m ? m->provider_str : NULL; break;
    case ATTR_M_ORIGIN: s = m ? m->origin_str : NULL; break;
    case ATTR_P_ID: s = q ? q->principal.id : NULL; break;
    case ATTR_P_ORG: s = q ? q->principal.org : NULL; break;
    case ATTR_P_NATIONALITY: s = q ? q->principal.nationality : NULL; break;
    case ATTR_P_COUNTRY: s = q ? q->principal.country : NULL; break;
    case ATTR_P_HQ: s = q ? q->principal.hq : NULL; break;
    case ATTR_DESTINATION: s = q ? q->destination : NULL; break;
    case ATTR_USE: s = q ? q->use : NULL; break;
    case ATTR_INTEGRATION: s = q ? q->integration : NULL; break;
    case ATTR_APP: s = q ? q->app : NULL; break;
    default: break;
    }
    return s ? s : "";
}

/* usage(org|user, model|all, Nd) cmp num. A request naming no organisation
 * (or user) has no metered usage: 0. A usage source that cannot tell fails
 * the decision closed (the caller turns usage_failed into a deny). */
static int usage_test(const clr__ctx *ctx, const clr__node *n)
{
    const char *who = clr__ctx_str(ctx, n->attr);
    if (!who || !who[0])
        return clr__compare(0, (clr__cmp)n->cmp, n->num);
    int64_t units = -1;
    if (ctx->usage && ctx->usage->units)
        units =
            ctx->usage->units(ctx->usage->arg, n->attr == ATTR_P_ID, who,
                              n->attr2 ? clr__ctx_str(ctx, ATTR_MODEL) : NULL, (int)n->cls, ctx->t);
    if (units < 0) {
        if (ctx->usage_failed)
            *ctx->usage_failed = 1;
        return 0;
    }
    return clr__compare((double)units, (clr__cmp)n->cmp, n->num);
}

int clr__eval(const clr__ctx *ctx, const clr__node *n)
{
    switch ((clr__op)n->op) {
    case OP_TRUE: return 1;
    case OP_FALSE: return 0;
    case OP_AND: return clr__eval(ctx, n->l) && clr__eval(ctx, n->r);
    case OP_OR: return clr__eval(ctx, n->l) || clr__eval(ctx, n->r);
    case OP_NOT: return !clr__eval(ctx, n->l);
    case OP_EQ: return ctx->sym[n->attr] == n->sym;
    case OP_EQ_ATTR: {
        clr__sym a = ctx->sym[n->attr], b = ctx->sym[n->attr2];
        if (a && b)
            return a == b;
        const char *sa = clr__ctx_str(ctx, n->attr), *sb = clr__ctx_str(ctx, n->attr2);
        return sa[0] && sb[0] && strcmp(sa, sb) == 0;
    }
    case OP_IN: return clr__set_contains(n->set, ctx->sym[n->attr], ctx->t);
    case OP_NUM: return clr__compare(number(ctx, n->attr), (clr__cmp)n->cmp, n->num);
    case OP_BOOL: return ctx->model && ctx->model->open_weights == 1;
    case OP_HAS:
        if (!ctx->model)
            return 0;
        if (n->attr == ATTR_M_CLASS)
            return (int)((ctx->model->classes >> n->cls) & 1);
        for (size_t i = 0; i < ctx->model->ntags; i++)
            if (ctx->model->tags[i] == n->sym)
                return 1;
        return 0;
    case OP_ON: return clr__screen_test(ctx, n);
    case OP_USAGE: return usage_test(ctx, n);
    }
    return 0;
}
