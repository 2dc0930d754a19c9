/* The query path: normalise, find similar dictionary tokens through the
 * deletion index, accumulate evidence per name over the postings, score the
 * best candidates with the aligner, keep the best name per entry. Uses a
 * per-thread scratch space; allocates nothing once that exists. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "screen_index.h"

#define MAXQ CLR_SCREEN_MAX_TOKENS
#define MAX_SLOTS 4096 /* dictionary tokens similar to some query token */
#define CANDIDATES 48  /* names scored in full */
#define MIN_TOKEN_SIM 0.6f
#define RARE_MAX 16
#define SKEL_SIM 0.8f          /* same skeleton, Latin query */
#define SKEL_SIM_TRANSLIT 0.9f /* same skeleton, query transliterated */
#define KNOWN_WORD_PENALTY 0.05f

typedef struct scratch {
    size_t names_cap, tokens_cap, entries_cap;
    uint32_t gen;
    uint32_t *name_stamp;
    float *acc;
    uint32_t *touched;
    uint32_t *tok_stamp;
    uint16_t *tok_slot;
    uint32_t *entry_stamp;
    uint32_t *entry_res;
    size_t nslots;
    uint32_t slot_tok[MAX_SLOTS];
    float slot_sim[MAX_SLOTS][MAXQ];
} scratch;

static pthread_key_t tls_key;
static pthread_once_t tls_once = PTHREAD_ONCE_INIT;

static void scratch_free(void *p)
{
    scratch *s = p;
    if (!s)
        return;
    free(s->name_stamp);
    free(s->acc);
    free(s->touched);
    free(s->tok_stamp);
    free(s->tok_slot);
    free(s->entry_stamp);
    free(s->entry_res);
    free(s);
}

static void tls_init(void)
{
    pthread_key_create(&tls_key, scratch_free);
}

void clr_screen_thread_cleanup(void)
{
    pthread_once(&tls_once, tls_init);
    scratch_free(pthread_getspecific(tls_key));
    pthread_setspecific(tls_key, NULL);
}

static scratch *scratch_get(const clr_lists *l)
{
    pthread_once(&tls_once, tls_init);
    scratch *s = pthread_getspecific(tls_key);
    if (s && s->names_cap >= l->nnames && s->tokens_cap >= l->ntokens &&
        s->entries_cap >= l->nentries)
        return s;
    scratch_free(s);
    pthread_setspecific(tls_key, NULL);
    s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->names_cap = l->nnames + 1;
    s->tokens_cap = l->ntokens + 1;
    s->entries_cap = l->nentries + 1;
    s->name_stamp = calloc(s->names_cap, sizeof *s->name_stamp);
    s->acc = malloc(s->names_cap * sizeof *s->acc);
    s->touched = malloc(s->names_cap * sizeof *s->touched);
    s->tok_stamp = calloc(s->tokens_cap, sizeof *s->tok_stamp);
    s->tok_slot = malloc(s->tokens_cap * sizeof *s->tok_slot);
    s->entry_stamp = calloc(s->entries_cap, sizeof *s->entry_stamp);
    s->entry_res = malloc(s->entries_cap * sizeof *s->entry_res);
    if (!s->name_stamp || !s->acc || !s->touched || !s->tok_stamp || !s->tok_slot ||
        !s->entry_stamp || !s->entry_res) {
        scratch_free(s);
        return NULL;
    }
    pthread_setspecific(tls_key, s);
    return s;
}

static void next_gen(scratch *s)
{
    if (++s->gen == 0) {
        memset(s->name_stamp, 0, s->names_cap * sizeof *s->name_stamp);
        memset(s->tok_stamp, 0, s->tokens_cap * sizeof *s->tok_stamp);
        memset(s->entry_stamp, 0, s->entries_cap * sizeof *s->entry_stamp);
        s->gen = 1;
    }
    s->nslots = 0;
}

/* Records that dictionary token t is similar (sim) to query token qi (qi >=
 * MAXQ: a joined or split form, used for finding candidates only). */
