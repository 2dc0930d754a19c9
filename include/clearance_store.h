/*
 * clearance: the store and the tamper-evident audit log (docs/store.md).
 *
 * Same conventions as clearance.h: clr_<module>_<verb>, int return 0 or a
 * negative CLR_E* code, out-parameters first, the caller owns **out. The
 * detailed message of a store failure lives on the store (clr_store_errmsg).
 */
#ifndef CLEARANCE_STORE_H
#define CLEARANCE_STORE_H

#include "clearance.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------- */
/* Store                                                                      */
/* ------------------------------------------------------------------------- */

/* A connection to the store: an embedded SQLite file, or a PostgreSQL
 * database that several clearance nodes share (src/store.h is the interface
 * both backends implement). A store handle is used by one thread at a time;
 * open one per thread. */
typedef struct clr_store clr_store;

typedef struct clr_store_options {
    unsigned version;    /* CLR_STORE_OPTIONS_VERSION */
    int busy_timeout_ms; /* how long to wait for another writer (PostgreSQL: for
                            any lock); default 5000 */
    int read_only;       /* non-zero: open an existing store for reading only */
} clr_store_options;

#define CLR_STORE_OPTIONS_VERSION 1
#define CLR_STORE_OPTIONS_INIT                                                                     \
    {                                                                                              \
        CLR_STORE_OPTIONS_VERSION, 5000, 0                                                         \
    }

/* The schema version this build creates and migrates to. */
#define CLR_STORE_SCHEMA_VERSION 7

/* Opens (creating when absent, unless read_only) the SQLite store at path
 * (":memory:" for a private in-memory store), in WAL mode with full
 * synchronous commits, and applies every pending schema migration in one
 * transaction (table schema_version). A path beginning postgresql:// or
 * postgres:// is a libpq URL instead: the store is that PostgreSQL database
 * (which must exist), migrated the same way under an advisory lock; a lost
 * connection is restored by the next operation (docs/store.md). opts may be
 * NULL for the defaults. On
 * success *out is a store the caller owns and releases with clr_store_close.
 * On failure returns CLR_ESTORE, CLR_EINVAL or CLR_ENOMEM, writes the reason
 * into errbuf (may be NULL) of errcap bytes, and sets *out to NULL. A store
 * whose schema is newer than this build is refused (CLR_ESTORE). Thread-safe. */
int clr_store_open(clr_store **out, const char *path, const clr_store_options *opts, char *errbuf,
                   size_t errcap);

/* Closes the store. NULL is allowed. */
void clr_store_close(clr_store *s);

/* The message of the store's last failure ("" when none). Lives as long as s. */
const char *clr_store_errmsg(const clr_store *s);

/* The schema version the store is at. Returns 0 and sets *out, or CLR_ESTORE. */
int clr_store_schema_version(int *out, clr_store *s);

/* ------------------------------------------------------------------------- */
/* Audit log: appending                                                       */
/* ------------------------------------------------------------------------- */

/* Sync: clr_audit_append returns once the record is durable (committed and
 * fsynced); many callers' records share one commit (group commit). When the
 * store fails, the records of that commit are reported failed (CLR_ESTORE)
 * and the writer goes on: later records are tried again after a back-off (50
 * ms, doubling to 2 s), so a store that comes back is used again without a
 * restart. In async mode a failed batch is kept and written again, in order:
 * what was queued is not lost while the store is away (the queue fills, then
 * appenders wait).
 * Async: clr_audit_append returns once the record is queued; the writer thread
 * commits it soon after. When the bounded queue is full the caller blocks
 * until the writer has made room (backpressure): no record is ever dropped.
 * How long callers waited is counted in clr_audit_stats. */
typedef enum { CLR_AUDIT_SYNC = 0, CLR_AUDIT_ASYNC = 1 } clr_audit_mode;

