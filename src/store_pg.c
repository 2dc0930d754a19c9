/* The store on PostgreSQL (libpq), for several clearance nodes sharing one
 * database: the same schema and behaviour as store_sqlite.c (docs/store.md).
 *
 * Parameters always travel in binary (so byte ranges need no NUL and blobs no
 * escaping). The audit log's rows come back in binary too; the generic query's
 * rows come back as text and are typed by their column's type. */
#include "store.h"

#include <errno.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Type OIDs (catalog/pg_type_d.h is a server header). */
#define OID_BOOL 16
#define OID_BYTEA 17
#define OID_INT8 20
#define OID_INT2 21
#define OID_INT4 23
#define OID_TEXT 25
#define OID_OID 26
#define OID_FLOAT4 700
#define OID_FLOAT8 701
#define OID_NUMERIC 1700

/* Advisory lock keys ("clr-writ", "clr-migr"): every write transaction of
 * every node takes the first, so appenders are serialised as SQLite's one
 * writer is; migrations take the second. */
#define LOCK_WRITE "7164771325236234612"
#define LOCK_MIGRATE "7164771325233981810"

#define MAX_PARAMS 64
#define MAX_COLS 32

typedef struct pg_store {
    clr_store base; /* first: a clr_store * is a pg_store * */
    PGconn *conn;
    int in_tx; /* begin succeeded, commit or rollback not yet called */
    int read_only;
    int lock_timeout_ms;
    /* audit records appended in this transaction and not yet sent (flush) */
    clr__pending_rows pending;
} pg_store;

/* Records sent in one INSERT: 8 parameters each, within PostgreSQL's 65,535. */
#define FLUSH_ROWS 500

/* PostgreSQL's schema for the versions whose SQLite SQL is not in the common
 * dialect (INTEGER PRIMARY KEY, BLOB). Later versions run
 * clr__store_migrations[v] as they are: they are written in the common
 * dialect. Never edit a released migration: add one. */
static const char *const pg_migrations[] = {
    /* 1: the audit log and small named values */
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE audit_log (seq BIGINT PRIMARY KEY, decision_id TEXT NOT NULL,"
    " time BIGINT NOT NULL, outcome TEXT NOT NULL, rules_version TEXT NOT NULL,"
    " request TEXT NOT NULL, decision TEXT NOT NULL, hash BYTEA NOT NULL);",
    /* 2: finding a decision and exporting a time range */
    "CREATE INDEX audit_log_decision_id ON audit_log (decision_id);"
    "CREATE INDEX audit_log_time ON audit_log (time);",
    /* 3: signed checkpoints */
    "CREATE TABLE audit_checkpoint (seq BIGINT PRIMARY KEY, hash BYTEA NOT NULL,"
    " time BIGINT NOT NULL, signature BYTEA NOT NULL);",
};
#define PG_OWN_MIGRATIONS ((int)(sizeof pg_migrations / sizeof pg_migrations[0]))

static const int binary_formats[MAX_PARAMS] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

/* ------------------------------------------------------------------------- */
/* Failures and the connection                                                */
/* ------------------------------------------------------------------------- */

/* libpq's messages end in a newline; the store's do not. */
static int fail_msg(pg_store *p, const char *what, const char *msg)
{
    size_t n = msg ? strlen(msg) : 0;
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        n--;
    return clr__store_fail(&p->base, "%s: %.*s", what, (int)n, msg ? msg : "");
}

static int fail_conn(pg_store *p, const char *what)
{
    return fail_msg(p, what, PQerrorMessage(p->conn));
}

/* Sets the message from a failed result and clears it; CLR_EEXIST for a
 * uniqueness failure (SQLSTATE 23505), else CLR_ESTORE. */
static int fail_res(pg_store *p, PGresult *r, const char *what)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    int rc = fail_msg(p, what, msg ? msg : PQerrorMessage(p->conn));
    if (state && strcmp(state, "23505") == 0)
        rc = CLR_EEXIST;
    PQclear(r);
    return rc;
}

static int result_ok(const PGresult *r)
{
    ExecStatusType st = PQresultStatus(r);
    return r && (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK);
}

/* One or more statements without parameters, as they are. */
static int simple(pg_store *p, const char *sql, const char *what)
{
    PGresult *r = PQexec(p->conn, sql);
    if (!result_ok(r))
        return fail_res(p, r, what);
    PQclear(r);
    return 0;
}

static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message; /* notices ("... already exists, skipping") are not failures */
}

