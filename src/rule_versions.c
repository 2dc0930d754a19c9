/* Rulebook versions in the store: every source of a rule set, who stored it,
 * when and why; the version in force at an instant, compiled again. Written
 * once for every backend, through clr__store_query. */
#include "store.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COLUMNS "version, created_at, created_by, reason, digest, files"

/* A row of rule_versions as read: the description, and the files' JSON when
 * wanted. */
typedef struct row_ctx {
    clr_rules_version v;
    char *files; /* malloc'd JSON, when keep_files */
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
    if (r->keep_files) {
        free(r->files);
        r->files = NULL;
        if (c[5].type == CLR__TEXT && (r->files = malloc(c[5].n + 1))) {
            memcpy(r->files, c[5].s, c[5].n);
            r->files[c[5].n] = '\0';
        } else {
            r->oom = 1;
        }
    } else {
        r->v.nfiles = count_files(&c[5]);
    }
    return 0;
}

static int latest(clr_store *s, row_ctx *r)
{
    return clr__store_query(s,
                            "SELECT " COLUMNS " FROM rule_versions ORDER BY version DESC LIMIT 1",
                            NULL, 0, read_row, r, NULL);
}

/* The sources of rs as a JSON array of {"name", "text"}. */
static char *files_json(const clr_ruleset *rs, size_t *nfiles)
{
    cJSON *a = cJSON_CreateArray();
    size_t n = clr_ruleset_source_count(rs);
    for (size_t i = 0; a && i < n; i++) {
        clr_rule_file f;
        clr_ruleset_source(rs, i, &f);
        char *text = malloc(f.len + 1);
        cJSON *o = cJSON_CreateObject();
        if (!text || !o) {
            free(text);
            cJSON_Delete(o);
            cJSON_Delete(a);
            return NULL;
        }
        memcpy(text, f.text, f.len);
        text[f.len] = '\0';
        cJSON_AddItemToArray(a, o);
        if (!cJSON_AddStringToObject(o, "name", f.name) ||
            !cJSON_AddStringToObject(o, "text", text)) {
            free(text);
            cJSON_Delete(a);
            return NULL;
        }
        free(text);
    }
    char *out = a ? cJSON_PrintUnformatted(a) : NULL;
    cJSON_Delete(a);
    *nfiles = n;
    return out;
}

