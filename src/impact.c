/* Impact analysis: decide a stream of combinations under two sides and group
 * those whose outcome changes by transition and by the rules responsible.
 * Decisions are cached per distinct value of the fields the rules read, so a
 * million customers alike in those fields cost a million hash look-ups. */
#include "impact.h"
#include "jsonw.h"

#include <stdlib.h>
#include <string.h>

/* ---- causes ----------------------------------------------------------------- */

const char *clr_cause_kind_name(clr_cause_kind k)
{
    switch (k) {
    case CLR_CAUSE_FIRES: return "fires";
    case CLR_CAUSE_STOPS: return "stops";
    case CLR_CAUSE_EFFECT: return "effect";
    case CLR_CAUSE_EXEMPTS: return "exempts";
    case CLR_CAUSE_UNEXEMPTS: return "unexempts";
    }
    return "?";
}

static int streq(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static int find_reason(const clr_decision *d, const char *rulebook, const char *rule)
{
    for (size_t i = 0; i < d->nreasons; i++)
        if (streq(d->reasons[i].rule, rule) && streq(d->reasons[i].rulebook, rulebook))
            return (int)i;
    return -1;
}

static const clr_exempted *find_exempted(const clr_decision *d, const char *rulebook,
                                         const char *rule)
{
    for (size_t i = 0; i < d->nexempted; i++)
        if (streq(d->exempted[i].rule, rule) && streq(d->exempted[i].rulebook, rulebook))
            return &d->exempted[i];
    return NULL;
}

static void add_cause(clr__causes *out, clr_cause_kind kind, const char *rulebook, const char *rule,
                      const char *exemption, clr_effect before, clr_effect after)
{
    for (size_t i = 0; i < out->n; i++)
        if (out->v[i].kind == kind && streq(out->v[i].rule, rule) &&
            streq(out->v[i].rulebook, rulebook))
            return; /* the same rule twice (a hit and a possible match) */
    if (out->n == CLR__CAUSES_MAX)
        return;
    clr_cause *c = &out->v[out->n++];
    c->kind = kind;
    c->rulebook = rulebook;
    c->rule = rule;
    c->exemption = exemption;
    c->before = before;
    c->after = after;
}

void clr__causes_of(clr__causes *out, const clr_decision *b, const clr_decision *a, int both)
{
    out->n = 0;
    for (size_t i = 0; i < b->nreasons; i++) {
        const clr_reason *r = &b->reasons[i];
        int j = find_reason(a, r->rulebook, r->rule);
        if (j < 0) {
            const clr_exempted *x = find_exempted(a, r->rulebook, r->rule);
            if (x)
                add_cause(out, CLR_CAUSE_EXEMPTS, r->rulebook, r->rule, x->exemption, r->effect, 0);
            else
                add_cause(out, CLR_CAUSE_STOPS, r->rulebook, r->rule, NULL, r->effect, 0);
        } else if (a->reasons[j].effect != r->effect || both) {
            add_cause(out, CLR_CAUSE_EFFECT, r->rulebook, r->rule, NULL, r->effect,
                      a->reasons[j].effect);
        }
    }
    for (size_t i = 0; i < a->nreasons; i++) {
        const clr_reason *r = &a->reasons[i];
        if (find_reason(b, r->rulebook, r->rule) >= 0)
            continue;
        const clr_exempted *x = find_exempted(b, r->rulebook, r->rule);
        if (x)
            add_cause(out, CLR_CAUSE_UNEXEMPTS, r->rulebook, r->rule, x->exemption, 0, r->effect);
        else
            add_cause(out, CLR_CAUSE_FIRES, r->rulebook, r->rule, NULL, 0, r->effect);
    }
}

static uint64_t mix(uint64_t h, const char *s)
{
    return s ? (h ^ clr__hash(s, strlen(s))) * 0x100000001B3ULL : h * 31 + 7;
}

uint64_t clr__causes_hash(const clr_cause *c, size_t n, clr_outcome before, clr_outcome after)
{
    uint64_t h = 0xCBF29CE484222325ULL ^ (uint64_t)(before * 4 + after);
    for (size_t i = 0; i < n; i++) {
        h = (h ^ (uint64_t)(c[i].kind * 64 + c[i].before * 8 + c[i].after)) * 0x100000001B3ULL;
        h = mix(mix(mix(h, c[i].rulebook), c[i].rule), c[i].exemption);
    }
    return h;
}

int clr__causes_equal(const clr_cause *x, size_t nx, const clr_cause *y, size_t ny)
{
    if (nx != ny)
        return 0;
    for (size_t i = 0; i < nx; i++)
        if (x[i].kind != y[i].kind || x[i].before != y[i].before || x[i].after != y[i].after ||
            !streq(x[i].rulebook, y[i].rulebook) || !streq(x[i].rule, y[i].rule) ||
            !streq(x[i].exemption, y[i].exemption))
            return 0;
    return 1;
}

clr_cause *clr__causes_dup(const clr_cause *c, size_t n)
{
    clr_cause *v = malloc((n ? n : 1) * sizeof *v);
    if (v && n)
        memcpy(v, c, n * sizeof *v);
    return v;
}

void clr__cause_print(FILE *f, const clr_cause *c)
{
    switch (c->kind) {
    case CLR_CAUSE_FIRES:
        fprintf(f, "%s/%s now fires (%s)", c->rulebook, c->rule, clr_effect_name(c->after));
        break;
    case CLR_CAUSE_STOPS:
        fprintf(f, "%s/%s no longer fires (was %s)", c->rulebook, c->rule,
                clr_effect_name(c->before));
        break;
    case CLR_CAUSE_EFFECT:
        if (c->before == c->after)
            fprintf(f, "%s/%s fires on both sides (%s)", c->rulebook, c->rule,
                    clr_effect_name(c->after));
        else
            fprintf(f, "%s/%s changes effect (%s -> %s)", c->rulebook, c->rule,
                    clr_effect_name(c->before), clr_effect_name(c->after));
        break;
    case CLR_CAUSE_EXEMPTS:
        fprintf(f, "exemption %s/%s now switches off %s (was %s)", c->rulebook, c->exemption,
                c->rule, clr_effect_name(c->before));
        break;
    case CLR_CAUSE_UNEXEMPTS:
        fprintf(f, "exemption %s/%s no longer switches off %s (%s)", c->rulebook, c->exemption,
                c->rule, clr_effect_name(c->after));
        break;
    }
}

void clr__json_str(FILE *f, const char *s)
{
    char tmp[512];
    clr__jsonw w;
    clr__jsonw_init(&w, tmp, sizeof tmp);
    clr__jsonw_str(&w, s ? s : "");
    size_t n = clr__jsonw_finish(&w);
    if (n < sizeof tmp) {
        fwrite(tmp, 1, n, f);
        return;
    }
    char *big = malloc(n + 1);
    if (!big) {
        fputs("\"\"", f); /* the stream's own error state reports the failure */
        return;
    }
    clr__jsonw_init(&w, big, n + 1);
    clr__jsonw_str(&w, s);
    fwrite(big, 1, clr__jsonw_finish(&w), f);
    free(big);
}

void clr__side_json(FILE *f, const char *name, const clr_side *s)
{
    char at[32] = "";
    clr_time_format(at, sizeof at, s->at);
    fprintf(f, "\"%s\":{\"rules_version\":", name);
    clr__json_str(f, clr_ruleset_version(s->rs));
    fputs(",\"at\":", f);
    clr__json_str(f, at);
    fputc('}', f);
}

void clr__cause_json(FILE *f, const clr_cause *c)
{
    fputs("{\"change\":", f);
    clr__json_str(f, clr_cause_kind_name(c->kind));
    fputs(",\"rulebook\":", f);
    clr__json_str(f, c->rulebook);
    fputs(",\"rule\":", f);
    clr__json_str(f, c->rule);
    if (c->exemption) {
        fputs(",\"exemption\":", f);
        clr__json_str(f, c->exemption);
    }
    if (c->before) {
        fputs(",\"before\":", f);
        clr__json_str(f, clr_effect_name(c->before));
    }
    if (c->after) {
        fputs(",\"after\":", f);
        clr__json_str(f, clr_effect_name(c->after));
    }
    fputc('}', f);
}

/* ---- what the rules read ------------------------------------------------------ */

static void walk_reads(const clr__node *n, uint8_t reads[CLR__NATTR])
{
    while (n) {
        switch ((clr__op)n->op) {
        case OP_TRUE:
        case OP_FALSE: return;
        case OP_AND:
        case OP_OR:
            walk_reads(n->l, reads);
            n = n->r;
            continue;
        case OP_NOT: n = n->l; continue;
        case OP_EQ_ATTR: {
            /* against a catalogue model's attribute the symbol tells equality;
               between two request attributes only the strings do */
            int of_model = n->attr >= CLR__NDIM || n->attr2 >= CLR__NDIM;
            reads[n->attr] |= of_model ? 5 : 3;
            reads[n->attr2] |= of_model ? 5 : 3;
            return;
        }
        case OP_BOOL: reads[ATTR_M_OPEN_WEIGHTS] |= 1; return;
        case OP_USAGE:
            reads[n->attr] |= 1;
            reads[ATTR_UNITS] |= 1;
            return;
        default: reads[n->attr] |= 1; return;
        }
    }
}

void clr__ruleset_reads(const clr_ruleset *rs, uint8_t reads[CLR__NATTR])
{
    for (size_t i = 0; i < rs->nrules; i++)
        walk_reads(rs->rules[i].when, reads);
    for (size_t i = 0; i < rs->nrulebooks; i++)
        walk_reads(rs->rulebooks[i].scope, reads);
}

/* ---- the analysis --------------------------------------------------------------- */

typedef struct group {
    clr_impact_group pub;
    uint64_t hash;
    size_t seq, pos; /* order of first appearance; place in the sorted order */
    size_t capexamples;
    clr_impact_example *examples;
    clr_cause *causes;
} group;

/* One cached comparison: the key's bytes live in the pool. */
typedef struct centry {
    uint64_t hash;
    uint32_t off, len;
    int32_t group; /* index into groups; -1 when unchanged */
    uint8_t before, after, used;
} centry;

#define CACHE_SLOTS (1u << 18)
#define CACHE_MAX_ENTRIES (CACHE_SLOTS / 2)
#define CACHE_MAX_POOL (64u << 20)
#define KEY_MAX 2048

struct clr_impact {
    clr_side before, after;
    const clr_decide_env *env; /* the caller's; may be NULL */
    size_t max_examples;
    size_t total, changed;
    size_t trans[4][4];
    group **groups; /* in order of first appearance */
    group **order;  /* the largest first */
    size_t ngroups, capgroups;
    /* the cache */
    int cache_on;
    uint8_t key_attr[CLR__NATTR];   /* fields of the key beyond model, use, integration */
    clr__classes cls[2][CLR__NDIM]; /* before, after: the classes of the attributes read */
    centry *slots;
    size_t nentries;
    char *pool;
    size_t poollen, poolcap;
    clr_decision db, da;
    clr__causes causes;
};

int clr_impact_new(clr_impact **out, const clr_side *before, const clr_side *after,
                   const clr_impact_options *opts)
{
    clr_impact_options dflt = CLR_IMPACT_OPTIONS_INIT;
    *out = NULL;
    if (!opts)
        opts = &dflt;
    if (!before || !after || !before->rs || !after->rs ||
        opts->version != CLR_IMPACT_OPTIONS_VERSION)
        return CLR_EINVAL;
    clr_impact *im = calloc(1, sizeof *im);
    if (!im)
        return CLR_ENOMEM;
    im->before = *before;
    im->after = *after;
    clr_ruleset_ref((clr_ruleset *)before->rs);
    clr_ruleset_ref((clr_ruleset *)after->rs);
    im->env = opts->env;
    im->max_examples = opts->max_examples;
    uint8_t reads[CLR__NATTR] = {0};
    clr__ruleset_reads(before->rs, reads);
    clr__ruleset_reads(after->rs, reads);
    /* usage figures change from one call to the next: never cache them */
    im->cache_on = !opts->no_cache && !before->rs->uses_usage && !after->rs->uses_usage;
    memcpy(im->key_attr, reads, sizeof reads);
    static const int classed[] = {ATTR_DESTINATION, ATTR_P_NATIONALITY, ATTR_P_COUNTRY, ATTR_P_HQ,
                                  ATTR_P_ORG,       ATTR_P_ID,          ATTR_APP};
    for (size_t i = 0; im->cache_on && i < sizeof classed / sizeof classed[0]; i++) {
        int a = classed[i];
        if (reads[a] != 1)
            continue; /* unread, or compared with another attribute */
        if (clr__classes_build(&im->cls[0][a], before->rs, a, before->at) ||
            clr__classes_build(&im->cls[1][a], after->rs, a, after->at)) {
            clr_impact_free(im);
            return CLR_ENOMEM;
        }
    }
    *out = im;
    return 0;
}

void clr_impact_free(clr_impact *im)
{
    if (!im)
        return;
    for (size_t i = 0; i < im->ngroups; i++) {
        free(im->groups[i]->examples);
        free(im->groups[i]->causes);
        free(im->groups[i]);
    }
    free(im->groups);
    free(im->order);
    for (int side = 0; side < 2; side++)
        for (int a = 0; a < CLR__NDIM; a++)
            clr__classes_free(&im->cls[side][a]);
    free(im->slots);
    free(im->pool);
    clr_ruleset_unref((clr_ruleset *)im->before.rs);
    clr_ruleset_unref((clr_ruleset *)im->after.rs);
    free(im);
}

static size_t put_str(char *key, size_t n, const char *s)
{
    size_t l = strlen(s);
    memcpy(key + n, s, l + 1); /* the NUL ends the field */
    return n + l + 1;
}

/* One field of the key: what deciding sees of it on each side. Deciding reads
 * a symbol-valued attribute only through its class (clr__classes_build),
 * except where two attributes are compared with each other. The model, the
 * use and the integration go by symbol: the catalogue and the vocabularies
 * read them too. */
static size_t put_attr(const clr_impact *im, char *key, size_t n, int attr, const char *s)
{
    uint8_t r = im->key_attr[attr];
    if (!r && attr != ATTR_MODEL && attr != ATTR_USE && attr != ATTR_INTEGRATION)
        return n;
    if (r & 2)
        return put_str(key, n, s);
    uint32_t v[2] = {0, 0}; /* a class, or a symbol where r & 4 */
    clr__sym sym = clr__attr_sym(im->before.rs, attr, s);
    for (int side = 0; side < 2; side++) {
        if (side && im->after.rs != im->before.rs)
            sym = clr__attr_sym(im->after.rs, attr, s);
        v[side] = im->cls[side][attr].of ? clr__class_of(&im->cls[side][attr], sym) : sym;
    }
    memcpy(key + n, v, sizeof v);
    return n + sizeof v;
}

/* The cache key of req: what deciding sees of the fields the rules read, and
 * always of the model (its catalogue entry), the use and the integration
 * (their vocabularies). */
static size_t make_key(const clr_impact *im, const clr_request *req, char *key)
{
    const uint8_t *r = im->key_attr;
    const clr_principal *p = &req->principal;
    size_t n = 0;
    n = put_attr(im, key, n, ATTR_MODEL, req->model);
    n = put_attr(im, key, n, ATTR_USE, req->use);
    n = put_attr(im, key, n, ATTR_INTEGRATION, req->integration);
    n = put_attr(im, key, n, ATTR_DESTINATION, req->destination);
    n = put_attr(im, key, n, ATTR_P_NATIONALITY, p->nationality);
    n = put_attr(im, key, n, ATTR_P_COUNTRY, p->country);
    n = put_attr(im, key, n, ATTR_P_HQ, p->hq);
    n = put_attr(im, key, n, ATTR_P_ORG, p->org);
    n = put_attr(im, key, n, ATTR_P_ID, p->id);
    n = put_attr(im, key, n, ATTR_APP, req->app);
    /* names are screened as written, with the nationality (a person's) or
       the headquarters (an organisation's) as the country hint */
    n = put_str(key, n, r[ATTR_P_NAME] ? p->name : "");
    n = put_str(key, n, r[ATTR_P_ORG_NAME] ? p->org_name : "");
    if ((r[ATTR_P_NAME] && p->name[0]) || (r[ATTR_P_ORG_NAME] && p->org_name[0])) {
        n = put_str(key, n, p->nationality);
        n = put_str(key, n, p->hq);
    }
    int64_t units = r[ATTR_UNITS] ? req->units : 0;
    memcpy(key + n, &units, sizeof units);
    return n + sizeof units;
}

static centry *cache_find(clr_impact *im, const char *key, size_t len, uint64_t h)
{
    size_t mask = CACHE_SLOTS - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        centry *e = &im->slots[i];
        if (!e->used)
            return e;
        if (e->hash == h && e->len == len && memcmp(im->pool + e->off, key, len) == 0)
            return e;
    }
}