/* What every connection, new or restored, is set to. */
static int configure(pg_store *p)
{
    char sql[192];
    snprintf(sql, sizeof sql, "SET lock_timeout = %d; SET client_min_messages = warning%s",
             p->lock_timeout_ms, p->read_only ? "; SET default_transaction_read_only = on" : "");
    return simple(p, sql, "configuring the connection");
}

/* Reconnects once. Inside a transaction it does not: the transaction is gone,
 * and the caller must learn so (it rolls back; the next begin reconnects). */
static int reconnect(pg_store *p)
{
    if (p->in_tx)
        return clr__store_fail(&p->base,
                               "the connection to PostgreSQL was lost inside a transaction");
    PQreset(p->conn);
    if (PQstatus(p->conn) != CONNECTION_OK)
        return fail_conn(p, "the connection to PostgreSQL was lost and could not be restored");
    return configure(p);
}

static int ready(pg_store *p)
{
    return PQstatus(p->conn) == CONNECTION_OK ? 0 : reconnect(p);
}

/* Without parameters, as text: the simple protocol, which also runs several
 * statements in one string. */
static PGresult *exec_params(pg_store *p, const char *sql, int n, const Oid *types,
                             const char *const *values, const int *lengths, int binary)
{
    if (n == 0 && !binary)
        return PQexec(p->conn, sql);
    return PQexecParams(p->conn, sql, n, types, values, lengths, binary_formats, binary);
}

/* A parameterised statement; *out is its result (the caller clears it).
 * An idempotent statement outside a transaction that finds the connection
 * broken is sent once more after reconnecting; any other fails. */
static int run(pg_store *p, PGresult **out, const char *what, const char *sql, int n,
               const Oid *types, const char *const *values, const int *lengths, int binary,
               int idempotent)
{
    int rc;
    *out = NULL;
    if ((rc = ready(p)))
        return rc;
    PGresult *r = exec_params(p, sql, n, types, values, lengths, binary);
    if (!result_ok(r) && idempotent && !p->in_tx && PQstatus(p->conn) == CONNECTION_BAD) {
        PQclear(r);
        if ((rc = reconnect(p)))
            return rc;
        r = exec_params(p, sql, n, types, values, lengths, binary);
    }
    if (!result_ok(r))
        return fail_res(p, r, what);
    *out = r;
    return 0;
}

/* ------------------------------------------------------------------------- */
/* Values                                                                     */
/* ------------------------------------------------------------------------- */

static void put_be64(char *out, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        out[i] = (char)(v & 0xFF);
}

static uint64_t get_be64(const char *in)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | (unsigned char)in[i];
    return v;
}

/* An int8 parameter: its 8 bytes go in buf. */
static void param_int(Oid *type, const char **value, int *len, char buf[8], int64_t v)
{
    put_be64(buf, (uint64_t)v);
    *type = OID_INT8;
    *value = buf;
    *len = 8;
}

static void param_bytes(Oid *type, const char **value, int *len, clr__bytes b, Oid oid)
{
    *type = oid;
    *value = b.p ? b.p : "";
    *len = (int)b.n;
}

/* Column col of row i of a binary result: bytes of type want; sets bit in
 * *bad when it is NULL or of another type. PostgreSQL enforces column types,
 * so only a changed table definition gets here. */
static clr__bytes col_bytes(const PGresult *r, int i, int col, Oid want, unsigned *bad, int bit)
{
    clr__bytes b = {NULL, 0};
    if (PQgetisnull(r, i, col)) {
        *bad |= 1u << bit;
        return b;
    }
    if (PQftype(r, col) != want)
        *bad |= 1u << bit;
    b.p = PQgetvalue(r, i, col);
    b.n = (size_t)PQgetlength(r, i, col);
    return b;
}

static int64_t col_int(const PGresult *r, int i, int col, unsigned *bad, int bit)
{
    if (PQgetisnull(r, i, col) || PQftype(r, col) != OID_INT8 || PQgetlength(r, i, col) != 8) {
        *bad |= 1u << bit;
        return 0;
    }
    return (int64_t)get_be64(PQgetvalue(r, i, col));
}

/* ------------------------------------------------------------------------- */
/* Pending audit records                                                      */
/* ------------------------------------------------------------------------- */

