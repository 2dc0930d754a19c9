/* The store interface: what a backend provides (docs/store.md). The SQLite
 * backend is store_sqlite.c, the PostgreSQL backend store_pg.c; each fills in
 * the same table of operations. Library-internal. */
#ifndef CLR_STORE_H
#define CLR_STORE_H

#include "clearance_store.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* One audit record as stored. Strings are byte ranges (not NUL-terminated,
 * possibly NULL when the column is NULL). type_bad has bit i set when column i
 * (CLR__COL_*) holds a value of the wrong type: a sign of tampering. */
enum {
    CLR__COL_SEQ = 0,
    CLR__COL_DECISION_ID,
    CLR__COL_TIME,
    CLR__COL_OUTCOME,
    CLR__COL_RULES_VERSION,
    CLR__COL_REQUEST,
    CLR__COL_DECISION,
    CLR__COL_HASH,
};

typedef struct clr__bytes {
    const char *p;
    size_t n;
} clr__bytes;

typedef struct clr__audit_row {
    int64_t seq;
    clr__bytes decision_id;
    int64_t time;
    clr__bytes outcome;
    clr__bytes rules_version;
    clr__bytes request;
    clr__bytes decision;
    clr__bytes hash;
    unsigned type_bad;
} clr__audit_row;

typedef struct clr__checkpoint_row {
    int64_t seq;
    clr__bytes hash;
    int64_t time;
    clr__bytes signature;
    unsigned type_bad; /* bit 0 seq, 1 hash, 2 time, 3 signature */
} clr__checkpoint_row;

/* A scan calls fn for each row in ascending sequence order; fn returns 0 to go
 * on or non-zero to stop, and the scan returns that value. The row's bytes live
 * until fn returns. */
typedef int (*clr__audit_fn)(void *arg, const clr__audit_row *row);
typedef int (*clr__checkpoint_fn)(void *arg, const clr__checkpoint_row *row);

/* A value bound to or read from a query. Text is a byte range (not
 * NUL-terminated); NULL is CLR__NULL. */
typedef enum { CLR__NULL = 0, CLR__INT, CLR__REAL, CLR__TEXT } clr__value_type;

typedef struct clr__value {
    clr__value_type type;
    int64_t i;
    double d;
    const char *s;
    size_t n;
} clr__value;

#define CLR__V_INT(x) ((clr__value){CLR__INT, (int64_t)(x), 0, NULL, 0})
#define CLR__V_REAL(x) ((clr__value){CLR__REAL, 0, (double)(x), NULL, 0})
#define CLR__V_TEXT(x) ((clr__value){(x) ? CLR__TEXT : CLR__NULL, 0, 0, (x), (x) ? strlen(x) : 0})
#define CLR__V_NULL ((clr__value){CLR__NULL, 0, 0, NULL, 0})

/* Called per result row with its ncols columns; the values live until it
 * returns. */
typedef int (*clr__row_fn)(void *arg, const clr__value *cols, int ncols);

/* Copies a text value into dst (cap bytes, truncated, NUL added); "" for
 * any other type. */
void clr__value_text(char *dst, size_t cap, const clr__value *v);

/* A row callback that stores the first column, when an integer, into the
 * int64_t arg points at (left as it was otherwise). */
int clr__value_first_int(void *arg, const clr__value *cols, int ncols);

/* s->ops->query(s, ...), the one way code above the interface runs SQL. */
int clr__store_query(clr_store *s, const char *sql, const clr__value *params, int nparams,
                     clr__row_fn fn, void *arg, int64_t *changes);