/* Stores a comparison in the empty slot e; a full cache stores nothing. */
static void cache_put(clr_impact *im, centry *e, const char *key, size_t len, uint64_t h,
                      clr_outcome before, clr_outcome after, int32_t g)
{
    if (im->nentries >= CACHE_MAX_ENTRIES || im->poollen + len > CACHE_MAX_POOL)
        return;
    if (im->poollen + len > im->poolcap) {
        size_t cap = im->poolcap ? im->poolcap * 2 : 1u << 16;
        while (cap < im->poollen + len)
            cap *= 2;
        char *p = realloc(im->pool, cap);
        if (!p)
            return; /* not caching is not an error */
        im->pool = p;
        im->poolcap = cap;
    }
    memcpy(im->pool + im->poollen, key, len);
    e->hash = h;
    e->off = (uint32_t)im->poollen;
    e->len = (uint32_t)len;
    e->group = g;
    e->before = (uint8_t)before;
    e->after = (uint8_t)after;
    e->used = 1;
    im->poollen += len;
    im->nentries++;
}

static int group_less(const group *a, const group *b)
{
    return a->pub.count > b->pub.count || (a->pub.count == b->pub.count && a->seq < b->seq);
}

/* The group of a change with the current causes; a new one when none matches.
 * Returns its index, or -1 when out of memory. */
