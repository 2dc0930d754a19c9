/* What the registry's files share. Library-internal. */
#ifndef CLR_REGISTRY_INTERNAL_H
#define CLR_REGISTRY_INTERNAL_H

#include "clearance_registry.h"
#include "store.h"

/* A text parameter; NULL becomes SQL NULL. (CLR__V_TEXT for arrays too.) */
static inline clr__value clr__registry_text(const char *s)
{
    return CLR__V_TEXT(s);
}
#define TXT(x) clr__registry_text(x)

/* Field checks: 0, or CLR_EINVAL with *err (may be NULL) naming field. */
int clr__registry_check_id(const char *s, const char *field, int required, clr_registry_error *err);
int clr__registry_check_name(const char *s, size_t cap, const char *field, int required,
                             clr_registry_error *err);

/* Splits "org:ID" / "user:ID". Returns 0 or CLR_EINVAL. */
int clr__registry_party_parse(const char *party, int *is_org, const char **id);

/* The hex BLAKE2b-256 of an API key secret. */
void clr__registry_key_hash(char out[65], const char *secret, size_t len);

/* Adjudication rows: the SELECT every reader uses, and its row decoder. */
extern const char clr__registry_adjudication_select[];
void clr__registry_adjudication_from_row(clr_adjudication *a, const clr__value *c);

/* The i-th user of a snapshot, in id order (i < clr_registry_user_count). */
const clr_user *clr__registry_user_at(const clr_registry *r, size_t i);

#endif
