/* The store's generic query operation (store.h), against a real SQLite file
 * or, with CLR_TEST_STORE=postgresql://... (scripts/pg.sh), a PostgreSQL
 * database: parameters of every type, rows, changes, uniqueness errors (also
 * inside a transaction, which goes on), statement reuse and the failure of
 * bad SQL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "clearance.h"
#include "clearance_store.h"
#include "store.h"

static char dir[64];
static char db[512];
static const char *pg_url; /* CLR_TEST_STORE */

/* Empties the PostgreSQL database: every test starts from nothing. */
static int pg_reset(void)
{
    PGconn *c = PQconnectdb(pg_url);
    PGresult *r = PQexec(c, "SET client_min_messages = warning;"
                            "DROP SCHEMA public CASCADE; CREATE SCHEMA public");
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        fprintf(stderr, "resetting %s: %s", pg_url, PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
    return ok ? 0 : -1;
}

static int setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/clr-query-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    if (pg_url) {
        snprintf(db, sizeof db, "%s", pg_url);
        return pg_reset();
    }
    snprintf(db, sizeof db, "%s/store.db", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd);
}

typedef struct rows {
    int n;
    int64_t ids[8];
    char names[8][32];
    double weights[8];
    int null_name[8];
} rows;

static int collect(void *arg, const clr__value *cols, int ncols)
{
    rows *r = arg;
    assert_int_equal(ncols, 3);
    assert_int_equal(cols[0].type, CLR__INT);
    r->ids[r->n] = cols[0].i;
    r->null_name[r->n] = cols[1].type == CLR__NULL;
    if (cols[1].type == CLR__TEXT)
        snprintf(r->names[r->n], sizeof r->names[0], "%.*s", (int)cols[1].n, cols[1].s);
    r->weights[r->n] = cols[2].d;
    r->n++;
    return 0;
}

static int stop_at_first(void *arg, const clr__value *cols, int ncols)
{
    (void)cols;
    (void)ncols;
    ++*(int *)arg;
    return 7;
}

static void query_roundtrip(void **state)
{
    (void)state;
    clr_store *s;
    char err[256];
    assert_int_equal(clr_store_open(&s, db, NULL, err, sizeof err), 0);
    assert_int_equal(clr__store_query(s,
                                      "CREATE TABLE t (id BIGINT PRIMARY KEY, name TEXT, "
                                      "weight DOUBLE PRECISION)",
                                      NULL, 0, NULL, NULL, NULL),
                     0);
    const char *ins = "INSERT INTO t (id, name, weight) VALUES ($1, $2, $3)";
    int64_t changes = -1;
    clr__value p[3] = {CLR__V_INT(1), CLR__V_TEXT("acme"), CLR__V_REAL(0.5)};
    assert_int_equal(clr__store_query(s, ins, p, 3, NULL, NULL, &changes), 0);
    assert_int_equal(changes, 1);
    clr__value p2[3] = {CLR__V_INT(2), CLR__V_NULL, CLR__V_REAL(2.25)};
    assert_int_equal(clr__store_query(s, ins, p2, 3, NULL, NULL, &changes), 0);
    /* the same key again: a uniqueness failure, told apart from other errors */
    assert_int_equal(clr__store_query(s, ins, p, 3, NULL, NULL, NULL), CLR_EEXIST);
    /* an upsert in the dialect both backends speak */
    clr__value up[3] = {CLR__V_INT(1), CLR__V_TEXT("acme gmbh"), CLR__V_REAL(1.5)};
    assert_int_equal(clr__store_query(s,
                                      "INSERT INTO t (id, name, weight) VALUES ($1, $2, $3) "
                                      "ON CONFLICT (id) DO UPDATE SET name = excluded.name, "
                                      "weight = t.weight + excluded.weight",
                                      up, 3, NULL, NULL, &changes),
                     0);
    assert_int_equal(changes, 1);

    rows r = {0};
    clr__value min = CLR__V_INT(0);
    assert_int_equal(clr__store_query(s, "SELECT id, name, weight FROM t WHERE id > $1 ORDER BY id",
                                      &min, 1, collect, &r, NULL),
                     0);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.names[0], "acme gmbh");
    assert_true(r.weights[0] == 2.0);
    assert_true(r.null_name[1]);
    assert_true(r.weights[1] == 2.25);

    /* a SELECT changes nothing */
    changes = -1;
    assert_int_equal(
        clr__store_query(s, "SELECT id, name, weight FROM t", NULL, 0, NULL, NULL, &changes), 0);
    assert_int_equal(changes, 0);

    int seen = 0;
    assert_int_equal(
        clr__store_query(s, "SELECT id, name, weight FROM t", NULL, 0, stop_at_first, &seen, NULL),
        7);
    assert_int_equal(seen, 1);

    /* the same text many times reuses its statement; so do many texts */
    for (int i = 0; i < 200; i++) {
        char sql[96];
        snprintf(sql, sizeof sql, "SELECT id, name, weight FROM t WHERE id = %d", i % 80);
        rows q = {0};
        assert_int_equal(clr__store_query(s, sql, NULL, 0, collect, &q, NULL), 0);
        assert_int_equal(q.n, (i % 80 == 1 || i % 80 == 2) ? 1 : 0);
    }

    assert_int_equal(clr__store_query(s, "SELEC nonsense", NULL, 0, NULL, NULL, NULL), CLR_ESTORE);
    assert_non_null(strstr(clr_store_errmsg(s), "syntax"));
    clr_store_close(s);
}

