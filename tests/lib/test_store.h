/* For the tests that open a store: where it is. With CLR_TEST_STORE set to a
 * PostgreSQL URL (scripts/pg.sh env), every test gets that database, emptied
 * first; without it, a SQLite file in the test's temporary folder. */
#ifndef CLR_TEST_STORE_H
#define CLR_TEST_STORE_H

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>

/* The PostgreSQL URL the tests run on, or NULL for SQLite. */
static inline const char *test_store_pg(void)
{
    const char *url = getenv("CLR_TEST_STORE");
    return url && *url ? url : NULL;
}

/* Writes the store's path into db (cap bytes): the PostgreSQL database,
 * emptied, or dir/file. Returns 0, or -1 when the database cannot be emptied. */
static inline int test_store_path(char *db, size_t cap, const char *dir, const char *file)
{
    const char *url = test_store_pg();
    if (!url) {
        snprintf(db, cap, "%s/%s", dir, file);
        return 0;
    }
    snprintf(db, cap, "%s", url);
    PGconn *c = PQconnectdb(url);
    PGresult *r = PQexec(c, "SET client_min_messages = warning;"
                            "DROP SCHEMA public CASCADE; CREATE SCHEMA public");
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        fprintf(stderr, "emptying %s: %s", url, PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
    return ok ? 0 : -1;
}

#endif
