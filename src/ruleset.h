/* The compiled form of a rulebook set: interned symbols, groups as sorted sets,
 * the model catalogue with its classes precomputed, rules as condition trees,
 * and an index that narrows a request to its candidate rules with a few table
 * look-ups: one short candidate list per dimension, each entry checked with a
 * compare or a bit test per dimension. Everything lives in one arena, immutable after
 * compilation. */
#ifndef CLR_RULESET_H
#define CLR_RULESET_H

#include "arena.h"
#include "ast.h"
#include "clearance.h"

#include <stdint.h>
#include <string.h>

typedef uint32_t clr__sym; /* an interned string; 0 is "absent or unknown" */

/* A slot of the symbol hash table, 32 bytes: the symbol with the first
 * CLR__SYM_HEAD bytes of its string, zero-padded, so that a look-up of a
 * short name reads one slot and nothing else. */
#define CLR__SYM_HEAD 24
typedef struct clr__sym_slot {
    clr__sym sym;
    uint8_t len; /* < CLR_ID_MAX */
    /* the symbol's rows in the index's dimensions, so that a look-up of a
       request's field gives its row with no other read: d + 1 when d is the
       only dimension where its row is not 0 (the row is then row); SYM_ROWS_NONE
       when its row is 0 in all; 0 when unknown, the rows to be read from
       row_of */
    uint8_t row_dim;
    uint16_t row;
    uint64_t head[CLR__SYM_HEAD / 8];
} clr__sym_slot;

#define SYM_ROWS_NONE 0xFF

/* Attributes a condition may name. The first CLR__NDIM are symbol-valued
 * request attributes: the index's dimensions. */
typedef enum {
    ATTR_MODEL,
    ATTR_P_ID,
    ATTR_P_ORG,
    ATTR_P_NATIONALITY,
    ATTR_P_COUNTRY,
    ATTR_P_HQ,
    ATTR_DESTINATION,
    ATTR_USE,
    ATTR_INTEGRATION,
    ATTR_APP,
    CLR__NDIM,
    ATTR_M_PROVIDER = CLR__NDIM, /* symbol-valued model attributes */
    ATTR_M_ORIGIN,
    CLR__NSYMATTR,
    ATTR_UNITS = CLR__NSYMATTR, /* numbers */
    ATTR_M_TRAINING_OPS,
    ATTR_M_OPEN_WEIGHTS, /* boolean */
    ATTR_M_TAGS,         /* sets */
    ATTR_M_CLASS,
    ATTR_P_NAME, /* names, screened against lists with "on" */
    ATTR_P_ORG_NAME,
    CLR__NATTR
} clr__attr;

typedef enum { TYPE_SYM, TYPE_NUM, TYPE_BOOL, TYPE_SET, TYPE_NAME } clr__attr_type;

typedef struct clr__attr_info {
    const char *name;
    clr__attr_type type;
    int of_model;   /* describes the model (usable in a class) */
    int is_country; /* its values are ISO 3166-1 alpha-2 codes */
    const char *json_path;
} clr__attr_info;

/* The attribute table, indexed by clr__attr. */
extern const clr__attr_info clr__attrs[CLR__NATTR];

/* Looks an attribute up by name; returns its index or -1. */
int clr__attr_find(const char *name);

/* One member of a set, a member during [from, until). */
typedef struct clr__member {
    clr__sym sym;
    clr_time from, until;
} clr__member;

/* A set of symbols (a group, or a literal set in a condition), sorted by sym. */
typedef struct clr__set {
    const char *name; /* the group's name; NULL for a literal set */
    clr__member *members;
    size_t n;
    int dated; /* some member has a window */
    clr__pos pos;
} clr__set;

typedef enum {
    OP_TRUE,
    OP_FALSE,
    OP_AND,
    OP_OR,
    OP_NOT,
    OP_EQ,      /* attr == sym */
    OP_EQ_ATTR, /* attr == attr2 */
    OP_IN,      /* attr in set */
    OP_NUM,     /* attr cmp num */
    OP_BOOL,    /* attr is true */
    OP_HAS,     /* set attr has sym (tags) or class index (class) */
    OP_ON,      /* a name attr is on one of lists (screening) */
    OP_USAGE    /* usage(who, model or all, days) cmp num: attr who (org or user id), attr2 1 for
                   this model only, cls the days */
} clr__op;

