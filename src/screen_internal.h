/* Internal structures shared by the screening modules: the builder the
 * importers fill, the loaded clr_lists, and the CSV reader. */
#ifndef CLR_SCREEN_INTERNAL_H
#define CLR_SCREEN_INTERNAL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "clearance.h"
#include "clearance_screen.h"
#include "screen_normalize.h"

#define CLR__MAX_LISTS CLR_LIST_REPORT_LISTS
#define CLR__ENTRY_COUNTRIES 4

typedef struct clr__entry {
    uint32_t list; /* index into clr_lists.list_ids */
    uint32_t id;   /* string offsets into the string pool */
    uint32_t name;
    uint32_t programs;
    uint16_t birth_year; /* 0: unknown */
    uint8_t type;        /* clr_entity_type */
    uint8_t ncountries;
    char countries[CLR__ENTRY_COUNTRIES][2];
} clr__entry;

typedef struct clr__name {
    uint32_t entry;
    uint32_t text; /* published form, string pool offset */
    uint32_t tok;  /* first token id in clr_lists.name_tokens */
    uint8_t ntok;
    uint8_t alias;
    uint16_t weight_q; /* sum of token weights, fixed point x 256 */
    uint16_t middle;   /* bit i: token i is a middle name, cheap to leave out */
} clr__name;

typedef struct clr__token {
    uint32_t text;  /* string pool offset of the normalised token */
    uint32_t post;  /* first posting in clr_lists.postings */
    uint32_t npost; /* names containing the token */
    float weight;   /* inverse-document-frequency weight */
    uint8_t len;
    uint8_t legal;
} clr__token;

/* A growable string pool. Offset 0 is the empty string. */
typedef struct clr__pool {
    char *buf;
    size_t len, cap;
} clr__pool;

typedef struct clr__list_info {
    char id[CLR_LIST_ID_MAX];
    double hit, review;
    size_t entities, names, aliases;
} clr__list_info;

struct clr_lists {
    atomic_long refs;
    clr__pool strings;
    size_t nlists;
    clr__list_info lists[CLR__MAX_LISTS];
    clr__entry *entries;
    size_t nentries;
    clr__name *names;
    size_t nnames;
    uint32_t *name_tokens; /* token ids of each name */
    size_t nname_tokens;
    clr__token *tokens;
    size_t ntokens;
    uint32_t *postings; /* name indexes, grouped by token */
    size_t npostings;
    /* the token dictionary: open addressing, token id + 1, 0 = empty */
    uint32_t *tok_hash;
    size_t tok_hash_cap;
    /* deletion index: hashes of every token and its one-deletion variants */
    uint64_t *del_keys; /* (hash << 32) | token id, sorted */
    size_t ndel;
    uint32_t *del_bucket; /* first del_keys index per hash bucket, size del_buckets + 1 */
    size_t del_buckets;
    /* consonant skeletons: (hash << 32) | token id, sorted */
    uint64_t *skel_keys;
    size_t nskel;
};

/* ---- string pool ---- */
int clr__pool_add(clr__pool *p, const char *s, size_t n, uint32_t *off);
static inline const char *clr__str(const clr_lists *l, uint32_t off)
{
    return l->strings.buf + off;
}

/* ---- the builder the importers fill ---- */
typedef struct clr__builder clr__builder;

/* Finds or creates list id; returns its index or a negative CLR_E* code. */
int clr__b_list(clr__builder *b, const char *id);

/* Finds the entry (list, id) or creates it with primary name name. On success
 * *entry is its index and the primary name is indexed. Returns 0 or CLR_E*. */
int clr__b_entry(clr__builder *b, uint32_t *entry, int list, const char *id, const char *name,
                 clr_entity_type type, const char *programs);

/* Adds a name (alias non-zero for an alias) to entry; duplicates of a name the
 * entry already has are ignored. Returns 0 or CLR_E*. */
int clr__b_name(clr__builder *b, uint32_t entry, const char *name, int alias);

/* Adds a country (ISO alpha-2, or a country name) to entry. */
void clr__b_country(clr__builder *b, uint32_t entry, const char *country);

/* Sets the birth year of entry when y is plausible. */
void clr__b_birth_year(clr__builder *b, uint32_t entry, int y);

/* Reports a problem with row of file; counts the row as skipped when skipped. */
void clr__b_problem(clr__builder *b, const char *file, size_t row, int skipped, const char *fmt,
                    ...) __attribute__((format(printf, 5, 6)));

/* ---- importers: each returns 0, or CLR_E* for a file-level failure ---- */
int clr__import_ofac(clr__builder *b, const char *path, char *buf, size_t len);
int clr__import_csl(clr__builder *b, const char *path, char *buf, size_t len);
int clr__import_dpl(clr__builder *b, const char *path, char *buf, size_t len);
int clr__import_un(clr__builder *b, const char *path, char *buf, size_t len);

/* Reads a whole file into a NUL-terminated malloc'd buffer. Returns 0, CLR_EIO
 * or CLR_ENOMEM. */
int clr__read_file(const char *path, char **buf, size_t *len);

/* ---- CSV (comma or tab separated, RFC 4180 quoting, OFAC "-0-") ---- */
typedef struct clr__csv {
    char *p, *end;
    char sep;
    size_t line;     /* current line, 1-based */
    size_t rec_line; /* line where the last record started */
} clr__csv;

#define CLR__CSV_MAXF 40

void clr__csv_init(clr__csv *c, char *buf, size_t len, char sep);

/* Reads the next record, unquoting in place; fields[i] point into the buffer.
 * *nf is the field count (fields past maxf are counted, not stored). Returns 1
 * for a record, 0 at the end, -1 for an unterminated quote (the rest of the
 * input is consumed). */
int clr__csv_next(clr__csv *c, char **fields, size_t maxf, size_t *nf);

/* ---- countries ---- */

/* Writes the ISO alpha-2 code for an ISO code or an English country name to
 * cc. Returns 0, or -1 when unknown. Thread-safe. */
int clr__country_code(char cc[3], const char *s);

/* ---- index and scoring ---- */

/* Builds the token dictionary, postings and deletion index of l from its
 * names. Returns 0 or CLR_ENOMEM. */
int clr__index_build(clr_lists *l);

/* Frees everything l owns. */
void clr__lists_free(clr_lists *l);

#endif