/* Sends rows [first, first + n) of the pending records in one INSERT. */
static int insert_rows(pg_store *p, size_t first, size_t n)
{
    size_t np = 8 * n;
    Oid *t = malloc(np * sizeof *t);
    const char **v = malloc(np * sizeof *v);
    int *l = malloc(np * sizeof *l), *f = malloc(np * sizeof *f);
    size_t cap = 128 + 64 * n; /* a row's "($1,...,$8)," takes at most 8 * 7 + 3 */
    char *ints = malloc(16 * n), *sql = malloc(cap);
    int rc;
    if (!t || !v || !l || !f || !ints || !sql) {
        rc = clr__store_fail(&p->base, "appending audit records: out of memory");
        goto done;
    }
    size_t at = (size_t)snprintf(sql, cap,
                                 "INSERT INTO audit_log (seq, decision_id, time, outcome,"
                                 " rules_version, request, decision, hash) VALUES ");
    for (size_t i = 0; i < n; i++) {
        const clr__pending_row *r = &p->pending.rows[first + i];
        size_t k = 8 * i;
        static const Oid field_type[CLR__PENDING_FIELDS] = {OID_TEXT, OID_TEXT, OID_TEXT,
                                                            OID_TEXT, OID_TEXT, OID_BYTEA};
        static const int field_param[CLR__PENDING_FIELDS] = {1, 3, 4, 5, 6, 7};
        param_int(&t[k], &v[k], &l[k], ints + 16 * i, r->seq);
        param_int(&t[k + 2], &v[k + 2], &l[k + 2], ints + 16 * i + 8, r->time);
        for (int j = 0; j < CLR__PENDING_FIELDS; j++)
            param_bytes(&t[k + field_param[j]], &v[k + field_param[j]], &l[k + field_param[j]],
                        clr__pending_field(&p->pending, r, j), field_type[j]);
        at +=
            (size_t)snprintf(sql + at, cap - at, "%s($%zu,$%zu,$%zu,$%zu,$%zu,$%zu,$%zu,$%zu)",
                             i ? "," : "", k + 1, k + 2, k + 3, k + 4, k + 5, k + 6, k + 7, k + 8);
    }
    for (size_t i = 0; i < np; i++)
        f[i] = 1;
    if ((rc = ready(p)))
        goto done;
    PGresult *r = PQexecParams(p->conn, sql, (int)np, t, v, l, f, 0);
    if (!result_ok(r)) {
        rc = fail_res(p, r, "appending audit records");
        rc = rc == CLR_EEXIST ? CLR_ESTORE : rc; /* a duplicate seq: the caller rolls back */
        goto done;
    }
    PQclear(r);
    rc = 0;
done:
    free(t);
    free(v);
    free(l);
    free(f);
    free(ints);
    free(sql);
    return rc;
}

/* Sends the pending audit records; every other operation calls it first, so
 * that it sees them, and a failure shows up there (the caller rolls back). */
static int flush(pg_store *p)
{
    int rc = 0;
    size_t n = p->pending.n;
    for (size_t first = 0; first < n && !rc; first += FLUSH_ROWS)
        rc = insert_rows(p, first, n - first < FLUSH_ROWS ? n - first : FLUSH_ROWS);
    clr__pending_clear(&p->pending);
    return rc;
}

static void drop_pending(pg_store *p)
{
    clr__pending_clear(&p->pending);
}

static void p_rollback(clr_store *s);

/* ------------------------------------------------------------------------- */
/* Schema                                                                     */
/* ------------------------------------------------------------------------- */

static int p_schema_version(clr_store *s, int *out)
{
    pg_store *p = (pg_store *)s;
    PGresult *r;
    int rc;
    *out = 0;
    if ((rc = flush(p)))
        return rc;
    /* no schema_version table: a new, empty store */
    if ((rc = run(p, &r, "reading the schema", "SELECT to_regclass('schema_version') IS NOT NULL",
                  0, NULL, NULL, NULL, 0, 1)))
        return rc;
    int has = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    PQclear(r);
    if (!has)
        return 0;
    if ((rc = run(p, &r, "reading the schema version",
                  "SELECT coalesce(max(version), 0) FROM schema_version", 0, NULL, NULL, NULL, 0,
                  1)))
        return rc;
    if (PQntuples(r) == 1)
        *out = atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    return 0;
}

/* Brings the schema to CLR_STORE_SCHEMA_VERSION in one transaction, under an
 * advisory lock: nodes starting together migrate one after the other, and
 * the later ones find nothing left to do. */