typedef struct clr_audit_options {
    unsigned version;            /* CLR_AUDIT_OPTIONS_VERSION */
    clr_audit_mode mode;         /* default CLR_AUDIT_SYNC */
    const char *key_path;        /* Ed25519 signing key; NULL: "<store path>.key" */
    size_t queue_cap;            /* records the queue holds; 0: 65536 */
    size_t batch_max;            /* records per transaction at most; 0: 8192 */
    uint64_t checkpoint_every;   /* a signed checkpoint every this many records; 0: 1000 */
    unsigned checkpoint_seconds; /* ... or when this many seconds passed; 0: 10 */
    unsigned linger_ms;          /* async: a batch gathers this long before its commit, unless
                                    batch_max records are waiting; 0: 10; CLR_AUDIT_NO_LINGER */
} clr_audit_options;

#define CLR_AUDIT_NO_LINGER 0xffffffffu
#define CLR_AUDIT_OPTIONS_VERSION 2
#define CLR_AUDIT_OPTIONS_INIT                                                                     \
    {                                                                                              \
        CLR_AUDIT_OPTIONS_VERSION, CLR_AUDIT_SYNC, NULL, 0, 0, 0, 0, 0                             \
    }

/* An audit log writer: a queue and one writer thread over a store. */
typedef struct clr_audit clr_audit;

typedef struct clr_audit_stats {
    uint64_t appended;     /* records accepted */
    uint64_t committed;    /* records durable */
    uint64_t transactions; /* commits */
    uint64_t checkpoints;  /* checkpoints signed */
    uint64_t full_waits;   /* appends that found the queue full and waited */
    uint64_t full_wait_ns; /* total time spent waiting for room */
    uint64_t failures;     /* transactions that failed (the store was unavailable) */
} clr_audit_stats;

/* Starts an audit writer over store, which it uses exclusively (from its own
 * thread) until clr_audit_close; store_path is where the store lives, for the
 * default key path (may be NULL when opts->key_path is set; a PostgreSQL store
 * has no default: opts->key_path is required). Loads the signing
 * key from the key file, generating it (mode 0600) on first use, and records
 * the public key in the store (a store signed by a different key is refused:
 * CLR_EINVAL). opts may be NULL for the defaults. On success *out is a writer
 * the caller owns and stops with clr_audit_close. Returns 0, CLR_EIO (key
 * file), CLR_ESTORE, CLR_EINVAL or CLR_ENOMEM; the message goes to errbuf
 * (may be NULL) of errcap bytes. */
int clr_audit_open(clr_audit **out, clr_store *store, const char *store_path,
                   const clr_audit_options *opts, char *errbuf, size_t errcap);

/* Drains the queue, commits it, signs a final checkpoint over everything
 * appended and stops the writer. The store stays open (the caller closes it).
 * Returns 0, or the first error the writer met (CLR_ESTORE). NULL is allowed. */
int clr_audit_close(clr_audit *a);

/* Appends one record for decision d about request req: sequence number,
 * decision id, time (when appended, wall clock; the
 * instant the rules were evaluated at is in the decision), the request (clr_request_to_json), the
 * outcome, the decision (clr_decision_to_json) and the rules version; its hash chains to the
 * previous record's. Copies what it needs: req and d may be reused at once. Sync mode waits until
 * the record is durable. Returns 0, CLR_ENOMEM, CLR_ELIMIT (the JSON exceeds 1 MiB), or CLR_ESTORE
 * (sync: the commit that held the record failed). Thread-safe. */
int clr_audit_append(clr_audit *a, const clr_request *req, const clr_decision *d);

/* Appends n records (reqs[i], ds[i]) together: in sync mode, one wait for all
 * of them. Same contract as clr_audit_append; on error, the records before the
 * failing one may have been appended. Thread-safe. */
int clr_audit_append_batch(clr_audit *a, const clr_request *reqs, const clr_decision *ds, size_t n);

/* The record's fields already written as JSON (a server has the decision JSON
 * at hand for its reply); at is the wall-clock time to record, usually
 * clr_time_now(). Same contract as clr_audit_append. */
