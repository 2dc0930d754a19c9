/* Reading and writing the versions tables (versions.h), through
 * clr__store_query, for every backend. */
#include "versions.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COLUMNS "version, created_at, created_by, reason, digest, files"

/* A row as read: the description (nfiles counted unless the files' JSON is
 * kept instead, in files, when keep_files). */
typedef struct row_ctx {
    clr_rules_version v;
    char *files;
    int keep_files;
    int found;
    int oom;
} row_ctx;

static size_t count_files(const clr__value *v)
{
    cJSON *j = v->type == CLR__TEXT ? cJSON_ParseWithLength(v->s, v->n) : NULL;
    size_t n = cJSON_IsArray(j) ? (size_t)cJSON_GetArraySize(j) : 0;
    cJSON_Delete(j);
    return n;
}

static int read_row(void *arg, const clr__value *c, int n)
{
    row_ctx *r = arg;
    if (n < 6)
        return CLR_ESTORE;
    memset(&r->v, 0, sizeof r->v);
    r->v.version = c[0].i;
    r->v.created_at = c[1].i;
    clr__value_text(r->v.created_by, sizeof r->v.created_by, &c[2]);
    clr__value_text(r->v.reason, sizeof r->v.reason, &c[3]);
    clr__value_text(r->v.digest, sizeof r->v.digest, &c[4]);
    r->found = 1;
    if (!r->keep_files) {
        r->v.nfiles = count_files(&c[5]);
        return 0;
    }
    free(r->files);
    r->files = NULL;
    if (c[5].type == CLR__TEXT && (r->files = malloc(c[5].n + 1))) {
        memcpy(r->files, c[5].s, c[5].n);
        r->files[c[5].n] = '\0';
    } else {
        r->oom = 1;
    }
    return 0;
}

/* Runs the SQL made by fmt with table in it. */
static int query(clr_store *s, const char *fmt, const char *table, const clr__value *p, int np,
                 clr__row_fn fn, void *arg)
{
    char sql[256];
    if ((size_t)snprintf(sql, sizeof sql, fmt, table) >= sizeof sql)
        return clr__store_fail(s, "a table name too long: %s", table);
    return clr__store_query(s, sql, p, np, fn, arg, NULL);
}

int clr__version_latest(clr_store *s, const char *table, clr_rules_version *out)
{
    row_ctx r = {0};
    int rc = query(s,
                   "SELECT version, created_at, created_by, reason, digest, '[]' FROM %s "
                   "ORDER BY version DESC LIMIT 1",
                   table, NULL, 0, read_row, &r);
    if (!rc && !r.found)
        rc = CLR_ENOTFOUND;
    if (!rc)
        *out = r.v;
    return rc;
}

typedef struct list_ctx {
    int (*fn)(void *, const clr_rules_version *);
    void *arg;
} list_ctx;

static int list_row(void *arg, const clr__value *c, int n)
{
    list_ctx *l = arg;
    row_ctx r = {0};
    int rc = read_row(&r, c, n);
    return rc ? rc : l->fn(l->arg, &r.v);
}

int clr__version_list(clr_store *s, const char *table,
                      int (*fn)(void *arg, const clr_rules_version *v), void *arg)
{
    list_ctx l = {fn, arg};
    return query(s, "SELECT " COLUMNS " FROM %s ORDER BY version", table, NULL, 0, list_row, &l);
}

int clr__version_find(clr_store *s, const char *table, clr_time at, int64_t version,
                      clr_rules_version *out, char **files)
{
    row_ctx r = {0};
    int rc;
    r.keep_files = 1;
    *files = NULL;
    if (version > 0) {
        clr__value p = CLR__V_INT(version);
        rc = query(s, "SELECT " COLUMNS " FROM %s WHERE version = $1", table, &p, 1, read_row, &r);
    } else {
        clr__value p = CLR__V_INT(at);
        rc = query(s,
                   "SELECT " COLUMNS " FROM %s WHERE created_at <= $1 ORDER BY version DESC "
                   "LIMIT 1",
                   table, &p, 1, read_row, &r);
        if (!rc && !r.found) /* before the history: its first record */
            rc = query(s, "SELECT " COLUMNS " FROM %s ORDER BY version LIMIT 1", table, NULL, 0,
                       read_row, &r);
    }
    r.v.until = CLR_TIME_MAX;
    if (!rc && r.found) {
        clr__value p = CLR__V_INT(r.v.version);
        rc = query(s, "SELECT created_at FROM %s WHERE version = $1 + 1", table, &p, 1,
                   clr__value_first_int, &r.v.until);
    }
    if (!rc && r.oom)
        rc = CLR_ENOMEM;
    if (!rc && !r.found)
        rc = CLR_ENOTFOUND;
    if (rc) {
        free(r.files);
        return rc;
    }
    *out = r.v;
    *files = r.files;
    return 0;
}

int clr__version_insert(clr_store *s, const char *table, const clr_rules_version *v,
                        const char *files)
{
    clr__value p[6] = {CLR__V_INT(v->version),     CLR__V_INT(v->created_at),
                       CLR__V_TEXT(v->created_by), CLR__V_TEXT(v->reason),
                       CLR__V_TEXT(v->digest),     CLR__V_TEXT(files)};
    return query(s, "INSERT INTO %s (" COLUMNS ") VALUES ($1, $2, $3, $4, $5, $6)", table, p, 6,
                 NULL, NULL);
}