static void note(scratch *s, uint32_t t, size_t qi, float sim)
{
    size_t slot;
    if (s->tok_stamp[t] == s->gen) {
        slot = s->tok_slot[t];
    } else {
        if (s->nslots >= MAX_SLOTS)
            return;
        slot = s->nslots++;
        s->tok_stamp[t] = s->gen;
        s->tok_slot[t] = (uint16_t)slot;
        s->slot_tok[slot] = t;
        memset(s->slot_sim[slot], 0, sizeof s->slot_sim[slot]);
    }
    if (qi < MAXQ && sim > s->slot_sim[slot][qi])
        s->slot_sim[slot][qi] = sim;
}

/* A query token that is itself a name on the lists is less likely a typo of
 * another one: a full edit away ("YASSIN" / "YASMIN") costs 0.05 more; spelling
 * variants (confusable letters only, "MOHAMMED" / "MOHAMMAD") do not. */
static float known_word_sim(const char *a, size_t la, const char *b, size_t lb, float sim)
{
    return clr__edit_distance(a, la, b, lb, 2.f) >= 1.f ? sim - KNOWN_WORD_PENALTY : sim;
}

/* Finds dictionary tokens similar to s (n bytes); calls note for each. */
static void lookup(const clr_lists *l, scratch *s, const char *tok, size_t n, size_t qi)
{
    uint32_t t;
    int known = clr__token_find(l, tok, n, &t) == 0;
    if (known)
        note(s, t, qi, 1.f);
    if (n < 2 || n > 63)
        return;
    if (n == 2) {
        /* the variant is the query token itself: tokens of 3 letters */
        const uint64_t *k2;
        size_t cnt2 = clr__del_lookup(l, clr__hash32(tok, n), &k2);
        for (size_t i = 0; i < cnt2; i++) {
            uint32_t id = (uint32_t)k2[i];
            const clr__token *tk = &l->tokens[id];
            float sim = clr__token_sim(tok, n, clr__str(l, tk->text), tk->len);
            if (known && sim < 1.f && sim >= MIN_TOKEN_SIM)
                sim = known_word_sim(tok, n, clr__str(l, tk->text), tk->len, sim);
            if (sim >= MIN_TOKEN_SIM)
                note(s, id, qi, sim);
        }
        return;
    }
    if (n < 2 || n > 63)
        return;
    char v[64];
    for (size_t d = 0; d <= n; d++) {
        size_t vn = n;
        if (d < n) {
            memcpy(v, tok, d);
            memcpy(v + d, tok + d + 1, n - d - 1);
            vn = n - 1;
        } else {
            memcpy(v, tok, n);
        }
        const uint64_t *k;
        size_t cnt = clr__del_lookup(l, clr__hash32(v, vn), &k);
        for (size_t i = 0; i < cnt; i++) {
            uint32_t id = (uint32_t)k[i];
            const clr__token *tk = &l->tokens[id];
            if (s->tok_stamp[id] == s->gen && (qi >= MAXQ || s->slot_sim[s->tok_slot[id]][qi] > 0))
                continue; /* already judged for this query token */
            float sim = clr__token_sim(tok, n, clr__str(l, tk->text), tk->len);
            if (known && sim < 1.f && sim >= MIN_TOKEN_SIM)
                sim = known_word_sim(tok, n, clr__str(l, tk->text), tk->len, sim);
            if (sim >= MIN_TOKEN_SIM)
                note(s, id, qi, sim);
        }
    }
}

typedef struct sim_ctx {
    const clr_lists *l;
    scratch *s;
    const uint32_t *ctoks;
} sim_ctx;

static float sim_cb(void *p, size_t i, size_t j)
{
    sim_ctx *c = p;
    uint32_t t = c->ctoks[j];
    if (c->s->tok_stamp[t] != c->s->gen)
        return 0;
    return c->s->slot_sim[c->s->tok_slot[t]][i];
}