int clr_audit_append_json(clr_audit *a, const char *decision_id, clr_time at, clr_outcome outcome,
                          const char *rules_version, const char *request_json, size_t request_len,
                          const char *decision_json, size_t decision_len);

/* Called once a record appended with clr_audit_append_json_notify is durable
 * (rc 0) or never will be (rc CLR_ESTORE), on the writer's thread, in append
 * order. It must be quick and must not call clr_audit functions. */
typedef void (*clr_audit_done_fn)(void *arg, int rc);

/* Like clr_audit_append_json, but returns once the record is queued, in
 * either mode, and reports durability through done(arg, rc): a server can
 * answer a request in sync fashion (only once its record is durable) without
 * a blocked thread per request. Waits for room when the queue is full. On 0,
 * done will be called exactly once (at the latest by clr_audit_close); on an
 * error return it will not be. done may be NULL. Thread-safe. */
int clr_audit_append_json_notify(clr_audit *a, const char *decision_id, clr_time at,
                                 clr_outcome outcome, const char *rules_version,
                                 const char *request_json, size_t request_len,
                                 const char *decision_json, size_t decision_len,
                                 clr_audit_done_fn done, void *arg);

/* Waits until every record appended so far is durable. Returns 0 or
 * CLR_ESTORE. Thread-safe. */
int clr_audit_flush(clr_audit *a);

/* Counters since clr_audit_open. Thread-safe. */
void clr_audit_stats_get(const clr_audit *a, clr_audit_stats *out);

/* ------------------------------------------------------------------------- */
/* Audit log: keys, verification, proofs, export                              */
/* ------------------------------------------------------------------------- */

#define CLR_AUDIT_HASH_BYTES 32 /* BLAKE2b-256 or SHA-256: the log's record scheme */

/* Record schemes: how a log hashes its records (docs/store.md). A log keeps
 * its scheme for life; new logs take the last. */
#define CLR_AUDIT_SCHEME_BLAKE2B 1 /* BLAKE2b-256, logs written before schemes */
#define CLR_AUDIT_SCHEME_SHA256 2  /* SHA-256 */
#define CLR_AUDIT_PK_BYTES 32      /* Ed25519 public key */
#define CLR_AUDIT_SIG_BYTES 64     /* Ed25519 signature */

/* The public key recorded in the store (by the first clr_audit_open). Returns
 * 0, CLR_ENOTFOUND when the store has none, or CLR_ESTORE. */
int clr_audit_public_key(unsigned char out[CLR_AUDIT_PK_BYTES], clr_store *s);

/* Reads a public key file: 64 hex digits, optional trailing newline. Returns
 * 0, CLR_EIO or CLR_EINVAL. */
int clr_audit_public_key_read(unsigned char out[CLR_AUDIT_PK_BYTES], const char *path);

/* What verification found. */
typedef struct clr_audit_report {
    int ok;                    /* 1: the chain and every checkpoint verified */
    uint64_t records;          /* records read */
    uint64_t checkpoints;      /* checkpoints whose signature verified */
    int64_t last_checkpoint;   /* sequence number the last checkpoint covers; 0 if none */
    uint64_t unsigned_records; /* records after the last checkpoint */
    int record_scheme;         /* how records are hashed: CLR_AUDIT_SCHEME_* */
    int64_t bad_seq;           /* when !ok: the first bad record's sequence number */
    char bad_decision_id[64];  /* ... its decision id, "" when unknown */
    char problem[512];         /* ... what is wrong, one sentence */
} clr_audit_report;

/* Recomputes the chain of every record in sequence order and checks each
 * checkpoint's hash and Ed25519 signature under pk (NULL: the key recorded in
 * the store; pass an independently held key for a check that does not trust
 * the store). Finds changed, deleted, inserted and reordered records and names
 * the first bad one in *out. Returns 0 when the check ran (the verdict is
 * out->ok), or CLR_ESTORE / CLR_ENOTFOUND (no key) / CLR_ENOMEM when it could
 * not. Reads one consistent snapshot. Not thread-safe on one store. */
