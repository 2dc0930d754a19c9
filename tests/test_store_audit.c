/* The store and the audit log, against real SQLite files in a temporary
 * folder or, with CLR_TEST_STORE=postgresql://... (scripts/pg.sh), a
 * PostgreSQL database: migrations, appending, verification, tampering with
 * the tables directly, checkpoints and keys, proofs, export, async mode and a
 * crash; on PostgreSQL also several writers at once, nodes migrating at once
 * and a lost connection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <dirent.h>
#include <libpq-fe.h>

#include "clearance.h"
#include "clearance_store.h"
#include "store.h"

static const char REQUEST[] =
    "{\"model\": \"mythos-5\", \"principal\": {\"id\": \"user:ana\", \"org\": \"org:acme\", "
    "\"nationality\": \"DE\", \"country\": \"DE\", \"hq\": \"DE\"}, \"use\": "
    "\"software-development\", \"integration\": \"api\", \"time\": \"2026-06-20T12:00:00Z\"}";

static clr_ruleset *rules;
static char dir[64];
static char db[512];
static char key[128];
static const char *pg_url; /* CLR_TEST_STORE: the tests run on this PostgreSQL database */

/* The SQL for this test's backend. */
#define B(sqlite, pg) (pg_url ? (pg) : (sqlite))

static PGresult *pg_exec(const char *text, int want_ok)
{
    PGconn *c = PQconnectdb(pg_url);
    if (PQstatus(c) != CONNECTION_OK)
        fail_msg("connecting to %s: %s", pg_url, PQerrorMessage(c));
    PGresult *r = PQexec(c, text);
    ExecStatusType st = PQresultStatus(r);
    int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (ok != want_ok)
        fail_msg("%s: %s", text, ok ? "succeeded" : PQerrorMessage(c));
    PQfinish(c);
    return r;
}

/* The ids of the decisions appended by make_log, by sequence number. */
static char ids[6000][37];

static int setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/clr-audit-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(db, sizeof db, "%s/audit.db", dir);
    snprintf(key, sizeof key, "%s/audit.key", dir);
    if (pg_url) { /* every test starts from an empty database */
        snprintf(db, sizeof db, "%s", pg_url);
        PQclear(pg_exec("SET client_min_messages = warning;"
                        "DROP SCHEMA public CASCADE; CREATE SCHEMA public",
                        1));
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd);
}

static void decide(clr_request *q, clr_decision *d)
{
    assert_int_equal(clr_request_parse(q, REQUEST, strlen(REQUEST), 0, NULL), 0);
    assert_int_equal(clr_decide(rules, q, d, NULL), 0);
}

static clr_store *open_store(void)
{
    clr_store *s = NULL;
    char err[256];
    int rc = clr_store_open(&s, db, NULL, err, sizeof err);
    if (rc)
        fail_msg("clr_store_open: %s", err);
    return s;
}

/* Appends n records to the store at db (sync mode, checkpoints every `every`). */
static void make_log(size_t first, size_t n, uint64_t every)
{
    clr_store *s = open_store();
    clr_audit *a = NULL;
    clr_audit_options o = CLR_AUDIT_OPTIONS_INIT;
    char err[256];
    o.checkpoint_every = every;
    o.key_path = key;
    if (clr_audit_open(&a, s, db, &o, err, sizeof err))
        fail_msg("clr_audit_open: %s", err);
    for (size_t i = 0; i < n; i++) {
        clr_request q;
        clr_decision d;
        decide(&q, &d);
        strcpy(ids[first + i + 1], d.decision_id);
        assert_int_equal(clr_audit_append(a, &q, &d), 0);
    }
    assert_int_equal(clr_audit_close(a), 0);
    clr_store_close(s);
}

static clr_audit_report verify(const unsigned char *pk)
{
    clr_audit_report r;
    clr_store *s = open_store();
    assert_int_equal(clr_audit_verify(&r, s, pk), 0);
    clr_store_close(s);
    return r;
}

