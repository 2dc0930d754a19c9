/* Classes of attribute values: values that every condition treats alike.
 * Impact analysis caches decisions per class, and the rulebook diff
 * enumerates one value per class. */
#include "impact.h"

#include <stdlib.h>
#include <string.h>

#define MAX_TESTS 256
#define WORDS (MAX_TESTS / 64)

typedef struct tests {
    const clr__node *v[MAX_TESTS];
    size_t n;
    int overflow;
} tests;

static void add_test(tests *t, const clr__node *n)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->v[i]->op == n->op && t->v[i]->sym == n->sym && t->v[i]->set == n->set)
            return;
    if (t->n == MAX_TESTS)
        t->overflow = 1;
    else
        t->v[t->n++] = n;
}

static void collect(const clr__node *n, int attr, tests *t)
{
    while (n) {
        switch ((clr__op)n->op) {
        case OP_AND:
        case OP_OR:
            collect(n->l, attr, t);
            n = n->r;
            continue;
        case OP_NOT: n = n->l; continue;
        case OP_EQ:
        case OP_IN:
            if (n->attr == attr)
                add_test(t, n);
            return;
        default: return;
        }
    }
}

clr__sym clr__attr_sym(const clr_ruleset *rs, int attr, const char *s)
{
    if (clr__attrs[attr].is_country) {
        if (s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z' || s[2])
            return 0;
        return rs->country_sym[(s[0] - 'A') * 26 + (s[1] - 'A')];
    }
    return s[0] ? clr__sym_lookup(rs, s, strlen(s)) : 0;
}

typedef struct sig {
    uint64_t w[WORDS];
} sig;

int clr__classes_build(clr__classes *out, const clr_ruleset *rs, int attr, clr_time t)
{
    out->of = NULL;
    out->n = (uint32_t)rs->nsyms;
    tests *ts = calloc(1, sizeof *ts);
    if (!ts)
        return CLR_ENOMEM;
    for (size_t i = 0; i < rs->nrules; i++)
        collect(rs->rules[i].when, attr, ts);
    for (size_t i = 0; i < rs->nrulebooks; i++)
        collect(rs->rulebooks[i].scope, attr, ts);
    int rc = 0;
    sig *sigs = NULL;
    uint32_t *of = NULL, *slots = NULL;
    if (ts->overflow)
        goto done; /* each symbol its own class */
    size_t nsyms = rs->nsyms, cap = 1;
    while (cap < 2 * nsyms)
        cap *= 2;
    sigs = calloc(nsyms, sizeof *sigs);
    of = malloc(nsyms * sizeof *of);
    slots = malloc(cap * sizeof *slots); /* open addressing: a symbol with the signature */
    if (!sigs || !of || !slots) {
        rc = CLR_ENOMEM;
        goto done;
    }
    memset(slots, 0xFF, cap * sizeof *slots);
    uint32_t nclasses = 0;
    for (size_t s = 0; s < nsyms; s++) {
        for (size_t k = 0; k < ts->n; k++) {
            const clr__node *n = ts->v[k];
            int hit =
                n->op == OP_EQ ? n->sym == s && s != 0 : clr__set_contains(n->set, (clr__sym)s, t);
            if (hit)
                sigs[s].w[k / 64] |= 1ULL << (k % 64);
        }
        uint64_t h = clr__hash((const char *)&sigs[s], sizeof(sig));
        for (size_t i = h & (cap - 1);; i = (i + 1) & (cap - 1)) {
            if (slots[i] == UINT32_MAX) {
                slots[i] = (uint32_t)s;
                of[s] = nclasses++; /* symbol 0 comes first: class 0 */
                break;
            }
            if (memcmp(&sigs[slots[i]], &sigs[s], sizeof(sig)) == 0) {
                of[s] = of[slots[i]];
                break;
            }
        }
    }
    out->of = of;
    out->n = nclasses;
    of = NULL;
done:
    free(ts);
    free(sigs);
    free(of);
    free(slots);
    return rc;
}

void clr__classes_free(clr__classes *c)
{
    free(c->of);
    c->of = NULL;
}