int clr_audit_verify(clr_audit_report *out, clr_store *s, const unsigned char *pk);

/* Writes to f, as one JSON object, the proof that the record of decision_id
 * is covered by a signed checkpoint: the record, the chain hash before it,
 * the leaf hashes of the records after it up to the first checkpoint at or
 * beyond it, and that checkpoint with its signature and public key; the
 * proof is checked (under pk, or the stored key when NULL) before it is
 * written. Returns 0, CLR_ENOTFOUND (no such decision, or no checkpoint covers
 * it yet), CLR_EINVAL (the proof does not verify: the log is damaged) or
 * CLR_ESTORE. */
int clr_audit_proof(clr_store *s, const char *decision_id, const unsigned char *pk, FILE *f);

/* Writes the records whose time lies in [from, until) to f as JSON Lines:
 * {"seq","decision_id","time","outcome","rules_version","request","decision",
 * "hash"}. Returns 0, CLR_EIO or CLR_ESTORE. */
int clr_audit_export(clr_store *s, clr_time from, clr_time until, FILE *f);

/* ------------------------------------------------------------------------- */
/* Rulebook versions (time travel)                                            */
/* ------------------------------------------------------------------------- */

/* A stored version of the active rule set: every source it was compiled from,
 * who stored it, when and why. A version is in force from its created_at until
 * the next version's. */
typedef struct clr_rules_version {
    int64_t version; /* 1, 2, ... */
    clr_time created_at;
    clr_time until; /* the next version's created_at; CLR_TIME_MAX for the latest (load only) */
    char created_by[128];
    char reason[512];
    char digest[40]; /* the set's clr_ruleset_version */
    size_t nfiles;
} clr_rules_version;

/* Stores rs's sources as a new version, in force from at (normally
 * clr_time_now(); a version may not start before the latest one), recorded as
 * made by by (may be NULL: "unknown") for reason (may be NULL: ""). When the
 * latest version already has rs's digest, stores nothing and returns that
 * version. Sets *out (may be NULL). Returns 0, CLR_EINVAL (at before the
 * latest version), CLR_ENOMEM or CLR_ESTORE. Not thread-safe on one store. */
int clr_rules_version_store(clr_rules_version *out, clr_store *s, const clr_ruleset *rs,
                            const char *by, const char *reason, clr_time at);

/* Describes the latest version in *out (nfiles and until not filled). Returns
 * 0, CLR_ENOTFOUND (none stored) or CLR_ESTORE. Cheap: reads no sources. */
int clr_rules_version_latest(clr_rules_version *out, clr_store *s);

/* Calls fn for every stored version, oldest first; fn returns 0 to go on.
 * Returns 0, fn's non-zero value, or CLR_ESTORE. */
int clr_rules_version_list(clr_store *s, int (*fn)(void *arg, const clr_rules_version *v),
                           void *arg);

/* Compiles the version in force at instant at (the latest created at or
 * before it; when at precedes every version, the first version: the earliest
 * record of the rules) into *out (the caller owns it) and describes it in
 * *info (may be NULL); version > 0 asks for that version instead. Compilation problems go to
 * diags (may be NULL). Returns 0, CLR_ENOTFOUND (no version is stored, or no
 * such version), CLR_ERULEBOOK (the stored text no longer compiles),
 * CLR_ENOMEM or CLR_ESTORE. */
int clr_rules_version_load(clr_ruleset **out, clr_rules_version *info, clr_store *s, clr_time at,
                           int64_t version, clr_diags *diags);

/* ------------------------------------------------------------------------- */
/* Restricted-party list versions (time travel)                               */
/* ------------------------------------------------------------------------- */

/* A stored version of the lists: every file imported (content kept once per
 * digest), who stored it, when and why. In force from created_at until the
 * next version's. The fields are those of clr_rules_version. */
typedef clr_rules_version clr_lists_version;