static void sql(const char *text)
{
    if (pg_url) {
        PQclear(pg_exec(text, 1));
        return;
    }
    sqlite3 *h;
    char *msg = NULL;
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    if (sqlite3_exec(h, text, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", text, msg);
    sqlite3_close(h);
}

static void expect_bad(clr_audit_report r, int64_t seq, const char *id, const char *words)
{
    if (r.ok || r.bad_seq != seq || (id && strcmp(r.bad_decision_id, id) != 0) ||
        !strstr(r.problem, words))
        fail_msg("ok %d, bad record %lld (%s): %s; expected %lld (%s) /%s/", r.ok,
                 (long long)r.bad_seq, r.bad_decision_id, r.problem, (long long)seq, id ? id : "-",
                 words);
}

/* ------------------------------------------------------------------------- */

static void test_fresh_store_is_at_the_latest_schema(void **state)
{
    (void)state;
    clr_store *s = open_store();
    int v = 0;
    assert_int_equal(clr_store_schema_version(&v, s), 0);
    assert_int_equal(v, CLR_STORE_SCHEMA_VERSION);
    clr_store_close(s);
    /* opening again migrates nothing */
    s = open_store();
    assert_int_equal(clr_store_schema_version(&v, s), 0);
    assert_int_equal(v, CLR_STORE_SCHEMA_VERSION);
    clr_store_close(s);
}

static int count(const char *query)
{
    sqlite3 *h;
    sqlite3_stmt *st;
    int n = -1;
    if (pg_url) {
        PGresult *r = pg_exec(query, 1);
        if (PQntuples(r) == 1)
            n = atoi(PQgetvalue(r, 0, 0));
        PQclear(r);
        return n;
    }
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(h, query, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
    return n;
}

/* Takes the store back to what migration 1 made: drops every index and table
 * a later migration added, whatever they are. */
static void back_to_version_1(void)
{
    sqlite3 *h;
    sqlite3_stmt *st;
    char drops[4096] = "";
    if (pg_url) {
        sql("DO $$ DECLARE r record; BEGIN"
            " FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename"
            " NOT IN ('schema_version', 'meta', 'audit_log') LOOP"
            " EXECUTE format('DROP TABLE %I CASCADE', r.tablename); END LOOP;"
            " FOR r IN SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND tablename"
            " IN ('schema_version', 'meta', 'audit_log') AND indexname NOT LIKE '%\\_pkey' LOOP"
            " EXECUTE format('DROP INDEX %I', r.indexname); END LOOP; END $$;"
            "DELETE FROM schema_version WHERE version > 1;");
        return;
    }
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(h,
                                        "SELECT type, name FROM sqlite_master WHERE name NOT IN "
                                        "('schema_version', 'meta', 'audit_log') AND name NOT "
                                        "LIKE 'sqlite_%' AND type IN ('table', 'index') "
                                        "ORDER BY type = 'table'",
                                        -1, &st, NULL),
                     SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        size_t n = strlen(drops);
        snprintf(drops + n, sizeof drops - n, "DROP %s IF EXISTS \"%s\";",
                 strcmp((const char *)sqlite3_column_text(st, 0), "table") == 0 ? "TABLE" : "INDEX",
                 (const char *)sqlite3_column_text(st, 1));
    }
    sqlite3_finalize(st);
    sqlite3_close(h);
    sql(drops);
    sql("DELETE FROM schema_version WHERE version > 1;");
}

static void test_old_version_file_is_migrated(void **state)
{
    (void)state;
    /* a store as version 1 left it, with a record in it */
    sql(B("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL);"
          "INSERT INTO schema_version VALUES (1, 0);"
          "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
          "CREATE TABLE audit_log (seq INTEGER PRIMARY KEY, decision_id TEXT NOT NULL,"
          " time INTEGER NOT NULL, outcome TEXT NOT NULL, rules_version TEXT NOT NULL,"
          " request TEXT NOT NULL, decision TEXT NOT NULL, hash BLOB NOT NULL);",
          "CREATE TABLE schema_version (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL);"
          "INSERT INTO schema_version VALUES (1, 0);"
          "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
          "CREATE TABLE audit_log (seq BIGINT PRIMARY KEY, decision_id TEXT NOT NULL,"
          " time BIGINT NOT NULL, outcome TEXT NOT NULL, rules_version TEXT NOT NULL,"
          " request TEXT NOT NULL, decision TEXT NOT NULL, hash BYTEA NOT NULL);"));
    make_log(0, 3, 1000);
    back_to_version_1();
    assert_int_equal(count("SELECT max(version) FROM schema_version"), 1);
    /* reading only, it is not migrated but refused */
    clr_store_options ro = CLR_STORE_OPTIONS_INIT;
    clr_store *s = NULL;
    char err[256];
    ro.read_only = 1;
    assert_int_equal(clr_store_open(&s, db, &ro, err, sizeof err), CLR_ESTORE);
    assert_non_null(strstr(err, "open it once for writing to migrate it"));
    s = open_store();
    int v = 0;
    assert_int_equal(clr_store_schema_version(&v, s), 0);
    assert_int_equal(v, CLR_STORE_SCHEMA_VERSION);
    clr_store_close(s);
    assert_int_equal(count("SELECT count(*) FROM schema_version"), CLR_STORE_SCHEMA_VERSION);
    assert_int_equal(count(B("SELECT count(*) FROM sqlite_master WHERE name = "
                             "'audit_log_decision_id'",
                             "SELECT count(*) FROM pg_indexes WHERE indexname = "
                             "'audit_log_decision_id'")),
                     1);
    assert_int_equal(count("SELECT count(*) FROM audit_checkpoint"), 0);
    assert_int_equal(count("SELECT count(*) FROM audit_log"), 3);
    /* the records survived; without their checkpoint they are unsigned, not bad */
    clr_audit_report r = verify(NULL);
    assert_true(r.ok);
    assert_int_equal(r.records, 3);
    assert_int_equal(r.unsigned_records, 3);
}

static void test_newer_schema_is_refused(void **state)
{
    (void)state;
    clr_store_close(open_store());
    sql("INSERT INTO schema_version VALUES (99, 0)");
    clr_store *s = NULL;
    char err[256];
    assert_int_equal(clr_store_open(&s, db, NULL, err, sizeof err), CLR_ESTORE);
    assert_null(s);
    assert_non_null(strstr(err, "newer than this build"));
}

static void test_append_and_verify(void **state)
{
    (void)state;
    make_log(0, 2500, 1000);
    clr_audit_report r = verify(NULL);
    assert_true(r.ok);
    assert_int_equal(r.records, 2500);
    assert_int_equal(r.checkpoints, 3); /* 1000, 2000, and the last on closing */
    assert_int_equal(r.last_checkpoint, 2500);
    assert_int_equal(r.unsigned_records, 0);
    /* appending again continues the chain */
    make_log(2500, 10, 1000);
    r = verify(NULL);
    assert_true(r.ok);
    assert_int_equal(r.records, 2510);
    assert_int_equal(r.last_checkpoint, 2510);
    /* the key file is private; its public half is readable and the store's */
    struct stat st;
    assert_int_equal(stat(key, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    unsigned char pk[CLR_AUDIT_PK_BYTES], pk2[CLR_AUDIT_PK_BYTES];
    char pub[160];
    snprintf(pub, sizeof pub, "%s.pub", key);
    assert_int_equal(clr_audit_public_key_read(pk, pub), 0);
    clr_store *s = open_store();
    assert_int_equal(clr_audit_public_key(pk2, s), 0);
    clr_store_close(s);
    assert_memory_equal(pk, pk2, sizeof pk);
    r = verify(pk);
    assert_true(r.ok);
}

static void test_changed_record(void **state)
{
    (void)state;
    make_log(0, 50, 10);
    sql("UPDATE audit_log SET outcome = outcome || 'x' WHERE seq = 17");
    expect_bad(verify(NULL), 17, ids[17], "contents were changed");
}

static void test_changed_type(void **state)
{
    (void)state;
    make_log(0, 50, 10);
    if (!pg_url) {
        sql("UPDATE audit_log SET time = 'yesterday' WHERE seq = 5");
        expect_bad(verify(NULL), 5, ids[5], "time of the wrong type");
        return;
    }
    /* PostgreSQL enforces column types: a value of the wrong type is refused */
    PQclear(pg_exec("UPDATE audit_log SET time = 'yesterday' WHERE seq = 5", 0));
    assert_true(verify(NULL).ok);
    /* ... unless the table itself is changed; then every row has the wrong type */
    sql("ALTER TABLE audit_log ALTER COLUMN time TYPE TEXT;"
        "UPDATE audit_log SET time = 'yesterday' WHERE seq = 5");
    expect_bad(verify(NULL), 1, ids[1], "time of the wrong type");
}

static void test_deleted_record(void **state)
{
    (void)state;
    make_log(0, 50, 10);
    sql("DELETE FROM audit_log WHERE seq = 23");
    expect_bad(verify(NULL), 23, ids[24], "record 23 is missing");
}

static void test_deleted_and_renumbered(void **state)
{
    (void)state;
    make_log(0, 50, 10);
    /* PostgreSQL checks the key row by row: renumber in two steps */
    sql(B("DELETE FROM audit_log WHERE seq = 23; UPDATE audit_log SET seq = seq - 1 WHERE seq > 23",
          "DELETE FROM audit_log WHERE seq = 23; UPDATE audit_log SET seq = seq + 1000 WHERE seq > "
          "23;"
          "UPDATE audit_log SET seq = seq - 1001 WHERE seq > 1000"));
    expect_bad(verify(NULL), 23, ids[24], "does not match its hash");
}

static void test_deleted_tail(void **state)
{
    (void)state;
    make_log(0, 50, 10);
    sql("DELETE FROM audit_log WHERE seq > 45");
    expect_bad(verify(NULL), 46, NULL, "records were deleted from its end");
}

static void test_inserted_record(void **state)
{
    (void)state;
    make_log(0, 50, 10);
    /* make room at 30 and copy record 5 (with its hash) there */
    sql("UPDATE audit_log SET seq = seq + 1000 WHERE seq >= 30;"
        "UPDATE audit_log SET seq = seq - 999 WHERE seq >= 1000;"
        "INSERT INTO audit_log SELECT 30, decision_id, time, outcome, rules_version, request,"
        " decision, hash FROM audit_log WHERE seq = 5");
    expect_bad(verify(NULL), 30, ids[5], "inserted or moved here");
}

static void test_inserted_before_the_first(void **state)
{
    (void)state;
    make_log(0, 5, 10);
    sql("INSERT INTO audit_log SELECT 0, decision_id, time, outcome, rules_version, request,"
        " decision, hash FROM audit_log WHERE seq = 1");
    expect_bad(verify(NULL), 0, ids[1], "precedes the first record");
}

static void test_reordered_records(void **state)
{
    (void)state;
    make_log(0, 50, 10);
    sql("CREATE TEMP TABLE t AS SELECT * FROM audit_log WHERE seq IN (12, 13);"
        "DELETE FROM audit_log WHERE seq IN (12, 13);"
        "INSERT INTO audit_log SELECT 25 - seq, decision_id, time, outcome, rules_version,"
        " request, decision, hash FROM t;");
    expect_bad(verify(NULL), 12, ids[13], "does not match its hash");
}

/* Rewrites record 17 and recomputes every hash after it, as an attacker
 * without the signing key could: only the checkpoints catch it. */
static void rewrite_chain_pg(void)
{
    PGconn *c = PQconnectdb(pg_url);
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    PGresult *rd = PQexec(c, "SELECT seq, decision_id, time, outcome, rules_version, request,"
                             " decision FROM audit_log ORDER BY seq");
    assert_int_equal(PQresultStatus(rd), PGRES_TUPLES_OK);
    unsigned char chain[32] = {0};
    clr__audit_hasher hs;
    clr__audit_hasher_init(&hs, CLR__AUDIT_SCHEME_NEW); /* the log's, made by make_log */
    PQclear(PQexec(c, "BEGIN"));
    for (int i = 0; i < PQntuples(rd); i++) {
        clr__audit_row r;
        memset(&r, 0, sizeof r);
        r.seq = atoll(PQgetvalue(rd, i, 0));
        r.time = atoll(PQgetvalue(rd, i, 2));
        clr__bytes *cols[] = {&r.decision_id,   NULL,       &r.outcome,
                              &r.rules_version, &r.request, &r.decision};
        for (int k = 1; k <= 6; k++) {
            if (!cols[k - 1])
                continue;
            cols[k - 1]->p = PQgetvalue(rd, i, k);
            cols[k - 1]->n = (size_t)PQgetlength(rd, i, k);
        }
        unsigned char leaf[32];
        clr__audit_leaf(&hs, leaf, &r);
        clr__audit_link(&hs, chain, chain, r.seq, leaf);
        char seq[24];
        snprintf(seq, sizeof seq, "%lld", (long long)r.seq);
        const char *v[2] = {(const char *)chain, seq};
        int l[2] = {32, 0}, f[2] = {1, 0};
        PGresult *w = PQexecParams(
            c, "UPDATE audit_log SET hash = $1::bytea WHERE seq = $2::bigint", 2, NULL, v, l, f, 0);
        assert_int_equal(PQresultStatus(w), PGRES_COMMAND_OK);
        PQclear(w);
    }
    PQclear(PQexec(c, "COMMIT"));
    clr__audit_hasher_free(&hs);
    PQclear(rd);
    PQfinish(c);
}

static void test_rewritten_chain(void **state)
{
    (void)state;
    make_log(0, 50, 10);
    sql("UPDATE audit_log SET outcome = outcome || 'x' WHERE seq = 17");
    if (pg_url) {
        rewrite_chain_pg();
        expect_bad(verify(NULL), 11, NULL, "from 11 to 20 was rewritten");
        return;
    }
    sqlite3 *h;
    sqlite3_stmt *rd, *wr;
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(h,
                                        "SELECT seq, decision_id, time, outcome, rules_version,"
                                        " request, decision, hash FROM audit_log ORDER BY seq",
                                        -1, &rd, NULL),
                     SQLITE_OK);
    assert_int_equal(
        sqlite3_prepare_v2(h, "UPDATE audit_log SET hash = ? WHERE seq = ?", -1, &wr, NULL),
        SQLITE_OK);
    unsigned char chain[32] = {0};
    clr__audit_hasher hs;
    clr__audit_hasher_init(&hs, CLR__AUDIT_SCHEME_NEW); /* the log's, made by make_log */
    sqlite3_exec(h, "BEGIN", NULL, NULL, NULL);
    while (sqlite3_step(rd) == SQLITE_ROW) {
        clr__audit_row r;
        memset(&r, 0, sizeof r);
        r.seq = sqlite3_column_int64(rd, 0);
        r.time = sqlite3_column_int64(rd, 2);
        clr__bytes *cols[] = {&r.decision_id,   NULL,       &r.outcome,
                              &r.rules_version, &r.request, &r.decision};
        for (int i = 1; i <= 6; i++) {
            if (!cols[i - 1])
                continue;
            cols[i - 1]->p = (const char *)sqlite3_column_text(rd, i);
            cols[i - 1]->n = (size_t)sqlite3_column_bytes(rd, i);
        }
        unsigned char leaf[32];
        clr__audit_leaf(&hs, leaf, &r);
        clr__audit_link(&hs, chain, chain, r.seq, leaf);
        sqlite3_bind_blob(wr, 1, chain, 32, SQLITE_TRANSIENT);
        sqlite3_bind_int64(wr, 2, r.seq);
        assert_int_equal(sqlite3_step(wr), SQLITE_DONE);
        sqlite3_reset(wr);
    }
    sqlite3_exec(h, "COMMIT", NULL, NULL, NULL);
    clr__audit_hasher_free(&hs);
    sqlite3_finalize(rd);
    sqlite3_finalize(wr);
    sqlite3_close(h);
    expect_bad(verify(NULL), 11, NULL, "from 11 to 20 was rewritten");
}

static void test_checkpoint_tampered(void **state)
{
    (void)state;
    make_log(0, 50, 10);
    sql("UPDATE audit_checkpoint SET time = time + 1 WHERE seq = 20");
    expect_bad(verify(NULL), 20, ids[20], "signature of the checkpoint at record 20");
    sql(B(
        "UPDATE audit_checkpoint SET time = time - 1 WHERE seq = 20;"
        "UPDATE audit_checkpoint SET signature = zeroblob(64) WHERE seq = 30",
        "UPDATE audit_checkpoint SET time = time - 1 WHERE seq = 20;"
        "UPDATE audit_checkpoint SET signature = decode(repeat('00', 64), 'hex') WHERE seq = 30"));
    expect_bad(verify(NULL), 30, ids[30], "does not verify");
    sql(B("UPDATE audit_checkpoint SET signature = x'00' WHERE seq = 30",
          "UPDATE audit_checkpoint SET signature = '\\x00' WHERE seq = 30"));
    expect_bad(verify(NULL), 30, ids[30], "malformed");
}

static void test_wrong_key(void **state)
{
    (void)state;
    make_log(0, 20, 10);
    unsigned char pk[CLR_AUDIT_PK_BYTES], sk[64];
    crypto_sign_keypair(pk, sk);
    expect_bad(verify(pk), 10, ids[10], "signed by another key");
    /* the store's key replaced: the signatures no longer verify under it */
    char hex[65], q[200];
    clr__hex(hex, pk, 32);
    snprintf(q, sizeof q, "UPDATE meta SET value = '%s' WHERE key = 'audit_public_key'", hex);
    sql(q);
    expect_bad(verify(NULL), 10, ids[10], "signed by another key");
}

static void test_key_files(void **state)
{
    (void)state;
    make_log(0, 1, 10);
    clr_store *s = open_store();
    clr_audit *a = NULL;
    clr_audit_options o = CLR_AUDIT_OPTIONS_INIT;
    char err[256], other[160];
    o.key_path = key;
    assert_int_equal(chmod(key, 0644), 0);
    assert_int_equal(clr_audit_open(&a, s, db, &o, err, sizeof err), CLR_EIO);
    assert_non_null(strstr(err, "open to others (mode 644)"));
    assert_int_equal(chmod(key, 0600), 0);
    /* another key for the same store */
    snprintf(other, sizeof other, "%s/other.key", dir);
    o.key_path = other;
    assert_int_equal(clr_audit_open(&a, s, db, &o, err, sizeof err), CLR_EINVAL);
    assert_non_null(strstr(err, "another key"));
    assert_null(a);
    clr_store_close(s);
}

static char *capture(int (*fn)(clr_store *, FILE *, const char *), const char *arg, int *rc)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    clr_store *s = open_store();
    *rc = fn(s, f, arg);
    clr_store_close(s);
    fclose(f);
    return text;
}

static int do_proof(clr_store *s, FILE *f, const char *id)
{
    return clr_audit_proof(s, id, NULL, f);
}

static int do_export(clr_store *s, FILE *f, const char *range)
{
    clr_time from = CLR_TIME_MIN, until = CLR_TIME_MAX;
    if (range)
        clr_time_parse(&from, range, strlen(range));
    return clr_audit_export(s, from, until, f);
}

static void unhex(unsigned char *out, size_t n, const cJSON *hex)
{
    assert_true(cJSON_IsString(hex));
    assert_int_equal(strlen(hex->valuestring), 2 * n);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        assert_int_equal(sscanf(hex->valuestring + 2 * i, "%2x", &v), 1);
        out[i] = (unsigned char)v;
    }
}

static void put64(unsigned char *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (unsigned char)v;
}

/* An outsider's hash for a record scheme: libsodium's BLAKE2b-256 (1) or its
 * SHA-256 (2; the library uses OpenSSL's). */
typedef struct outside_hash {
    int scheme;
    crypto_generichash_state b2;
    crypto_hash_sha256_state s2;
} outside_hash;

static void oh_init(outside_hash *h, int scheme)
{
    h->scheme = scheme;
    if (scheme == 1)
        crypto_generichash_init(&h->b2, NULL, 0, 32);
    else
        crypto_hash_sha256_init(&h->s2);
}

static void oh_update(outside_hash *h, const void *p, size_t n)
{
    if (h->scheme == 1)
        crypto_generichash_update(&h->b2, p, n);
    else
        crypto_hash_sha256_update(&h->s2, p, n);
}

static void oh_final(outside_hash *h, unsigned char out[32])
{
    if (h->scheme == 1)
        crypto_generichash_final(&h->b2, out, 32);
    else
        crypto_hash_sha256_final(&h->s2, out);
}

/* Checks a proof as an outsider would: from its JSON alone, with libsodium,
 * following docs/store.md (not the library's hashing code). Returns the
 * proof's record scheme. */
static int check_proof_independently(const char *text)
{
    cJSON *p = cJSON_Parse(text);
    assert_non_null(p);
    const cJSON *canon = cJSON_GetObjectItem(p, "canonical");
    const cJSON *record = cJSON_GetObjectItem(p, "record");
    const cJSON *cp = cJSON_GetObjectItem(p, "checkpoint");
    const cJSON *sch = cJSON_GetObjectItem(p, "record_scheme");
    assert_non_null(canon);
    assert_non_null(cp);
    assert_true(cJSON_IsNumber(sch) && (sch->valueint == 1 || sch->valueint == 2));
    int scheme = sch->valueint;
    /* the leaf */
    outside_hash h;
    unsigned char num[8], leaf[32], chain[32], given[32];
    oh_init(&h, scheme);
    oh_update(&h, scheme == 1 ? "clearance.record.v1" : "clearance.record.v2", 20);
    put64(num, (uint64_t)cJSON_GetObjectItem(canon, "time")->valuedouble);
    oh_update(&h, num, 8);
    const char *fields[] = {"decision_id", "outcome", "rules_version", "request", "decision"};
    for (int i = 0; i < 5; i++) {
        const char *v = cJSON_GetObjectItem(canon, fields[i])->valuestring;
        put64(num, strlen(v));
        oh_update(&h, num, 8);
        oh_update(&h, v, strlen(v));
    }
    oh_final(&h, leaf);
    unhex(given, 32, cJSON_GetObjectItem(p, "leaf_hash"));
    assert_memory_equal(leaf, given, 32);
    /* the chain to the checkpoint */
    int64_t seq = (int64_t)cJSON_GetObjectItem(record, "seq")->valuedouble;
    unhex(chain, 32, cJSON_GetObjectItem(p, "previous_hash"));
    const cJSON *next = cJSON_GetObjectItem(p, "following_leaf_hashes");
    for (int i = -1; i < cJSON_GetArraySize(next); i++, seq++) {
        unsigned char all[72];
        if (i >= 0)
            unhex(leaf, 32, cJSON_GetArrayItem(next, i));
        memcpy(all, chain, 32);
        put64(all + 32, (uint64_t)seq);
        memcpy(all + 40, leaf, 32);
        oh_init(&h, scheme);
        oh_update(&h, all, 72);
        oh_final(&h, chain);
    }
    int64_t cpseq = (int64_t)cJSON_GetObjectItem(cp, "seq")->valuedouble;
    assert_int_equal(seq - 1, cpseq);
    unhex(given, 32, cJSON_GetObjectItem(cp, "hash"));
    assert_memory_equal(chain, given, 32);
    /* the signature */
    unsigned char msg[24 + 8 + 32 + 8], sig[64], pk[32];
    memcpy(msg, "clearance.checkpoint.v1", 24);
    put64(msg + 24, (uint64_t)cpseq);
    memcpy(msg + 32, chain, 32);
    put64(msg + 64, (uint64_t)cJSON_GetObjectItem(cp, "time_unix")->valuedouble);
    unhex(sig, 64, cJSON_GetObjectItem(cp, "signature"));
    unhex(pk, 32, cJSON_GetObjectItem(cp, "public_key"));
    assert_int_equal(crypto_sign_verify_detached(sig, msg, sizeof msg, pk), 0);
    cJSON_Delete(p);
    return scheme;
}

static void test_proof(void **state)
{
    (void)state;
    int rc;
    make_log(0, 25, 10);
    char *p = capture(do_proof, ids[15], &rc);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(p, ids[15]));
    assert_non_null(strstr(p, "\"checkpoint\":{\"seq\":20,"));
    assert_non_null(strstr(p, "\"signature\":\""));
    assert_int_equal(check_proof_independently(p), CLR_AUDIT_SCHEME_SHA256); /* a new log */
    free(p);
    p = capture(do_proof, "no-such-decision", &rc);
    assert_int_equal(rc, CLR_ENOTFOUND);
    free(p);
    /* damage between the record and its checkpoint: no proof */
    sql("UPDATE audit_log SET outcome = outcome || 'x' WHERE seq = 18");
    p = capture(do_proof, ids[15], &rc);
    assert_int_equal(rc, CLR_EINVAL);
    free(p);
}