typedef struct clr__store_ops {
    const char *name;
    void (*close)(clr_store *s);
    int (*schema_version)(clr_store *s, int *out);
    /* Transactions: write takes the store's write lock at once (so the tail read
     * inside stays the tail); read gives a consistent snapshot. */
    int (*begin)(clr_store *s, int write);
    int (*commit)(clr_store *s);
    void (*rollback)(clr_store *s);
    /* The last record's sequence number and hash; *seq = 0 when empty. */
    int (*audit_tail)(clr_store *s, int64_t *seq, unsigned char hash[CLR_AUDIT_HASH_BYTES]);
    int (*audit_insert)(clr_store *s, const clr__audit_row *row);
    int (*checkpoint_insert)(clr_store *s, const clr__checkpoint_row *row);
    /* Records with from_seq <= seq (<= to_seq when to_seq >= 0) and
     * from_time <= time < until_time. */
    int (*audit_scan)(clr_store *s, int64_t from_seq, int64_t to_seq, clr_time from_time,
                      clr_time until_time, clr__audit_fn fn, void *arg);
    int (*checkpoint_scan)(clr_store *s, int64_t from_seq, clr__checkpoint_fn fn, void *arg);
    /* The sequence number of decision_id's record: 0 or CLR_ENOTFOUND. */
    int (*audit_find)(clr_store *s, const char *decision_id, int64_t *seq);
    /* A small named value: 0, CLR_ENOTFOUND, CLR_ELIMIT (cap too small). */
    int (*meta_get)(clr_store *s, const char *key, char *buf, size_t cap);
    int (*meta_set)(clr_store *s, const char *key, const char *value);
    /* One parameterised SQL statement, for the parts of the store written once
     * for every backend (registry, licences, usage). The SQL is the common
     * dialect of SQLite and PostgreSQL (docs/store.md): parameters are $1..$n
     * in order of first use, upserts are INSERT ... ON CONFLICT. fn (may be
     * NULL) is called per result row and returns 0 to go on or non-zero to
     * stop; query then returns that value. *changes (may be NULL) gets the rows
     * an INSERT, UPDATE or DELETE touched. Returns 0, fn's value, CLR_EEXIST
     * (a uniqueness constraint failed) or CLR_ESTORE. */
    int (*query)(clr_store *s, const char *sql, const clr__value *params, int nparams,
                 clr__row_fn fn, void *arg, int64_t *changes);
    /* Optional (NULL: nothing to do): on, the backend moves maintenance that
     * would stall commits (SQLite: WAL checkpoints) to a thread of its own;
     * off stops it. The audit writer turns it on while it runs. */
    int (*background)(clr_store *s, int on);
} clr__store_ops;

/* Every backend's handle starts with this. */
struct clr_store {
    const clr__store_ops *ops;
    char errmsg[512];
};