typedef enum { CMP_EQ, CMP_NE, CMP_LT, CMP_LE, CMP_GT, CMP_GE } clr__cmp;

typedef struct clr__node {
    uint8_t op, attr, attr2, cmp;
    clr__sym sym;
    uint32_t cls;
    double num;
    const clr__set *set;
    const struct clr__node *l, *r;
    const char *const *lists; /* OP_ON: list ids */
    uint32_t nlists;
    uint32_t screen_slot; /* OP_ON: its place in a decision's screening cache */
} clr__node;

typedef struct clr__model {
    /* first, together: what every decision reads */
    clr__sym sym;
    clr__sym provider, origin;
    uint32_t scopes;  /* bit i: rulebook i's scope holds (for model-only scopes) */
    uint64_t classes; /* bit i: class i applies */
    const char *id;
    const char *provider_str, *origin_str;
    double training_ops; /* NaN when unknown */
    int open_weights;    /* 0, 1; -1 unknown (treated as closed) */
    const clr__sym *tags;
    size_t ntags;
} clr__model;

typedef struct clr__class {
    const char *name;
    const clr__node *when;
    const char *when_text;
} clr__class;

/* A rule or an exemption: one slot of the index. */
typedef struct clr__rule {
    /* first, together: what recording a rule that fires reads */
    const char *id;
    const char *citation, *message;
    const uint32_t *exempted_by; /* rules: indices of the exemptions naming them */
    size_t nexempted_by;
    uint32_t rulebook; /* index into rulebooks */
    clr_effect effect; /* rules only */
    int is_exemption;
    const clr__node *when;
    const char *when_text; /* the condition as written */
    clr_time from, until;
    const uint32_t *exempts; /* exemptions: indices of the rules switched off */
    size_t nexempts;
    int screens; /* the condition screens names against lists */
    clr__pos pos;
} clr__rule;

typedef struct clr__rulebook {
    const char *id, *title, *jurisdiction;
    const clr__node *scope; /* NULL: applies to every request */
    const char *scope_text;
    int model_scope; /* the scope reads the model alone: precomputed per catalogue model */
    /* for a scope "attr in G" (G undated) or "attr == x" on a symbol of the
       request: bit s set when symbol s is in G (is x), so that the scope is
       one bit test of the request's symbol; NULL otherwise */
    const uint64_t *scope_syms;
    uint32_t scope_nsyms; /* the bits of scope_syms: the symbols when it was made */
    uint8_t scope_attr;
} clr__rulebook;

/* What deciding reads of a rule, in one cache line: whether it is live (its
 * rulebook, its window), what is left of its condition once the index's checks
 * have passed, and what a reason reports when it fires. Slot i is rule
 * nexemptions + i. */
typedef struct clr__slot {
    /* for a catalogue model, what is left of the condition once the index's
       checks have passed; NULL: nothing, the checks decide */
    const clr__node *rest;
    /* with SLOT_REST_UNDATED, what is left when the request also passes the
       check rest_undated (its value is an undated member of a dated set) */
    const clr__node *rest_if_undated;
    clr_time from, until; /* the rule's validity window */
    const char *id, *citation, *message;
    uint32_t rest_undated;
    uint16_t rulebook;
    uint8_t flags;  /* SLOT_* */
    uint8_t effect; /* a clr_effect */
} clr__slot;

enum {
    SLOT_REST_UNDATED = 1, /* rest_undated and rest_if_undated are set */
    SLOT_SCREENS = 2,      /* the condition screens names against lists */
    SLOT_EXEMPTED = 4      /* some exemption names the rule */
};

/* One dimension of the index. row_of[sym] is the row of a request whose
 * attribute has that symbol: rows 1.. are the values some rule requires of the
 * dimension, row 0 every other value (and absence). */
typedef struct clr__dim_index {
    int used;
    uint32_t *row_of; /* nsyms entries; all 0 for a dimension not used */
    size_t nrows;
} clr__dim_index;

/* A candidate's check of one dimension, in 32 bits: the dimension in the top
 * four bits. For a dimension of at most CLR__CHK_SMALL rows (a bit of
 * small_dims), the low 28 bits are the rows the request's row must be one of
 * (bit r: row r). Else, with CLR__CHK_ONE set, the request's row must be the
 * row in the low 27 bits; without it, the request's row must be in the row
 * set (a bitmap over the dimension's rows) that starts at that word of
 * cand_sets. */