static int32_t find_group(clr_impact *im, clr_outcome before, clr_outcome after)
{
    const clr__causes *c = &im->causes;
    uint64_t h = clr__causes_hash(c->v, c->n, before, after);
    for (size_t i = 0; i < im->ngroups; i++) {
        const group *g = im->groups[i];
        if (g->hash == h && g->pub.before == before && g->pub.after == after &&
            clr__causes_equal(g->pub.causes, g->pub.ncauses, c->v, c->n))
            return (int32_t)i;
    }
    if (im->ngroups == im->capgroups) {
        size_t cap = im->capgroups ? im->capgroups * 2 : 16;
        group **v = realloc(im->groups, cap * sizeof *v);
        if (!v)
            return -1;
        im->groups = v;
        group **o = realloc(im->order, cap * sizeof *o);
        if (!o)
            return -1;
        im->order = o;
        im->capgroups = cap;
    }
    group *g = calloc(1, sizeof *g);
    if (!g || !(g->causes = clr__causes_dup(c->v, c->n))) {
        free(g);
        return -1;
    }
    g->hash = h;
    g->seq = im->ngroups;
    g->pos = im->ngroups;
    g->pub.before = before;
    g->pub.after = after;
    g->pub.causes = g->causes;
    g->pub.ncauses = c->n;
    im->groups[im->ngroups] = g;
    im->order[im->ngroups] = g;
    return (int32_t)im->ngroups++;
}