typedef struct cand {
    float est;
    uint32_t name;
} cand;

static void heap_push(cand *h, size_t *n, size_t cap, cand c)
{
    if (*n < cap) {
        size_t i = (*n)++;
        h[i] = c;
        while (i > 0 && h[(i - 1) / 2].est > h[i].est) {
            cand t = h[i];
            h[i] = h[(i - 1) / 2];
            h[(i - 1) / 2] = t;
            i = (i - 1) / 2;
        }
        return;
    }
    if (c.est <= h[0].est)
        return;
    h[0] = c;
    size_t i = 0;
    for (;;) {
        size_t a = 2 * i + 1, b = a + 1, m = i;
        if (a < *n && h[a].est < h[m].est)
            m = a;
        if (b < *n && h[b].est < h[m].est)
            m = b;
        if (m == i)
            break;
        cand t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

static int cmp_match(const void *a, const void *b)
{
    const clr_match *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? 1 : -1;
    int c = strcmp(x->list, y->list);
    return c ? c : strcmp(x->id, y->id);
}

static double adjust(const clr_lists *l, const clr_screen_query *q, const clr__entry *e,
                     double score)
{
    if (q->type != CLR_ENTITY_UNKNOWN && e->type != CLR_ENTITY_UNKNOWN && q->type != e->type) {
        int both_things = q->type != CLR_ENTITY_PERSON && e->type != CLR_ENTITY_PERSON;
        score *= both_things ? 0.92 : 0.85;
    }
    if (q->country[0] && e->ncountries) {
        int hit = 0;
        for (size_t i = 0; i < e->ncountries; i++)
            hit |= !memcmp(e->countries[i], q->country, 2);
        score += hit ? 0.03 : -0.04;
    }
    if (q->birth_year && e->birth_year && e->type == CLR_ENTITY_PERSON) {
        int d = abs(q->birth_year - (int)e->birth_year);
        score += d <= 1 ? 0.03 : -0.08;
    }
    (void)l;
    return score < 0 ? 0 : score > 1 ? 1 : score;
}

int clr_screen_run(const clr_lists *l, const clr_screen_query *q, clr_match *out, size_t cap,
                   size_t *nout)
{
    if (!l || !q || !q->name || !q->name[0] || (!out && cap) || !nout)
        return CLR_EINVAL;
    *nout = 0;
    uint64_t lists_mask = 0;
    if (q->lists && q->nlists) {
        for (size_t i = 0; i < q->nlists; i++) {
            size_t k = 0;
            while (k < l->nlists && (!q->lists[i] || strcmp(q->lists[i], l->lists[k].id)))
                k++;
            if (k == l->nlists)
                return CLR_ENOTFOUND;
            lists_mask |= (uint64_t)1 << k;
        }
    } else {
        lists_mask = ~(uint64_t)0;
    }
    scratch *s = scratch_get(l);
    if (!s)
        return CLR_ENOMEM;
    next_gen(s);

    clr__norm qn;
    clr__normalize(&qn, q->name, strlen(q->name), 1);
    if (qn.ntok == 0)
        return 0;
    clr__stok qt[MAXQ];
    const double nn = (double)l->nnames;
    const float wmax = clr__token_weight(nn, 1, 8, 0);
    for (size_t i = 0; i < qn.ntok; i++) {
        const char *tok = qn.text + qn.tok[i].off;
        size_t n = qn.tok[i].len;
        uint32_t t;
        qt[i].s = tok;
        qt[i].len = (uint8_t)n;
        qt[i].legal = qn.tok[i].legal;
        qt[i].w = clr__token_find(l, tok, n, &t) == 0 ? l->tokens[t].weight
                                                      : clr__token_weight(nn, 0, n, qt[i].legal);
        if (qt[i].w > wmax)
            qt[i].w = wmax;
        if (n > 1)
            lookup(l, s, tok, n, i);
    }
    /* spelling and transliteration variants beyond two edits ("Aleksandr" /
     * "Alexander"; the Arabic "mhmd" / "Mohammed"): same consonant skeleton */
    for (size_t i = 0; i < qn.ntok; i++) {
        char sk[64];
        size_t n = qt[i].len;
        if (n < 2 || n > 63 || qt[i].legal)
            continue;
        size_t sn = clr__skeleton(sk, qt[i].s, n);
        if (sn < (qn.translit ? 1u : 3u))
            continue;
        if (!qn.translit) {
            /* a Latin token: only when it has no closer spelling on the lists */
            int found = 0;
            for (size_t k2 = 0; k2 < s->nslots && !found; k2++)
                found = s->slot_sim[k2][i] > 0;
            if (found)
                continue;
        }
        const uint64_t *k;
        size_t cnt = clr__skel_lookup(l, clr__hash32(sk, sn), &k);
        for (size_t j = 0; j < cnt && j < 256; j++) {
            uint32_t id = (uint32_t)k[j];
            const clr__token *tk = &l->tokens[id];
            char tsk[64];
            if ((sn == 1 && tk->len > 4) ||
                clr__skeleton(tsk, clr__str(l, tk->text), tk->len) != sn || memcmp(tsk, sk, sn))
                continue;
            /* one or two consonants say less than a longer skeleton */
            float sim = !qn.translit ? SKEL_SIM
                        : sn == 1    ? 0.75f
                        : sn == 2    ? 0.8f
                                     : SKEL_SIM_TRANSLIT;
            note(s, id, i, sim);
        }
    }
    size_t direct_slots = s->nslots;
    /* joined and split forms, for finding candidates */
    float extra_sim[MAX_SLOTS];
    for (size_t i = 0; i + 1 < qn.ntok; i++) {
        char buf[130];
        size_t a = qt[i].len, b = qt[i + 1].len;
        if (a + b > 63 || a < 2 || b < 2)
            continue;
        memcpy(buf, qt[i].s, a);
        memcpy(buf + a, qt[i + 1].s, b);
        size_t before = s->nslots;
        lookup(l, s, buf, a + b, MAXQ);
        for (size_t k = before; k < s->nslots; k++)
            extra_sim[k] = 1.f;
    }
    for (size_t i = 0; i < qn.ntok; i++) {
        size_t n = qt[i].len;
        uint32_t t;
        if (n < 4 || clr__token_find(l, qt[i].s, n, &t) == 0)
            continue;
        for (size_t k = 2; k + 2 <= n; k++) {
            uint32_t t1, t2;
            if (clr__token_find(l, qt[i].s, k, &t1) == 0 &&
                clr__token_find(l, qt[i].s + k, n - k, &t2) == 0) {
                size_t before = s->nslots;
                note(s, t1, MAXQ, 1.f);
                note(s, t2, MAXQ, 1.f);
                for (size_t z = before; z < s->nslots; z++)
                    extra_sim[z] = 1.f;
            }
        }
    }
    /* accumulate evidence per name; names holding a rare token similar to a
     * query token are scored whatever their estimate */
    uint32_t rare[RARE_MAX];
    size_t nrare = 0;
    size_t ntouched = 0;
    double qtotal = 0;
    for (size_t i = 0; i < qn.ntok; i++)
        qtotal += qt[i].w;
    for (size_t k = 0; k < s->nslots; k++) {
        uint32_t t = s->slot_tok[k];
        const clr__token *tk = &l->tokens[t];
        float best = 0;
        if (k < direct_slots) {
            for (size_t i = 0; i < qn.ntok; i++)
                if (s->slot_sim[k][i] > best)
                    best = s->slot_sim[k][i];
        } else {
            best = extra_sim[k] * 0.9f;
        }
        if (best <= 0)
            continue;
        float add = best * tk->weight;
        if (best >= 0.8f && tk->npost <= 4 && !tk->legal)
            for (size_t j = 0; j < tk->npost && nrare < RARE_MAX; j++)
                rare[nrare++] = l->postings[tk->post + j];
        const uint32_t *p = l->postings + tk->post;
        for (size_t j = 0; j < tk->npost; j++) {
            uint32_t nm = p[j];
            if (s->name_stamp[nm] != s->gen) {
                s->name_stamp[nm] = s->gen;
                s->acc[nm] = 0;
                s->touched[ntouched++] = nm;
            }
            s->acc[nm] += add;
        }
    }
    /* the most promising names */
    cand heap[CANDIDATES];
    size_t nheap = 0;
    for (size_t i = 0; i < ntouched; i++) {
        uint32_t nm = s->touched[i];
        const clr__name *name = &l->names[nm];
        if (!(lists_mask >> l->entries[name->entry].list & 1))
            continue;
        double est = 2.0 * s->acc[nm] / (qtotal + name->weight_q / 256.0);
        cand c = {(float)est, nm};
        heap_push(heap, &nheap, CANDIDATES, c);
    }
    /* score them in full; best name per entry */
    clr_match res[CANDIDATES + RARE_MAX];
    size_t nres = 0;
    for (size_t h = 0; h < nheap + nrare; h++) {
        uint32_t nmi = h < nheap ? heap[h].name : rare[h - nheap];
        const clr__name *name = &l->names[nmi];
        if (h >= nheap && !(lists_mask >> l->entries[name->entry].list & 1))
            continue;
        const clr__entry *e = &l->entries[name->entry];
        const clr__list_info *li = &l->lists[e->list];
        clr__stok ct[MAXQ];
        const uint32_t *ctoks = l->name_tokens + name->tok;
        size_t nc = name->ntok < MAXQ ? name->ntok : MAXQ;
        for (size_t j = 0; j < nc; j++) {
            const clr__token *tk = &l->tokens[ctoks[j]];
            ct[j].s = clr__str(l, tk->text);
            ct[j].len = tk->len;
            ct[j].legal = tk->legal;
            ct[j].w = tk->weight;
        }
        sim_ctx ctx = {l, s, ctoks};
        clr_match m;
        int person_like = e->type == CLR_ENTITY_PERSON || e->type == CLR_ENTITY_UNKNOWN;
        double sc = clr__score_name(qt, qn.ntok, ct, nc, sim_cb, &ctx, person_like, name->middle,
                                    m.align, &m.nalign);
        sc = adjust(l, q, e, sc);
        double floor = q->min_score >= 0 ? q->min_score : li->review;
        if (sc < floor)
            continue;
        for (size_t a = 0; a < m.nalign; a++)
            if (m.align[a].entry >= 0)
                m.align[a].entry_token = ct[m.align[a].entry].s;
        m.list = li->id;
        m.id = clr__str(l, e->id);
        m.name = clr__str(l, e->name);
        m.matched_name = clr__str(l, name->text);
        m.alias = name->alias;
        m.type = (clr_entity_type)e->type;
        m.score = sc;
        m.status = m.score >= li->hit ? CLR_MATCH_HIT : CLR_MATCH_POSSIBLE;
        m.programs = clr__str(l, e->programs);
        uint32_t ei = name->entry;
        if (s->entry_stamp[ei] == s->gen) {
            clr_match *old = &res[s->entry_res[ei]];
            if (m.score > old->score || (m.score == old->score && !m.alias && old->alias))
                *old = m;
            continue;
        }
        s->entry_stamp[ei] = s->gen;
        s->entry_res[ei] = (uint32_t)nres;
        res[nres++] = m;
    }
    /* insertion sort of indexes: qsort may allocate */
    uint8_t order[CANDIDATES + RARE_MAX];
    for (size_t i = 0; i < nres; i++) {
        size_t j = i;
        while (j > 0 && cmp_match(&res[order[j - 1]], &res[i]) > 0) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = (uint8_t)i;
    }
    size_t n = nres < cap ? nres : cap;
    for (size_t i = 0; i < n; i++)
        out[i] = res[order[i]];
    *nout = n;
    return 0;
}
