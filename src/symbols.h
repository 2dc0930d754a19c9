/* Interning the names a ruleset mentions. */
#ifndef CLR_SYMBOLS_H
#define CLR_SYMBOLS_H

#include "ruleset.h"

/* The symbol for len bytes of s, interning it if new. Two-letter upper-case
 * names also fill rs->country_sym. Returns 0 and sets *out; CLR_EINVAL for an
 * empty name or one of CLR_ID_MAX bytes or more; CLR_ENOMEM. Compilation only. */
int clr__sym_intern(clr_ruleset *rs, const char *s, size_t len, clr__sym *out);

/* Frees the symbol arrays (not the strings, which live in the arena). */
void clr__symbols_free(clr_ruleset *rs);

#endif