static void test_export(void **state)
{
    (void)state;
    int rc;
    make_log(0, 7, 10);
    char *p = capture(do_export, NULL, &rc);
    assert_int_equal(rc, 0);
    int lines = 0;
    for (char *c = p; *c; c++)
        lines += *c == '\n';
    assert_int_equal(lines, 7);
    assert_non_null(strstr(p, "{\"seq\":1,\"decision_id\":\""));
    assert_non_null(strstr(p, "\"request\":{\"model\":\"mythos-5\""));
    free(p);
    p = capture(do_export, "2100-01-01", &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(p, "");
    free(p);
}

typedef struct counter {
    int64_t n, stop_at, last_seq;
} counter;

static int count_row(void *arg, const clr__audit_row *r)
{
    counter *c = arg;
    assert_int_equal(r->type_bad, 0);
    assert_true(r->seq > c->last_seq);
    c->last_seq = r->seq;
    return ++c->n == c->stop_at ? 7 : 0;
}

static int count_cp(void *arg, const clr__checkpoint_row *r)
{
    (void)r;
    ++*(int *)arg;
    return 0;
}

/* Scans over many rows (PostgreSQL reads them in chunks of 1000), bounded,
 * stopped early, and followed by more reads in the same transaction. */
/* Appends records first..last in one transaction through the store's
 * operations, as the audit writer would: hashed under scheme, continuing
 * chain, with a checkpoint signed by sk every 1000 records and at last (none
 * when sk is NULL). The records' ids are decision-SEQ. */
static void write_records(clr_store *w, int64_t first, int64_t last, int scheme,
                          unsigned char chain[CLR_AUDIT_HASH_BYTES], const unsigned char *sk)
{
    unsigned char leaf[CLR_AUDIT_HASH_BYTES];
    char id[32];
    clr__audit_hasher hs;
    clr__audit_hasher_init(&hs, scheme);
    assert_int_equal(w->ops->begin(w, 1), 0);
    for (int64_t seq = first; seq <= last; seq++) {
        snprintf(id, sizeof id, "decision-%lld", (long long)seq);
        clr__audit_row r = {.seq = seq,
                            .decision_id = {id, strlen(id)},
                            .time = 1781222400 + seq,
                            .outcome = {"deny", 4},
                            .rules_version = {"v1", 2},
                            .request = {"{}", 2},
                            .decision = {"{}", 2}};
        clr__audit_leaf(&hs, leaf, &r);
        clr__audit_link(&hs, chain, chain, seq, leaf);
        r.hash = (clr__bytes){(const char *)chain, CLR_AUDIT_HASH_BYTES};
        assert_int_equal(w->ops->audit_insert(w, &r), 0);
        if (sk && (seq % 1000 == 0 || seq == last)) {
            unsigned char msg[CLR__CHECKPOINT_MSG], sig[CLR_AUDIT_SIG_BYTES];
            clr__checkpoint_message(msg, seq, chain, 1781222400);
            crypto_sign_detached(sig, NULL, msg, sizeof msg, sk);
            clr__checkpoint_row cp = {.seq = seq,
                                      .hash = {(const char *)chain, CLR_AUDIT_HASH_BYTES},
                                      .time = 1781222400,
                                      .signature = {(const char *)sig, sizeof sig}};
            assert_int_equal(w->ops->checkpoint_insert(w, &cp), 0);
        }
    }
    assert_int_equal(w->ops->commit(w), 0);
    clr__audit_hasher_free(&hs);
}

static void test_scans(void **state)
{
    (void)state;
    /* 2100 records and checkpoints at 1000, 2000 and 2100, under the first
       record scheme, as a log written before there was a choice of scheme
       (no meta.audit_scheme) */
    unsigned char pk[CLR_AUDIT_PK_BYTES], sk[crypto_sign_SECRETKEYBYTES];
    unsigned char chain[CLR_AUDIT_HASH_BYTES] = {0};
    char hex[2 * CLR_AUDIT_PK_BYTES + 1];
    crypto_sign_keypair(pk, sk);
    clr__hex(hex, pk, sizeof pk);
    clr_store *w = open_store();
    assert_int_equal(w->ops->meta_set(w, "audit_public_key", hex), 0);
    write_records(w, 1, 2100, CLR_AUDIT_SCHEME_BLAKE2B, chain, sk);
    clr_store_close(w);
    clr_audit_report rep = verify(pk);
    if (!rep.ok)
        fail_msg("%s", rep.problem);
    assert_int_equal(rep.records, 2100);
    assert_int_equal(rep.checkpoints, 3);
    int prc;
    char *proof = capture(do_proof, "decision-1500", &prc);
    assert_int_equal(prc, 0);
    assert_int_equal(check_proof_independently(proof), CLR_AUDIT_SCHEME_BLAKE2B);
    free(proof);
    clr_store *s = open_store();
    assert_int_equal(s->ops->begin(s, 0), 0);
    counter c = {0, 1500, 0};
    assert_int_equal(
        s->ops->audit_scan(s, INT64_MIN, -1, CLR_TIME_MIN, CLR_TIME_MAX, count_row, &c), 7);
    assert_int_equal(c.n, 1500);
    counter all = {0, -1, 0};
    assert_int_equal(s->ops->audit_scan(s, 1000, 2001, 0, CLR_TIME_MAX, count_row, &all), 0);
    assert_int_equal(all.n, 1002);
    assert_int_equal(all.last_seq, 2001);
    int cps = 0;
    assert_int_equal(s->ops->checkpoint_scan(s, 1000, count_cp, &cps), 0);
    assert_int_equal(cps, 3); /* 1000, 2000 and 2100 */
    s->ops->rollback(s);
    /* outside a transaction too */
    counter tail = {0, -1, 2049};
    assert_int_equal(s->ops->audit_scan(s, 2050, -1, CLR_TIME_MIN, CLR_TIME_MAX, count_row, &tail),
                     0);
    assert_int_equal(tail.n, 51);
    clr_store_close(s);
}

static void expect_scheme(const char *want)
{
    char v[16];
    clr_store *s = open_store();
    assert_int_equal(s->ops->meta_get(s, "audit_scheme", v, sizeof v), 0);
    assert_string_equal(v, want);
    clr_store_close(s);
}

/* A new log hashes with SHA-256 (scheme 2); a log written under the first
 * scheme keeps it when appended to; the scheme in meta is what verification
 * hashes with, so changing it is caught, and an unknown one is refused. */
static void test_record_schemes(void **state)
{
    (void)state;
    make_log(0, 5, 10);
    expect_scheme("2");
    assert_true(verify(NULL).ok);
    sql("DELETE FROM audit_log");
    sql("DELETE FROM audit_checkpoint");
    sql("DELETE FROM meta WHERE key = 'audit_scheme'");
    /* an old log: records, no scheme named */
    unsigned char chain[CLR_AUDIT_HASH_BYTES] = {0};
    clr_store *w = open_store();
    write_records(w, 1, 30, CLR_AUDIT_SCHEME_BLAKE2B, chain, NULL);
    clr_store_close(w);
    make_log(30, 5, 10);
    expect_scheme("1");
    clr_audit_report r = verify(NULL);
    if (!r.ok)
        fail_msg("%s", r.problem);
    assert_int_equal(r.records, 35);
    assert_int_equal(r.unsigned_records, 0);
    /* naming another scheme makes every record wrong, from the first */
    sql("UPDATE meta SET value = '2' WHERE key = 'audit_scheme'");
    expect_bad(verify(NULL), 1, "decision-1", "does not match its hash");
    /* a scheme this build does not know: no verification, no appending */
    sql("UPDATE meta SET value = '7' WHERE key = 'audit_scheme'");
    clr_store *s = open_store();
    clr_audit_report rep;
    assert_int_equal(clr_audit_verify(&rep, s, NULL), CLR_ESTORE);
    assert_non_null(strstr(clr_store_errmsg(s), "record scheme 7"));
    clr_audit *a = NULL;
    clr_audit_options o = CLR_AUDIT_OPTIONS_INIT;
    char err[256];
    o.key_path = key;
    assert_int_equal(clr_audit_open(&a, s, db, &o, err, sizeof err), CLR_ESTORE);
    assert_null(a);
    assert_non_null(strstr(err, "record scheme 7"));
    clr_store_close(s);
}

/* A record whose seq is taken fails the transaction (at the insert, or at
 * the commit when the backend sends records in groups), and nothing of it
 * is kept. */
/* Appends rows with the sequence numbers seqs[0..n) to a log of three records
 * in one transaction: one of them repeats an earlier number, so the
 * transaction fails, and the log is left as it was. */
static void expect_duplicate_fails(const int64_t *seqs, int n)
{
    clr_store *s = open_store();
    unsigned char h[CLR_AUDIT_HASH_BYTES] = {0};
    clr__audit_row r = {.decision_id = {"d", 1},
                        .time = 1,
                        .outcome = {"deny", 4},
                        .rules_version = {"v", 1},
                        .request = {"{}", 2},
                        .decision = {"{}", 2},
                        .hash = {(const char *)h, sizeof h}};
    assert_int_equal(s->ops->begin(s, 1), 0);
    int rc = 0;
    for (int i = 0; i < n && !rc; i++) {
        r.seq = seqs[i];
        rc = s->ops->audit_insert(s, &r);
    }
    if (rc == 0)
        rc = s->ops->commit(s);
    else
        s->ops->rollback(s);
    assert_int_equal(rc, CLR_ESTORE);
    int64_t seq;
    assert_int_equal(s->ops->audit_tail(s, &seq, h), 0);
    assert_int_equal(seq, 3);
    clr_store_close(s);
    assert_true(verify(NULL).ok);
}

/* Rows go to the store in statements of many rows: a duplicate among them
 * fails the whole transaction, whether found by a full statement or at commit. */
static void test_duplicate_seq_in_a_many_row_statement(void **state)
{
    (void)state;
    make_log(0, 3, 10);
    for (int dup_at = 40; dup_at <= 70; dup_at += 30) {
        int64_t seqs[80];
        for (int i = 0; i < 80; i++)
            seqs[i] = i == dup_at ? 2 : 4 + i;
        expect_duplicate_fails(seqs, 80);
    }
}

static void test_duplicate_seq_fails_the_transaction(void **state)
{
    (void)state;
    make_log(0, 3, 10);
    const int64_t seqs[] = {4, 2};
    expect_duplicate_fails(seqs, 2);
}

typedef struct async_arg {
    clr_audit *a;
    int n;
} async_arg;

static void *async_worker(void *arg)
{
    async_arg *w = arg;
    for (int i = 0; i < w->n; i++) {
        clr_request q;
        clr_decision d;
        clr_request_parse(&q, REQUEST, strlen(REQUEST), 0, NULL);
        clr_decide(rules, &q, &d, NULL);
        if (clr_audit_append(w->a, &q, &d) != 0)
            return (void *)1;
    }
    return NULL;
}

static void test_async_full_queue_blocks(void **state)
{
    (void)state;
    clr_store *s = open_store();
    clr_audit *a = NULL;
    clr_audit_options o = CLR_AUDIT_OPTIONS_INIT;
    o.mode = CLR_AUDIT_ASYNC;
    o.queue_cap = 8;
    o.batch_max = 4;
    o.key_path = key;
    assert_int_equal(clr_audit_open(&a, s, db, &o, NULL, 0), 0);
    pthread_t t[3];
    async_arg w = {a, 1000};
    for (int i = 0; i < 3; i++)
        assert_int_equal(pthread_create(&t[i], NULL, async_worker, &w), 0);
    for (int i = 0; i < 3; i++) {
        void *res;
        pthread_join(t[i], &res);
        assert_null(res);
    }
    assert_int_equal(clr_audit_flush(a), 0);
    clr_audit_stats st;
    clr_audit_stats_get(a, &st);
    assert_int_equal(st.appended, 3000);
    assert_int_equal(st.committed, 3000);
    assert_true(st.full_waits > 0); /* the queue filled, and appenders waited */
    assert_int_equal(clr_audit_close(a), 0);
    clr_store_close(s);
    clr_audit_report r = verify(NULL);
    assert_true(r.ok);
    assert_int_equal(r.records, 3000);
    assert_int_equal(r.unsigned_records, 0);
}

/* The nice value of this process's thread named name, or -100 while there is
 * none: /proc/self/task/TID/comm, and field 19 of .../stat. */
static int thread_nice(const char *name)
{
    int nice = -100;
    DIR *d = opendir("/proc/self/task");
    if (!d)
        return nice;
    struct dirent *e;
    while (nice == -100 && (e = readdir(d))) {
        char path[300], comm[32] = "", stat[1024];
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        if (!fgets(comm, sizeof comm, f))
            comm[0] = '\0';
        fclose(f);
        comm[strcspn(comm, "\n")] = '\0';
        if (strcmp(comm, name) != 0)
            continue;
        snprintf(path, sizeof path, "/proc/self/task/%s/stat", e->d_name);
        if (!(f = fopen(path, "r")))
            continue;
        size_t n = fread(stat, 1, sizeof stat - 1, f);
        fclose(f);
        stat[n] = '\0';
        char *p = strrchr(stat, ')'); /* then " " before each field from the 3rd */
        for (int field = 3; p && field <= 19; field++)
            p = strchr(p + 1, ' ');
        if (p)
            nice = atoi(p + 1);
    }
    closedir(d);
    return nice;
}

/* Waits (up to 10 s) for the thread named name to appear; its nice value. */
static int wait_thread_nice(const char *name)
{
    int nice = -100;
    for (int i = 0; i < 1000 && (nice = thread_nice(name)) == -100; i++)
        usleep(10000);
    return nice;
}

/* An async writer yields the processor to the threads that answer requests
 * (nice 19); a sync one, whose callers wait on each commit, does not. */
static void test_writer_priority(void **state)
{
    (void)state;
    int base = getpriority(PRIO_PROCESS, 0);
    for (int mode = 0; mode < 2; mode++) {
        clr_store *s = open_store();
        clr_audit *a = NULL;
        clr_audit_options o = CLR_AUDIT_OPTIONS_INIT;
        o.mode = mode ? CLR_AUDIT_ASYNC : CLR_AUDIT_SYNC;
        o.key_path = key;
        assert_int_equal(clr_audit_open(&a, s, db, &o, NULL, 0), 0);
        assert_int_equal(wait_thread_nice("clr-audit"), mode ? 19 : base);
        assert_int_equal(clr_audit_close(a), 0);
        clr_store_close(s);
    }
}

typedef struct notified {
    int n, failures;
} notified;

static void on_durable(void *arg, int rc)
{
    notified *w = arg;
    w->failures += rc != 0;
    w->n++;
}

static void on_durable_nth(void *arg, int rc)
{
    /* arg is the record's index; the callbacks come in append order */
    static int expect;
    intptr_t i = (intptr_t)arg;
    if (i == 0)
        expect = 0;
    assert_int_equal(rc, 0);
    assert_int_equal(i, expect++);
}

static void test_notify_reports_durability_in_order(void **state)
{
    (void)state;
    clr_store *s = open_store();
    clr_audit *a = NULL;
    clr_audit_options o = CLR_AUDIT_OPTIONS_INIT;
    o.key_path = key;
    o.batch_max = 16;
    assert_int_equal(clr_audit_open(&a, s, db, &o, NULL, 0), 0);
    notified w = {0};
    for (intptr_t i = 0; i < 500; i++) {
        int last = i == 499;
        assert_int_equal(clr_audit_append_json_notify(a, "0190a0b0-0000-7000-8000-000000000001",
                                                      1781222400, CLR_DENY, "v", "{}", 2, "{}", 2,
                                                      last ? on_durable : on_durable_nth,
                                                      last ? (void *)&w : (void *)i),
                         0);
    }
    assert_int_equal(clr_audit_flush(a), 0);
    assert_int_equal(w.n, 1);
    assert_int_equal(w.failures, 0);
    assert_int_equal(clr_audit_close(a), 0);
    clr_store_close(s);
    clr_audit_report r = verify(NULL);
    assert_true(r.ok);
    assert_int_equal(r.records, 500);
}

/* A child appends in sync mode and reports each acknowledged decision on a
 * pipe; it is killed with SIGKILL. Every acknowledged decision must be in the
 * log, and the chain must verify. */
static void test_crash_keeps_every_acknowledged_record(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        clr_store *s = NULL;
        clr_audit *a = NULL;
        clr_audit_options o = CLR_AUDIT_OPTIONS_INIT;
        o.key_path = key;
        o.checkpoint_every = 7;
        if (clr_store_open(&s, db, NULL, NULL, 0) || clr_audit_open(&a, s, db, &o, NULL, 0))
            _exit(3);
        for (;;) {
            clr_request q;
            clr_decision d;
            clr_request_parse(&q, REQUEST, strlen(REQUEST), 0, NULL);
            clr_decide(rules, &q, &d, NULL);
            if (clr_audit_append(a, &q, &d))
                _exit(4);
            d.decision_id[36] = '\n';
            if (write(fds[1], d.decision_id, 37) != 37)
                _exit(5);
        }
    }
    close(fds[1]);
    static char acked[300][38];
    int n = 0;
    size_t got = 0;
    char buf[37];
    while (n < 300) {
        ssize_t k = read(fds[0], buf + got, sizeof buf - got);
        assert_true(k > 0);
        got += (size_t)k;
        if (got == sizeof buf) {
            memcpy(acked[n], buf, 36);
            acked[n++][36] = '\0';
            got = 0;
        }
    }
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    close(fds[0]);
    assert_true(WIFSIGNALED(status));
    clr_store *s = open_store();
    for (int i = 0; i < n; i++) {
        int64_t seq;
        if (s->ops->audit_find(s, acked[i], &seq) != 0)
            fail_msg("acknowledged decision %s (%d) is not in the log", acked[i], i);
    }
    clr_store_close(s);
    clr_audit_report r = verify(NULL);
    if (!r.ok)
        fail_msg("after the crash: %s", r.problem);
    assert_true(r.records >= 300);
    /* a restarted writer continues the chain */
    make_log(0, 5, 7);
    r = verify(NULL);
    assert_true(r.ok);
    assert_int_equal(r.unsigned_records, 0);
}