/* Reads every regular file at paths (files, or folders walked two levels
 * deep, as clr_lists_load reads them) and stores them as the next version of
 * the lists, in force from at (not before the latest version). When the
 * files equal the latest version's, stores nothing and returns that version.
 * Sets *out (may be NULL). Returns 0, CLR_EIO (a path cannot be read, named
 * in the store's message), CLR_EINVAL (at before the latest version),
 * CLR_ENOMEM or CLR_ESTORE. Not thread-safe on one store. */
int clr_lists_version_store(clr_lists_version *out, clr_store *s, const char *const *paths,
                            size_t npaths, const char *by, const char *reason, clr_time at);

/* Describes the latest lists version. Returns 0, CLR_ENOTFOUND or CLR_ESTORE. */
int clr_lists_version_latest(clr_lists_version *out, clr_store *s);

/* Calls fn for every stored lists version, oldest first. As
 * clr_rules_version_list. */
int clr_lists_version_list(clr_store *s, int (*fn)(void *arg, const clr_lists_version *v),
                           void *arg);

/* Loads the lists version in force at at (before the first version: the
 * first), or version when > 0, into *out (the caller owns it): the stored
 * files are written to a private temporary folder, loaded as clr_lists_load
 * loads them (problems in *report, which may be NULL), and removed. Describes
 * the version in *info (may be NULL). Returns 0, CLR_ENOTFOUND, CLR_EIO,
 * CLR_ELIST, CLR_ENOMEM or CLR_ESTORE. */
int clr_lists_version_load(clr_lists **out, clr_lists_version *info, clr_store *s, clr_time at,
                           int64_t version, clr_list_report *report);

/* Which records clr_audit_query_run writes. */
typedef struct clr_audit_query {
    clr_time from, until;    /* from <= time < until */
    int64_t after_seq;       /* only records after this sequence number (paging); 0: all */
    size_t limit;            /* at most this many records */
    const char *outcome;     /* "deny" etc.; NULL: any */
    const char *org;         /* the request's principal.org; NULL: any */
    const char *decision_id; /* just this decision; NULL: any */
} clr_audit_query;

/* Writes to f, as JSON Lines in sequence order (the clr_audit_export shape),
 * the records q selects, at most q->limit of them; sets *count to how many
 * and *last_seq to the last one's sequence number (0 when none), from which
 * the next page goes on (after_seq). Reads one snapshot. Returns 0, CLR_EIO
 * or CLR_ESTORE. Not thread-safe on one store. */
int clr_audit_query_run(clr_store *s, const clr_audit_query *q, FILE *f, size_t *count,
                        int64_t *last_seq);

/* ------------------------------------------------------------------------- */
/* Licences in the store                                                      */
/* ------------------------------------------------------------------------- */

/* A licence as the store holds it. */
typedef struct clr_licence_info {
    char id[CLR_ID_MAX];
    char rulebook[CLR_ID_MAX];
    char licensee[CLR_ID_MAX];
    clr_time from, until; /* the validity window [from, until) */
    int64_t quantity;     /* -1: unlimited */
    int per_request;      /* quantity counts requests, not units */
    int64_t used;         /* drawn down or leased by the nodes (docs/store.md) */
    clr_time created;
    clr_time revoked; /* 0: not revoked */
    const char *json; /* the licence as added (one JSON object); lives during the callback */
    size_t json_len;
} clr_licence_info;

/* Called per licence; returns 0 to go on or non-zero to stop (the listing
 * then returns that value). */
typedef int (*clr_licence_fn)(void *arg, const clr_licence_info *info);

/* Adds one licence, a JSON object of len bytes in the format of
 * clr_licences_parse (one line or several), to the store, created at now.
 * Returns 0; CLR_EINVAL with "PATH: message" in err (cap bytes) when it is
 * malformed; CLR_EEXIST when a licence with its id exists (revoked or not);
 * CLR_ESTORE (message on s) or CLR_ENOMEM. On success id (may be NULL; at
 * least CLR_ID_MAX bytes) receives the licence's id. */
