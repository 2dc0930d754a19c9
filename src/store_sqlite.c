/* The store on embedded SQLite: one file, WAL, versioned schema migrations. */
#include "background.h"
#include "store.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INSERT_ROWS 32 /* audit rows per INSERT statement */

typedef struct sqlite_store {
    clr_store base; /* first: a clr_store * is a sqlite_store * */
    sqlite3 *db;
    int busy; /* the last failure was SQLITE_BUSY or SQLITE_LOCKED */
    sqlite3_stmt *insert, *insert_many;
    /* audit rows appended in this transaction and not yet inserted: they go
       in INSERT_ROWS at a time, one statement each (see q_audit_insert) */
    clr__pending_rows pending;
    sqlite3_stmt *tail;
    sqlite3_stmt *cp_insert;
    sqlite3_stmt *cache[64]; /* cached_stmt */
    char *cache_sql[64];
    int ncached;
    char *path;
    /* the background checkpointer (q_background) */
    int bg_on, bg_stop, bg_wake;
    pthread_t bg_thread;
    pthread_mutex_t bg_mu;
    pthread_cond_t bg_cond;
} sqlite_store;

#define WAL_CHECKPOINT_FRAMES 1000  /* as SQLite's own autocheckpoint */
#define WAL_FOREGROUND_FRAMES 20000 /* the checkpointer lags (80 MB): the writer helps */

/* The schema, one migration per version; migration i takes the store from
 * version i to i + 1. Never edit a released migration: add one. From version
 * 4 on, PostgreSQL runs them too (store_pg.c): write them in the common
 * dialect (docs/store.md). */
const char *const clr__store_migrations[CLR_STORE_SCHEMA_VERSION] = {
    /* 1: the audit log and small named values */
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE audit_log (seq INTEGER PRIMARY KEY, decision_id TEXT NOT NULL,"
    " time INTEGER NOT NULL, outcome TEXT NOT NULL, rules_version TEXT NOT NULL,"
    " request TEXT NOT NULL, decision TEXT NOT NULL, hash BLOB NOT NULL);",
    /* 2: finding a decision and exporting a time range */
    "CREATE INDEX audit_log_decision_id ON audit_log (decision_id);"
    "CREATE INDEX audit_log_time ON audit_log (time);",
    /* 3: signed checkpoints */
    "CREATE TABLE audit_checkpoint (seq INTEGER PRIMARY KEY, hash BLOB NOT NULL,"
    " time INTEGER NOT NULL, signature BLOB NOT NULL);",
    /* 4: rulebook versions (time travel) */
    "CREATE TABLE rule_versions (version BIGINT PRIMARY KEY, created_at BIGINT NOT NULL,"
    " created_by TEXT NOT NULL, reason TEXT NOT NULL, digest TEXT NOT NULL,"
    " files TEXT NOT NULL);"
    "CREATE INDEX rule_versions_created_at ON rule_versions (created_at);",
    /* 5: licences, drawn down through leases, and usage per day */
    "CREATE TABLE licences (id TEXT PRIMARY KEY, rulebook TEXT NOT NULL,"
    " licensee TEXT NOT NULL, doc TEXT NOT NULL, valid_from BIGINT NOT NULL,"
    " valid_until BIGINT NOT NULL, quantity BIGINT, per_request BIGINT NOT NULL,"
    " used BIGINT NOT NULL, revoked BIGINT, created BIGINT NOT NULL);"
    "CREATE TABLE usage_daily (org TEXT NOT NULL, user_id TEXT NOT NULL, model TEXT NOT NULL,"
    " destination TEXT NOT NULL, day BIGINT NOT NULL, units BIGINT NOT NULL,"
    " decisions BIGINT NOT NULL, PRIMARY KEY (org, user_id, model, destination, day));"
    "CREATE INDEX usage_daily_day ON usage_daily (day);",
    /* 6: the customer registry (know your customer) */
    "CREATE TABLE registry_org (id TEXT PRIMARY KEY, legal_name TEXT NOT NULL,"
    " aliases TEXT NOT NULL, country TEXT NOT NULL, hq TEXT NOT NULL, parent TEXT NOT NULL,"
    " created BIGINT NOT NULL, updated BIGINT NOT NULL);"
    "CREATE TABLE registry_user (id TEXT PRIMARY KEY, name TEXT NOT NULL, org TEXT NOT NULL,"
    " nationality TEXT NOT NULL, country TEXT NOT NULL, created BIGINT NOT NULL,"
    " updated BIGINT NOT NULL);"
    "CREATE INDEX registry_user_org ON registry_user (org);"
    "CREATE TABLE registry_key (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, hash TEXT NOT NULL,"
    " created BIGINT NOT NULL, revoked BIGINT NOT NULL);"
    "CREATE TABLE registry_screening (party TEXT NOT NULL, list TEXT NOT NULL,"
    " entry TEXT NOT NULL, entry_name TEXT NOT NULL, digest TEXT NOT NULL,"
    " score DOUBLE PRECISION NOT NULL, status TEXT NOT NULL, screened_at BIGINT NOT NULL,"
    " PRIMARY KEY (party, list, entry));"
    "CREATE TABLE registry_adjudication (party TEXT NOT NULL, list TEXT NOT NULL,"
    " entry TEXT NOT NULL, digest TEXT NOT NULL, verdict TEXT NOT NULL, reviewer TEXT NOT NULL,"
    " reason TEXT NOT NULL, created BIGINT NOT NULL, expires BIGINT NOT NULL,"
    " PRIMARY KEY (party, list, entry));",
    /* 7: restricted-party list versions; each file's content once */
    "CREATE TABLE list_files (digest TEXT PRIMARY KEY, content TEXT NOT NULL);"
    "CREATE TABLE list_versions (version BIGINT PRIMARY KEY, created_at BIGINT NOT NULL,"
    " created_by TEXT NOT NULL, reason TEXT NOT NULL, digest TEXT NOT NULL,"
    " files TEXT NOT NULL);",
};

int clr__store_fail(clr_store *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->errmsg, sizeof s->errmsg, fmt, ap);
    va_end(ap);
    return CLR_ESTORE;
}