#define CLR__CHK_DIM_SHIFT 28
#define CLR__CHK_SMALL 28
#define CLR__CHK_ONE (1u << 27)
#define CLR__CHK_VAL ((1u << 27) - 1)
/* A coarse check of the rule's validity window: the dimension field 12, in
 * the low 28 bits the first day it is in force (days since
 * CLR__WINDOW_EPOCH, clamped to 0..CLR__WINDOW_DAYS - 1) and the days from
 * it to the last, 14 bits each; the request's day must lie between them. Passing it, the rule may
 * still be out of force within the day: the slot's window is exact. */
#define CLR__CHK_WINDOW (12u << CLR__CHK_DIM_SHIFT)
#define CLR__WINDOW_EPOCH 946684800 /* 2000-01-01T00:00:00Z */
#define CLR__WINDOW_DAYS (1u << 14)

/* The day of instant t for CLR__CHK_WINDOW: days since CLR__WINDOW_EPOCH,
 * clamped. Never decreases as t grows. */
static inline uint32_t clr__window_day(clr_time t)
{
    if (t < CLR__WINDOW_EPOCH)
        return 0;
    uint64_t d = (uint64_t)(t - CLR__WINDOW_EPOCH) / 86400;
    return d < CLR__WINDOW_DAYS ? (uint32_t)d : CLR__WINDOW_DAYS - 1;
}

/* A screening filter: the dimension field 13, in bit 0 "principal.name", in
 * bit 1 "principal.org_name"; the request must carry one of them (a name
 * screens against lists only when there is one). */
#define CLR__CHK_NAMED (13u << CLR__CHK_DIM_SHIFT)
/* A comparison of the units: the dimension field 14, the comparison (a
 * clr__cmp) in the low bits; the number follows, in two words. */
#define CLR__CHK_UNITS (14u << CLR__CHK_DIM_SHIFT)
/* A disjunction's marker: the dimension field 15, the number of sides in the
 * low bits; the sides' checks follow, and one of them must pass. */
#define CLR__CHK_EITHER (15u << CLR__CHK_DIM_SHIFT)
/* A check every request passes: of the dimension CLR__NDIM, whose row is
 * always 0 and which small_dims counts as small. */
#define CLR__CHK_ALWAYS ((uint32_t)CLR__NDIM << CLR__CHK_DIM_SHIFT | 1u)
/* A general candidate's head word: its slot, shifted, and its number of
 * checks. */
#define CLR__CAND_SLOT_SHIFT 4
#define CLR__CAND_NCHK_MASK 15u
/* A fixed entry's first word: its slot, and this bit when a window follows
 * the check. */
#define CLR__CAND_WINDOWED 31

/* Where a cell's list lies in code: offset and length, in words. Lists are
 * placed so that one of at most 16 words (64 bytes) lies on one cache line,
 * and a longer one on as few as its length needs. */
typedef struct clr__cell {
    uint32_t off, len;
} clr__cell;

/* The candidate lists. Each rule is filed under one anchor: a pair of the
 * dimensions it constrains (the pair whose required values a request is least
 * likely to carry together), or one dimension, or none. An anchor has a dense
 * table of lists, one per cell: cell = row[d1] * stride + row[d2], where
 * row[CLR__NDIM] is always 0 (d2 = CLR__NDIM for a one-dimension anchor, d1 =
 * d2 = CLR__NDIM for the rules constraining no dimension). A rule is in the
 * list of every cell its required values make. A request reads one list per
 * anchor.
 *
 * A list is the length in words of its run of fixed entries, the run, then
 * the general entries. Most rules need at most one check besides their
 * anchor's, and their entries are fixed ones, in a layout a decision tests
 * without a branch per entry: the slot (with bit CLR__CAND_WINDOWED when a
 * window follows), the check, always in the form of a row set (a set holding
 * only row 0 of dimension CLR__NDIM when there is none, CLR__CHK_ALWAYS), then
 * the window (CLR__CHK_WINDOW) if any. The general entries follow to the list's
 * end: a head word, then the checks of the rule's other constrained
 * dimensions, of its disjunctions of tests of dimensions ("destination in G or
 * principal.hq in H"), comparisons of the units and screening filters, and
 * last its window. */
