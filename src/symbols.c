/* Interned strings of a ruleset: every name a rulebook mentions gets a small
 * integer, so that a decision compares integers, not strings. */
#include "symbols.h"

#include <stdlib.h>
#include <string.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define WIDE_TAIL 1
#else
#define WIDE_TAIL 0
#endif

/* The n bytes at s, n <= 8, as a zero-padded word. With room, the 8 bytes at
 * s may be read (those past n are masked off). */
_Static_assert(CLR__SYM_HEAD == 24, "a slot holds three head words");

static inline __attribute__((always_inline)) uint64_t word(const char *s, size_t n, int room)
{
    uint64_t w = 0;
    if (n >= 8 || (WIDE_TAIL && room)) {
        __builtin_memcpy(&w, s, 8);
        return n >= 8 ? w : n ? w & (~0ULL >> (64 - 8 * n)) : 0;
    }
    memcpy(&w, s, n);
    return w;
}

/* A name's hash (clr__name_mix) and its first CLR__SYM_HEAD bytes,
 * zero-padded, in one pass over its words. */
static inline __attribute__((always_inline)) uint64_t key(const char *s, size_t len, int room,
                                                          uint64_t head[3])
{
    head[0] = word(s, len < 8 ? len : 8, room);
    head[1] = len > 8 ? word(s + 8, len < 16 ? len - 8 : 8, room) : 0;
    head[2] = len > 16 ? word(s + 16, len < 24 ? len - 16 : 8, room) : 0;
    uint64_t h = clr__name_mix(CLR__NAME_SEED, head[0]);
    if (head[1]) /* a name holds no NUL: head[2] is zero when head[1] is */
        h = clr__name_mix(h, head[1]);
    if (head[2])
        h = clr__name_mix(h, head[2]);
    for (size_t i = CLR__SYM_HEAD; i <= len; i += 8)
        h = clr__name_mix(h, word(s + i, len - i < 8 ? len - i : 8, room));
    return h;
}

static inline __attribute__((always_inline)) const clr__sym_slot *
find(const clr_ruleset *rs, const char *s, size_t len, int room)
{
    if (!rs->hash_slots || len == 0)
        return NULL;
    uint64_t head[3];
    uint64_t h = key(s, len, room, head);
    for (size_t i = (size_t)(h >> rs->hash_shift);; i = (i + 1) & rs->hash_mask) {
        const clr__sym_slot *e = &rs->hash_slots[i];
        if (e->sym == 0)
            return NULL;
        if (e->len == len && e->head[0] == head[0] && e->head[1] == head[1] &&
            e->head[2] == head[2] &&
            (len <= CLR__SYM_HEAD || memcmp(rs->sym_str[e->sym] + CLR__SYM_HEAD, s + CLR__SYM_HEAD,
                                            len - CLR__SYM_HEAD) == 0))
            return e;
    }
}

clr__sym clr__sym_lookup(const clr_ruleset *rs, const char *s, size_t len)
{
    const clr__sym_slot *e = find(rs, s, len, 0);
    return e ? e->sym : 0;
}

const clr__sym_slot clr__no_slot = {.row_dim = SYM_ROWS_NONE};

const clr__sym_slot *clr__sym_lookup_field_slow(const clr_ruleset *rs, const char *field,
                                                size_t cap)
{
    size_t len = strnlen(field, cap);
    const clr__sym_slot *e = len < cap ? find(rs, field, len, 1) : NULL;
    return e ? e : &clr__no_slot;
}

const clr__sym_slot *clr__sym_probe_short(const clr_ruleset *rs, size_t i, uint64_t w0, uint64_t w1,
                                          uint64_t w2)
{
    for (;; i = (i + 1) & rs->hash_mask) {
        const clr__sym_slot *e = &rs->hash_slots[i];
        if (e->sym == 0)
            return &clr__no_slot;
        if (e->head[0] == w0 && e->head[1] == w1 && e->head[2] == w2)
            return e;
    }
}

/* Files sym in slots (a table of mask + 1, 2^(64 - shift), slots). */
static void place(clr__sym_slot *slots, size_t mask, unsigned shift, clr__sym sym, const char *s,
                  size_t len)
{
    uint64_t head[3];
    size_t i = (size_t)(key(s, len, 0, head) >> shift);
    while (slots[i].sym)
        i = (i + 1) & mask;
    slots[i].sym = sym;
    slots[i].len = (uint8_t)len;
    slots[i].row_dim = 0; /* unknown until the index is built */
    memcpy(slots[i].head, head, sizeof head);
}

static int grow_hash(clr_ruleset *rs)
{
    size_t cap = rs->hash_slots ? (rs->hash_mask + 1) * 2 : 1024;
    unsigned shift = 64;
    for (size_t c = cap; c > 1; c /= 2)
        shift--;
    /* on cache-line boundaries: a slot lies on one line */
    clr__sym_slot *slots = aligned_alloc(64, cap * sizeof(*slots));
    if (!slots)
        return CLR_ENOMEM;
    memset(slots, 0, cap * sizeof(*slots));
    for (size_t sym = 1; sym < rs->nsyms; sym++)
        place(slots, cap - 1, shift, (clr__sym)sym, rs->sym_str[sym], rs->sym_len[sym]);
    free(rs->hash_slots);
    rs->hash_slots = slots;
    rs->hash_mask = cap - 1;
    rs->hash_shift = shift;
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
    place(rs->hash_slots, rs->hash_mask, rs->hash_shift, sym, copy, len);
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