int clr_licence_store_add(clr_store *s, const char *json, size_t len, clr_time now, char *id,
                          char *err, size_t cap);

/* Calls fn for each licence in id order, or only for licence id when id is
 * not NULL (CLR_ENOTFOUND when there is none). Returns 0, fn's value,
 * CLR_ENOTFOUND or CLR_ESTORE. */
int clr_licence_store_list(clr_store *s, const char *id, clr_licence_fn fn, void *arg);

/* Revokes licence id at now: it covers nothing from then on, on every node
 * once it has synchronised (clr_licences_sync). Revoking a revoked licence
 * changes nothing. Returns 0, CLR_ENOTFOUND or CLR_ESTORE. */
int clr_licence_store_revoke(clr_store *s, const char *id, clr_time now);

/* Writes info as one JSON object: the licence as added, with "used",
 * "remaining" (null when unlimited), "created" and "revoked" (null when not).
 * held (>= 0) is the part of "used" that a node holds as an unused lease and
 * counts as remaining; pass 0 when unknown. Sets *out to a NUL-terminated
 * string the caller frees with free(). Returns 0 or CLR_ENOMEM. */
int clr_licence_info_json(char **out, const clr_licence_info *info, int64_t held);

typedef struct clr_licences_options {
    unsigned version;  /* CLR_LICENCES_OPTIONS_VERSION */
    size_t max;        /* licences the set can hold (loaded and added); 0: 65536 */
    int64_t lease_max; /* units of a first lease at most (doubled while leases come
                          faster than one a second); 0: 1,000,000 */
} clr_licences_options;

#define CLR_LICENCES_OPTIONS_VERSION 1
#define CLR_LICENCES_OPTIONS_INIT                                                                  \
    {                                                                                              \
        CLR_LICENCES_OPTIONS_VERSION, 0, 0                                                         \
    }

/* A licence set backed by store, for clr_licences_apply: loads every licence
 * neither revoked nor expired at now. Drawdown is exact across every set on
 * the same store (several processes or nodes): a licence's units are leased
 * from the store in blocks with a conditional update that never takes more
 * than is left, and drawn down from the lease in memory with atomics; a
 * lease runs out, the next block (smaller as less is left) is leased on the
 * drawing thread. store is used by the set alone until clr_licences_free,
 * which returns the unused leases (the caller then closes store). opts may be
 * NULL. Returns 0 and *out, CLR_ESTORE (message in err), CLR_EINVAL (a stored
 * licence does not parse; message in err) or CLR_ENOMEM. */
int clr_licences_open(clr_licences **out, clr_store *store, const clr_licences_options *opts,
                      clr_time now, char *err, size_t cap);

/* Brings a store-backed set up to date with the store: adds the licences
 * added since (not revoked, not expired at now) and stops the revoked ones
 * covering. Thread-safe while other threads apply the set. Returns the number
 * of licences added or revoked, CLR_ELIMIT (the set is full), CLR_ESTORE or
 * CLR_EINVAL for a set not backed by a store. */
int clr_licences_sync(clr_licences *l, clr_time now);

/* The unused lease this set holds on licence id (0 when none; a set in
 * memory holds none). Thread-safe. */
int64_t clr_licences_held(const clr_licences *l, const char *id);

/* ------------------------------------------------------------------------- */
/* Usage metering                                                             */
/* ------------------------------------------------------------------------- */

/* A meter: units per decision aggregated in memory by organisation, user,
 * model, destination and UTC day, flushed to the store (table usage_daily)
 * by a thread of its own; and the trailing totals a usage condition reads
 * (clr_usage_source). */
typedef struct clr_usage clr_usage;

typedef struct clr_usage_options {
    unsigned version;  /* CLR_USAGE_OPTIONS_VERSION */
    unsigned flush_ms; /* flush every this many milliseconds; 0: 1000 */
    int days;          /* trailing days kept in memory for clr_usage_source; 0: 400 */
    size_t slots;      /* initial hash slots of each table; 0: 16384 */
} clr_usage_options;