static int count_rows(void *arg, const clr__value *cols, int ncols)
{
    assert_int_equal(ncols, 1);
    assert_int_equal(cols[0].type, CLR__INT);
    *(int64_t *)arg = cols[0].i;
    return 0;
}

/* A failed statement inside a transaction undoes itself only, in both
 * backends: the transaction goes on and commits the rest. */
static void failed_statement_keeps_the_transaction(void **state)
{
    (void)state;
    clr_store *s;
    char err[256];
    assert_int_equal(clr_store_open(&s, db, NULL, err, sizeof err), 0);
    assert_int_equal(clr__store_query(s, "CREATE TABLE u (id BIGINT PRIMARY KEY, n BIGINT)", NULL,
                                      0, NULL, NULL, NULL),
                     0);
    const char *ins = "INSERT INTO u (id, n) VALUES ($1, $2)";
    clr__value a[2] = {CLR__V_INT(1), CLR__V_INT(10)}, b[2] = {CLR__V_INT(2), CLR__V_INT(20)};
    assert_int_equal(s->ops->begin(s, 1), 0);
    assert_int_equal(clr__store_query(s, ins, a, 2, NULL, NULL, NULL), 0);
    assert_int_equal(clr__store_query(s, ins, a, 2, NULL, NULL, NULL), CLR_EEXIST);
    assert_int_equal(clr__store_query(s, "SELEC nonsense", NULL, 0, NULL, NULL, NULL), CLR_ESTORE);
    assert_int_equal(clr__store_query(s, ins, b, 2, NULL, NULL, NULL), 0);
    assert_int_equal(s->ops->commit(s), 0);
    int64_t n = -1;
    /* sum() over BIGINT is an integer in both (numeric in PostgreSQL) */
    assert_int_equal(clr__store_query(s, "SELECT sum(n) FROM u", NULL, 0, count_rows, &n, NULL), 0);
    assert_int_equal(n, 30);
    /* a rolled back transaction leaves nothing */
    clr__value c[2] = {CLR__V_INT(3), CLR__V_INT(30)};
    assert_int_equal(s->ops->begin(s, 1), 0);
    assert_int_equal(clr__store_query(s, ins, c, 2, NULL, NULL, NULL), 0);
    s->ops->rollback(s);
    assert_int_equal(clr__store_query(s, "SELECT count(*) FROM u", NULL, 0, count_rows, &n, NULL),
                     0);
    assert_int_equal(n, 2);
    clr_store_close(s);
}

int main(void)
{
    pg_url = getenv("CLR_TEST_STORE");
    if (pg_url && !*pg_url)
        pg_url = NULL;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(query_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(failed_statement_keeps_the_transaction, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