static int migrate(pg_store *p)
{
    int rc, version;
    if ((rc = simple(p, "BEGIN; SELECT pg_advisory_xact_lock(" LOCK_MIGRATE ")",
                     "waiting to migrate the schema")))
        goto fail;
    if ((rc = simple(p,
                     "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT PRIMARY KEY,"
                     " applied_at BIGINT NOT NULL)",
                     "creating the schema version table")))
        goto fail;
    if ((rc = p_schema_version(&p->base, &version)))
        goto fail;
    if (version > CLR_STORE_SCHEMA_VERSION) {
        rc = clr__store_fail(&p->base,
                             "the store's schema is version %d, newer than this build's (%d)",
                             version, CLR_STORE_SCHEMA_VERSION);
        goto fail;
    }
    for (int v = version; v < CLR_STORE_SCHEMA_VERSION; v++) {
        char sql[128], what[64];
        snprintf(what, sizeof what, "migrating the schema to version %d", v + 1);
        if ((rc = simple(p, v < PG_OWN_MIGRATIONS ? pg_migrations[v] : clr__store_migrations[v],
                         what)))
            goto fail;
        snprintf(sql, sizeof sql,
                 "INSERT INTO schema_version (version, applied_at) VALUES (%d, %lld)", v + 1,
                 (long long)clr_time_now());
        if ((rc = simple(p, sql, what)))
            goto fail;
    }
    return simple(p, "COMMIT", "committing the schema migration");
fail:
    PQclear(PQexec(p->conn, "ROLLBACK"));
    return rc;
}

/* ------------------------------------------------------------------------- */
/* Operations                                                                 */
/* ------------------------------------------------------------------------- */

static void p_close(clr_store *s)
{
    pg_store *p = (pg_store *)s;
    PQfinish(p->conn);
    clr__pending_free(&p->pending);
    free(p);
}

static int p_begin(clr_store *s, int write)
{
    pg_store *p = (pg_store *)s;
    PGresult *r;
    /* a write transaction waits for the write lock (up to lock_timeout) at once,
       so that the tail it reads stays the tail until it commits */
    int rc = run(p, &r, write ? "starting a write transaction" : "starting a read transaction",
                 write ? "BEGIN; SELECT pg_advisory_xact_lock(" LOCK_WRITE ")"
                       : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                 0, NULL, NULL, NULL, 0, 1);
    if (rc) {
        PQclear(PQexec(p->conn, "ROLLBACK"));
        return rc;
    }
    PQclear(r);
    p->in_tx = 1;
    return 0;
}

static int p_commit(clr_store *s)
{
    pg_store *p = (pg_store *)s;
    int was = p->in_tx, rc;
    if ((rc = flush(p))) {
        p_rollback(s);
        return rc;
    }
    p->in_tx = 0;
    if (!was)
        return clr__store_fail(s, "committing: no transaction is open");
    PGresult *r = PQexec(p->conn, "COMMIT");
    if (!result_ok(r))
        return fail_res(p, r, "committing");
    /* COMMIT of a transaction that failed answers ROLLBACK, without an error */
    int committed = strcmp(PQcmdStatus(r), "COMMIT") == 0;
    PQclear(r);
    if (!committed)
        return clr__store_fail(s, "committing: a statement failed, and the transaction was "
                                  "rolled back");
    return 0;
}

static void p_rollback(clr_store *s)
{
    pg_store *p = (pg_store *)s;
    drop_pending(p);
    p->in_tx = 0;
    if (PQstatus(p->conn) == CONNECTION_OK)
        PQclear(PQexec(p->conn, "ROLLBACK"));
}

static int p_audit_tail(clr_store *s, int64_t *seq, unsigned char hash[CLR_AUDIT_HASH_BYTES])
{
    pg_store *p = (pg_store *)s;
    PGresult *r;
    int rc;
    *seq = 0;
    memset(hash, 0, CLR_AUDIT_HASH_BYTES);
    if ((rc = flush(p)))
        return rc;
    if ((rc = run(p, &r, "reading the audit log's tail",
                  "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", 0, NULL, NULL, NULL,
                  1, 1)))
        return rc;
    if (PQntuples(r) == 1) {
        unsigned bad = 0;
        *seq = col_int(r, 0, 0, &bad, 0);
        clr__bytes h = col_bytes(r, 0, 1, OID_BYTEA, &bad, 1);
        if (!bad && h.n == CLR_AUDIT_HASH_BYTES)
            memcpy(hash, h.p, CLR_AUDIT_HASH_BYTES);
        else
            rc = clr__store_fail(s, "the last audit record (%lld) has no valid hash",
                                 (long long)*seq);
    }
    PQclear(r);
    return rc;
}

/* Inside a transaction the record waits (copied) until FLUSH_ROWS of them go
 * in one INSERT, or another operation flushes them: one round trip for many
 * records instead of one each. */
static int p_audit_insert(clr_store *s, const clr__audit_row *row)
{
    pg_store *p = (pg_store *)s;
    if (clr__pending_add(&p->pending, row))
        return clr__store_fail(s, "appending an audit record: out of memory");
    return !p->in_tx || p->pending.n >= FLUSH_ROWS ? flush(p) : 0;
}

