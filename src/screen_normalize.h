/* Name normalisation for screening: one routine shared by the importers, the
 * index and the query path, so that both sides of a comparison agree. */
#ifndef CLR_SCREEN_NORMALIZE_H
#define CLR_SCREEN_NORMALIZE_H

#include <stddef.h>
#include <stdint.h>

#include "clearance_screen.h"

#define CLR__NORM_INPUT_MAX 1024 /* bytes of a name considered; the rest is cut */
#define CLR__NORM_TEXT_MAX 512   /* bytes of normalised text */

typedef struct clr__ntoken {
    uint16_t off; /* into clr__norm.text */
    uint8_t len;
    uint8_t legal; /* non-zero: a legal-form word mapped to its canonical form */
} clr__ntoken;

/* A normalised name: lower-case ASCII tokens, each NUL-terminated in text. */
typedef struct clr__norm {
    size_t ntok;
    int translit; /* the name was in another script and transliterated */
    clr__ntoken tok[CLR_SCREEN_MAX_TOKENS];
    char text[CLR__NORM_TEXT_MAX];
} clr__norm;

/* Normalises len bytes of UTF-8 at s into *out. With legal_forms non-zero,
 * legal-form words and phrases ("limited liability company", "OOO", "GmbH")
 * become one canonical token ("llc"). Tokens past CLR_SCREEN_MAX_TOKENS and
 * tokens longer than 63 bytes are dropped or cut. Never fails; invalid UTF-8
 * bytes act as separators. Thread-safe. Allocates nothing for Latin-script
 * input; other scripts go through ICU transliteration (under a lock). */
void clr__normalize(clr__norm *out, const char *s, size_t len, int legal_forms);

/* Writes the consonant skeleton of token s (n bytes) to out (at least n + 1
 * bytes): ks -> x, kh -> h, ph -> f, q/c -> k, z -> s; vowels, w and y dropped,
 * j dropped after a vowel, repeated letters collapsed. "Mohammed", "Muhammad"
 * and the Arabic "mhmd" all give "mhmd"; "Aleksandr" and "Alexander" give
 * "lxndr". Returns its length. */
size_t clr__skeleton(char *out, const char *s, size_t n);

/* The embedded legal-form table (screen_legal_table.c). */
extern const char *const clr__legal_form_pairs[][2];
extern const size_t clr__legal_form_npairs;

#endif