/* Counts one more combination in group gi, keeping it as an example while
 * there is room, and restores the largest-first order. */
static int count_in_group(clr_impact *im, int32_t gi, const clr_request *req, uint64_t ref)
{
    group *g = im->groups[gi];
    if (g->pub.nexamples < im->max_examples) {
        if (g->pub.nexamples == g->capexamples) {
            size_t cap = g->capexamples ? g->capexamples * 2 : 4;
            if (cap > im->max_examples)
                cap = im->max_examples;
            clr_impact_example *v = realloc(g->examples, cap * sizeof *v);
            if (!v)
                return CLR_ENOMEM;
            g->examples = v;
            g->pub.examples = v;
            g->capexamples = cap;
        }
        g->examples[g->pub.nexamples].ref = ref;
        g->examples[g->pub.nexamples].req = *req;
        g->pub.nexamples++;
    }
    g->pub.count++;
    while (g->pos > 0 && group_less(g, im->order[g->pos - 1])) {
        group *o = im->order[g->pos - 1];
        im->order[g->pos] = o;
        o->pos = g->pos;
        im->order[--g->pos] = g;
    }
    return 0;
}

int clr_impact_add(clr_impact *im, clr_request *req, uint64_t ref)
{
    char key[KEY_MAX];
    size_t klen = 0;
    uint64_t h = 0;
    centry *slot = NULL;
    clr_outcome before, after;
    int32_t gi = -1;
    int cache = im->cache_on && !req->model_attributes.present;
    if (cache) {
        if (!im->slots && !(im->slots = calloc(CACHE_SLOTS, sizeof *im->slots)))
            return CLR_ENOMEM;
        klen = make_key(im, req, key);
        h = clr__hash(key, klen);
        slot = cache_find(im, key, klen, h);
    }
    const clr_decide_env *env = im->env;
    if (slot && slot->used) {
        before = (clr_outcome)slot->before;
        after = (clr_outcome)slot->after;
        gi = slot->group;
    } else {
        req->time = im->before.at;
        clr_decide_env_run(im->before.rs, env, req, &im->db, NULL);
        req->time = im->after.at;
        clr_decide_env_run(im->after.rs, env, req, &im->da, NULL);
        before = im->db.outcome;
        after = im->da.outcome;
        if (before != after) {
            clr__causes_of(&im->causes, &im->db, &im->da, 0);
            if ((gi = find_group(im, before, after)) < 0)
                return CLR_ENOMEM;
        }
        if (slot)
            cache_put(im, slot, key, klen, h, before, after, gi);
    }
    req->time = im->after.at;
    if (gi >= 0 && count_in_group(im, gi, req, ref))
        return CLR_ENOMEM;
    im->total++;
    im->trans[before & 3][after & 3]++;
    if (before != after)
        im->changed++;
    return 0;
}