static int p_checkpoint_insert(clr_store *s, const clr__checkpoint_row *row)
{
    pg_store *p = (pg_store *)s;
    Oid t[4];
    const char *v[4];
    int l[4];
    char seq[8], time[8];
    PGresult *r;
    if (flush(p))
        return CLR_ESTORE;
    param_int(&t[0], &v[0], &l[0], seq, row->seq);
    param_bytes(&t[1], &v[1], &l[1], row->hash, OID_BYTEA);
    param_int(&t[2], &v[2], &l[2], time, row->time);
    param_bytes(&t[3], &v[3], &l[3], row->signature, OID_BYTEA);
    int rc = run(p, &r, "writing a checkpoint",
                 "INSERT INTO audit_checkpoint (seq, hash, time, signature) VALUES ($1, $2, $3, $4)"
                 " ON CONFLICT (seq) DO UPDATE SET hash = excluded.hash, time = excluded.time,"
                 " signature = excluded.signature",
                 4, t, v, l, 0, 0);
    PQclear(r);
    return rc;
}

/* Rows per chunk of a scan. */
#define SCAN_CHUNK 1000
#define SCAN_LIMIT " LIMIT 1000"

/* Calls fn(arg, result, i) for each row, in chunks of SCAN_CHUNK rows in
 * sequence order: sql selects seq first, takes $1 (from) and $2 (to) on seq,
 * and ends in ORDER BY seq SCAN_LIMIT; the next chunk starts after the last
 * seq. A caller that stops early has read at most one chunk more than it
 * needed. Outside a transaction the chunks are read in a read transaction of
 * their own: one snapshot, as one statement would be. */
static int scan(pg_store *p, const char *what, const char *sql, int n, Oid *types,
                const char **values, int *lengths, int64_t from, int64_t to,
                int (*fn)(void *arg, const PGresult *r, int i), void *arg)
{
    char b[2][8];
    int rc, own = !p->in_tx;
    if ((rc = flush(p)))
        return rc;
    if (own && (rc = p_begin(&p->base, 0)))
        return rc;
    param_int(&types[1], &values[1], &lengths[1], b[1], to);
    for (;;) {
        PGresult *r;
        param_int(&types[0], &values[0], &lengths[0], b[0], from);
        if ((rc = run(p, &r, what, sql, n, types, values, lengths, 1, 1)))
            break;
        int rows = PQntuples(r);
        int64_t last = from;
        for (int i = 0; i < rows && !rc; i++) {
            unsigned bad = 0;
            last = col_int(r, i, 0, &bad, 0);
            rc = bad ? clr__store_fail(&p->base, "%s: seq is not a BIGINT", what) : fn(arg, r, i);
        }
        PQclear(r);
        if (rc || rows < SCAN_CHUNK || last >= to)
            break;
        from = last + 1;
    }
    if (own)
        p_rollback(&p->base);
    return rc;
}

typedef struct audit_scan_arg {
    clr__audit_fn fn;
    void *arg;
} audit_scan_arg;

static int audit_row(void *arg, const PGresult *r, int i)
{
    audit_scan_arg *a = arg;
    clr__audit_row row;
    unsigned *bad = &row.type_bad;
    row.type_bad = 0;
    row.seq = col_int(r, i, CLR__COL_SEQ, bad, CLR__COL_SEQ);
    row.decision_id = col_bytes(r, i, CLR__COL_DECISION_ID, OID_TEXT, bad, CLR__COL_DECISION_ID);
    row.time = col_int(r, i, CLR__COL_TIME, bad, CLR__COL_TIME);
    row.outcome = col_bytes(r, i, CLR__COL_OUTCOME, OID_TEXT, bad, CLR__COL_OUTCOME);
    row.rules_version =
        col_bytes(r, i, CLR__COL_RULES_VERSION, OID_TEXT, bad, CLR__COL_RULES_VERSION);
    row.request = col_bytes(r, i, CLR__COL_REQUEST, OID_TEXT, bad, CLR__COL_REQUEST);
    row.decision = col_bytes(r, i, CLR__COL_DECISION, OID_TEXT, bad, CLR__COL_DECISION);
    row.hash = col_bytes(r, i, CLR__COL_HASH, OID_BYTEA, bad, CLR__COL_HASH);
    return a->fn(a->arg, &row);
}

