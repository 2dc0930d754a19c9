/* Deciding one request: resolve its attributes to symbols, narrow the rules to
 * candidates through the index, evaluate the candidates' conditions and
 * combine their effects. No allocation on this path. */
#include "decide.h"
#include "decide_screen.h"
#include "eval.h"

#include <stdatomic.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#if defined(__SSE2__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HEX_SSE2 1
#include <emmintrin.h>
#else
#define HEX_SSE2 0
#endif

const char *clr_outcome_name(clr_outcome o)
{
    switch (o) {
    case CLR_ALLOW: return "allow";
    case CLR_REVIEW: return "review";
    case CLR_LICENSE_REQUIRED: return "license_required";
    case CLR_DENY: return "deny";
    }
    return "deny";
}

const char *clr_effect_name(clr_effect e)
{
    switch (e) {
    case CLR_EFFECT_REVIEW: return "review";
    case CLR_EFFECT_LICENSE_REQUIRED: return "license_required";
    case CLR_EFFECT_DENY: return "deny";
    case CLR_EFFECT_OBLIGATION: return "obligation";
    }
    return "deny";
}

/* ---- decision ids: UUIDv7 ------------------------------------------------- */

static _Thread_local uint64_t rng_state[2];

static __attribute__((noinline)) void rng_seed(void)
{
    if (getrandom(rng_state, sizeof rng_state, 0) != (ssize_t)sizeof rng_state) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        rng_state[0] = (uint64_t)ts.tv_nsec * 0x9E3779B97F4A7C15ULL ^ (uint64_t)&ts;
        rng_state[1] = (uint64_t)ts.tv_sec ^ 0xD1B54A32D192ED03ULL;
    }
    rng_state[0] |= 1;
}

/* One step of xorshift128+ on the state s. */
static inline uint64_t xorshift128p(uint64_t s[2])
{
    uint64_t s1 = s[0];
    const uint64_t s0 = s[1];
    s[0] = s0;
    s1 ^= s1 << 23;
    s[1] = s1 ^ s0 ^ (s1 >> 18) ^ (s0 >> 5);
    return s[1] + s0;
}

/* The next two outputs of this thread's generator, seeded on first use. */
static void rng_next2(uint64_t *r1, uint64_t *r2)
{
    uint64_t *state = rng_state; /* the thread's state found once */
    if (__builtin_expect(!state[0] && !state[1], 0))
        rng_seed();
    uint64_t s[2] = {state[0], state[1]};
    *r1 = xorshift128p(s);
    *r2 = xorshift128p(s);
    state[0] = s[0];
    state[1] = s[1];
}

#if !HEX_SSE2
/* "00" "01" ... "ff": two characters for each byte */
static const char HEX2[513] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
                              "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
                              "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
                              "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
                              "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
                              "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
                              "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
                              "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

static void put_hex(char *out, uint64_t v, int bytes)
{
#pragma GCC unroll 8
    for (int i = bytes - 1; i >= 0; i--, v >>= 8)
        __builtin_memcpy(out + 2 * i, HEX2 + 2 * (v & 0xFF), 2);
}
#endif

/* The 32 hex digits of the 16 bytes hi, lo (each most significant first)
 * into hex. */
static void hex32(char hex[32], uint64_t hi, uint64_t lo)
{
#if HEX_SSE2
    /* every nibble at once: high and low nibbles interleaved, then each
       turned to its digit */
    __m128i v = _mm_set_epi64x((long long)__builtin_bswap64(lo), (long long)__builtin_bswap64(hi));
    __m128i nib = _mm_set1_epi8(0x0F);
    __m128i h = _mm_and_si128(_mm_srli_epi16(v, 4), nib), l = _mm_and_si128(v, nib);
    __m128i a = _mm_unpacklo_epi8(h, l), b = _mm_unpackhi_epi8(h, l);
    __m128i zero = _mm_set1_epi8('0'), nine = _mm_set1_epi8(9), gap = _mm_set1_epi8('a' - '0' - 10);
    a = _mm_add_epi8(_mm_add_epi8(a, zero), _mm_and_si128(_mm_cmpgt_epi8(a, nine), gap));
    b = _mm_add_epi8(_mm_add_epi8(b, zero), _mm_and_si128(_mm_cmpgt_epi8(b, nine), gap));
    _mm_storeu_si128((__m128i *)(void *)hex, a);
    _mm_storeu_si128((__m128i *)(void *)(hex + 16), b);
#else
    put_hex(hex, hi, 8);
    put_hex(hex + 16, lo, 8);
#endif
}