static int fail_db(sqlite_store *q, const char *what)
{
    int code = sqlite3_errcode(q->db) & 0xFF;
    q->busy = code == SQLITE_BUSY || code == SQLITE_LOCKED;
    return clr__store_fail(&q->base, "%s: %s", what, sqlite3_errmsg(q->db));
}

static int exec(sqlite_store *q, const char *sql)
{
    char *msg = NULL;
    int code = sqlite3_exec(q->db, sql, NULL, NULL, &msg) & 0xFF;
    if (code == SQLITE_OK)
        return 0;
    q->busy = code == SQLITE_BUSY || code == SQLITE_LOCKED;
    clr__store_fail(&q->base, "%s", msg ? msg : sqlite3_errmsg(q->db));
    sqlite3_free(msg);
    return CLR_ESTORE;
}

static int q_schema_version(clr_store *s, int *out)
{
    sqlite_store *q = (sqlite_store *)s;
    sqlite3_stmt *st = NULL;
    *out = 0;
    /* no schema_version table: a new, empty store */
    if (sqlite3_prepare_v2(q->db,
                           "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = "
                           "'schema_version'",
                           -1, &st, NULL) != SQLITE_OK)
        return fail_db(q, "reading the schema");
    int has = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) > 0;
    sqlite3_finalize(st);
    if (!has)
        return 0;
    if (sqlite3_prepare_v2(q->db, "SELECT coalesce(max(version), 0) FROM schema_version", -1, &st,
                           NULL) != SQLITE_OK)
        return fail_db(q, "reading the schema version");
    if (sqlite3_step(st) == SQLITE_ROW)
        *out = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return 0;
}