/* ------------------------------------------------------------------------- */
/* PostgreSQL only: several nodes on one database                             */
/* ------------------------------------------------------------------------- */

typedef struct node_arg {
    int appenders, each;
    int rc;
} node_arg;

/* One node: its own store connection and audit writer, and appender threads. */
static void *node_main(void *arg)
{
    node_arg *n = arg;
    clr_store *s = NULL;
    clr_audit *a = NULL;
    clr_audit_options o = CLR_AUDIT_OPTIONS_INIT;
    o.key_path = key;
    o.checkpoint_every = 25;
    o.batch_max = 8;
    if (clr_store_open(&s, db, NULL, NULL, 0) || clr_audit_open(&a, s, db, &o, NULL, 0)) {
        n->rc = -1;
        clr_store_close(s);
        return NULL;
    }
    pthread_t t[4];
    async_arg w = {a, n->each};
    for (int i = 0; i < n->appenders; i++)
        pthread_create(&t[i], NULL, async_worker, &w);
    for (int i = 0; i < n->appenders; i++) {
        void *res;
        pthread_join(t[i], &res);
        if (res)
            n->rc = 1;
    }
    if (clr_audit_close(a))
        n->rc = 2;
    clr_store_close(s);
    return NULL;
}

/* Two nodes append to one log at once: the write lock serialises their
 * transactions, so the chain never forks and verifies as one. */
