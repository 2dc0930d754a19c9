/* The search index: token weights, postings (token -> names) and a deletion
 * index over the token dictionary (every token of four or more letters and
 * each of its one-letter deletions), so that a query token finds the
 * dictionary tokens within about two edits without scanning the dictionary. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "screen_index.h"

uint32_t clr__hash32(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    h ^= h >> 15;
    h *= 0x2c1b3c6dU;
    h ^= h >> 12;
    return h;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int build_skeletons(clr_lists *l);

int clr__index_build(clr_lists *l)
{
    /* postings */
    for (size_t t = 0; t < l->ntokens; t++)
        l->tokens[t].npost = 0;
    for (size_t n = 0; n < l->nnames; n++) {
        const clr__name *nm = &l->names[n];
        for (size_t k = 0; k < nm->ntok; k++) {
            uint32_t t = l->name_tokens[nm->tok + k];
            int dup = 0;
            for (size_t j = 0; j < k; j++)
                dup |= l->name_tokens[nm->tok + j] == t;
            if (!dup)
                l->tokens[t].npost++;
        }
    }
    size_t total = 0;
    for (size_t t = 0; t < l->ntokens; t++) {
        l->tokens[t].post = (uint32_t)total;
        total += l->tokens[t].npost;
        l->tokens[t].npost = 0;
    }
    l->postings = malloc((total ? total : 1) * sizeof *l->postings);
    if (!l->postings)
        return CLR_ENOMEM;
    l->npostings = total;
    for (size_t n = 0; n < l->nnames; n++) {
        const clr__name *nm = &l->names[n];
        for (size_t k = 0; k < nm->ntok; k++) {
            uint32_t t = l->name_tokens[nm->tok + k];
            int dup = 0;
            for (size_t j = 0; j < k; j++)
                dup |= l->name_tokens[nm->tok + j] == t;
            if (!dup) {
                clr__token *tk = &l->tokens[t];
                l->postings[tk->post + tk->npost++] = (uint32_t)n;
            }
        }
    }
    /* weights: inverse document frequency, damped for legal forms and initials */
    double nn = (double)l->nnames;
    for (size_t t = 0; t < l->ntokens; t++) {
        clr__token *tk = &l->tokens[t];
        tk->weight = clr__token_weight(nn, tk->npost, tk->len, tk->legal);
    }
    for (size_t n = 0; n < l->nnames; n++) {
        clr__name *nm = &l->names[n];
        double w = 0;
        for (size_t k = 0; k < nm->ntok; k++)
            w += l->tokens[l->name_tokens[nm->tok + k]].weight;
        nm->weight_q = (uint16_t)(w * 256 > 65535 ? 65535 : w * 256);
    }
    /* deletion index */
    size_t ndel = 0;
    for (size_t t = 0; t < l->ntokens; t++)
        if (l->tokens[t].len >= CLR__DEL_MIN_LEN)
            ndel += 1 + l->tokens[t].len;
    l->del_keys = malloc((ndel ? ndel : 1) * sizeof *l->del_keys);
    if (!l->del_keys)
        return CLR_ENOMEM;
    size_t k = 0;
    for (size_t t = 0; t < l->ntokens; t++) {
        const clr__token *tk = &l->tokens[t];
        if (tk->len < CLR__DEL_MIN_LEN)
            continue;
        const char *s = clr__str(l, tk->text);
        char v[64];
        l->del_keys[k++] = ((uint64_t)clr__hash32(s, tk->len) << 32) | t;
        for (size_t d = 0; d < tk->len; d++) {
            memcpy(v, s, d);
            memcpy(v + d, s + d + 1, tk->len - d - 1);
            l->del_keys[k++] = ((uint64_t)clr__hash32(v, tk->len - 1u) << 32) | t;
        }
    }
    qsort(l->del_keys, k, sizeof *l->del_keys, cmp_u64);
    /* drop duplicate (variant, token) pairs ("aab" minus either a) */
    size_t w = 0;
    for (size_t i = 0; i < k; i++)
        if (w == 0 || l->del_keys[w - 1] != l->del_keys[i])
            l->del_keys[w++] = l->del_keys[i];
    l->ndel = w;
    size_t bits = 1;
    while (((size_t)1 << bits) < (w / 2 + 1) && bits < 30)
        bits++;
    l->del_buckets = (size_t)1 << bits;
    l->del_bucket = malloc((l->del_buckets + 1) * sizeof *l->del_bucket);
    if (!l->del_bucket)
        return CLR_ENOMEM;
    size_t i = 0;
    for (size_t bk = 0; bk <= l->del_buckets; bk++) {
        while (i < w && (size_t)((l->del_keys[i] >> 32) >> (32 - bits)) < bk)
            i++;
        l->del_bucket[bk] = (uint32_t)i;
    }
    return build_skeletons(l);
}

/* The skeleton index (clr__skeleton): tokens of three letters or more. */
static int build_skeletons(clr_lists *l)
{
    l->skel_keys = malloc((l->ntokens ? l->ntokens : 1) * sizeof *l->skel_keys);
    if (!l->skel_keys)
        return CLR_ENOMEM;
    size_t k = 0;
    for (size_t t = 0; t < l->ntokens; t++) {
        const clr__token *tk = &l->tokens[t];
        char sk[64];
        if (tk->len < 3 || tk->legal)
            continue;
        size_t n = clr__skeleton(sk, clr__str(l, tk->text), tk->len);
        if (n >= CLR__SKEL_MIN)
            l->skel_keys[k++] = ((uint64_t)clr__hash32(sk, n) << 32) | t;
    }
    qsort(l->skel_keys, k, sizeof *l->skel_keys, cmp_u64);
    l->nskel = k;
    return 0;
}

size_t clr__skel_lookup(const clr_lists *l, uint32_t h, const uint64_t **first)
{
    size_t lo = 0, hi = l->nskel;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if ((uint32_t)(l->skel_keys[mid] >> 32) < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t e = lo;
    while (e < l->nskel && (uint32_t)(l->skel_keys[e] >> 32) == h)
        e++;
    *first = l->skel_keys + lo;
    return e - lo;
}

float clr__token_weight(double nnames, size_t df, size_t len, int legal)
{
    double w = log(1.0 + nnames / (double)(df ? df : 1));
    if (legal && w > 1.0)
        w = 1.0;
    if (len == 1 && w > 1.5)
        w = 1.5;
    if (w < 0.3)
        w = 0.3;
    return (float)w;
}

int clr__token_find(const clr_lists *l, const char *s, size_t n, uint32_t *out)
{
    if (!l->tok_hash_cap)
        return -1;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    for (size_t i = h & (l->tok_hash_cap - 1);; i = (i + 1) & (l->tok_hash_cap - 1)) {
        uint32_t v = l->tok_hash[i];
        if (!v)
            return -1;
        const clr__token *tk = &l->tokens[v - 1];
        if (tk->len == n && !memcmp(clr__str(l, tk->text), s, n)) {
            *out = v - 1;
            return 0;
        }
    }
}

size_t clr__del_lookup(const clr_lists *l, uint32_t h, const uint64_t **first)
{
    size_t bits = 0;
    while (((size_t)1 << bits) < l->del_buckets)
        bits++;
    size_t bk = (size_t)(h >> (32 - bits));
    size_t a = l->del_bucket[bk], b = l->del_bucket[bk + 1];
    while (a < b && (uint32_t)(l->del_keys[a] >> 32) < h)
        a++;
    size_t e = a;
    while (e < b && (uint32_t)(l->del_keys[e] >> 32) == h)
        e++;
    *first = l->del_keys + a;
    return e - a;
}