size_t clr_impact_total(const clr_impact *im)
{
    return im->total;
}

size_t clr_impact_changed(const clr_impact *im)
{
    return im->changed;
}

size_t clr_impact_transition(const clr_impact *im, clr_outcome before, clr_outcome after)
{
    if ((unsigned)before > 3 || (unsigned)after > 3)
        return 0;
    return im->trans[before][after];
}

size_t clr_impact_group_count(const clr_impact *im)
{
    return im->ngroups;
}

const clr_impact_group *clr_impact_group_get(const clr_impact *im, size_t i)
{
    return i < im->ngroups ? &im->order[i]->pub : NULL;
}

/* ---- output ------------------------------------------------------------------------ */

int clr_impact_to_json(char **out, const clr_impact *im)
{
    char *buf = NULL;
    size_t len = 0;
    *out = NULL;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return CLR_ENOMEM;
    size_t reqcap = 8192;
    char *reqbuf = malloc(reqcap);
    fputc('{', f);
    clr__side_json(f, "before", &im->before);
    fputc(',', f);
    clr__side_json(f, "after", &im->after);
    fprintf(f, ",\"combinations\":%zu,\"changed\":%zu,\"unchanged\":%zu,\"transitions\":[",
            im->total, im->changed, im->total - im->changed);
    int first = 1;
    for (int b = 0; b < 4; b++)
        for (int a = 0; a < 4; a++)
            if (a != b && im->trans[b][a]) {
                fprintf(f, "%s{\"before\":\"%s\",\"after\":\"%s\",\"count\":%zu}", first ? "" : ",",
                        clr_outcome_name((clr_outcome)b), clr_outcome_name((clr_outcome)a),
                        im->trans[b][a]);
                first = 0;
            }
    fputs("],\"groups\":[", f);
    for (size_t i = 0; i < im->ngroups && reqbuf; i++) {
        const clr_impact_group *g = &im->order[i]->pub;
        fprintf(f, "%s{\"before\":\"%s\",\"after\":\"%s\",\"count\":%zu,\"causes\":[", i ? "," : "",
                clr_outcome_name(g->before), clr_outcome_name(g->after), g->count);
        for (size_t k = 0; k < g->ncauses; k++) {
            if (k)
                fputc(',', f);
            clr__cause_json(f, &g->causes[k]);
        }
        fputs("],\"combinations\":[", f);
        for (size_t k = 0; k < g->nexamples; k++) {
            size_t n = clr_request_to_json(&g->examples[k].req, reqbuf, reqcap);
            if (n >= reqcap) {
                char *bigger = realloc(reqbuf, n + 1);
                if (!bigger) {
                    free(reqbuf);
                    reqbuf = NULL;
                    break;
                }
                reqbuf = bigger;
                reqcap = n + 1;
                clr_request_to_json(&g->examples[k].req, reqbuf, reqcap);
            }
            fprintf(f, "%s{\"ref\":%llu,\"request\":%s}", k ? "," : "",
                    (unsigned long long)g->examples[k].ref, reqbuf);
        }
        fprintf(f, "],\"more\":%zu}", g->count - g->nexamples);
    }
    fputs("]}", f);
    int bad = ferror(f) || !reqbuf;
    free(reqbuf);
    if (fclose(f) || bad) {
        free(buf);
        return CLR_ENOMEM;
    }
    *out = buf;
    return 0;
}