static int p_audit_scan(clr_store *s, int64_t from_seq, int64_t to_seq, clr_time from_time,
                        clr_time until_time, clr__audit_fn fn, void *arg)
{
    pg_store *p = (pg_store *)s;
    Oid t[4];
    const char *v[4];
    int l[4];
    char b[2][8];
    audit_scan_arg a = {fn, arg};
    /* without a time range, every row, as the SQLite store reads them */
    int timed = from_time != CLR_TIME_MIN || until_time != CLR_TIME_MAX;
    param_int(&t[2], &v[2], &l[2], b[0], from_time);
    param_int(&t[3], &v[3], &l[3], b[1], until_time);
    return scan(p, "reading the audit log",
                timed
                    ? "SELECT seq, decision_id, time, outcome, rules_version, request, decision,"
                      " hash FROM audit_log WHERE seq >= $1 AND seq <= $2 AND time >= $3"
                      " AND time < $4 ORDER BY seq" SCAN_LIMIT
                    : "SELECT seq, decision_id, time, outcome, rules_version, request, decision,"
                      " hash FROM audit_log WHERE seq >= $1 AND seq <= $2 ORDER BY seq" SCAN_LIMIT,
                timed ? 4 : 2, t, v, l, from_seq, to_seq >= 0 ? to_seq : INT64_MAX, audit_row, &a);
}

typedef struct cp_scan_arg {
    clr__checkpoint_fn fn;
    void *arg;
} cp_scan_arg;

static int cp_row(void *arg, const PGresult *r, int i)
{
    cp_scan_arg *a = arg;
    clr__checkpoint_row row;
    row.type_bad = 0;
    row.seq = col_int(r, i, 0, &row.type_bad, 0);
    row.hash = col_bytes(r, i, 1, OID_BYTEA, &row.type_bad, 1);
    row.time = col_int(r, i, 2, &row.type_bad, 2);
    row.signature = col_bytes(r, i, 3, OID_BYTEA, &row.type_bad, 3);
    return a->fn(a->arg, &row);
}

static int p_checkpoint_scan(clr_store *s, int64_t from_seq, clr__checkpoint_fn fn, void *arg)
{
    pg_store *p = (pg_store *)s;
    Oid t[2];
    const char *v[2];
    int l[2];
    cp_scan_arg a = {fn, arg};
    return scan(p, "reading the checkpoints",
                "SELECT seq, hash, time, signature FROM audit_checkpoint WHERE seq >= $1"
                " AND seq <= $2 ORDER BY seq" SCAN_LIMIT,
                2, t, v, l, from_seq, INT64_MAX, cp_row, &a);
}

static int p_audit_find(clr_store *s, const char *decision_id, int64_t *seq)
{
    pg_store *p = (pg_store *)s;
    Oid t = OID_TEXT;
    int l = (int)strlen(decision_id);
    PGresult *r;
    if (flush(p))
        return CLR_ESTORE;
    int rc = run(p, &r, "finding a decision",
                 "SELECT seq FROM audit_log WHERE decision_id = $1 ORDER BY seq LIMIT 1", 1, &t,
                 &decision_id, &l, 1, 1);
    if (rc)
        return rc;
    rc = CLR_ENOTFOUND;
    if (PQntuples(r) == 1) {
        unsigned bad = 0;
        *seq = col_int(r, 0, 0, &bad, 0);
        rc = 0;
    }
    PQclear(r);
    return rc;
}

static int p_meta_get(clr_store *s, const char *key, char *buf, size_t cap)
{
    pg_store *p = (pg_store *)s;
    Oid t = OID_TEXT;
    int l = (int)strlen(key);
    PGresult *r;
    if (flush(p))
        return CLR_ESTORE;
    int rc = run(p, &r, "reading a setting", "SELECT value FROM meta WHERE key = $1", 1, &t, &key,
                 &l, 1, 1);
    if (rc)
        return rc;
    rc = CLR_ENOTFOUND;
    if (PQntuples(r) == 1) {
        size_t n = PQgetisnull(r, 0, 0) ? 0 : (size_t)PQgetlength(r, 0, 0);
        if (n >= cap) {
            rc = CLR_ELIMIT;
        } else {
            memcpy(buf, PQgetvalue(r, 0, 0), n);
            buf[n] = '\0';
            rc = 0;
        }
    }
    PQclear(r);
    return rc;
}