#define CLR_USAGE_OPTIONS_VERSION 1
#define CLR_USAGE_OPTIONS_INIT                                                                     \
    {                                                                                              \
        CLR_USAGE_OPTIONS_VERSION, 0, 0, 0                                                         \
    }

/* Opens a meter over store (used by the meter alone until clr_usage_close),
 * loads the totals of the trailing opts->days days up to now, and starts the
 * flushing thread. opts may be NULL. Returns 0 and *out, CLR_ESTORE (message
 * in err), CLR_EINVAL or CLR_ENOMEM. */
int clr_usage_open(clr_usage **out, clr_store *store, const clr_usage_options *opts, clr_time now,
                   char *err, size_t cap);

/* Flushes what is pending and frees the meter; the caller then closes the
 * store. Returns 0, or CLR_ESTORE when the final flush failed (what was
 * pending is lost). NULL is allowed. */
int clr_usage_close(clr_usage *u);

/* Records decision d about req: one decision, and req->units when d is allow,
 * under (principal.org, principal.id, model, destination, the UTC day of
 * d->at). Allocates only the first time a key is seen (or when a table
 * grows). Returns 0 or CLR_ENOMEM (not recorded). Thread-safe. */
int clr_usage_record(clr_usage *u, const clr_request *req, const clr_decision *d);

/* Writes everything recorded so far to the store (upserts adding to the
 * stored counts) in one transaction. On failure what was pending stays
 * pending. Returns 0 or CLR_ESTORE (the store's message is copied by
 * clr_usage_errmsg). Thread-safe. */
int clr_usage_flush(clr_usage *u);

/* Copies the message of the last failed flush ("" when none) into buf of cap
 * bytes. Thread-safe. */
void clr_usage_errmsg(clr_usage *u, char *buf, size_t cap);

/* The meter as a usage source for clr_decide_env_run: the units of the
 * trailing days (up to opts->days; more: cannot tell) from the totals in
 * memory, including what is not yet flushed. No allocation, no store access.
 * The source lives as long as u. */
const clr_usage_source *clr_usage_as_source(clr_usage *u);

/* Group-by columns of a report. */
enum {
    CLR_USAGE_BY_ORG = 1,
    CLR_USAGE_BY_USER = 2,
    CLR_USAGE_BY_MODEL = 4,
    CLR_USAGE_BY_DESTINATION = 8,
    CLR_USAGE_BY_DAY = 16,
};

typedef struct clr_usage_query {
    const char *org, *user, *model, *destination; /* NULL: any */
    clr_time from, until; /* the UTC days from the day of from to the day of until, inclusive */
    unsigned by;          /* CLR_USAGE_BY_* bits; 0: one total */
} clr_usage_query;

typedef struct clr_usage_row {
    const char *org, *user, *model, *destination; /* NULL when not grouped by it */
    clr_time day;                                 /* midnight UTC; -1 when not grouped by day */
    int64_t units, decisions;
} clr_usage_row;

typedef int (*clr_usage_row_fn)(void *arg, const clr_usage_row *row);

/* Reports the usage flushed to store: units and decisions summed over the
 * rows q selects, grouped by q->by, in ascending order of the grouped
 * columns. fn returns 0 to go on or non-zero to stop (returned). Returns 0,
 * fn's value, CLR_EINVAL or CLR_ESTORE. */
int clr_usage_report(clr_store *s, const clr_usage_query *q, clr_usage_row_fn fn, void *arg);

/* Parses a comma-separated list of "org", "user", "model", "destination",
 * "day" into CLR_USAGE_BY_* bits. Returns 0 or CLR_EINVAL. */
int clr_usage_by_parse(unsigned *out, const char *s);

#ifdef __cplusplus
}
#endif

#include "clearance_registry.h"

#endif