/* Sets s's message (printf-style) and returns CLR_ESTORE. */
int clr__store_fail(clr_store *s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* The schema migrations (store_sqlite.c): entry i takes a store from version
 * i to i + 1. PostgreSQL has its own SQL for versions 1 to 3 and runs the rest
 * as they are, so from version 4 on they are written in the common dialect. */
extern const char *const clr__store_migrations[CLR_STORE_SCHEMA_VERSION];

/* Whether path names a PostgreSQL database (postgresql:// or postgres://). */
int clr__store_is_pg(const char *path);

/* Audit rows held back inside a transaction, copied, to go to the store many
 * to a statement (store_rows.c). A row's byte fields live in bytes at off[j],
 * len[j], in the order decision_id, outcome, rules_version, request, decision,
 * hash. Not thread-safe: one per store handle. */
#define CLR__PENDING_FIELDS 6
typedef struct clr__pending_row {
    int64_t seq, time;
    size_t off[CLR__PENDING_FIELDS], len[CLR__PENDING_FIELDS];
} clr__pending_row;

typedef struct clr__pending_rows {
    clr__pending_row *rows;
    size_t n, cap;
    char *bytes;
    size_t nbytes, bytes_cap;
} clr__pending_rows;

/* Copies row to the end of q. Returns 0, or CLR_ENOMEM (q unchanged). */
int clr__pending_add(clr__pending_rows *q, const clr__audit_row *row);

/* Byte field j of pending row r. */
static inline clr__bytes clr__pending_field(const clr__pending_rows *q, const clr__pending_row *r,
                                            int j)
{
    return (clr__bytes){q->bytes + r->off[j], r->len[j]};
}

/* Empties q, keeping its memory for the next transaction. */
static inline void clr__pending_clear(clr__pending_rows *q)
{
    q->n = q->nbytes = 0;
}

/* Frees q's memory; q is empty afterwards. */
void clr__pending_free(clr__pending_rows *q);

/* clr_store_open for a PostgreSQL URL (store_pg.c). */
int clr__store_pg_open(clr_store **out, const char *url, const clr_store_options *opts,
                       char *errbuf, size_t errcap);

struct sqlite3;

/* The SQLite connection of a SQLite store (for tests and fuzzing that tamper
 * with the file); NULL for another backend. */
struct sqlite3 *clr__store_sqlite_db(clr_store *s);

/* The record scheme a new log takes (CLR_AUDIT_SCHEME_*, clearance_store.h).
 * A log keeps one scheme for life, named in meta.audit_scheme; a log without
 * that key is scheme 1 (BLAKE2b-256, leaves under "clearance.record.v1").
 * Scheme 2 is SHA-256, leaves under "clearance.record.v2": with the
 * processor's SHA extensions it costs a third of BLAKE2b here. */
#define CLR__AUDIT_SCHEME_NEW CLR_AUDIT_SCHEME_SHA256

/* Hashes records under one scheme. Not thread-safe: one per thread. */
typedef struct clr__audit_hasher {
    int scheme;
    void *ctx; /* scheme 2: OpenSSL's digest context; NULL: libsodium's SHA-256 */
} clr__audit_hasher;

/* Makes h hash under scheme (1 or 2). Never fails: without OpenSSL's digest it
 * falls back on libsodium's SHA-256, the same function. Free with
 * clr__audit_hasher_free. */
void clr__audit_hasher_init(clr__audit_hasher *h, int scheme);
void clr__audit_hasher_free(clr__audit_hasher *h);

/* The record's leaf hash under h's scheme, over its canonical bytes: the
 * scheme's domain string with its NUL, time (8 bytes, big-endian), then each
 * of decision_id, outcome, rules_version, request and decision as its length
 * (8 bytes, big-endian) and bytes. seq and hash are not covered, so that
 * appenders can hash their records on their own threads. */
void clr__audit_leaf(clr__audit_hasher *h, unsigned char out[CLR_AUDIT_HASH_BYTES],
                     const clr__audit_row *row);

/* The chain hash of record seq under h's scheme: the hash of the previous
 * chain hash, seq (8 bytes, big-endian) and the leaf. out may be prev. */
void clr__audit_link(clr__audit_hasher *h, unsigned char out[CLR_AUDIT_HASH_BYTES],
                     const unsigned char prev[CLR_AUDIT_HASH_BYTES], int64_t seq,
                     const unsigned char leaf[CLR_AUDIT_HASH_BYTES]);

/* The store's record scheme: 0 and *scheme, or CLR_ESTORE (a scheme this
 * build does not know, message on the store). */
int clr__audit_scheme_get(clr_store *s, int *scheme);

/* As clr__audit_scheme_get, but an empty log without a scheme gets
 * CLR__AUDIT_SCHEME_NEW, recorded in the store. Call in a write transaction. */
int clr__audit_scheme_choose(clr_store *s, int *scheme);

/* The bytes a checkpoint's signature covers (CLR__CHECKPOINT_MSG bytes). */
#define CLR__CHECKPOINT_MSG (24 + 8 + CLR_AUDIT_HASH_BYTES + 8)
void clr__checkpoint_message(unsigned char out[CLR__CHECKPOINT_MSG], int64_t seq,
                             const unsigned char hash[CLR_AUDIT_HASH_BYTES], int64_t time);

/* Hex helpers: writes 2n digits and a NUL; parses exactly 2n digits. */
void clr__hex(char *out, const unsigned char *p, size_t n);
int clr__unhex(unsigned char *out, size_t n, const char *hex, size_t len);

#endif