/* Brings the schema to CLR_STORE_SCHEMA_VERSION in one transaction. */
static int migrate(sqlite_store *q)
{
    int rc, version;
    if ((rc = exec(q, "BEGIN IMMEDIATE")))
        return rc;
    if ((rc = exec(q, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY,"
                      " applied_at INTEGER NOT NULL)")))
        goto fail;
    if ((rc = q_schema_version(&q->base, &version)))
        goto fail;
    if (version > CLR_STORE_SCHEMA_VERSION) {
        rc = clr__store_fail(&q->base,
                             "the store's schema is version %d, newer than this build's (%d)",
                             version, CLR_STORE_SCHEMA_VERSION);
        goto fail;
    }
    for (int v = version; v < CLR_STORE_SCHEMA_VERSION; v++) {
        char sql[128];
        if ((rc = exec(q, clr__store_migrations[v])))
            goto fail;
        snprintf(sql, sizeof sql,
                 "INSERT INTO schema_version (version, applied_at) VALUES (%d, %lld)", v + 1,
                 (long long)clr_time_now());
        if ((rc = exec(q, sql)))
            goto fail;
    }
    return exec(q, "COMMIT");
fail:
    sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

static int q_background(clr_store *s, int on);

static void q_close(clr_store *s)
{
    sqlite_store *q = (sqlite_store *)s;
    q_background(s, 0);
    free(q->path);
    sqlite3_finalize(q->insert);
    sqlite3_finalize(q->insert_many);
    clr__pending_free(&q->pending);
    sqlite3_finalize(q->tail);
    sqlite3_finalize(q->cp_insert);
    for (int i = 0; i < q->ncached; i++) {
        sqlite3_finalize(q->cache[i]);
        free(q->cache_sql[i]);
    }
    sqlite3_close(q->db);
    free(q);
}

static int flush_rows(sqlite_store *q);

static int q_begin(clr_store *s, int write)
{
    sqlite_store *q = (sqlite_store *)s;
    clr__pending_clear(&q->pending);
    return exec(q, write ? "BEGIN IMMEDIATE" : "BEGIN");
}

static int q_commit(clr_store *s)
{
    sqlite_store *q = (sqlite_store *)s;
    int rc = flush_rows(q);
    if (rc) /* the rows as appended cannot be committed: none of them is */
        sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
    return rc ? rc : exec(q, "COMMIT");
}

static void q_rollback(clr_store *s)
{
    sqlite_store *q = (sqlite_store *)s;
    clr__pending_clear(&q->pending);
    sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
}

static int prepare(sqlite_store *q, sqlite3_stmt **st, const char *sql)
{
    if (*st) {
        sqlite3_reset(*st);
        sqlite3_clear_bindings(*st);
        return 0;
    }
    if (sqlite3_prepare_v3(q->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
        return fail_db(q, "preparing a statement");
    return 0;
}

static int q_audit_tail(clr_store *s, int64_t *seq, unsigned char hash[CLR_AUDIT_HASH_BYTES])
{
    sqlite_store *q = (sqlite_store *)s;
    int rc = flush_rows(q);
    *seq = 0;
    memset(hash, 0, CLR_AUDIT_HASH_BYTES);
    if (rc ||
        (rc = prepare(q, &q->tail, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")))
        return rc;
    int step = sqlite3_step(q->tail);
    if (step == SQLITE_ROW) {
        *seq = sqlite3_column_int64(q->tail, 0);
        const void *h = sqlite3_column_blob(q->tail, 1);
        if (h && sqlite3_column_bytes(q->tail, 1) == CLR_AUDIT_HASH_BYTES)
            memcpy(hash, h, CLR_AUDIT_HASH_BYTES);
        else
            rc = clr__store_fail(s, "the last audit record (%lld) has no valid hash",
                                 (long long)*seq);
    } else if (step != SQLITE_DONE) {
        rc = fail_db(q, "reading the audit log's tail");
    }
    sqlite3_reset(q->tail);
    return rc;
}

static int bind_bytes(sqlite3_stmt *st, int i, clr__bytes b, int blob)
{
    const char *p = b.p ? b.p : "";
    return blob ? sqlite3_bind_blob(st, i, p, (int)b.n, SQLITE_STATIC)
                : sqlite3_bind_text(st, i, p, (int)b.n, SQLITE_STATIC);
}

/* Binds pending row r's eight values from parameter first on. */
static void bind_row(sqlite_store *q, sqlite3_stmt *st, int first, const clr__pending_row *r)
{
    sqlite3_bind_int64(st, first, r->seq);
    sqlite3_bind_int64(st, first + 2, r->time);
    static const int param[CLR__PENDING_FIELDS] = {1, 3, 4, 5, 6, 7}; /* after seq; time is 2 */
    for (int j = 0; j < CLR__PENDING_FIELDS; j++)
        bind_bytes(st, first + param[j], clr__pending_field(&q->pending, r, j),
                   j == CLR__PENDING_FIELDS - 1);
}

/* Inserts the pending audit rows: INSERT_ROWS to a statement, the rest one
 * by one. The rows are gone afterwards, inserted or not. */
static int flush_rows(sqlite_store *q)
{
    int rc = 0;
    size_t i = 0;
    if (q->pending.n == INSERT_ROWS) {
        char sql[128 + INSERT_ROWS * 20];
        size_t n = 0;
        if (!q->insert_many) {
            n = (size_t)snprintf(
                sql, sizeof sql,
                "INSERT OR ROLLBACK INTO audit_log (seq, decision_id, time, outcome,"
                " rules_version, request, decision, hash) VALUES ");
            for (int k = 0; k < INSERT_ROWS; k++)
                n += (size_t)snprintf(sql + n, sizeof sql - n, "%s(?,?,?,?,?,?,?,?)", k ? "," : "");
        }
        rc = prepare(q, &q->insert_many, sql);
        if (!rc) {
            for (int k = 0; k < INSERT_ROWS; k++)
                bind_row(q, q->insert_many, 1 + 8 * k, &q->pending.rows[k]);
            if (sqlite3_step(q->insert_many) != SQLITE_DONE)
                rc = fail_db(q, "appending audit records");
            sqlite3_reset(q->insert_many);
        }
        i = INSERT_ROWS;
    }
    for (; i < q->pending.n && !rc; i++) {
        if ((rc = prepare(q, &q->insert,
                          "INSERT INTO audit_log (seq, decision_id, time, outcome, rules_version,"
                          " request, decision, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")))
            break;
        bind_row(q, q->insert, 1, &q->pending.rows[i]);
        if (sqlite3_step(q->insert) != SQLITE_DONE)
            rc = fail_db(q, "appending an audit record");
        sqlite3_reset(q->insert);
    }
    clr__pending_clear(&q->pending);
    return rc;
}

/* Appending a row copies it; rows go to SQLite INSERT_ROWS at a time, and
 * before anything else reads or ends the transaction (a statement per row
 * costs as much again as the row). */
static int q_audit_insert(clr_store *s, const clr__audit_row *r)
{
    sqlite_store *q = (sqlite_store *)s;
    if (clr__pending_add(&q->pending, r))
        return clr__store_fail(s, "appending an audit record: out of memory");
    return q->pending.n == INSERT_ROWS ? flush_rows(q) : 0;
}

static int q_checkpoint_insert(clr_store *s, const clr__checkpoint_row *r)
{
    sqlite_store *q = (sqlite_store *)s;
    int rc;
    if ((rc = prepare(q, &q->cp_insert,
                      "INSERT OR REPLACE INTO audit_checkpoint (seq, hash, time, signature)"
                      " VALUES (?, ?, ?, ?)")))
        return rc;
    sqlite3_bind_int64(q->cp_insert, 1, r->seq);
    bind_bytes(q->cp_insert, 2, r->hash, 1);
    sqlite3_bind_int64(q->cp_insert, 3, r->time);
    bind_bytes(q->cp_insert, 4, r->signature, 1);
    if (sqlite3_step(q->cp_insert) != SQLITE_DONE)
        rc = fail_db(q, "writing a checkpoint");
    sqlite3_reset(q->cp_insert);
    return rc;
}

/* Column i as bytes; sets bit i of *bad when its type is not want. */
static clr__bytes col_bytes(sqlite3_stmt *st, int i, int want, unsigned *bad)
{
    clr__bytes b;
    int type = sqlite3_column_type(st, i);
    if (type != want)
        *bad |= 1u << i;
    if (type == SQLITE_BLOB) {
        b.p = sqlite3_column_blob(st, i);
    } else {
        b.p = (const char *)sqlite3_column_text(st, i);
    }
    b.n = (size_t)sqlite3_column_bytes(st, i);
    if (!b.p)
        b.n = 0;
    return b;
}

static int64_t col_int(sqlite3_stmt *st, int i, unsigned *bad)
{
    if (sqlite3_column_type(st, i) != SQLITE_INTEGER)
        *bad |= 1u << i;
    return sqlite3_column_int64(st, i);
}

static int q_audit_scan(clr_store *s, int64_t from_seq, int64_t to_seq, clr_time from_time,
                        clr_time until_time, clr__audit_fn fn, void *arg)
{
    sqlite_store *q = (sqlite_store *)s;
    sqlite3_stmt *st = NULL;
    int rc = flush_rows(q), step;
    if (rc)
        return rc;
    /* without a time range, every row: a tampered time of the wrong type must
     * still reach the verifier */
    int timed = from_time != CLR_TIME_MIN || until_time != CLR_TIME_MAX;
    if (sqlite3_prepare_v2(q->db,
                           timed ? "SELECT seq, decision_id, time, outcome, rules_version, request,"
                                   " decision, hash FROM audit_log WHERE seq >= ? AND seq <= ?"
                                   " AND time >= ? AND time < ? ORDER BY seq"
                                 : "SELECT seq, decision_id, time, outcome, rules_version, request,"
                                   " decision, hash FROM audit_log WHERE seq >= ? AND seq <= ?"
                                   " ORDER BY seq",
                           -1, &st, NULL) != SQLITE_OK)
        return fail_db(q, "reading the audit log");
    sqlite3_bind_int64(st, 1, from_seq);
    sqlite3_bind_int64(st, 2, to_seq >= 0 ? to_seq : INT64_MAX);
    if (timed) {
        sqlite3_bind_int64(st, 3, from_time);
        sqlite3_bind_int64(st, 4, until_time);
    }
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        clr__audit_row r;
        r.type_bad = 0;
        r.seq = col_int(st, CLR__COL_SEQ, &r.type_bad);
        r.decision_id = col_bytes(st, CLR__COL_DECISION_ID, SQLITE_TEXT, &r.type_bad);
        r.time = col_int(st, CLR__COL_TIME, &r.type_bad);
        r.outcome = col_bytes(st, CLR__COL_OUTCOME, SQLITE_TEXT, &r.type_bad);
        r.rules_version = col_bytes(st, CLR__COL_RULES_VERSION, SQLITE_TEXT, &r.type_bad);
        r.request = col_bytes(st, CLR__COL_REQUEST, SQLITE_TEXT, &r.type_bad);
        r.decision = col_bytes(st, CLR__COL_DECISION, SQLITE_TEXT, &r.type_bad);
        r.hash = col_bytes(st, CLR__COL_HASH, SQLITE_BLOB, &r.type_bad);
        if ((rc = fn(arg, &r)))
            break;
    }
    if (!rc && step != SQLITE_DONE)
        rc = fail_db(q, "reading the audit log");
    sqlite3_finalize(st);
    return rc;
}

static int q_checkpoint_scan(clr_store *s, int64_t from_seq, clr__checkpoint_fn fn, void *arg)
{
    sqlite_store *q = (sqlite_store *)s;
    sqlite3_stmt *st = NULL;
    int rc = 0, step;
    if (sqlite3_prepare_v2(q->db,
                           "SELECT seq, hash, time, signature FROM audit_checkpoint"
                           " WHERE seq >= ? ORDER BY seq",
                           -1, &st, NULL) != SQLITE_OK)
        return fail_db(q, "reading the checkpoints");
    sqlite3_bind_int64(st, 1, from_seq);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        clr__checkpoint_row r;
        r.type_bad = 0;
        r.seq = col_int(st, 0, &r.type_bad);
        r.hash = col_bytes(st, 1, SQLITE_BLOB, &r.type_bad);
        r.time = col_int(st, 2, &r.type_bad);
        r.signature = col_bytes(st, 3, SQLITE_BLOB, &r.type_bad);
        if ((rc = fn(arg, &r)))
            break;
    }
    if (!rc && step != SQLITE_DONE)
        rc = fail_db(q, "reading the checkpoints");
    sqlite3_finalize(st);
    return rc;
}

static int q_audit_find(clr_store *s, const char *decision_id, int64_t *seq)
{
    sqlite_store *q = (sqlite_store *)s;
    sqlite3_stmt *st = NULL;
    int rc = flush_rows(q), step;
    if (rc)
        return rc;
    rc = CLR_ENOTFOUND;
    if (sqlite3_prepare_v2(q->db, "SELECT seq FROM audit_log WHERE decision_id = ? ORDER BY seq",
                           -1, &st, NULL) != SQLITE_OK)
        return fail_db(q, "finding a decision");
    sqlite3_bind_text(st, 1, decision_id, -1, SQLITE_STATIC);
    if ((step = sqlite3_step(st)) == SQLITE_ROW) {
        *seq = sqlite3_column_int64(st, 0);
        rc = 0;
    } else if (step != SQLITE_DONE) {
        rc = fail_db(q, "finding a decision");
    }
    sqlite3_finalize(st);
    return rc;
}

static int q_meta_get(clr_store *s, const char *key, char *buf, size_t cap)
{
    sqlite_store *q = (sqlite_store *)s;
    sqlite3_stmt *st = NULL;
    int rc = CLR_ENOTFOUND, step;
    if (sqlite3_prepare_v2(q->db, "SELECT value FROM meta WHERE key = ?", -1, &st, NULL) !=
        SQLITE_OK)
        return fail_db(q, "reading a setting");
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        size_t n = v ? (size_t)sqlite3_column_bytes(st, 0) : 0;
        if (n >= cap) {
            rc = CLR_ELIMIT;
        } else {
            memcpy(buf, v ? v : "", n);
            buf[n] = '\0';
            rc = 0;
        }
    } else if (step != SQLITE_DONE) {
        rc = fail_db(q, "reading a setting");
    }
    sqlite3_finalize(st);
    return rc;
}

static int q_meta_set(clr_store *s, const char *key, const char *value)
{
    sqlite_store *q = (sqlite_store *)s;
    sqlite3_stmt *st = NULL;
    int rc = 0;
    if (sqlite3_prepare_v2(q->db, "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", -1, &st,
                           NULL) != SQLITE_OK)
        return fail_db(q, "writing a setting");
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = fail_db(q, "writing a setting");
    sqlite3_finalize(st);
    return rc;
}

/* The checkpointer copies the WAL back into the database on its own thread
 * and connection, so that the writer's commits do not wait for it (SQLite's
 * autocheckpoint would run it inside the commit that crosses the threshold). */
static void *checkpointer(void *arg)
{
    sqlite_store *q = arg;
    sqlite3 *db = NULL;
    /* named only: at nice 19 it gained the async writer nothing, and it would
       fall behind a sync writer on a busy machine */
    clr__background_thread("clr-checkpoint", 0);
    if (sqlite3_open_v2(q->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) ==
        SQLITE_OK) {
        sqlite3_busy_timeout(db, 1000);
        sqlite3_exec(db, "PRAGMA synchronous = FULL", NULL, NULL, NULL);
    }
    pthread_mutex_lock(&q->bg_mu);
    while (!q->bg_stop) {
        while (!q->bg_wake && !q->bg_stop)
            pthread_cond_wait(&q->bg_cond, &q->bg_mu);
        q->bg_wake = 0;
        pthread_mutex_unlock(&q->bg_mu);
        if (db)
            sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        pthread_mutex_lock(&q->bg_mu);
    }
    pthread_mutex_unlock(&q->bg_mu);
    sqlite3_close(db);
    return NULL;
}

/* After each commit: wake the checkpointer once the WAL has grown. */
static int wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
    sqlite_store *q = arg;
    (void)name;
    if (frames >= WAL_FOREGROUND_FRAMES) {
        sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    } else if (frames >= WAL_CHECKPOINT_FRAMES) {
        pthread_mutex_lock(&q->bg_mu);
        q->bg_wake = 1;
        pthread_cond_signal(&q->bg_cond);
        pthread_mutex_unlock(&q->bg_mu);
    }
    return SQLITE_OK;
}

static int q_background(clr_store *s, int on)
{
    sqlite_store *q = (sqlite_store *)s;
    if (!on == !q->bg_on)
        return 0;
    if (on) {
        if (!q->path || !strcmp(q->path, ":memory:") || !q->path[0])
            return 0; /* nothing to checkpoint */
        pthread_mutex_init(&q->bg_mu, NULL);
        pthread_cond_init(&q->bg_cond, NULL);
        q->bg_stop = q->bg_wake = 0;
        if (pthread_create(&q->bg_thread, NULL, checkpointer, q) != 0) {
            pthread_cond_destroy(&q->bg_cond);
            pthread_mutex_destroy(&q->bg_mu);
            return 0; /* SQLite's own autocheckpoint stays */
        }
        sqlite3_wal_hook(q->db, wal_hook, q);
        q->bg_on = 1;
        return 0;
    }
    sqlite3_wal_autocheckpoint(q->db, WAL_CHECKPOINT_FRAMES); /* replaces our hook */
    pthread_mutex_lock(&q->bg_mu);
    q->bg_stop = 1;
    pthread_cond_signal(&q->bg_cond);
    pthread_mutex_unlock(&q->bg_mu);
    pthread_join(q->bg_thread, NULL);
    pthread_cond_destroy(&q->bg_cond);
    pthread_mutex_destroy(&q->bg_mu);
    q->bg_on = 0;
    return 0;
}

/* Statements prepared once per SQL text: the registry, licence and usage
 * code passes the same string constants again and again. */
#define STMT_CACHE 64

static sqlite3_stmt *cached_stmt(sqlite_store *q, const char *sql)
{
    for (int i = 0; i < q->ncached; i++)
        if (q->cache_sql[i] == sql || strcmp(q->cache_sql[i], sql) == 0) {
            sqlite3_reset(q->cache[i]);
            sqlite3_clear_bindings(q->cache[i]);
            return q->cache[i];
        }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(q->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
        return NULL;
    if (q->ncached == STMT_CACHE) {
        sqlite3_finalize(q->cache[0]);
        free(q->cache_sql[0]);
        memmove(q->cache, q->cache + 1, sizeof q->cache[0] * (STMT_CACHE - 1));
        memmove(q->cache_sql, q->cache_sql + 1, sizeof q->cache_sql[0] * (STMT_CACHE - 1));
        q->ncached--;
    }
    char *copy = strdup(sql);
    if (!copy) {
        sqlite3_finalize(st);
        return NULL;
    }
    q->cache[q->ncached] = st;
    q->cache_sql[q->ncached++] = copy;
    return st;
}

static int q_query(clr_store *s, const char *sql, const clr__value *params, int nparams,
                   clr__row_fn fn, void *arg, int64_t *changes)
{
    sqlite_store *q = (sqlite_store *)s;
    int rc = flush_rows(q);
    if (rc)
        return rc;
    sqlite3_stmt *st = cached_stmt(q, sql);
    if (changes)
        *changes = 0;
    if (!st)
        return fail_db(q, "preparing a statement");
    for (int i = 0; i < nparams; i++) {
        char name[16];
        snprintf(name, sizeof name, "$%d", i + 1);
        int idx = sqlite3_bind_parameter_index(st, name);
        if (idx == 0)
            continue; /* a parameter the statement does not use */
        const clr__value *v = &params[i];
        int b = SQLITE_OK;
        switch (v->type) {
        case CLR__NULL: b = sqlite3_bind_null(st, idx); break;
        case CLR__INT: b = sqlite3_bind_int64(st, idx, v->i); break;
        case CLR__REAL: b = sqlite3_bind_double(st, idx, v->d); break;
        case CLR__TEXT:
            b = sqlite3_bind_text(st, idx, v->s ? v->s : "", (int)v->n, SQLITE_TRANSIENT);
            break;
        }
        if (b != SQLITE_OK) {
            sqlite3_reset(st);
            return fail_db(q, "binding a parameter");
        }
    }
    int step;
    sqlite3_int64 before = sqlite3_total_changes64(q->db); /* a SELECT or DDL changes none */
    clr__value cols[32];
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (!fn)
            continue;
        int n = sqlite3_column_count(st);
        if (n > 32)
            n = 32;
        for (int i = 0; i < n; i++) {
            clr__value *c = &cols[i];
            memset(c, 0, sizeof *c);
            switch (sqlite3_column_type(st, i)) {
            case SQLITE_INTEGER:
                c->type = CLR__INT;
                c->i = sqlite3_column_int64(st, i);
                c->d = (double)c->i;
                break;
            case SQLITE_FLOAT:
                c->type = CLR__REAL;
                c->d = sqlite3_column_double(st, i);
                c->i = (int64_t)c->d;
                break;
            case SQLITE_NULL: c->type = CLR__NULL; break;
            default:
                c->type = CLR__TEXT;
                c->s = (const char *)sqlite3_column_text(st, i);
                c->n = (size_t)sqlite3_column_bytes(st, i);
                if (!c->s)
                    c->s = "";
                break;
            }
        }
        if ((rc = fn(arg, cols, n)) != 0)
            break;
    }
    if (rc == 0 && step != SQLITE_DONE) {
        int ext = sqlite3_extended_errcode(q->db);
        rc = fail_db(q, "running a statement");
        if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
            rc = CLR_EEXIST;
    }
    if (rc == 0 && changes)
        *changes = sqlite3_total_changes64(q->db) - before;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

void clr__value_text(char *dst, size_t cap, const clr__value *v)
{
    size_t n = v->type == CLR__TEXT ? v->n : 0;
    if (n >= cap)
        n = cap - 1;
    if (n)
        memcpy(dst, v->s, n);
    dst[n] = '\0';
}

int clr__value_first_int(void *arg, const clr__value *cols, int ncols)
{
    if (ncols >= 1 && cols[0].type == CLR__INT)
        *(int64_t *)arg = cols[0].i;
    return 0;
}

int clr__store_query(clr_store *s, const char *sql, const clr__value *params, int nparams,
                     clr__row_fn fn, void *arg, int64_t *changes)
{
    if (!s->ops->query)
        return clr__store_fail(s, "the %s store cannot run queries", s->ops->name);
    return s->ops->query(s, sql, params, nparams, fn, arg, changes);
}

static const clr__store_ops sqlite_ops = {
    .name = "sqlite",
    .close = q_close,
    .schema_version = q_schema_version,
    .begin = q_begin,
    .commit = q_commit,
    .rollback = q_rollback,
    .audit_tail = q_audit_tail,
    .audit_insert = q_audit_insert,
    .checkpoint_insert = q_checkpoint_insert,
    .audit_scan = q_audit_scan,
    .checkpoint_scan = q_checkpoint_scan,
    .audit_find = q_audit_find,
    .meta_get = q_meta_get,
    .meta_set = q_meta_set,
    .background = q_background,
    .query = q_query,
};

int clr_store_open(clr_store **out, const char *path, const clr_store_options *opts, char *errbuf,
                   size_t errcap)
{
    clr_store_options defaults = CLR_STORE_OPTIONS_INIT;
    sqlite_store *q = NULL;
    int rc = CLR_EINVAL;
    if (clr__store_is_pg(path))
        return clr__store_pg_open(out, path, opts, errbuf, errcap);
    *out = NULL;
    if (errbuf && errcap)
        errbuf[0] = '\0';
    if (!opts)
        opts = &defaults;
    if (!path || opts->version != CLR_STORE_OPTIONS_VERSION)
        goto done;
    rc = CLR_ENOMEM;
    if (!(q = calloc(1, sizeof *q)))
        goto done;
    q->base.ops = &sqlite_ops;
    if (!(q->path = strdup(path)))
        goto done;
    int flags =
        SQLITE_OPEN_NOMUTEX |
        (opts->read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    if (sqlite3_open_v2(path, &q->db, flags, NULL) != SQLITE_OK) {
        rc = clr__store_fail(&q->base, "cannot open %s: %s", path,
                             q->db ? sqlite3_errmsg(q->db) : "out of memory");
        goto done;
    }
    sqlite3_busy_timeout(q->db, opts->busy_timeout_ms > 0 ? opts->busy_timeout_ms : 5000);
    sqlite3_extended_result_codes(q->db, 1);
    if (opts->read_only) {
        int version = 0;
        if ((rc = q_schema_version(&q->base, &version)))
            goto done;
        if (version == 0) {
            rc = clr__store_fail(&q->base, "%s is not a clearance store", path);
            goto done;
        }
        if (version != CLR_STORE_SCHEMA_VERSION) {
            rc = clr__store_fail(&q->base, "%s is at schema version %d and this build reads %d%s",
                                 path, version, CLR_STORE_SCHEMA_VERSION,
                                 version < CLR_STORE_SCHEMA_VERSION
                                     ? ": open it once for writing to migrate it"
                                     : "");
            goto done;
        }
    } else {
        /* WAL: readers never block the writer; FULL: a commit is durable.
           Switching a new file to WAL, or migrating it, while another process
           does the same can be refused as busy without the busy handler being
           asked: try again until the busy timeout has passed. */
        int waited = 0, limit = opts->busy_timeout_ms > 0 ? opts->busy_timeout_ms : 5000;
        for (;;) {
            q->busy = 0;
            /* a new file gets 16 KB pages (an existing one keeps its own):
               an audit record is about 1 KB, and larger pages mean fewer
               splits, WAL frames and checkpoint writes for each; measured
               with bench/audit_overhead.sh, the writer and the checkpointer
               spend a fifth less CPU a record than with 4 KB */
            rc = exec(q, "PRAGMA page_size = 16384");
            if (!rc)
                rc = exec(q, "PRAGMA journal_mode = WAL");
            if (!rc)
                rc = exec(q, "PRAGMA synchronous = FULL");
            if (!rc)
                rc = migrate(q);
            if (!rc || !q->busy || waited >= limit)
                break;
            sqlite3_sleep(10);
            waited += 10;
        }
        if (rc)
            goto done;
    }
    *out = &q->base;
    q = NULL;
    rc = 0;
done:
    if (q) {
        if (errbuf && errcap)
            snprintf(errbuf, errcap, "%s", q->base.errmsg);
        q_close(&q->base);
    }
    return rc;
}

void clr_store_close(clr_store *s)
{
    if (s)
        s->ops->close(s);
}

const char *clr_store_errmsg(const clr_store *s)
{
    return s ? s->errmsg : "";
}

int clr_store_schema_version(int *out, clr_store *s)
{
    return s->ops->schema_version(s, out);
}

sqlite3 *clr__store_sqlite_db(clr_store *s)
{
    return s && s->ops == &sqlite_ops ? ((sqlite_store *)s)->db : NULL;
}