static void test_pg_two_writers_one_chain(void **state)
{
    (void)state;
    make_log(0, 1, 25); /* the key, made once */
    pthread_t t[2];
    node_arg n[2] = {{2, 150, 0}, {2, 150, 0}};
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, node_main, &n[i]), 0);
    for (int i = 0; i < 2; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(n[i].rc, 0);
    }
    clr_audit_report r = verify(NULL);
    if (!r.ok)
        fail_msg("two writers: %s", r.problem);
    assert_int_equal(r.records, 601);
    assert_true(r.checkpoints >= 2 * 300 / 25 - 2);
    assert_int_equal(count("SELECT count(DISTINCT seq) FROM audit_log"), 601);
}

static void *open_and_close(void *arg)
{
    clr_store *s = NULL;
    char err[256];
    *(int *)arg = clr_store_open(&s, db, NULL, err, sizeof err);
    if (*(int *)arg)
        fprintf(stderr, "open: %s\n", err);
    clr_store_close(s);
    return NULL;
}

/* Nodes starting at once on an empty database: one migrates, the others wait
 * for its lock and find nothing left to do. */
static void test_pg_nodes_migrate_at_once(void **state)
{
    (void)state;
    pthread_t t[4];
    int rc[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, open_and_close, &rc[i]), 0);
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(rc[i], 0);
    }
    assert_int_equal(count("SELECT count(*) FROM schema_version"), CLR_STORE_SCHEMA_VERSION);
}