int clr_rules_version_store(clr_rules_version *out, clr_store *s, const clr_ruleset *rs,
                            const char *by, const char *reason, clr_time at)
{
    row_ctx last = {0};
    size_t nfiles = 0;
    char *files = NULL;
    int rc;
    if (!s || !rs)
        return CLR_EINVAL;
    if ((rc = s->ops->begin(s, 1)))
        return rc;
    if ((rc = latest(s, &last)))
        goto done;
    const char *digest = clr_ruleset_version(rs);
    if (last.found && strcmp(last.v.digest, digest) == 0) {
        if (out)
            *out = last.v;
        goto done; /* unchanged: the latest version stays */
    }
    if (last.found && at < last.v.created_at) {
        rc = clr__store_fail(s, "a version cannot start before the latest one (version %lld)",
                             (long long)last.v.version);
        rc = CLR_EINVAL;
        goto done;
    }
    if (!(files = files_json(rs, &nfiles))) {
        rc = CLR_ENOMEM;
        goto done;
    }
    clr_rules_version v = {0};
    v.version = last.found ? last.v.version + 1 : 1;
    v.created_at = at;
    snprintf(v.created_by, sizeof v.created_by, "%s", by && *by ? by : "unknown");
    snprintf(v.reason, sizeof v.reason, "%s", reason ? reason : "");
    snprintf(v.digest, sizeof v.digest, "%s", digest);
    v.nfiles = nfiles;
    clr__value p[6] = {CLR__V_INT(v.version), CLR__V_INT(v.created_at), CLR__V_TEXT(v.created_by),
                       CLR__V_TEXT(v.reason), CLR__V_TEXT(v.digest),    CLR__V_TEXT(files)};
    rc = clr__store_query(s,
                          "INSERT INTO rule_versions (" COLUMNS ") VALUES ($1, $2, $3, $4, $5, $6)",
                          p, 6, NULL, NULL, NULL);
    if (rc == CLR_EEXIST)
        rc = clr__store_fail(s, "version %lld was stored meanwhile", (long long)v.version);
    if (!rc && out)
        *out = v;
done:
    if (!rc)
        rc = s->ops->commit(s);
    else
        s->ops->rollback(s);
    free(files);
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

int clr_rules_version_latest(clr_rules_version *out, clr_store *s)
{
    row_ctx r = {0};
    r.keep_files = 0;
    int rc = clr__store_query(s,
                              "SELECT version, created_at, created_by, reason, digest, '[]' "
                              "FROM rule_versions ORDER BY version DESC LIMIT 1",
                              NULL, 0, read_row, &r, NULL);
    if (!rc && !r.found)
        rc = CLR_ENOTFOUND;
    if (!rc)
        *out = r.v;
    return rc;
}

int clr_rules_version_list(clr_store *s, int (*fn)(void *arg, const clr_rules_version *v),
                           void *arg)
{
    list_ctx l = {fn, arg};
    return clr__store_query(s, "SELECT " COLUMNS " FROM rule_versions ORDER BY version", NULL, 0,
                            list_row, &l, NULL);
}

/* Compiles the files of a stored version. */
static int compile_files(clr_ruleset **out, const char *json, clr_diags *diags)
{
    cJSON *a = cJSON_Parse(json);
    int n = cJSON_IsArray(a) ? cJSON_GetArraySize(a) : -1;
    int rc = CLR_ERULEBOOK;
    clr_rule_file *files = n > 0 ? calloc((size_t)n, sizeof *files) : NULL;
    if (n > 0 && !files) {
        rc = CLR_ENOMEM;
        goto done;
    }
    if (n <= 0)
        goto done; /* damaged: nothing to compile */
    for (int i = 0; i < n; i++) {
        const cJSON *o = cJSON_GetArrayItem(a, i);
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(o, "name");
        const cJSON *text = cJSON_GetObjectItemCaseSensitive(o, "text");
        if (!cJSON_IsString(name) || !cJSON_IsString(text))
            goto done;
        files[i].name = name->valuestring;
        files[i].text = text->valuestring;
        files[i].len = strlen(text->valuestring);
    }
    rc = clr_ruleset_compile_bundle(out, files, (size_t)n, diags);
done:
    free(files);
    cJSON_Delete(a);
    return rc;
}

int clr_rules_version_load(clr_ruleset **out, clr_rules_version *info, clr_store *s, clr_time at,
                           int64_t version, clr_diags *diags)
{
    row_ctx r = {0};
    r.keep_files = 1;
    *out = NULL;
    int rc;
    if (version > 0) {
        clr__value p = CLR__V_INT(version);
        rc = clr__store_query(s, "SELECT " COLUMNS " FROM rule_versions WHERE version = $1", &p, 1,
                              read_row, &r, NULL);
    } else {
        clr__value p = CLR__V_INT(at);
        rc = clr__store_query(s,
                              "SELECT " COLUMNS " FROM rule_versions WHERE created_at <= $1 "
                              "ORDER BY version DESC LIMIT 1",
                              &p, 1, read_row, &r, NULL);
        if (!rc && !r.found) /* before the history: its first record */
            rc = clr__store_query(s,
                                  "SELECT " COLUMNS " FROM rule_versions ORDER BY version LIMIT 1",
                                  NULL, 0, read_row, &r, NULL);
    }
    r.v.until = CLR_TIME_MAX;
    if (!rc && r.found) {
        clr__value p = CLR__V_INT(r.v.version);
        rc = clr__store_query(s, "SELECT created_at FROM rule_versions WHERE version = $1 + 1", &p,
                              1, clr__value_first_int, &r.v.until, NULL);
    }
    if (!rc && r.oom)
        rc = CLR_ENOMEM;
    if (!rc && !r.found)
        rc = CLR_ENOTFOUND;
    if (!rc)
        rc = compile_files(out, r.files, diags);
    if (!rc && info)
        *info = r.v;
    free(r.files);
    return rc;
}