typedef struct clr__anchor {
    uint8_t d1, d2;
    uint32_t stride;
    const uint64_t *full;   /* bit c: cell c's list is not empty (a small table, to
                               skip the large one for most requests) */
    const clr__cell *cells; /* one per cell */
} clr__anchor;

#define CLR__MAX_ANCHORS (1 + CLR__NDIM + CLR__NDIM * (CLR__NDIM - 1) / 2)

typedef struct clr__cand_index {
    clr__anchor anchor[CLR__MAX_ANCHORS];
    size_t nanchors;
    const uint32_t *code; /* on a cache-line boundary */
} clr__cand_index;

/* A country code's symbol and its rows in the four dimensions of countries,
 * ATTR_P_NATIONALITY to ATTR_DESTINATION. */
typedef struct clr__country {
    clr__sym sym;
    uint8_t row[4];
} clr__country;

_Static_assert(ATTR_DESTINATION - ATTR_P_NATIONALITY == 3, "the dimensions of countries follow");

struct clr_ruleset {
    clr__arena arena;
    int refs; /* atomic */
    char version[33];

    /* symbols */
    const char **sym_str; /* sym -> string; [0] = "" */
    uint32_t *sym_len;
    int32_t *sym_model; /* sym -> catalogue index, or -1 */
    uint8_t *sym_flags; /* SYMF_* */
    size_t nsyms;
    struct clr__sym_slot *hash_slots; /* open addressing; sym 0: empty */
    size_t hash_mask;
    unsigned hash_shift; /* 64 - log2(hash_mask + 1): a hash's top bits pick its slot */
    clr__sym country_sym[26 * 26];
    /* by country code, as country_sym: the symbol and its rows, so that a
       decision reads both at once; NULL when some row does not fit */
    clr__country *country;
    int has_vocab_use, has_vocab_integration;

    clr__model *models;
    size_t nmodels;
    clr__class *classes;
    size_t nclasses;
    clr__set *groups;
    size_t ngroups;
    clr__rulebook *rulebooks;
    size_t nrulebooks;
    clr__rule *rules; /* exemptions first, then rules, in declaration order */
    size_t nrules, nexemptions;
    int attr_used[CLR__NDIM]; /* some condition reads the attribute */
    uint32_t nscreens;        /* "on" tests in the set: the screening cache's size */
    int uses_usage;           /* some condition reads usage(...) */
    clr__dim_index index[CLR__NDIM];
    /* [0] for catalogue models; [1] for inline models, for which the model
       dimension is neither an anchor nor checked */
    clr__cand_index cand[2];
    const uint64_t *cand_sets; /* the row sets candidates check, shared */
    uint32_t small_dims;       /* bit d: dimension d has at most CLR__CHK_SMALL rows */
    struct clr__slot *slots;   /* slot i: rule nexemptions + i; on cache-line boundaries */
    /* by slot: what is left of the condition for an inline model once the
       index's checks (of every dimension but the model) have passed; NULL:
       nothing */
    const clr__node **rest_inline;
    size_t nbits; /* rules in the index (exemptions are looked up, not indexed) */

    const clr__source *const *sources;
    size_t nsources;
};

enum { SYMF_VOCAB_USE = 1, SYMF_VOCAB_INTEGRATION = 2 };

/* The symbol for len bytes of s, or 0 when s was never interned. Thread-safe. */
clr__sym clr__sym_lookup(const clr_ruleset *rs, const char *s, size_t len);

/* The slot a field's look-up gives for a name with no symbol: symbol 0, no
 * row in any dimension. */
extern const clr__sym_slot clr__no_slot;

/* Zeroes a request field of cap bytes from its NUL, at len, to the end of the
 * 8-byte word holding it: clr__sym_lookup_field reads a field a word at a
 * time, and what follows the NUL is masked off, but a memory checker would
 * otherwise see bytes read that were never written. */
static inline void clr__field_pad(char *field, size_t len, size_t cap)
{
    size_t end = (len / 8 + 1) * 8;
    memset(field + len, 0, (end < cap ? end : cap) - len);
}

/* What clr__sym_lookup_field does past its fast path, for any name: the slot
 * of the symbol for the NUL-terminated string in a field of cap bytes, or
 * &clr__no_slot when it is empty, too long or was never interned.
 * Thread-safe. */
const clr__sym_slot *clr__sym_lookup_field_slow(const clr_ruleset *rs, const char *field,
                                                size_t cap);