/* Ends the server side of every clearance connection to the test database,
 * waiting until they are gone. */
static void drop_connections(void)
{
    PQclear(pg_exec("SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity"
                    " WHERE application_name = 'clearance' AND datname = current_database()",
                    1));
}

static void test_pg_reconnects(void **state)
{
    (void)state;
    clr_store *s = open_store();
    int v = 0;
    /* outside a transaction, a read finds the connection gone, reconnects and succeeds */
    drop_connections();
    assert_int_equal(clr_store_schema_version(&v, s), 0);
    assert_int_equal(v, CLR_STORE_SCHEMA_VERSION);
    /* a write is not sent twice: it fails, and the next operation reconnects */
    drop_connections();
    clr__value kv[2] = {CLR__V_TEXT("k"), CLR__V_TEXT("v")};
    const char *set = "INSERT INTO meta (key, value) VALUES ($1, $2)";
    assert_int_equal(clr__store_query(s, set, kv, 2, NULL, NULL, NULL), CLR_ESTORE);
    assert_int_equal(clr__store_query(s, set, kv, 2, NULL, NULL, NULL), 0);
    /* inside a transaction the loss is reported until the caller rolls back */
    int64_t seq;
    unsigned char h[CLR_AUDIT_HASH_BYTES];
    assert_int_equal(s->ops->begin(s, 1), 0);
    drop_connections();
    assert_int_equal(s->ops->audit_tail(s, &seq, h), CLR_ESTORE);
    assert_int_equal(s->ops->audit_tail(s, &seq, h), CLR_ESTORE);
    assert_non_null(strstr(clr_store_errmsg(s), "lost inside a transaction"));
    s->ops->rollback(s);
    assert_int_equal(s->ops->begin(s, 1), 0);
    assert_int_equal(s->ops->audit_tail(s, &seq, h), 0);
    assert_int_equal(s->ops->commit(s), 0);
    /* an audit writer carries on: its next transaction reconnects */
    clr_audit *a = NULL;
    clr_audit_options o = CLR_AUDIT_OPTIONS_INIT;
    o.key_path = key;
    assert_int_equal(clr_audit_open(&a, s, db, &o, NULL, 0), 0);
    for (int i = 0; i < 10; i++) {
        clr_request q;
        clr_decision d;
        decide(&q, &d);
        if (i == 5)
            drop_connections();
        assert_int_equal(clr_audit_append(a, &q, &d), 0);
    }
    assert_int_equal(clr_audit_close(a), 0);
    clr_store_close(s);
    clr_audit_report r = verify(NULL);
    assert_true(r.ok);
    assert_int_equal(r.records, 10);
    assert_int_equal(r.unsigned_records, 0);
}