static void print_side(FILE *f, const char *name, const clr_side *s)
{
    char at[32] = "?";
    clr_time_format(at, sizeof at, s->at);
    fprintf(f, "  %-7s rules %.12s at %s\n", name, clr_ruleset_version(s->rs), at);
}

void clr_impact_print(const clr_impact *im, FILE *f)
{
    fprintf(f, "Impact: %zu combinations, %zu change outcome, %zu unchanged\n", im->total,
            im->changed, im->total - im->changed);
    print_side(f, "before", &im->before);
    print_side(f, "after", &im->after);
    if (im->changed) {
        fprintf(f, "\n  %-17s %-17s %s\n", "before", "after", "combinations");
        for (int b = 0; b < 4; b++)
            for (int a = 0; a < 4; a++)
                if (a != b && im->trans[b][a])
                    fprintf(f, "  %-17s %-17s %zu\n", clr_outcome_name((clr_outcome)b),
                            clr_outcome_name((clr_outcome)a), im->trans[b][a]);
    }
    for (size_t i = 0; i < im->ngroups; i++) {
        const clr_impact_group *g = &im->order[i]->pub;
        fprintf(f, "\n%s -> %s: %zu combination%s\n", clr_outcome_name(g->before),
                clr_outcome_name(g->after), g->count, g->count == 1 ? "" : "s");
        for (size_t k = 0; k < g->ncauses; k++) {
            fputs("  because ", f);
            clr__cause_print(f, &g->causes[k]);
            fputc('\n', f);
        }
        if (g->nexamples)
            fprintf(f, "  %-6s %-18s %-20s %-4s %-4s %-4s %-10s %-22s %s\n", "ref", "principal",
                    "org", "nat", "in", "dest", "model", "use", "integration");
        for (size_t k = 0; k < g->nexamples; k++) {
            const clr_request *r = &g->examples[k].req;
            fprintf(f, "  %-6llu %-18s %-20s %-4s %-4s %-4s %-10s %-22s %s\n",
                    (unsigned long long)g->examples[k].ref, r->principal.id,
                    r->principal.org[0] ? r->principal.org : "-",
                    r->principal.nationality[0] ? r->principal.nationality : "-",
                    r->principal.country[0] ? r->principal.country : "-",
                    r->destination[0] ? r->destination : "-", r->model, r->use, r->integration);
        }
        if (g->count > g->nexamples)
            fprintf(f, "  ... and %zu more\n", g->count - g->nexamples);
    }
}