void clr__decision_id(char out[37])
{
    struct timespec ts;
    /* the coarse clock (a few ms of resolution) is enough to order ids, and cheap */
    clock_gettime(CLOCK_REALTIME_COARSE, &ts);
    uint64_t ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
    uint64_t r1, r2;
    rng_next2(&r1, &r2);
    /* 8-4-4-4-12 hex digits: 48 bits of time, version 7, 12
       random bits, variant 10, 62 random bits */
    uint64_t hi = (ms & 0xFFFFFFFFFFFFULL) << 16 | 0x7000 | (r1 & 0x0FFF);
    uint64_t lo = (r2 & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;
    char hex[32];
    hex32(hex, hi, lo);
    memcpy(out, hex, 8);
    out[8] = '-';
    memcpy(out + 9, hex + 8, 4);
    out[13] = '-';
    memcpy(out + 14, hex + 12, 4);
    out[18] = '-';
    memcpy(out + 19, hex + 16, 4);
    out[23] = '-';
    memcpy(out + 24, hex + 20, 12);
    out[36] = '\0';
}

/* ---- resolution --------------------------------------------------------------- */

/* The slot of the symbol in s, a request field of CLR_ID_MAX bytes
 * (&clr__no_slot for none). */
static inline __attribute__((always_inline)) const clr__sym_slot *lookup_slot(const clr_ruleset *rs,
                                                                              const char *s)
{
    return s[0] ? clr__sym_lookup_field(rs, s, CLR_ID_MAX) : &clr__no_slot;
}

static clr__sym lookup_str(const clr_ruleset *rs, const char *s)
{
    return lookup_slot(rs, s)->sym;
}

/* The row in dimension d of the symbol in slot e. */
static inline uint32_t slot_row(const clr_ruleset *rs, const clr__sym_slot *e, int d)
{
    /* selected, not branched to: which case a request's value is, is data */
    uint32_t general = rs->index[d].row_of[e->sym]; /* read whatever the case */
    uint32_t other = e->row_dim ? 0 : general;
    return e->row_dim == d + 1 ? e->row : other;
}

/* Resolves the country code s of dimension d: its symbol, and its row. */
static inline __attribute__((always_inline)) clr__sym
lookup_country(const clr_ruleset *rs, const char *s, int d, uint32_t *row)
{
    unsigned c0 = (unsigned char)s[0] - 'A', c1 = (unsigned char)s[1] - 'A';
    if (c0 >= 26 || c1 >= 26 || s[2]) {
        *row = 0;
        return 0;
    }
    size_t cc = c0 * 26 + c1;
    if (rs->country) {
        *row = rs->country[cc].row[d - ATTR_P_NATIONALITY];
        return rs->country[cc].sym;
    }
    clr__sym sym = rs->country_sym[cc];
    *row = rs->index[d].row_of[sym];
    return sym;
}

static clr__sym country_sym(const clr_ruleset *rs, const char *s)
{
    if (s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z' || s[2])
        return 0;
    return rs->country_sym[(s[0] - 'A') * 26 + (s[1] - 'A')];
}

/* Fills an inline model from the request's model_attributes. */
static void inline_model(const clr_ruleset *rs, const clr_request *req, clr__model *m,
                         clr__sym *tags)
{
    const clr_model_attrs *a = &req->model_attributes;
    memset(m, 0, sizeof *m);
    m->id = req->model;
    m->sym = lookup_str(rs, req->model);
    m->provider = lookup_str(rs, a->provider);
    m->origin = country_sym(rs, a->origin);
    m->provider_str = a->provider;
    m->origin_str = a->origin;
    m->training_ops = a->training_ops >= 0 ? a->training_ops : __builtin_nan("");
    m->open_weights = a->open_weights;
    size_t nt = 0;
    for (size_t i = 0; i < a->ntags && i < CLR_TAGS_MAX; i++) {
        clr__sym s = lookup_str(rs, a->tags[i]);
        if (s)
            tags[nt++] = s;
    }
    m->tags = tags;
    m->ntags = nt;
}

uint64_t clr__model_classes(const clr_ruleset *rs, const clr__model *m)
{
    clr__ctx ctx;
    clr__ctx_for_model(&ctx, rs, m);
    uint64_t classes = 0;
    for (size_t c = 0; c < rs->nclasses; c++)
        if (clr__eval(&ctx, rs->classes[c].when))
            classes |= 1ULL << c;
    return classes;
}

/* ---- the decision ----------------------------------------------------------- */

static void add_reason(clr_decision *d, const char *rulebook, const char *rule, clr_effect e,
                       const char *citation, const char *message)
{
    if (d->nreasons == CLR_MAX_REASONS) {
        d->reasons_dropped++;
        return;
    }
    clr_reason *r = &d->reasons[d->nreasons++];
    r->rulebook = rulebook;
    r->rule = rule;
    r->effect = e;
    r->citation = citation;
    r->message = message;
    r->match.list = NULL;
    r->licence = NULL;
    r->evidence = NULL;
}

static void begin(const clr_ruleset *rs, const clr_request *req, clr_decision *d)
{
    d->outcome = CLR_ALLOW;
    d->nreasons = d->reasons_dropped = d->nobligations = d->obligations_dropped = 0;
    d->nrulebooks = d->nexempted = 0;
    d->nclasses = 0;
    d->evidence_len = 0;
    d->at = req ? req->time : 0;
    d->rules_version = rs ? rs->version : "";
    clr__decision_id(d->decision_id);
}

static void fail(clr_decision *d, const char *rule, const char *message)
{
    d->outcome = CLR_DENY;
    add_reason(d, "clearance", rule, CLR_EFFECT_DENY, "", message);
}

static void set_error(clr_request_error *err, const char *path, const char *what, const char *val)
{
    if (!err)
        return;
    snprintf(err->path, sizeof err->path, "%s", path);
    snprintf(err->message, sizeof err->message,
             "'%.64s' is not in the %s vocabulary of the rulebooks", val, what);
}

int clr__resolve(const clr_ruleset *rs, const clr_request *req, clr__ctx *ctx, clr__model *mbuf,
                 clr__sym *tagbuf, clr_request_error *err)
{
    ctx->rs = rs;
    ctx->req = req;
    ctx->t = req->time;
    ctx->units = (double)req->units;
    ctx->model = NULL;
    ctx->usage = NULL; /* a caller with usage figures sets them after */
    ctx->usage_failed = NULL;
    const clr__sym_slot *mslot = lookup_slot(rs, req->model);
    clr__sym msym = mslot->sym;
    if (msym && rs->sym_model[msym] >= 0) {
        ctx->model = &rs->models[rs->sym_model[msym]];
    } else if (req->model_attributes.present) {
        inline_model(rs, req, mbuf, tagbuf);
        mbuf->classes = clr__model_classes(rs, mbuf);
        ctx->model = mbuf;
    }
    const clr__sym_slot *use = &clr__no_slot, *integration = &clr__no_slot;
    if (rs->has_vocab_use || rs->attr_used[ATTR_USE]) {
        use = lookup_slot(rs, req->use);
        if (rs->has_vocab_use && !(rs->sym_flags[use->sym] & SYMF_VOCAB_USE)) {
            set_error(err, "$.use", "use", req->use);
            return CLR_EREQUEST;
        }
    }
    if (rs->has_vocab_integration || rs->attr_used[ATTR_INTEGRATION]) {
        integration = lookup_slot(rs, req->integration);
        if (rs->has_vocab_integration &&
            !(rs->sym_flags[integration->sym] & SYMF_VOCAB_INTEGRATION)) {
            set_error(err, "$.integration", "integration", req->integration);
            return CLR_EREQUEST;
        }
    }
    const clr__sym_slot *pid =
        rs->attr_used[ATTR_P_ID] ? lookup_slot(rs, req->principal.id) : &clr__no_slot;
    const clr__sym_slot *org =
        rs->attr_used[ATTR_P_ORG] ? lookup_slot(rs, req->principal.org) : &clr__no_slot;
    const clr__sym_slot *app = rs->attr_used[ATTR_APP] ? lookup_slot(rs, req->app) : &clr__no_slot;
    ctx->sym[ATTR_MODEL] = msym;
    ctx->sym[ATTR_USE] = use->sym;
    ctx->sym[ATTR_INTEGRATION] = integration->sym;
    ctx->sym[ATTR_P_ID] = pid->sym;
    ctx->sym[ATTR_P_ORG] = org->sym;
    ctx->sym[ATTR_APP] = app->sym;
    ctx->row[ATTR_MODEL] = slot_row(rs, mslot, ATTR_MODEL);
    ctx->row[ATTR_USE] = slot_row(rs, use, ATTR_USE);
    ctx->row[ATTR_INTEGRATION] = slot_row(rs, integration, ATTR_INTEGRATION);
    ctx->row[ATTR_P_ID] = slot_row(rs, pid, ATTR_P_ID);
    ctx->row[ATTR_P_ORG] = slot_row(rs, org, ATTR_P_ORG);
    ctx->row[ATTR_APP] = slot_row(rs, app, ATTR_APP);
    ctx->sym[ATTR_P_NATIONALITY] = lookup_country(
        rs, req->principal.nationality, ATTR_P_NATIONALITY, &ctx->row[ATTR_P_NATIONALITY]);
    ctx->sym[ATTR_P_COUNTRY] =
        lookup_country(rs, req->principal.country, ATTR_P_COUNTRY, &ctx->row[ATTR_P_COUNTRY]);
    ctx->sym[ATTR_P_HQ] = lookup_country(rs, req->principal.hq, ATTR_P_HQ, &ctx->row[ATTR_P_HQ]);
    ctx->sym[ATTR_DESTINATION] =
        lookup_country(rs, req->destination, ATTR_DESTINATION, &ctx->row[ATTR_DESTINATION]);
    ctx->row[CLR__NDIM] = 0;
    ctx->sym[ATTR_M_PROVIDER] = ctx->model ? ctx->model->provider : 0;
    ctx->sym[ATTR_M_ORIGIN] = ctx->model ? ctx->model->origin : 0;
    return 0;
}

static int in_force(const clr__rule *r, clr_time t)
{
    return t >= r->from && t < r->until;
}

#define MAX_FIRED 64

/* Whether rule ri fires: its rulebook applies, it is in force, its condition
 * holds. Exemptions are applied later, by record(). */
static inline int fires(const clr__ctx *ctx, const clr_ruleset *rs, const uint8_t *applies,
                        uint32_t ri)
{
    const clr__rule *r = &rs->rules[ri];
    return applies[r->rulebook] && in_force(r, ctx->t) && clr__eval(ctx, r->when);
}

/* Exemptions are evaluated only for rules that fire, once per decision. */
typedef struct exemption_cache {
    uint32_t id[32];
    uint8_t live[32];
    size_t n;
} exemption_cache;

static __attribute__((noinline)) const clr__rule *
exempted_by(const clr__ctx *ctx, const clr_ruleset *rs, const uint8_t *applies,
            exemption_cache *cache, const clr__rule *r)
{
    for (size_t j = 0; j < r->nexempted_by; j++) {
        uint32_t ei = r->exempted_by[j];
        int live = -1;
        for (size_t k = 0; k < cache->n; k++)
            if (cache->id[k] == ei)
                live = cache->live[k];
        if (live < 0) {
            live = fires(ctx, rs, applies, ei);
            if (cache->n < 32) {
                cache->id[cache->n] = ei;
                cache->live[cache->n++] = (uint8_t)live;
            }
        }
        if (live)
            return &rs->rules[ei];
    }
    return NULL;
}

/* A rule that fired, or that would fire were a possible screening match a hit. */
typedef struct firing {
    uint32_t rule;
    uint8_t possible;
    const clr_reason_match *match; /* the screening match behind it, or NULL */
} firing;

static const char POSSIBLE_MESSAGE[] =
    "Possible match on a restricted-party list: a reviewer must decide whether it is the listed "
    "party.";

/* Adds a rule that fired to the decision: exempted, an obligation or a reason.
 * Reads the rule's slot, and the rule itself only when an exemption names it. */
static inline __attribute__((always_inline)) void record(clr_decision *out, const clr_ruleset *rs,
                                                         const clr__ctx *ctx,
                                                         const uint8_t *applies,
                                                         exemption_cache *cache, const firing *f)
{
    const clr__slot *sl = &rs->slots[f->rule - rs->nexemptions];
    const char *rbid = rs->rulebooks[sl->rulebook].id;
    const clr__rule *by = sl->flags & SLOT_EXEMPTED
                              ? exempted_by(ctx, rs, applies, cache, &rs->rules[f->rule])
                              : NULL;
    if (by) {
        if (out->nexempted < CLR_MAX_EXEMPTED && !f->possible) {
            clr_exempted *x = &out->exempted[out->nexempted++];
            x->rulebook = rbid;
            x->rule = sl->id;
            x->exemption = by->id;
            x->citation = by->citation;
        }
        return;
    }
    if (sl->effect == CLR_EFFECT_OBLIGATION) {
        if (f->possible)
            return;
        if (out->nobligations < CLR_MAX_OBLIGATIONS) {
            clr_obligation *o = &out->obligations[out->nobligations++];
            o->rulebook = rbid;
            o->id = sl->id;
            o->citation = sl->citation;
            o->message = sl->message;
        } else {
            out->obligations_dropped++;
        }
        return;
    }
    clr_effect effect = f->possible ? CLR_EFFECT_REVIEW : (clr_effect)sl->effect;
    clr_outcome oc = (clr_outcome)effect;
    if (oc > out->rulebooks[sl->rulebook].outcome)
        out->rulebooks[sl->rulebook].outcome = oc;
    if (oc > out->outcome)
        out->outcome = oc;
    add_reason(out, rbid, sl->id, effect, sl->citation,
               f->possible ? POSSIBLE_MESSAGE : sl->message);
    if (f->match && out->nreasons && out->reasons[out->nreasons - 1].rule == sl->id)
        out->reasons[out->nreasons - 1].match = *f->match;
}

/* Whether a rule's rulebook applies and the rule is in force. */
static inline int live(const clr__ctx *ctx, const uint8_t *applies, const clr__slot *sl)
{
    return applies[sl->rulebook] && ctx->t >= sl->from && ctx->t < sl->until;
}

/* Whether the request's rows meet check c of a candidate entry. */
static inline int check(uint32_t c, const uint32_t *row, uint32_t small, const uint64_t *sets)
{
    uint32_t d = c >> CLR__CHK_DIM_SHIFT, v = c & CLR__CHK_VAL, rr = row[d];
    if ((small >> d) & 1)
        return (int)((c >> rr) & 1);
    return c & CLR__CHK_ONE ? v == rr : (int)((sets[v + rr / 64] >> (rr % 64)) & 1);
}

/* consider() for a rule that screens names: whether its condition when holds
 * (1), would hold on a possible match (2), or not (0); sets f's match. */
static __attribute__((noinline)) int consider_screening(clr__ctx *ctx, const clr__node *when,
                                                        firing *f)
{
    ctx->screen->last = NULL;
    if (clr__eval(ctx, when)) {
        f->match = ctx->screen->last;
        return 1;
    }
    if (!ctx->screen->names)
        return 0;
    ctx->possible_as_hit = 1;
    int would = clr__eval(ctx, when);
    ctx->possible_as_hit = 0;
    if (!would)
        return 0;
    f->possible = 1;
    f->match = ctx->screen->last;
    return 2;
}

/* Whether a live candidate rule fires (1), would fire on a possible screening
 * match (2), or not (0), its condition being when (NULL: true); fills f. */
static inline int consider(clr__ctx *ctx, const clr__slot *sl, uint32_t rule, const clr__node *when,
                           firing *f)
{
    f->rule = rule;
    f->possible = 0;
    f->match = NULL;
    if (!when)
        return 1;
    if (sl->flags & SLOT_SCREENS)
        return consider_screening(ctx, when, f);
    return clr__eval(ctx, when);
}

/* Considers the candidate in slot that passed the index's checks: if it is
 * live, whether what is left of its condition holds; adds it to fired when it
 * fires. Returns 1 when fired is full (nothing added), else 0. */
static inline int take(clr__ctx *ctx, const clr_ruleset *rs, const uint8_t *applies,
                       const uint32_t *row, uint32_t slot, int inline_model, firing *fired,
                       size_t *nfired)
{
    const clr__slot *sl = &rs->slots[slot];
    if (!live(ctx, applies, sl))
        return 0;
    if (*nfired == MAX_FIRED)
        return 1;
    const clr__node *when = sl->rest;
    if (inline_model)
        when = rs->rest_inline[slot];
    else if ((sl->flags & SLOT_REST_UNDATED) &&
             check(sl->rest_undated, row, rs->small_dims, rs->cand_sets))
        when = sl->rest_if_undated;
    if (consider(ctx, sl, (uint32_t)rs->nexemptions + slot, when, &fired[*nfired]))
        (*nfired)++;
    return 0;
}

#define PASS_MAX 64

/* Takes the n candidates in pass (slots that passed the index's checks),
 * asking for all their slots first; empties pass. Returns 1 when fired is
 * full, else 0. */
static inline int take_all(clr__ctx *ctx, const clr_ruleset *rs, const uint8_t *applies,
                           const uint32_t *row, const uint32_t *pass, size_t *n, int inline_model,
                           firing *fired, size_t *nfired)
{
    for (size_t i = 0; i < *n; i++)
        __builtin_prefetch(&rs->slots[pass[i]]);
    for (size_t i = 0; i < *n; i++)
        if (take(ctx, rs, applies, row, pass[i], inline_model, fired, nfired)) {
            *n = 0;
            return 1;
        }
    *n = 0;
    return 0;
}

static int firing_cmp_less(const firing *a, const firing *b)
{
    return a->rule < b->rule || (a->rule == b->rule && a->possible < b->possible);
}

int clr_decide(const clr_ruleset *rs, const clr_request *req, clr_decision *out,
               clr_request_error *err)
{
    return clr_decide_env_run(rs, NULL, req, out, err);
}

int clr_ruleset_uses_usage(const clr_ruleset *rs)
{
    return rs && rs->uses_usage;
}

int clr_ruleset_uses_screening(const clr_ruleset *rs)
{
    return rs && rs->nscreens > 0;
}

int clr_decide_screened(const clr_ruleset *rs, const clr_lists *lists, const clr_request *req,
                        clr_decision *out, clr_request_error *err)
{
    clr_decide_env env = {lists, NULL};
    return clr_decide_env_run(rs, &env, req, out, err);
}

int clr_decide_env_run(const clr_ruleset *rs, const clr_decide_env *env, const clr_request *req,
                       clr_decision *out, clr_request_error *err)
{
    const clr_lists *lists = env ? env->lists : NULL;
    if (req) {
        /* the request's fields lie on several cache lines: ask for them all
           at once, while the decision's id is made, rather than one after
           the other as each is looked up */
        __builtin_prefetch(req->use);
        __builtin_prefetch(req->integration);
        __builtin_prefetch(req->app);
        __builtin_prefetch(req->principal.org);
    }
    begin(rs, req, out);
    if (!rs || !req) {
        fail(out, "no-rules", "no rulebook set is loaded");
        return CLR_EINVAL;
    }
    clr__ctx ctx;
    clr__model mbuf;
    clr__sym tagbuf[CLR_TAGS_MAX];
    int rc = clr__resolve(rs, req, &ctx, &mbuf, tagbuf, err);
    if (rc) {
        fail(out, "invalid-request",
             "the request names a value outside the rulebooks' vocabularies");
        return rc;
    }
    if (!ctx.model) {
        fail(out, "unknown-model",
             "the model is neither in the catalogue nor described by model_attributes");
        for (size_t i = 0; i < rs->nrulebooks && i < CLR_MAX_RULEBOOKS; i++) {
            out->rulebooks[i].rulebook = rs->rulebooks[i].id;
            out->rulebooks[i].applicable = 0;
            out->rulebooks[i].outcome = CLR_ALLOW;
        }
        out->nrulebooks = rs->nrulebooks;
        return 0;
    }
    clr__screening screening;
    ctx.req = req;
    ctx.lists = lists;
    int usage_failed = 0;
    ctx.usage = env ? env->usage : NULL;
    ctx.usage_failed = &usage_failed;
    ctx.screen = NULL;
    ctx.possible_as_hit = 0;
    uint32_t names = 0; /* bit 0: the request has principal.name; bit 1: org_name */
    if (rs->nscreens) {
        clr__screening_reset(&screening);
        names = (req->principal.name[0] != 0) | (uint32_t)(req->principal.org_name[0] != 0) << 1;
        screening.names = names != 0;
        ctx.screen = &screening;
    }
    size_t nclasses = 0;
    for (uint64_t bits = ctx.model->classes; bits; bits &= bits - 1)
        out->classes[nclasses++] = rs->classes[__builtin_ctzll(bits)].name;
    out->nclasses = nclasses;

    /* which rulebooks apply */
    uint8_t applies[CLR_MAX_RULEBOOKS];
    int inline_model = ctx.model == &mbuf;
    for (size_t i = 0; i < rs->nrulebooks; i++) {
        const clr__rulebook *rb = &rs->rulebooks[i];
        if (rb->model_scope && !inline_model) {
            applies[i] = (uint8_t)((ctx.model->scopes >> i) & 1);
        } else if (rb->scope_syms) {
            clr__sym v = ctx.sym[rb->scope_attr];
            applies[i] =
                (uint8_t)(v < rb->scope_nsyms && ((rb->scope_syms[v / 64] >> (v % 64)) & 1));
        } else {
            applies[i] = (uint8_t)(!rb->scope || clr__eval(&ctx, rb->scope));
        }
        out->rulebooks[i].rulebook = rb->id;
        out->rulebooks[i].applicable = applies[i];
        out->rulebooks[i].outcome = CLR_ALLOW;
    }
    out->nrulebooks = rs->nrulebooks;

    /* the index: the request's row in each dimension, then under each anchor
       the list of the cell its rows make; an entry passes when the request's
       rows meet the rule's checks. The lists are found, and asked for, before
       any is read, so that their cache misses overlap. */
    const uint32_t *row = ctx.row;
    const clr__cand_index *ci = &rs->cand[inline_model];
    const uint64_t *sets = rs->cand_sets;
    uint32_t small = rs->small_dims;
    uint32_t day = clr__window_day(ctx.t);
    const double units = ctx.units;
    const uint32_t *list[CLR__MAX_ANCHORS], *list_end[CLR__MAX_ANCHORS];
    size_t nlists = 0;
#pragma GCC unroll 4
    for (size_t a = 0; a < ci->nanchors; a++) {
        const clr__anchor *an = &ci->anchor[a];
        uint32_t cell = row[an->d1] * an->stride + row[an->d2];
        if ((an->full[cell / 64] >> (cell % 64)) & 1) {
            const clr__cell *ce = &an->cells[cell];
            list[nlists] = ci->code + ce->off;
            list_end[nlists] = list[nlists] + ce->len;
            __builtin_prefetch(list[nlists++]);
        }
    }
    firing fired[MAX_FIRED];
    size_t nfired = 0;
    int overflow = 0;
    /* the slots of the entries that pass, gathered without a branch per
       entry (whether an entry passes is data the branch predictor cannot
       learn), then taken together, their slots asked for first */
    uint32_t pass[PASS_MAX];
    size_t npass = 0;
    for (size_t l = 0; l < nlists && !overflow; l++) {
        const uint32_t *p = list[l], *end = list_end[l];
        const uint32_t *fixed_end = p + 1 + *p;
        for (p++; p < fixed_end;) {
            /* the window's word is read even when there is none (the code
               has a word after its last list): it cannot fail then */
            uint32_t h = p[0], w = p[2], windowed = h >> CLR__CAND_WINDOWED;
            uint32_t in_window =
                day - ((w >> 14) & (CLR__WINDOW_DAYS - 1)) <= (w & (CLR__WINDOW_DAYS - 1));
            pass[npass] = h & ~(1u << CLR__CAND_WINDOWED);
            uint32_t c = p[1], rr = row[c >> CLR__CHK_DIM_SHIFT]; /* a row set */
            uint32_t in_set = (uint32_t)(sets[(c & CLR__CHK_VAL) + rr / 64] >> (rr % 64)) & 1;
            npass += in_set & (in_window | (windowed ^ 1));
            p += 2 + windowed;
            if (__builtin_expect(npass == PASS_MAX, 0))
                overflow |=
                    take_all(&ctx, rs, applies, row, pass, &npass, inline_model, fired, &nfired);
        }
        while (p < end) {
            uint32_t head = *p++;
            const uint32_t *next = p + (head & CLR__CAND_NCHK_MASK);
            for (; p < next; p++) {
                uint32_t c = *p;
                if (c < CLR__CHK_WINDOW) {
                    if (__builtin_expect(!check(c, row, small, sets), 1))
                        break;
                } else if (c < CLR__CHK_NAMED) {
                    /* the rule's window, by days: first <= day <= first + span */
                    if (day - ((c >> 14) & (CLR__WINDOW_DAYS - 1)) > (c & (CLR__WINDOW_DAYS - 1)))
                        break;
                } else if (c < CLR__CHK_UNITS) {
                    /* a screening: the request must carry a name it screens */
                    if (!(c & names))
                        break;
                } else if (c >= CLR__CHK_EITHER) {
                    /* a disjunction: one of the next k checks must pass */
                    uint32_t k = c & CLR__CHK_VAL;
                    int any = 0;
                    for (uint32_t j = 1; j <= k; j++)
                        any |= check(p[j], row, small, sets);
                    p += k;
                    if (!any)
                        break;
                } else {
                    /* a comparison of the units with the number that follows */
                    double num;
                    memcpy(&num, p + 1, sizeof num);
                    p += 2;
                    if (!clr__compare(units, (clr__cmp)(c & 7), num))
                        break;
                }
            }
            if (p < next) {
                p = next;
                continue;
            }
            pass[npass++] = head >> CLR__CAND_SLOT_SHIFT;
            if (__builtin_expect(npass == PASS_MAX, 0))
                overflow |=
                    take_all(&ctx, rs, applies, row, pass, &npass, inline_model, fired, &nfired);
        }
    }
    if (!overflow)
        overflow = take_all(&ctx, rs, applies, row, pass, &npass, inline_model, fired, &nfired);
    exemption_cache cache;
    cache.n = 0;
    if (overflow) {
        /* more rules fired than the list holds: every rule, in order, its
           whole condition evaluated */
        for (size_t ri = rs->nexemptions; ri < rs->nrules; ri++) {
            firing f;
            const clr__slot *sl = &rs->slots[ri - rs->nexemptions];
            if (live(&ctx, applies, sl) && consider(&ctx, sl, (uint32_t)ri, rs->rules[ri].when, &f))
                record(out, rs, &ctx, applies, &cache, &f);
        }
    } else {
        /* reasons in declaration order */
        for (size_t i = 1; i < nfired; i++)
            for (size_t j = i; j > 0 && firing_cmp_less(&fired[j], &fired[j - 1]); j--) {
                firing t = fired[j];
                fired[j] = fired[j - 1];
                fired[j - 1] = t;
            }
        for (size_t i = 0; i < nfired; i++)
            record(out, rs, &ctx, applies, &cache, &fired[i]);
    }
    if (ctx.screen && screening.failed)
        fail(out, "screening-unavailable",
             "the rules screen names against restricted-party lists that are not loaded");
    if (usage_failed)
        fail(out, "usage-unavailable",
             "a rule reads usage over a trailing window and no usage figures are available");
    return 0;
}

size_t clr_classify(const clr_ruleset *rs, const clr_model_attrs *attrs, const char **names,
                    size_t cap)
{
    clr_request req;
    memset(&req, 0, sizeof req);
    req.model_attributes = *attrs;
    clr__model m;
    clr__sym tags[CLR_TAGS_MAX];
    inline_model(rs, &req, &m, tags);
    uint64_t classes = clr__model_classes(rs, &m);
    size_t n = 0;
    for (size_t c = 0; c < rs->nclasses; c++)
        if ((classes >> c) & 1) {
            if (n < cap)
                names[n] = rs->classes[c].name;
            n++;
        }
    return n;
}