int main(void)
{
    pg_url = getenv("CLR_TEST_STORE");
    if (pg_url && !*pg_url)
        pg_url = NULL;
    if (clr_ruleset_load_defaults(&rules, NULL) != 0 || sodium_init() < 0)
        return 1;
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_fresh_store_is_at_the_latest_schema),
        T(test_old_version_file_is_migrated),
        T(test_newer_schema_is_refused),
        T(test_append_and_verify),
        T(test_changed_record),
        T(test_changed_type),
        T(test_deleted_record),
        T(test_deleted_and_renumbered),
        T(test_deleted_tail),
        T(test_inserted_record),
        T(test_inserted_before_the_first),
        T(test_reordered_records),
        T(test_rewritten_chain),
        T(test_checkpoint_tampered),
        T(test_wrong_key),
        T(test_key_files),
        T(test_proof),
        T(test_export),
        T(test_scans),
        T(test_record_schemes),
        T(test_duplicate_seq_fails_the_transaction),
        T(test_duplicate_seq_in_a_many_row_statement),
        T(test_async_full_queue_blocks),
        T(test_writer_priority),
        T(test_notify_reports_durability_in_order),
        T(test_crash_keeps_every_acknowledged_record),
    };
    const struct CMUnitTest pg_tests[] = {
        T(test_pg_two_writers_one_chain),
        T(test_pg_nodes_migrate_at_once),
        T(test_pg_reconnects),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    if (pg_url)
        rc |= cmocka_run_group_tests_name("postgresql", pg_tests, NULL, NULL);
    clr_ruleset_unref(rules);
    return rc;
}
