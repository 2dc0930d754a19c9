/* Interned strings of a ruleset: every name a rulebook mentions gets a small
 * integer, so that a decision compares integers, not strings. */
#include "symbols.h"

#include <stdlib.h>
#include <string.h>

clr__sym clr__sym_lookup(const clr_ruleset *rs, const char *s, size_t len)
{
    if (!rs->hash_slots || len == 0)
        return 0;
    uint64_t h = clr__hash(s, len);
    for (size_t i = (size_t)h & rs->hash_mask;; i = (i + 1) & rs->hash_mask) {
        const clr__sym_slot *e = &rs->hash_slots[i];
        if (e->sym == 0)
            return 0;
        if (e->len == len && memcmp(e->str, s, len) == 0)
            return e->sym;
    }
}

static int grow_hash(clr_ruleset *rs)
{
    size_t cap = rs->hash_slots ? (rs->hash_mask + 1) * 2 : 1024;
    clr__sym_slot *slots = calloc(cap, sizeof(*slots));
    if (!slots)
        return CLR_ENOMEM;
    for (size_t sym = 1; sym < rs->nsyms; sym++) {
        uint64_t h = clr__hash(rs->sym_str[sym], rs->sym_len[sym]);
        size_t i = (size_t)h & (cap - 1);
        while (slots[i].sym)
            i = (i + 1) & (cap - 1);
        slots[i].sym = (uint32_t)sym;
        slots[i].len = rs->sym_len[sym];
        slots[i].str = rs->sym_str[sym];
    }
    free(rs->hash_slots);
    rs->hash_slots = slots;
    rs->hash_mask = cap - 1;
    return 0;
}

static int grow_arrays(clr_ruleset *rs, size_t cap)
{
    const char **str = realloc(rs->sym_str, cap * sizeof(*str));
    if (!str)
        return CLR_ENOMEM;
    rs->sym_str = str;
    uint32_t *len = realloc(rs->sym_len, cap * sizeof(*len));
    if (!len)
        return CLR_ENOMEM;
    rs->sym_len = len;
    int32_t *model = realloc(rs->sym_model, cap * sizeof(*model));
    if (!model)
        return CLR_ENOMEM;
    rs->sym_model = model;
    uint8_t *flags = realloc(rs->sym_flags, cap * sizeof(*flags));
    if (!flags)
        return CLR_ENOMEM;
    rs->sym_flags = flags;
    return 0;
}

int clr__sym_intern(clr_ruleset *rs, const char *s, size_t len, clr__sym *out)
{
    *out = 0;
    if (len == 0 || len >= CLR_ID_MAX)
        return CLR_EINVAL;
    clr__sym found = clr__sym_lookup(rs, s, len);
    if (found) {
        *out = found;
        return 0;
    }
    if (rs->nsyms == 0 || (rs->nsyms & (rs->nsyms - 1)) == 0) {
        size_t cap = rs->nsyms ? rs->nsyms * 2 : 256;
        if (grow_arrays(rs, cap))
            return CLR_ENOMEM;
        if (rs->nsyms == 0) {
            rs->sym_str[0] = "";
            rs->sym_len[0] = 0;
            rs->sym_model[0] = -1;
            rs->sym_flags[0] = 0;
            rs->nsyms = 1;
        }
    }
    if (!rs->hash_slots || rs->nsyms * 2 > rs->hash_mask + 1)
        if (grow_hash(rs))
            return CLR_ENOMEM;
    char *copy = clr__arena_strndup(&rs->arena, s, len);
    if (!copy)
        return CLR_ENOMEM;
    clr__sym sym = (clr__sym)rs->nsyms++;
    rs->sym_str[sym] = copy;
    rs->sym_len[sym] = (uint32_t)len;
    rs->sym_model[sym] = -1;
    rs->sym_flags[sym] = 0;
    uint64_t h = clr__hash(s, len);
    size_t i = (size_t)h & rs->hash_mask;
    while (rs->hash_slots[i].sym)
        i = (i + 1) & rs->hash_mask;
    rs->hash_slots[i].sym = sym;
    rs->hash_slots[i].len = (uint32_t)len;
    rs->hash_slots[i].str = copy;
    if (len == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z')
        rs->country_sym[(s[0] - 'A') * 26 + (s[1] - 'A')] = sym;
    *out = sym;
    return 0;
}

void clr__symbols_free(clr_ruleset *rs)
{
    free(rs->sym_str);
    free(rs->sym_len);
    free(rs->sym_model);
    free(rs->sym_flags);
    free(rs->hash_slots);
}
