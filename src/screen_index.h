/* The screening index (screen_index.c) and scorer (screen_score.c). */
#ifndef CLR_SCREEN_INDEX_H
#define CLR_SCREEN_INDEX_H

#include "screen_internal.h"

#define CLR__DEL_MIN_LEN 3 /* shorter tokens are looked up exactly */

#define CLR__SKEL_MIN 1 /* shortest consonant skeleton indexed */

/* The skeleton-index keys whose skeleton hash is h (see clr__skeleton): sets
 * *first, returns the count. */
size_t clr__skel_lookup(const clr_lists *l, uint32_t h, const uint64_t **first);

/* A hash used by the deletion index. */
uint32_t clr__hash32(const char *s, size_t n);

/* The weight of a token found in df of nnames names. */
float clr__token_weight(double nnames, size_t df, size_t len, int legal);

/* Finds the dictionary token s (n bytes). Returns 0 and sets *out, or -1. */
int clr__token_find(const clr_lists *l, const char *s, size_t n, uint32_t *out);

/* The deletion-index keys whose variant hash is h: sets *first, returns the
 * count. The low 32 bits of each key are a token id. */
size_t clr__del_lookup(const clr_lists *l, uint32_t h, const uint64_t **first);

/* Similarity of two normalised tokens in [0, 1]: 1 when equal, from a
 * restricted Damerau-Levenshtein distance (confusable letters cost less)
 * otherwise; 0 beyond two edits or for short tokens that differ. */
float clr__token_sim(const char *a, size_t la, const char *b, size_t lb);

/* The edit distance itself, with confusable substitutions at 0.5; stops early
 * and returns a value > max once max is exceeded. */
float clr__edit_distance(const char *a, size_t la, const char *b, size_t lb, float max);

/* One token of a query or a name, as the scorer sees it. */
typedef struct clr__stok {
    const char *s;
    uint8_t len;
    uint8_t legal;
    float w;
} clr__stok;

/* Scores query tokens q[0..nq) against name tokens c[0..nc). sim(i, j) gives
 * the precomputed similarity of query token i and name token j (0 when not
 * similar). Fills align (2 * CLR_SCREEN_MAX_TOKENS entries) and *nalign when
 * align is not NULL. Unmatched name tokens cost less when they are middle
 * names (bits of middle) or, for organisations (person_like 0), for the
 * weightiest one; never when a query token is unmatched too. Returns the score in [0, 1]. Allocates
 * nothing. */
typedef float (*clr__sim_fn)(void *ctx, size_t i, size_t j);
double clr__score_name(const clr__stok *q, size_t nq, const clr__stok *c, size_t nc,
                       clr__sim_fn sim, void *ctx, int person_like, uint16_t middle,
                       clr_match_align *align, size_t *nalign);

#endif