static int p_meta_set(clr_store *s, const char *key, const char *value)
{
    pg_store *p = (pg_store *)s;
    Oid t[2] = {OID_TEXT, OID_TEXT};
    const char *v[2] = {key, value};
    int l[2] = {(int)strlen(key), (int)strlen(value)};
    PGresult *r;
    if (flush(p))
        return CLR_ESTORE;
    int rc = run(p, &r, "writing a setting",
                 "INSERT INTO meta (key, value) VALUES ($1, $2)"
                 " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                 2, t, v, l, 0, 1);
    PQclear(r);
    return rc;
}

/* d truncated, within int64's range (NaN: 0). */
static int64_t to_int(double d)
{
    if (!(d == d))
        return 0;
    if (d >= 9223372036854775807.0)
        return INT64_MAX;
    if (d <= -9223372036854775808.0)
        return INT64_MIN;
    return (int64_t)d;
}

/* A text-format result column as a typed value, as the SQLite store gives
 * it: integer types INT, floating types REAL, numeric INT when it is a whole
 * number that fits (sum() over BIGINT is numeric here, an integer in SQLite)
 * and REAL otherwise, everything else TEXT. */
static void column_value(clr__value *c, const PGresult *r, int row, int col)
{
    memset(c, 0, sizeof *c);
    if (PQgetisnull(r, row, col)) {
        c->type = CLR__NULL;
        return;
    }
    const char *v = PQgetvalue(r, row, col);
    char *end;
    switch (PQftype(r, col)) {
    case OID_INT2:
    case OID_INT4:
    case OID_INT8:
    case OID_OID:
        c->type = CLR__INT;
        c->i = strtoll(v, NULL, 10);
        c->d = (double)c->i;
        return;
    case OID_BOOL:
        c->type = CLR__INT;
        c->i = v[0] == 't';
        c->d = (double)c->i;
        return;
    case OID_NUMERIC:
        errno = 0;
        c->i = strtoll(v, &end, 10);
        if (*end == '\0' && errno == 0) {
            c->type = CLR__INT;
            c->d = (double)c->i;
            return;
        }
        c->type = CLR__REAL; /* a fraction, or too large */
        c->d = strtod(v, NULL);
        c->i = to_int(c->d);
        return;
    case OID_FLOAT4:
    case OID_FLOAT8:
        c->type = CLR__REAL;
        c->d = strtod(v, NULL);
        c->i = to_int(c->d);
        return;
    default:
        c->type = CLR__TEXT;
        c->s = v;
        c->n = (size_t)PQgetlength(r, row, col);
        return;
    }
}

/* An INSERT, UPDATE or DELETE's command tag (a SELECT's counts rows read). */
static int is_change(const char *tag)
{
    return strncmp(tag, "INSERT ", 7) == 0 || strncmp(tag, "UPDATE ", 7) == 0 ||
           strncmp(tag, "DELETE ", 7) == 0;
}

static int query_once(pg_store *p, const char *sql, const clr__value *params, int nparams,
                      clr__row_fn fn, void *arg, int64_t *changes)
{
    Oid t[MAX_PARAMS];
    const char *v[MAX_PARAMS];
    int l[MAX_PARAMS];
    char b[MAX_PARAMS][8];
    PGresult *r;
    int rc;
    if (nparams > MAX_PARAMS)
        return clr__store_fail(&p->base, "running a statement: more than %d parameters",
                               MAX_PARAMS);
    for (int i = 0; i < nparams; i++) {
        const clr__value *x = &params[i];
        switch (x->type) {
        case CLR__INT: param_int(&t[i], &v[i], &l[i], b[i], x->i); break;
        case CLR__REAL: {
            uint64_t bits;
            memcpy(&bits, &x->d, sizeof bits);
            put_be64(b[i], bits);
            t[i] = OID_FLOAT8;
            v[i] = b[i];
            l[i] = 8;
            break;
        }
        case CLR__TEXT: param_bytes(&t[i], &v[i], &l[i], (clr__bytes){x->s, x->n}, OID_TEXT); break;
        default: /* NULL: its type comes from where it is used */
            t[i] = 0;
            v[i] = NULL;
            l[i] = 0;
            break;
        }
    }
    if ((rc = run(p, &r, "running a statement", sql, nparams, t, v, l, 0, 0)))
        return rc;
    if (fn) {
        int nrows = PQntuples(r), ncols = PQnfields(r);
        clr__value cols[MAX_COLS];
        if (ncols > MAX_COLS)
            ncols = MAX_COLS;
        for (int i = 0; i < nrows && !rc; i++) {
            for (int c = 0; c < ncols; c++)
                column_value(&cols[c], r, i, c);
            rc = fn(arg, cols, ncols);
        }
    }
    if (rc == 0 && changes && is_change(PQcmdStatus(r))) {
        const char *n = PQcmdTuples(r);
        *changes = *n ? strtoll(n, NULL, 10) : 0;
    }
    PQclear(r);
    return rc;
}

/* Inside a transaction a failed statement would abort the whole transaction
 * (SQLite only undoes the statement): a savepoint around each statement keeps
 * the two backends alike, at two more round trips. */
static int p_query(clr_store *s, const char *sql, const clr__value *params, int nparams,
                   clr__row_fn fn, void *arg, int64_t *changes)
{
    pg_store *p = (pg_store *)s;
    int rc;
    if (changes)
        *changes = 0;
    if ((rc = flush(p)))
        return rc;
    if (!p->in_tx)
        return query_once(p, sql, params, nparams, fn, arg, changes);
    if ((rc = ready(p)) || (rc = simple(p, "SAVEPOINT clr_query", "running a statement")))
        return rc;
    rc = query_once(p, sql, params, nparams, fn, arg, changes);
    if (rc < 0 && PQtransactionStatus(p->conn) == PQTRANS_INERROR) {
        char msg[sizeof p->base.errmsg];
        memcpy(msg, p->base.errmsg, sizeof msg); /* the statement's message, not the undo's */
        if (!simple(p, "ROLLBACK TO SAVEPOINT clr_query; RELEASE SAVEPOINT clr_query",
                    "undoing a statement"))
            memcpy(p->base.errmsg, msg, sizeof msg);
        return rc;
    }
    int rel = simple(p, "RELEASE SAVEPOINT clr_query", "running a statement");
    return rc ? rc : rel;
}

static const clr__store_ops pg_ops = {
    .name = "postgresql",
    .close = p_close,
    .schema_version = p_schema_version,
    .begin = p_begin,
    .commit = p_commit,
    .rollback = p_rollback,
    .audit_tail = p_audit_tail,
    .audit_insert = p_audit_insert,
    .checkpoint_insert = p_checkpoint_insert,
    .audit_scan = p_audit_scan,
    .checkpoint_scan = p_checkpoint_scan,
    .audit_find = p_audit_find,
    .meta_get = p_meta_get,
    .meta_set = p_meta_set,
    .query = p_query,
    .background = NULL, /* PostgreSQL checkpoints on its own */
};

int clr__store_is_pg(const char *path)
{
    return path &&
           (strncmp(path, "postgresql://", 13) == 0 || strncmp(path, "postgres://", 11) == 0);
}

int clr__store_pg_open(clr_store **out, const char *url, const clr_store_options *opts,
                       char *errbuf, size_t errcap)
{
    clr_store_options defaults = CLR_STORE_OPTIONS_INIT;
    pg_store *p = NULL;
    int rc = CLR_EINVAL;
    *out = NULL;
    if (errbuf && errcap)
        errbuf[0] = '\0';
    if (!opts)
        opts = &defaults;
    if (!url || opts->version != CLR_STORE_OPTIONS_VERSION)
        goto done;
    rc = CLR_ENOMEM;
    if (!(p = calloc(1, sizeof *p)))
        goto done;
    p->base.ops = &pg_ops;
    p->read_only = opts->read_only;
    p->lock_timeout_ms = opts->busy_timeout_ms > 0 ? opts->busy_timeout_ms : 5000;
    /* defaults first: the URL's own settings override them. A server that
       vanishes without closing the connection is noticed within about 30 s
       (keepalives, tcp_user_timeout), not the system's two hours. */
    const char *const keys[] = {
        "connect_timeout",  "fallback_application_name", "keepalives_idle", "keepalives_interval",
        "keepalives_count", "tcp_user_timeout",          "dbname",          NULL};
    const char *const values[] = {"10", "clearance", "10", "5", "3", "30000", url, NULL};
    if (!(p->conn = PQconnectdbParams(keys, values, 1)))
        goto done;
    /* the message names host and port, never the password */
    if (PQstatus(p->conn) != CONNECTION_OK) {
        rc = fail_conn(p, "cannot connect to PostgreSQL");
        goto done;
    }
    PQsetNoticeProcessor(p->conn, quiet, NULL);
    if ((rc = configure(p)))
        goto done;
    if (opts->read_only) {
        int version = 0;
        if ((rc = p_schema_version(&p->base, &version)))
            goto done;
        if (version == 0) {
            rc = clr__store_fail(&p->base, "the PostgreSQL database %s is not a clearance store",
                                 PQdb(p->conn));
            goto done;
        }
        if (version != CLR_STORE_SCHEMA_VERSION) {
            rc = clr__store_fail(&p->base,
                                 "the PostgreSQL database %s is at schema version %d and this "
                                 "build reads %d%s",
                                 PQdb(p->conn), version, CLR_STORE_SCHEMA_VERSION,
                                 version < CLR_STORE_SCHEMA_VERSION
                                     ? ": open it once for writing to migrate it"
                                     : "");
            goto done;
        }
    } else if ((rc = migrate(p))) {
        goto done;
    }
    *out = &p->base;
    p = NULL;
    rc = 0;
done:
    if (p) {
        if (errbuf && errcap)
            snprintf(errbuf, errcap, "%s", p->base.errmsg);
        p_close(&p->base);
    }
    return rc;
}
