/* The rulebook diff: what changed between two rule sets (or one set at two
 * instants), and the regions of (destination, model, use, integration,
 * nationality, organisation) where their outcomes differ.
 *
 * The semantic diff enumerates a grid: per dimension, the values either set
 * mentions plus one that stands for the rest, values that every condition of
 * both sides treats alike merged into one class (attr_classes.c). Each point
 * is decided under both sides; the points that differ are merged, dimension
 * by dimension, into boxes with the same transition and causes. */
#include "impact.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CLASSES 256 /* classes per dimension: a box holds a bitset of them */
#define SETW (MAX_CLASSES / 64)
#define TUPLE 16

const char *clr_dim_name(int dim)
{
    static const char *const names[CLR_NDIMS] = {"destination", "model",       "use",
                                                 "integration", "nationality", "org"};
    return dim >= 0 && dim < CLR_NDIMS ? names[dim] : "?";
}

/* One class of values of a dimension. */
typedef struct dclass {
    const char *rep;     /* the value the grid decides with */
    const char **values; /* every value of the class, "other" included as such */
    size_t nvalues, cap;
    uint32_t tuple[TUPLE];
} dclass;

typedef struct ddim {
    dclass *cls;
    size_t n, cap;
    size_t over;      /* classes beyond MAX_CLASSES, counted only */
    const char *text; /* every class's values, for clr_diff_dimension */
} ddim;

/* A transition with its causes: regions of one label never merge with
 * another's. */
typedef struct dlabel {
    clr_outcome before, after;
    clr_cause *causes;
    size_t ncauses;
    uint64_t hash;
} dlabel;

typedef struct labels {
    dlabel *v;
    size_t n, cap;
} labels;

typedef struct box {
    uint32_t label;
    size_t points;
    uint64_t set[CLR_NDIMS][SETW];
} box;

typedef struct boxes {
    box *v;
    size_t n, cap;
} boxes;

struct clr_diff {
    clr_side a, b;
    clr__arena arena; /* the texts */
    clr_diff_change *changes;
    size_t nchanges, capchanges;
    ddim dims[CLR_NDIMS];
    labels diff_labels, agree_labels;
    clr_diff_region *regions, *agreements;
    size_t nregions, nagreements;
    size_t points, differing;
    size_t limit;  /* the most points the grid may hold */
    int too_large; /* the grid exceeds the limit: not enumerated */
    int failed;    /* out of memory */
};

/* ---- small helpers ------------------------------------------------------------- */

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 16;
    void *p = realloc(*v, c * size);
    if (!p)
        return -1;
    *v = p;
    *cap = c;
    return 0;
}

static void add_change(clr_diff *d, const char *what, const char *change, const char *rulebook,
                       const char *id, const char *detail)
{
    if (d->failed || grow((void **)&d->changes, &d->capchanges, d->nchanges, sizeof *d->changes)) {
        d->failed = 1;
        return;
    }
    clr_diff_change *c = &d->changes[d->nchanges++];
    c->what = what;
    c->change = change;
    c->rulebook = rulebook;
    c->id = id;
    c->detail = detail ? detail : "";
}

/* A growable text in a malloc'd buffer; appended with printf formats. */
typedef struct text {
    char *s;
    size_t n, cap;
    int failed;
} text;