/* The probe of clr__sym_lookup_field past its first slot, i: a name of fewer
 * than CLR__SYM_HEAD bytes whose zero-padded words are w0, w1, w2 (which
 * tell it from every other name, its length included). */
const clr__sym_slot *clr__sym_probe_short(const clr_ruleset *rs, size_t i, uint64_t w0, uint64_t w1,
                                          uint64_t w2);

/* A name's hash: its zero-padded words mixed in turn, those of its head up
 * to the last that is not zero, and those past the head up to the one
 * holding its end. Its top bits (hash_shift) pick the slot. */
#define CLR__NAME_SEED 0x9E3779B97F4A7C15ULL

static inline uint64_t clr__name_mix(uint64_t h, uint64_t w)
{
    return (h ^ w) * 0xBF58476D1CE4E5B9ULL;
}

/* The mask of the bytes of a word before its first zero byte, given z, the
 * word's zero-byte bits (not 0). */
static inline uint64_t clr__bytes_before(uint64_t z)
{
    return ((z & -z) >> 7) - 1;
}

/* Bit 7 of each zero byte of w, the first one exact (those above it may be
 * false). */
static inline uint64_t clr__zero_bytes(uint64_t w)
{
    return (w - 0x0101010101010101ULL) & ~w & 0x8080808080808080ULL;
}

/* The slot of the symbol for the NUL-terminated string in a field of cap
 * bytes (cap a multiple of 8 and at least CLR__SYM_HEAD; the whole field
 * readable), or &clr__no_slot when it is empty, too long or was never
 * interned. A name
 * of up to CLR__SYM_HEAD - 1 bytes is read a word at a time, up to the word
 * holding its NUL, with no pass before, and its first slot compared here.
 * Thread-safe. */
static inline __attribute__((always_inline)) const clr__sym_slot *
clr__sym_lookup_field(const clr_ruleset *rs, const char *field, size_t cap)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* each word is read only when the name goes on into it: the field's
       next cache line is not touched for a short name */
    uint64_t w0, w1 = 0, w2 = 0, z, h;
    __builtin_memcpy(&w0, field, 8);
    if ((z = clr__zero_bytes(w0))) {
        if (!(w0 &= clr__bytes_before(z)))
            return &clr__no_slot; /* empty */
        h = clr__name_mix(CLR__NAME_SEED, w0);
    } else {
        h = clr__name_mix(CLR__NAME_SEED, w0);
        __builtin_memcpy(&w1, field + 8, 8);
        if ((z = clr__zero_bytes(w1))) {
            if ((w1 &= clr__bytes_before(z)))
                h = clr__name_mix(h, w1);
        } else {
            h = clr__name_mix(h, w1);
            __builtin_memcpy(&w2, field + 16, 8);
            if (!(z = clr__zero_bytes(w2)))
                return clr__sym_lookup_field_slow(rs, field, cap);
            if ((w2 &= clr__bytes_before(z)))
                h = clr__name_mix(h, w2);
        }
    }
    if (!rs->hash_slots)
        return &clr__no_slot;
    size_t i = (size_t)(h >> rs->hash_shift);
    const clr__sym_slot *e = &rs->hash_slots[i];
    /* an empty slot's head is zero, and a name's first word is not */
    if (e->head[0] == w0 && e->head[1] == w1 && e->head[2] == w2)
        return e;
    return e->sym ? clr__sym_probe_short(rs, (i + 1) & rs->hash_mask, w0, w1, w2) : &clr__no_slot;
#else
    return clr__sym_lookup_field_slow(rs, field, cap);
#endif
}

/* A 64-bit hash of len bytes, eight at a time. */
static inline uint64_t clr__hash(const char *s, size_t len)
{
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ len;
    while (len >= 8) {
        uint64_t w;
        __builtin_memcpy(&w, s, 8);
        h = (h ^ w) * 0xBF58476D1CE4E5B9ULL;
        h ^= h >> 31;
        s += 8;
        len -= 8;
    }
    uint64_t w = 0;
    for (size_t i = 0; i < len; i++)
        w |= (uint64_t)(unsigned char)s[i] << (8 * i);
    h = (h ^ w) * 0x94D049BB133111EBULL;
    return h ^ (h >> 29);
}

/* Membership of sym in set at instant t. */
int clr__set_contains(const clr__set *set, clr__sym sym, clr_time t);

#endif