__attribute__((format(printf, 2, 3))) static void tprintf(text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int need = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (need < 0 || t->failed)
        return;
    if (t->n + (size_t)need + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 128;
        while (cap < t->n + (size_t)need + 1)
            cap *= 2;
        char *p = realloc(t->s, cap);
        if (!p) {
            t->failed = 1;
            return;
        }
        t->s = p;
        t->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(t->s + t->n, t->cap - t->n, fmt, ap);
    va_end(ap);
    t->n += (size_t)need;
}

/* The text moved into the arena ("" when empty); NULL when out of memory. */
static const char *tkeep(clr_diff *d, text *t)
{
    const char *s = t->failed ? NULL : clr__arena_strdup(&d->arena, t->s ? t->s : "");
    free(t->s);
    t->s = NULL;
    t->n = t->cap = 0;
    if (!s)
        d->failed = 1;
    return s ? s : "";
}

static void fmt_time(char *buf, size_t cap, clr_time t)
{
    if (t == CLR_TIME_MIN || t == CLR_TIME_MAX || clr_time_format(buf, cap, t) < 0)
        snprintf(buf, cap, "%s", t == CLR_TIME_MIN ? "always" : "ever");
    else
        buf[10] = '\0'; /* dates are what the rulebooks write */
}

static void window_text(text *t, clr_time from, clr_time until)
{
    char a[32], b[32];
    fmt_time(a, sizeof a, from);
    fmt_time(b, sizeof b, until);
    if (from == CLR_TIME_MIN && until == CLR_TIME_MAX)
        tprintf(t, "always");
    else if (from == CLR_TIME_MIN)
        tprintf(t, "until %s", b);
    else if (until == CLR_TIME_MAX)
        tprintf(t, "from %s", a);
    else
        tprintf(t, "from %s until %s", a, b);
}

static int str_eq(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

/* ---- the structural diff -------------------------------------------------------- */

static const clr__rulebook *find_rulebook(const clr_ruleset *rs, const char *id, size_t *idx)
{
    for (size_t i = 0; i < rs->nrulebooks; i++)
        if (strcmp(rs->rulebooks[i].id, id) == 0) {
            if (idx)
                *idx = i;
            return &rs->rulebooks[i];
        }
    return NULL;
}

static void diff_rulebooks(clr_diff *d, const clr_ruleset *a, const clr_ruleset *b)
{
    for (size_t i = 0; i < a->nrulebooks; i++) {
        const clr__rulebook *x = &a->rulebooks[i], *y = find_rulebook(b, x->id, NULL);
        if (!y) {
            add_change(d, "rulebook", "removed", NULL, x->id, x->title);
            continue;
        }
        text t = {0};
        if (!str_eq(x->scope_text, y->scope_text))
            tprintf(&t, "scope '%s' -> '%s'; ", x->scope_text ? x->scope_text : "(none)",
                    y->scope_text ? y->scope_text : "(none)");
        if (!str_eq(x->title, y->title))
            tprintf(&t, "title '%s' -> '%s'; ", x->title, y->title);
        if (!str_eq(x->jurisdiction, y->jurisdiction))
            tprintf(&t, "jurisdiction %s -> %s; ", x->jurisdiction, y->jurisdiction);
        if (t.n) {
            t.s[t.n -= 2] = '\0';
            add_change(d, "rulebook", "changed", NULL, x->id, tkeep(d, &t));
        }
    }
    for (size_t i = 0; i < b->nrulebooks; i++)
        if (!find_rulebook(a, b->rulebooks[i].id, NULL))
            add_change(d, "rulebook", "added", NULL, b->rulebooks[i].id, b->rulebooks[i].title);
}

static const clr__rule *find_rule(const clr_ruleset *rs, const char *rulebook, const char *id,
                                  int exemption)
{
    for (size_t i = 0; i < rs->nrules; i++) {
        const clr__rule *r = &rs->rules[i];
        if (r->is_exemption == exemption && strcmp(r->id, id) == 0 &&
            strcmp(rs->rulebooks[r->rulebook].id, rulebook) == 0)
            return r;
    }
    return NULL;
}

static void exempts_text(text *t, const clr_ruleset *rs, const clr__rule *r)
{
    for (size_t k = 0; k < r->nexempts; k++)
        tprintf(t, "%s%s", k ? ", " : "", rs->rules[r->exempts[k]].id);
}

static void diff_rule(clr_diff *d, const clr_side *sa, const clr__rule *x, const clr_side *sb,
                      const clr__rule *y, const char *rbid)
{
    const char *what = x->is_exemption ? "exemption" : "rule";
    text t = {0};
    if (!x->is_exemption && x->effect != y->effect)
        tprintf(&t, "effect %s -> %s; ", clr_effect_name(x->effect), clr_effect_name(y->effect));
    if (!str_eq(x->when_text, y->when_text))
        tprintf(&t, "when '%s' -> '%s'; ", x->when_text, y->when_text);
    if (x->from != y->from || x->until != y->until) {
        tprintf(&t, "in force ");
        window_text(&t, x->from, x->until);
        tprintf(&t, " -> ");
        window_text(&t, y->from, y->until);
        tprintf(&t, "; ");
    }
    if (!str_eq(x->citation, y->citation))
        tprintf(&t, "citation '%s' -> '%s'; ", x->citation, y->citation);
    if (!str_eq(x->message, y->message))
        tprintf(&t, "message changed; ");
    if (x->is_exemption) {
        text ex = {0}, ey = {0};
        exempts_text(&ex, sa->rs, x);
        exempts_text(&ey, sb->rs, y);
        if (!str_eq(ex.s, ey.s))
            tprintf(&t, "exempts %s -> %s; ", ex.s ? ex.s : "", ey.s ? ey.s : "");
        free(ex.s);
        free(ey.s);
    }
    if (t.n) {
        t.s[t.n -= 2] = '\0';
        add_change(d, what, "changed", rbid, x->id, tkeep(d, &t));
    } else {
        free(t.s);
    }
    int in_a = sa->at >= x->from && sa->at < x->until;
    int in_b = sb->at >= y->from && sb->at < y->until;
    if (in_a != in_b) {
        text w = {0};
        tprintf(&w, "in force at %s only (", in_a ? "a" : "b");
        window_text(&w, in_b ? y->from : x->from, in_b ? y->until : x->until);
        tprintf(&w, ")");
        add_change(d, what, "in-force", rbid, x->id, tkeep(d, &w));
    }
}

static void diff_rules(clr_diff *d, const clr_side *sa, const clr_side *sb)
{
    const clr_ruleset *a = sa->rs, *b = sb->rs;
    for (int exemption = 0; exemption < 2; exemption++) {
        const char *what = exemption ? "exemption" : "rule";
        for (size_t i = 0; i < a->nrules; i++) {
            const clr__rule *x = &a->rules[i];
            if (x->is_exemption != exemption)
                continue;
            const char *rbid = a->rulebooks[x->rulebook].id;
            const clr__rule *y = find_rule(b, rbid, x->id, exemption);
            if (y) {
                diff_rule(d, sa, x, sb, y, rbid);
                continue;
            }
            text t = {0};
            if (!exemption)
                tprintf(&t, "%s when %s", clr_effect_name(x->effect), x->when_text);
            else
                tprintf(&t, "when %s", x->when_text);
            add_change(d, what, "removed", rbid, x->id, tkeep(d, &t));
        }
        for (size_t i = 0; i < b->nrules; i++) {
            const clr__rule *y = &b->rules[i];
            const char *rbid = b->rulebooks[y->rulebook].id;
            if (y->is_exemption != exemption || find_rule(a, rbid, y->id, exemption))
                continue;
            text t = {0};
            if (!exemption)
                tprintf(&t, "%s when %s; in force ", clr_effect_name(y->effect), y->when_text);
            else
                tprintf(&t, "when %s; in force ", y->when_text);
            window_text(&t, y->from, y->until);
            add_change(d, what, "added", rbid, y->id, tkeep(d, &t));
        }
    }
}

static const clr__set *find_group(const clr_ruleset *rs, const char *name)
{
    for (size_t i = 0; i < rs->ngroups; i++)
        if (rs->groups[i].name && strcmp(rs->groups[i].name, name) == 0)
            return &rs->groups[i];
    return NULL;
}

/* Whether set holds a member named s with exactly this window. */
static int has_member(const clr_ruleset *rs, const clr__set *set, const clr__member *m,
                      const clr_ruleset *mrs)
{
    const char *s = mrs->sym_str[m->sym];
    for (size_t i = 0; i < set->n; i++)
        if (strcmp(rs->sym_str[set->members[i].sym], s) == 0 && set->members[i].from == m->from &&
            set->members[i].until == m->until)
            return 1;
    return 0;
}

static int member_at(const clr_ruleset *rs, const clr__set *set, const char *s, clr_time t)
{
    for (size_t i = 0; i < set->n; i++)
        if (t >= set->members[i].from && t < set->members[i].until &&
            strcmp(rs->sym_str[set->members[i].sym], s) == 0)
            return 1;
    return 0;
}

static void member_text(text *t, const clr_ruleset *rs, const clr__member *m)
{
    tprintf(t, "%s", rs->sym_str[m->sym]);
    if (m->from != CLR_TIME_MIN || m->until != CLR_TIME_MAX) {
        tprintf(t, " ");
        window_text(t, m->from, m->until);
    }
}

/* Members of x (at ta) that y lacks (at tb), as "KH, NI". */
static void absent_at(text *t, const clr_ruleset *rx, const clr__set *x, clr_time ta,
                      const clr_ruleset *ry, const clr__set *y, clr_time tb)
{
    size_t n = 0;
    for (size_t i = 0; i < x->n; i++) {
        const clr__member *m = &x->members[i];
        const char *s = rx->sym_str[m->sym];
        if (ta < m->from || ta >= m->until || (y && member_at(ry, y, s, tb)))
            continue;
        tprintf(t, "%s%s", n++ ? ", " : "", s);
        if (m->from != CLR_TIME_MIN || m->until != CLR_TIME_MAX) {
            tprintf(t, " (");
            window_text(t, m->from, m->until);
            tprintf(t, ")");
        }
    }
}

static void diff_groups(clr_diff *d, const clr_side *sa, const clr_side *sb)
{
    const clr_ruleset *a = sa->rs, *b = sb->rs;
    for (size_t i = 0; i < a->ngroups; i++) {
        const clr__set *x = &a->groups[i], *y = x->name ? find_group(b, x->name) : NULL;
        if (!x->name)
            continue;
        if (!y) {
            add_change(d, "group", "removed", NULL, x->name, "");
            continue;
        }
        text t = {0};
        size_t nr = 0, na = 0;
        for (size_t k = 0; k < x->n; k++)
            if (!has_member(b, y, &x->members[k], a)) {
                tprintf(&t, nr++ ? ", " : "removed ");
                member_text(&t, a, &x->members[k]);
            }
        for (size_t k = 0; k < y->n; k++)
            if (!has_member(a, x, &y->members[k], b)) {
                tprintf(&t, na++ ? ", " : nr ? "; added " : "added ");
                member_text(&t, b, &y->members[k]);
            }
        if (t.n)
            add_change(d, "group", "changed", NULL, x->name, tkeep(d, &t));
        text m = {0}, l = {0}, j = {0};
        absent_at(&l, a, x, sa->at, b, y, sb->at);
        absent_at(&j, b, y, sb->at, a, x, sa->at);
        if (l.n)
            tprintf(&m, "members at a only: %s", l.s);
        if (j.n)
            tprintf(&m, "%smembers at b only: %s", l.n ? "; " : "", j.s);
        free(l.s);
        free(j.s);
        if (m.n)
            add_change(d, "group", "membership", NULL, x->name, tkeep(d, &m));
    }
    for (size_t i = 0; i < b->ngroups; i++)
        if (b->groups[i].name && !find_group(a, b->groups[i].name))
            add_change(d, "group", "added", NULL, b->groups[i].name, "");
}

static const clr__model *find_model(const clr_ruleset *rs, const char *id)
{
    for (size_t i = 0; i < rs->nmodels; i++)
        if (strcmp(rs->models[i].id, id) == 0)
            return &rs->models[i];
    return NULL;
}

static void diff_models(clr_diff *d, const clr_ruleset *a, const clr_ruleset *b)
{
    for (size_t i = 0; i < a->nmodels; i++) {
        const clr__model *x = &a->models[i], *y = find_model(b, x->id);
        if (!y) {
            add_change(d, "model", "removed", NULL, x->id, "");
            continue;
        }
        text t = {0};
        if (!str_eq(x->provider_str, y->provider_str))
            tprintf(&t, "provider %s -> %s; ", x->provider_str, y->provider_str);
        if (!str_eq(x->origin_str, y->origin_str))
            tprintf(&t, "origin %s -> %s; ", x->origin_str, y->origin_str);
        if (!(x->training_ops == y->training_ops ||
              (x->training_ops != x->training_ops && y->training_ops != y->training_ops)))
            tprintf(&t, "training_ops %g -> %g; ", x->training_ops, y->training_ops);
        if (x->open_weights != y->open_weights)
            tprintf(&t, "open_weights %d -> %d; ", x->open_weights, y->open_weights);
        if (t.n) {
            t.s[t.n -= 2] = '\0';
            add_change(d, "model", "changed", NULL, x->id, tkeep(d, &t));
        }
    }
    for (size_t i = 0; i < b->nmodels; i++)
        if (!find_model(a, b->models[i].id))
            add_change(d, "model", "added", NULL, b->models[i].id, "");
    for (size_t i = 0; i < a->nclasses; i++) {
        const clr__class *x = &a->classes[i], *y = NULL;
        for (size_t k = 0; k < b->nclasses; k++)
            if (strcmp(b->classes[k].name, x->name) == 0)
                y = &b->classes[k];
        if (!y) {
            add_change(d, "class", "removed", NULL, x->name, x->when_text);
        } else if (!str_eq(x->when_text, y->when_text)) {
            text t = {0};
            tprintf(&t, "when '%s' -> '%s'", x->when_text, y->when_text);
            add_change(d, "class", "changed", NULL, x->name, tkeep(d, &t));
        }
    }
    for (size_t k = 0; k < b->nclasses; k++) {
        int found = 0;
        for (size_t i = 0; i < a->nclasses && !found; i++)
            found = strcmp(a->classes[i].name, b->classes[k].name) == 0;
        if (!found)
            add_change(d, "class", "added", NULL, b->classes[k].name, b->classes[k].when_text);
    }
}

static int in_vocab(const clr_ruleset *rs, const char *s, uint8_t flag)
{
    clr__sym sym = s[0] ? clr__sym_lookup(rs, s, strlen(s)) : 0;
    return sym && (rs->sym_flags[sym] & flag);
}

static void diff_vocab(clr_diff *d, const clr_ruleset *a, const clr_ruleset *b, uint8_t flag,
                       const char *id)
{
    text t = {0};
    size_t nr = 0, na = 0;
    for (size_t s = 1; s < a->nsyms; s++)
        if ((a->sym_flags[s] & flag) && !in_vocab(b, a->sym_str[s], flag))
            tprintf(&t, "%s%s", nr++ ? ", " : "removed ", a->sym_str[s]);
    for (size_t s = 1; s < b->nsyms; s++)
        if ((b->sym_flags[s] & flag) && !in_vocab(a, b->sym_str[s], flag))
            tprintf(&t, "%s%s", na++ ? ", " : nr ? "; added " : "added ", b->sym_str[s]);
    if (t.n)
        add_change(d, "vocabulary", "changed", NULL, id, tkeep(d, &t));
}

/* ---- the grid -------------------------------------------------------------------- */

/* A ruleset that decides as if no rulebook had a scope; it shares everything
 * else with rs. */
static clr_ruleset *scopeless(const clr_ruleset *rs)
{
    clr_ruleset *v = malloc(sizeof *v);
    clr__rulebook *rbs = malloc((rs->nrulebooks ? rs->nrulebooks : 1) * sizeof *rbs);
    if (!v || !rbs) {
        free(v);
        free(rbs);
        return NULL;
    }
    *v = *rs;
    memcpy(rbs, rs->rulebooks, rs->nrulebooks * sizeof *rbs);
    for (size_t i = 0; i < rs->nrulebooks; i++) {
        rbs[i].scope = NULL;
        rbs[i].model_scope = 0;
    }
    v->rulebooks = rbs;
    return v;
}

static void scopeless_free(clr_ruleset *v)
{
    if (v) {
        free(v->rulebooks);
        free(v);
    }
}

/* What the grid needs of one side. */
typedef struct gside {
    const clr_ruleset *rs;
    clr_time at;
    clr__classes cls[CLR__NDIM];
    uint8_t reads[CLR__NATTR];
} gside;

/* The attributes each dimension sets. */
static const int dim_attrs[CLR_NDIMS][3] = {
    {ATTR_DESTINATION, ATTR_P_COUNTRY, ATTR_P_HQ},
    {ATTR_MODEL, -1, -1},
    {ATTR_USE, -1, -1},
    {ATTR_INTEGRATION, -1, -1},
    {ATTR_P_NATIONALITY, -1, -1},
    {ATTR_P_ORG, -1, -1},
};

/* Distinct providers and origins of both catalogues, for values compared with
 * a model's attribute. */
typedef struct model_values {
    const char *v[2 * 64];
    size_t n;
} model_values;

static int index_of(const model_values *mv, const char *s)
{
    for (size_t i = 0; i < mv->n; i++)
        if (strcmp(mv->v[i], s) == 0)
            return (int)i;
    return -1;
}

/* Adds value s to dimension k, in the class of its tuple; merge is 0 when
 * values must stay apart (a condition compares them with another request
 * attribute). */
static int add_value(clr_diff *d, int k, const char *s, const char *label, const gside *g,
                     const model_values *mv)
{
    ddim *dm = &d->dims[k];
    uint32_t tuple[TUPLE] = {0};
    size_t n = 0;
    int merge = 1;
    for (int side = 0; side < 2; side++)
        for (int j = 0; j < 3 && dim_attrs[k][j] >= 0; j++) {
            int attr = dim_attrs[k][j];
            clr__sym sym = clr__attr_sym(g[side].rs, attr, s);
            uint8_t r = g[side].reads[attr];
            if (r & 2)
                merge = 0;
            if (!r && k != CLR_DIM_MODEL)
                tuple[n++] = 0; /* no condition reads it */
            else if (k == CLR_DIM_MODEL || !g[side].cls[attr].of)
                tuple[n++] = sym; /* by symbol: the catalogue */
            else
                tuple[n++] = clr__class_of(&g[side].cls[attr], sym);
            if (attr == ATTR_USE || attr == ATTR_INTEGRATION)
                tuple[n++] = in_vocab(g[side].rs, s,
                                      attr == ATTR_USE ? SYMF_VOCAB_USE : SYMF_VOCAB_INTEGRATION);
            if (r & 4) /* compared with a model's provider or origin */
                tuple[n++] = (uint32_t)(index_of(mv, s) + 1);
        }
    if (k == CLR_DIM_MODEL)
        merge = 0;
    for (size_t i = 0; i < dm->n; i++) {
        dclass *c = &dm->cls[i];
        int same = merge ? memcmp(c->tuple, tuple, sizeof tuple) == 0 : strcmp(c->rep, s) == 0;
        if (!same)
            continue;
        for (size_t v = 0; v < c->nvalues; v++)
            if (strcmp(c->values[v], label) == 0)
                return 0; /* already there */
        if (grow((void **)&c->values, &c->cap, c->nvalues, sizeof *c->values))
            return CLR_ENOMEM;
        c->values[c->nvalues++] = label;
        return 0;
    }
    if (dm->n == MAX_CLASSES) {
        dm->over++; /* too many to enumerate: counted, not kept */
        return 0;
    }
    if (grow((void **)&dm->cls, &dm->cap, dm->n, sizeof *dm->cls))
        return CLR_ENOMEM;
    dclass *c = &dm->cls[dm->n++];
    memset(c, 0, sizeof *c);
    c->rep = s;
    memcpy(c->tuple, tuple, sizeof tuple);
    if (grow((void **)&c->values, &c->cap, 0, sizeof *c->values))
        return CLR_ENOMEM;
    c->values[c->nvalues++] = label;
    return 0;
}

/* A value no rule of either side mentions for attr: base, or base with a digit. */
static const char *unmentioned(clr_diff *d, const gside *g, int attr, const char *base)
{
    for (int i = 0; i < 100; i++) {
        char *s =
            i ? clr__arena_printf(&d->arena, "%s%d", base, i) : clr__arena_strdup(&d->arena, base);
        if (!s)
            return NULL;
        if (!clr__attr_sym(g[0].rs, attr, s) && !clr__attr_sym(g[1].rs, attr, s))
            return s;
    }
    return NULL;
}

static int build_dims(clr_diff *d, const gside *g)
{
    int rc = 0;
    model_values mv = {0};
    for (int side = 0; side < 2; side++)
        for (size_t i = 0; i < g[side].rs->nmodels; i++) {
            const clr__model *m = &g[side].rs->models[i];
            const char *v[2] = {m->provider_str, m->origin_str};
            for (int j = 0; j < 2; j++)
                if (v[j] && v[j][0] && index_of(&mv, v[j]) < 0 && mv.n < sizeof mv.v / sizeof *mv.v)
                    mv.v[mv.n++] = v[j];
        }
    /* countries: every code either side interned, and one for the rest */
    const char *other_cc = NULL;
    for (int i = 0; i < 26 * 26 && !rc; i++) {
        char *cc = clr__arena_printf(&d->arena, "%c%c", 'A' + i / 26, 'A' + i % 26);
        if (!cc)
            return CLR_ENOMEM;
        if (!clr_country_valid(cc, 2))
            continue;
        int known = g[0].rs->country_sym[i] || g[1].rs->country_sym[i];
        if (!known && !other_cc)
            other_cc = cc;
        if (!known)
            continue;
        if ((rc = add_value(d, CLR_DIM_DESTINATION, cc, cc, g, &mv)) ||
            (rc = add_value(d, CLR_DIM_NATIONALITY, cc, cc, g, &mv)))
            return rc;
    }
    if (other_cc && ((rc = add_value(d, CLR_DIM_DESTINATION, other_cc, "other", g, &mv)) ||
                     (rc = add_value(d, CLR_DIM_NATIONALITY, other_cc, "other", g, &mv))))
        return rc;
    /* models: both catalogues */
    for (int side = 0; side < 2; side++)
        for (size_t i = 0; i < g[side].rs->nmodels; i++)
            if ((rc = add_value(d, CLR_DIM_MODEL, g[side].rs->models[i].id,
                                g[side].rs->models[i].id, g, &mv)))
                return rc;
    /* uses, integrations, organisations: the vocabularies, every value a
       condition tells apart, and one for the rest */
    static const struct {
        int dim, attr;
        uint8_t flag;
        const char *other;
    } sym_dims[] = {
        {CLR_DIM_USE, ATTR_USE, SYMF_VOCAB_USE, "other-use"},
        {CLR_DIM_INTEGRATION, ATTR_INTEGRATION, SYMF_VOCAB_INTEGRATION, "other-integration"},
        {CLR_DIM_ORG, ATTR_P_ORG, 0, "org:other"}};
    for (size_t k = 0; k < sizeof sym_dims / sizeof *sym_dims; k++) {
        int attr = sym_dims[k].attr, dk = sym_dims[k].dim;
        int vocab = 0;
        for (int side = 0; side < 2; side++) {
            const gside *s = &g[side];
            vocab |= sym_dims[k].flag &&
                     (attr == ATTR_USE ? s->rs->has_vocab_use : s->rs->has_vocab_integration);
            for (size_t y = 1; y < s->rs->nsyms; y++) {
                int pick = (sym_dims[k].flag && (s->rs->sym_flags[y] & sym_dims[k].flag)) ||
                           (s->reads[attr] && (!s->cls[attr].of || s->cls[attr].of[y] != 0));
                if (pick && (rc = add_value(d, dk, s->rs->sym_str[y], s->rs->sym_str[y], g, &mv)))
                    return rc;
            }
        }
        if (attr == ATTR_P_ORG && (g[0].reads[attr] & 4 || g[1].reads[attr] & 4))
            for (int side = 0; side < 2; side++)
                for (size_t i = 0; i < g[side].rs->nmodels; i++) {
                    const char *p = g[side].rs->models[i].provider_str;
                    if (p && p[0] && (rc = add_value(d, dk, p, p, g, &mv)))
                        return rc;
                }
        if (!vocab) {
            const char *o = unmentioned(d, g, attr, sym_dims[k].other);
            if (!o)
                return CLR_ENOMEM;
            if ((rc = add_value(d, dk, o, "other", g, &mv)))
                return rc;
        }
    }
    return 0;
}

static int32_t find_label(labels *ls, const clr__causes *c, clr_outcome before, clr_outcome after)
{
    uint64_t h = clr__causes_hash(c->v, c->n, before, after);
    for (size_t i = 0; i < ls->n; i++)
        if (ls->v[i].hash == h && ls->v[i].before == before && ls->v[i].after == after &&
            clr__causes_equal(ls->v[i].causes, ls->v[i].ncauses, c->v, c->n))
            return (int32_t)i;
    if (grow((void **)&ls->v, &ls->cap, ls->n, sizeof *ls->v))
        return -1;
    dlabel *l = &ls->v[ls->n];
    if (!(l->causes = clr__causes_dup(c->v, c->n)))
        return -1;
    l->ncauses = c->n;
    l->before = before;
    l->after = after;
    l->hash = h;
    return (int32_t)ls->n++;
}

static int add_point(boxes *bx, int32_t lab, const size_t *at)
{
    if (grow((void **)&bx->v, &bx->cap, bx->n, sizeof *bx->v))
        return CLR_ENOMEM;
    box *b = &bx->v[bx->n++];
    memset(b, 0, sizeof *b);
    b->label = (uint32_t)lab;
    b->points = 1;
    for (int k = 0; k < CLR_NDIMS; k++)
        b->set[k][at[k] / 64] |= 1ULL << (at[k] % 64);
    return 0;
}

static _Thread_local int skip_dim;

static int box_cmp(const void *pa, const void *pb)
{
    const box *a = pa, *b = pb;
    if (a->label != b->label)
        return a->label < b->label ? -1 : 1;
    for (int k = 0; k < CLR_NDIMS; k++) {
        if (k == skip_dim)
            continue;
        int c = memcmp(a->set[k], b->set[k], sizeof a->set[k]);
        if (c)
            return c;
    }
    return 0;
}

/* Merges boxes that differ in one dimension only, dimension after dimension,
 * until no two merge. */
static void merge_boxes(boxes *bx)
{
    static const int order[CLR_NDIMS] = {CLR_DIM_DESTINATION, CLR_DIM_ORG,
                                         CLR_DIM_INTEGRATION, CLR_DIM_USE,
                                         CLR_DIM_NATIONALITY, CLR_DIM_MODEL};
    int merged = bx->n > 1;
    while (merged) {
        merged = 0;
        for (int i = 0; i < CLR_NDIMS; i++) {
            skip_dim = order[i];
            qsort(bx->v, bx->n, sizeof *bx->v, box_cmp);
            size_t out = 0;
            for (size_t j = 0; j < bx->n; j++) {
                if (out && box_cmp(&bx->v[out - 1], &bx->v[j]) == 0) {
                    box *t = &bx->v[out - 1];
                    for (int w = 0; w < SETW; w++)
                        t->set[skip_dim][w] |= bx->v[j].set[skip_dim][w];
                    t->points += bx->v[j].points;
                    merged = 1;
                } else {
                    bx->v[out++] = bx->v[j];
                }
            }
            bx->n = out;
        }
    }
}

static size_t popcount(const uint64_t *set)
{
    size_t n = 0;
    for (int w = 0; w < SETW; w++)
        n += (size_t)__builtin_popcountll(set[w]);
    return n;
}

/* The public regions of the boxes, the largest first. */
/* The class (of either side's catalogue) whose models are exactly the models
 * in set (classes of the model dimension), or NULL. */
static const char *model_class(const clr_diff *d, const uint64_t *set)
{
    const ddim *dm = &d->dims[CLR_DIM_MODEL];
    size_t in = popcount(set);
    const clr_ruleset *sides[2] = {d->a.rs, d->b.rs};
    for (int s = 0; s < 2; s++) {
        const clr_ruleset *rs = sides[s];
        for (size_t c = 0; c < rs->nclasses; c++) {
            size_t n = 0;
            int same = 1;
            for (size_t m = 0; m < rs->nmodels && same; m++) {
                if (!((rs->models[m].classes >> c) & 1))
                    continue;
                n++;
                same = 0;
                for (size_t k = 0; k < dm->n && !same; k++)
                    same = ((set[k / 64] >> (k % 64)) & 1) &&
                           strcmp(dm->cls[k].rep, rs->models[m].id) == 0;
            }
            if (same && n == in)
                return rs->classes[c].name;
        }
    }
    return NULL;
}

static int make_regions(clr_diff *d, boxes *bx, const labels *ls, clr_diff_region **out,
                        size_t *nout)
{
    *out = calloc(bx->n ? bx->n : 1, sizeof **out);
    if (!*out)
        return CLR_ENOMEM;
    for (size_t i = 0; i < bx->n; i++) {
        const box *b = &bx->v[i];
        clr_diff_region *r = &(*out)[i];
        const dlabel *l = &ls->v[b->label];
        r->before = l->before;
        r->after = l->after;
        r->points = b->points;
        r->causes = l->causes;
        r->ncauses = l->ncauses;
        for (int k = 0; k < CLR_NDIMS; k++) {
            const ddim *dm = &d->dims[k];
            size_t in = popcount(b->set[k]);
            if (in == dm->n) {
                r->values[k] = NULL;
                continue;
            }
            /* the shorter of the list and its complement */
            size_t vin = 0, vout = 0;
            for (size_t c = 0; c < dm->n; c++) {
                if ((b->set[k][c / 64] >> (c % 64)) & 1)
                    vin += dm->cls[c].nvalues;
                else
                    vout += dm->cls[c].nvalues;
            }
            int neg = vout < vin;
            text t = {0};
            size_t nv = 0;
            for (size_t c = 0; c < dm->n; c++) {
                int has = (int)((b->set[k][c / 64] >> (c % 64)) & 1);
                if (has == neg)
                    continue;
                for (size_t v = 0; v < dm->cls[c].nvalues; v++)
                    tprintf(&t, "%s%s", nv++ ? ", " : "", dm->cls[c].values[v]);
            }
            r->negated[k] = neg;
            if (k == CLR_DIM_MODEL)
                r->model_class = model_class(d, b->set[k]);
            r->values[k] = tkeep(d, &t);
        }
    }
    *nout = bx->n;
    /* the largest first; ties by transition */
    for (size_t i = 1; i < *nout; i++)
        for (size_t j = i; j > 0; j--) {
            clr_diff_region *x = &(*out)[j - 1], *y = &(*out)[j];
            if (x->points > y->points ||
                (x->points == y->points && x->before * 4 + x->after <= y->before * 4 + y->after))
                break;
            clr_diff_region t = *x;
            *x = *y;
            *y = t;
        }
    return d->failed ? CLR_ENOMEM : 0;
}

static int64_t no_usage(void *arg, int by_user, const char *who, const char *model, int days,
                        clr_time at)
{
    (void)arg, (void)by_user, (void)who, (void)model, (void)days, (void)at;
    return 0;
}

static int run_grid(clr_diff *d, gside *g, const clr_diff_options *opts)
{
    size_t total = 1;
    d->limit = opts->max_points ? opts->max_points : 4000000;
    for (int k = 0; k < CLR_NDIMS; k++) {
        if (!d->dims[k].n)
            return 0; /* an empty dimension (no models): nothing to decide */
        if (d->dims[k].over || total > d->limit / d->dims[k].n) {
            d->too_large = 1;
            return 0;
        }
        total *= d->dims[k].n;
    }
    boxes diffs = {0}, agrees = {0};
    clr_decision *dec = malloc(2 * sizeof *dec);
    clr_request *req = calloc(1, sizeof *req);
    clr__causes *causes = malloc(sizeof *causes);
    int rc = 0;
    if (!dec || !req || !causes) {
        rc = CLR_ENOMEM;
        goto done;
    }
    clr_usage_source usage = {no_usage, NULL};
    clr_decide_env env = {NULL, &usage};
    req->model_attributes.training_ops = -1;
    req->model_attributes.open_weights = -1;
    snprintf(req->principal.id, sizeof req->principal.id, "diff");
    size_t at[CLR_NDIMS] = {0};
    for (size_t p = 0; p < total; p++) {
        const ddim *dm = d->dims;
        const char *dest = dm[CLR_DIM_DESTINATION].cls[at[CLR_DIM_DESTINATION]].rep;
        memcpy(req->destination, dest, 3);
        memcpy(req->principal.country, dest, 3);
        memcpy(req->principal.hq, dest, 3);
        memcpy(req->principal.nationality, dm[CLR_DIM_NATIONALITY].cls[at[CLR_DIM_NATIONALITY]].rep,
               3);
        snprintf(req->model, sizeof req->model, "%s", dm[CLR_DIM_MODEL].cls[at[CLR_DIM_MODEL]].rep);
        snprintf(req->use, sizeof req->use, "%s", dm[CLR_DIM_USE].cls[at[CLR_DIM_USE]].rep);
        snprintf(req->integration, sizeof req->integration, "%s",
                 dm[CLR_DIM_INTEGRATION].cls[at[CLR_DIM_INTEGRATION]].rep);
        snprintf(req->principal.org, sizeof req->principal.org, "%s",
                 dm[CLR_DIM_ORG].cls[at[CLR_DIM_ORG]].rep);
        req->time = g[0].at;
        clr_decide_env_run(g[0].rs, &env, req, &dec[0], NULL);
        req->time = g[1].at;
        clr_decide_env_run(g[1].rs, &env, req, &dec[1], NULL);
        if (dec[0].outcome != dec[1].outcome) {
            clr__causes_of(causes, &dec[0], &dec[1], 0);
            int32_t l = find_label(&d->diff_labels, causes, dec[0].outcome, dec[1].outcome);
            if (l < 0 || add_point(&diffs, l, at)) {
                rc = CLR_ENOMEM;
                goto done;
            }
            d->differing++;
        } else if (opts->agreement && dec[0].outcome != CLR_ALLOW) {
            clr__causes_of(causes, &dec[0], &dec[1], 1);
            int32_t l = find_label(&d->agree_labels, causes, dec[0].outcome, dec[1].outcome);
            if (l < 0 || add_point(&agrees, l, at)) {
                rc = CLR_ENOMEM;
                goto done;
            }
        }
        for (int k = CLR_NDIMS - 1; k >= 0; k--) { /* the next point */
            if (++at[k] < d->dims[k].n)
                break;
            at[k] = 0;
        }
    }
    d->points = total;
    merge_boxes(&diffs);
    merge_boxes(&agrees);
    if ((rc = make_regions(d, &diffs, &d->diff_labels, &d->regions, &d->nregions)) ||
        (rc = make_regions(d, &agrees, &d->agree_labels, &d->agreements, &d->nagreements)))
        goto done;
done:
    free(diffs.v);
    free(agrees.v);
    free(dec);
    free(req);
    free(causes);
    return rc;
}

static void dims_text(clr_diff *d)
{
    for (int k = 0; k < CLR_NDIMS; k++) {
        text t = {0};
        size_t nv = 0;
        for (size_t c = 0; c < d->dims[k].n; c++)
            for (size_t v = 0; v < d->dims[k].cls[c].nvalues; v++)
                tprintf(&t, "%s%s", nv++ ? ", " : "", d->dims[k].cls[c].values[v]);
        d->dims[k].text = tkeep(d, &t);
    }
}

/* ---- the public functions ------------------------------------------------------------ */

int clr_diff_run(clr_diff **out, const clr_side *a, const clr_side *b, const clr_diff_options *opts)
{
    clr_diff_options dflt = CLR_DIFF_OPTIONS_INIT;
    *out = NULL;
    if (!opts)
        opts = &dflt;
    if (!a || !b || !a->rs || !b->rs || opts->version != CLR_DIFF_OPTIONS_VERSION)
        return CLR_EINVAL;
    clr_diff *d = calloc(1, sizeof *d);
    if (!d)
        return CLR_ENOMEM;
    clr__arena_init(&d->arena);
    d->a = *a;
    d->b = *b;
    clr_ruleset_ref((clr_ruleset *)a->rs);
    clr_ruleset_ref((clr_ruleset *)b->rs);
    clr_ruleset *views[2] = {NULL, NULL};
    gside *g = calloc(2, sizeof *g);
    int rc = g ? 0 : CLR_ENOMEM;
    if (rc)
        goto done;

    diff_rulebooks(d, a->rs, b->rs);
    diff_rules(d, a, b);
    diff_groups(d, a, b);
    diff_models(d, a->rs, b->rs);
    diff_vocab(d, a->rs, b->rs, SYMF_VOCAB_USE, "use");
    diff_vocab(d, a->rs, b->rs, SYMF_VOCAB_INTEGRATION, "integration");

    for (int side = 0; side < 2; side++) {
        const clr_side *s = side ? b : a;
        g[side].rs = s->rs;
        g[side].at = s->at;
        if (opts->ignore_scope) {
            if (!(views[side] = scopeless(s->rs))) {
                rc = CLR_ENOMEM;
                goto done;
            }
            g[side].rs = views[side];
        }
        clr__ruleset_reads(g[side].rs, g[side].reads);
        for (int attr = 0; attr < CLR__NDIM; attr++)
            if (g[side].reads[attr] &&
                (rc = clr__classes_build(&g[side].cls[attr], g[side].rs, attr, s->at)))
                goto done;
    }
    if ((rc = build_dims(d, g)))
        goto done;
    dims_text(d);
    rc = run_grid(d, g, opts);
done:
    for (int side = 0; g && side < 2; side++)
        for (int attr = 0; attr < CLR__NDIM; attr++)
            clr__classes_free(&g[side].cls[attr]);
    free(g);
    scopeless_free(views[0]);
    scopeless_free(views[1]);
    if (!rc && d->failed)
        rc = CLR_ENOMEM;
    if (rc) {
        clr_diff_free(d);
        return rc;
    }
    *out = d;
    return 0;
}

void clr_diff_free(clr_diff *d)
{
    if (!d)
        return;
    for (int k = 0; k < CLR_NDIMS; k++) {
        for (size_t c = 0; c < d->dims[k].n; c++)
            free(d->dims[k].cls[c].values);
        free(d->dims[k].cls);
    }
    labels *ls[2] = {&d->diff_labels, &d->agree_labels};
    for (int i = 0; i < 2; i++) {
        for (size_t k = 0; k < ls[i]->n; k++)
            free(ls[i]->v[k].causes);
        free(ls[i]->v);
    }
    free(d->regions);
    free(d->agreements);
    free(d->changes);
    clr__arena_free(&d->arena);
    clr_ruleset_unref((clr_ruleset *)d->a.rs);
    clr_ruleset_unref((clr_ruleset *)d->b.rs);
    free(d);
}

size_t clr_diff_change_count(const clr_diff *d)
{
    return d->nchanges;
}

const clr_diff_change *clr_diff_change_get(const clr_diff *d, size_t i)
{
    return i < d->nchanges ? &d->changes[i] : NULL;
}

size_t clr_diff_region_count(const clr_diff *d)
{
    return d->nregions;
}

const clr_diff_region *clr_diff_region_get(const clr_diff *d, size_t i)
{
    return i < d->nregions ? &d->regions[i] : NULL;
}

size_t clr_diff_agreement_count(const clr_diff *d)
{
    return d->nagreements;
}

const clr_diff_region *clr_diff_agreement_get(const clr_diff *d, size_t i)
{
    return i < d->nagreements ? &d->agreements[i] : NULL;
}

size_t clr_diff_points(const clr_diff *d)
{
    return d->points;
}

size_t clr_diff_points_differing(const clr_diff *d)
{
    return d->differing;
}

int clr_diff_too_large(const clr_diff *d)
{
    return d->too_large;
}

size_t clr_diff_dimension_classes(const clr_diff *d, int dim)
{
    return dim >= 0 && dim < CLR_NDIMS ? d->dims[dim].n + d->dims[dim].over : 0;
}

const char *clr_diff_dimension(const clr_diff *d, int dim)
{
    return dim >= 0 && dim < CLR_NDIMS && d->dims[dim].text ? d->dims[dim].text : "";
}

/* ---- output ------------------------------------------------------------------------------ */

/* "CN, RU" as a JSON array of strings. */
static void json_list(FILE *f, const char *s)
{
    fputc('[', f);
    int first = 1;
    while (*s) {
        const char *e = strstr(s, ", ");
        size_t n = e ? (size_t)(e - s) : strlen(s);
        char buf[CLR_ID_MAX + 8];
        snprintf(buf, sizeof buf, "%.*s", (int)(n < sizeof buf - 1 ? n : sizeof buf - 1), s);
        if (!first)
            fputc(',', f);
        clr__json_str(f, buf);
        first = 0;
        s += n;
        if (e)
            s += 2;
    }
    fputc(']', f);
}

static void region_json(FILE *f, const clr_diff_region *r)
{
    fprintf(f, "{\"before\":\"%s\",\"after\":\"%s\",\"points\":%zu", clr_outcome_name(r->before),
            clr_outcome_name(r->after), r->points);
    for (int k = 0; k < CLR_NDIMS; k++) {
        fprintf(f, ",\"%s\":", clr_dim_name(k));
        if (!r->values[k]) {
            fputs("\"any\"", f);
            continue;
        }
        fprintf(f, "{\"%s\":", r->negated[k] ? "not_in" : "in");
        json_list(f, r->values[k]);
        fputc('}', f);
    }
    if (r->model_class) {
        fputs(",\"model_class\":", f);
        clr__json_str(f, r->model_class);
    }
    fputs(",\"causes\":[", f);
    for (size_t k = 0; k < r->ncauses; k++) {
        if (k)
            fputc(',', f);
        clr__cause_json(f, &r->causes[k]);
    }
    fputs("]}", f);
}

int clr_diff_to_json(char **out, const clr_diff *d)
{
    char *buf = NULL;
    size_t len = 0;
    *out = NULL;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return CLR_ENOMEM;
    fputc('{', f);
    clr__side_json(f, "a", &d->a);
    fputc(',', f);
    clr__side_json(f, "b", &d->b);
    fputs(",\"changes\":[", f);
    for (size_t i = 0; i < d->nchanges; i++) {
        const clr_diff_change *c = &d->changes[i];
        fprintf(f, "%s{\"what\":\"%s\",\"change\":\"%s\"", i ? "," : "", c->what, c->change);
        if (c->rulebook) {
            fputs(",\"rulebook\":", f);
            clr__json_str(f, c->rulebook);
        }
        fputs(",\"id\":", f);
        clr__json_str(f, c->id);
        fputs(",\"detail\":", f);
        clr__json_str(f, c->detail);
        fputc('}', f);
    }
    fputs("],\"grid\":{", f);
    for (int k = 0; k < CLR_NDIMS; k++) {
        fprintf(f, "%s\"%s\":", k ? "," : "", clr_dim_name(k));
        json_list(f, clr_diff_dimension(d, k));
    }
    fputs("},\"classes\":{", f);
    for (int k = 0; k < CLR_NDIMS; k++)
        fprintf(f, "%s\"%s\":%zu", k ? "," : "", clr_dim_name(k), clr_diff_dimension_classes(d, k));
    fprintf(f, "},\"too_large\":%s,\"points\":%zu,\"differing\":%zu,\"regions\":[",
            d->too_large ? "true" : "false", d->points, d->differing);
    for (size_t i = 0; i < d->nregions; i++) {
        if (i)
            fputc(',', f);
        region_json(f, &d->regions[i]);
    }
    fputs("],\"agreements\":[", f);
    for (size_t i = 0; i < d->nagreements; i++) {
        if (i)
            fputc(',', f);
        region_json(f, &d->agreements[i]);
    }
    fputs("]}", f);
    int bad = ferror(f);
    if (fclose(f) || bad) {
        free(buf);
        return CLR_ENOMEM;
    }
    *out = buf;
    return 0;
}

/* Prints up to max values of a list, then how many more. */
static void print_values(FILE *f, const char *s, size_t max)
{
    size_t n = 0;
    while (*s) {
        const char *e = strstr(s, ", ");
        size_t len = e ? (size_t)(e - s) : strlen(s);
        if (n == max) {
            size_t rest = 1;
            for (const char *p = e; p; p = strstr(p + 2, ", "))
                rest++;
            fprintf(f, ", +%zu more", rest);
            return;
        }
        fprintf(f, "%s%.*s", n++ ? ", " : "", (int)len, s);
        s += len;
        if (e)
            s += 2;
    }
}

static void print_region(FILE *f, const clr_diff_region *r, int agreement)
{
    if (agreement)
        fprintf(f, "\nboth %s (%zu point%s)\n  ", clr_outcome_name(r->before), r->points,
                r->points == 1 ? "" : "s");
    else
        fprintf(f, "\n%s -> %s (%zu point%s)\n  ", clr_outcome_name(r->before),
                clr_outcome_name(r->after), r->points, r->points == 1 ? "" : "s");
    int any = 0;
    for (int k = 0; k < CLR_NDIMS; k++) {
        if (!r->values[k])
            continue;
        fprintf(f, "%s%s %s {", any ? " × " : "", clr_dim_name(k), r->negated[k] ? "not in" : "in");
        print_values(f, r->values[k], 12);
        fputc('}', f);
        if (k == CLR_DIM_MODEL && r->model_class)
            fprintf(f, " (class %s)", r->model_class);
        any = 1;
    }
    fputs(any ? "\n" : "everywhere\n", f);
    for (size_t k = 0; k < r->ncauses; k++) {
        const clr_cause *c = &r->causes[k];
        if (!agreement) {
            fputs("  because ", f);
            clr__cause_print(f, c);
        } else {
            fprintf(f, "  %s %s/%s (%s)",
                    c->kind == CLR_CAUSE_EFFECT  ? "a and b:"
                    : c->kind == CLR_CAUSE_STOPS ? "a:"
                                                 : "b:",
                    c->rulebook, c->rule, clr_effect_name(c->after ? c->after : c->before));
        }
        fputc('\n', f);
    }
}

void clr_diff_print(const clr_diff *d, FILE *f)
{
    char ta[32] = "?", tb[32] = "?";
    clr_time_format(ta, sizeof ta, d->a.at);
    clr_time_format(tb, sizeof tb, d->b.at);
    fprintf(f, "a: rules %.12s at %s\nb: rules %.12s at %s\n", clr_ruleset_version(d->a.rs), ta,
            clr_ruleset_version(d->b.rs), tb);
    fprintf(f, "\nChanges (%zu)\n", d->nchanges);
    for (size_t i = 0; i < d->nchanges; i++) {
        const clr_diff_change *c = &d->changes[i];
        fprintf(f, "  %-10s %-10s %s%s%s%s%s\n", c->what, c->change, c->rulebook ? c->rulebook : "",
                c->rulebook ? "/" : "", c->id, c->detail[0] ? ": " : "", c->detail);
    }
    if (d->too_large) {
        fputs("\nOutcomes not compared: the grid of", f);
        for (int k = 0; k < CLR_NDIMS; k++)
            fprintf(f, "%s %zu %s", k ? " ×" : "", clr_diff_dimension_classes(d, k),
                    clr_dim_name(k));
        fprintf(f, " classes holds more than %zu points\n", d->limit);
        return;
    }
    fprintf(f, "\nOutcomes: %zu of %zu points differ, in %zu region%s\n", d->differing, d->points,
            d->nregions, d->nregions == 1 ? "" : "s");
    for (size_t i = 0; i < d->nregions; i++)
        print_region(f, &d->regions[i], 0);
    if (d->nagreements) {
        fprintf(f, "\nAgreements: %zu region%s where both restrict alike\n", d->nagreements,
                d->nagreements == 1 ? "" : "s");
        for (size_t i = 0; i < d->nagreements; i++)
            print_region(f, &d->agreements[i], 1);
    }
}
