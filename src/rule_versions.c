/* Rulebook versions in the store: every source of a rule set, who stored it,
 * when and why; the version in force at an instant, compiled again. Written
 * once for every backend, through clr__store_query. */
#include "versions.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    clr_rules_version last;
    size_t nfiles = 0;
    char *files = NULL;
    int rc;
    if (!s || !rs)
        return CLR_EINVAL;
    if ((rc = s->ops->begin(s, 1)))
        return rc;
    int found = (rc = clr__version_latest(s, "rule_versions", &last)) == 0;
    if (rc == CLR_ENOTFOUND)
        rc = 0;
    if (rc)
        goto done;
    const char *digest = clr_ruleset_version(rs);
    if (found && strcmp(last.digest, digest) == 0) {
        if (out)
            *out = last;
        goto done; /* unchanged: the latest version stays */
    }
    if (found && at < last.created_at) {
        clr__store_fail(s, "a version cannot start before the latest one (version %lld)",
                        (long long)last.version);
        rc = CLR_EINVAL;
        goto done;
    }
    if (!(files = files_json(rs, &nfiles))) {
        rc = CLR_ENOMEM;
        goto done;
    }
    clr_rules_version v = {0};
    v.version = found ? last.version + 1 : 1;
    v.created_at = at;
    snprintf(v.created_by, sizeof v.created_by, "%s", by && *by ? by : "unknown");
    snprintf(v.reason, sizeof v.reason, "%s", reason ? reason : "");
    snprintf(v.digest, sizeof v.digest, "%s", digest);
    v.nfiles = nfiles;
    rc = clr__version_insert(s, "rule_versions", &v, files);
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

int clr_rules_version_latest(clr_rules_version *out, clr_store *s)
{
    return clr__version_latest(s, "rule_versions", out);
}

int clr_rules_version_list(clr_store *s, int (*fn)(void *arg, const clr_rules_version *v),
                           void *arg)
{
    return clr__version_list(s, "rule_versions", fn, arg);
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
    clr_rules_version v;
    char *files = NULL;
    *out = NULL;
    int rc = clr__version_find(s, "rule_versions", at, version, &v, &files);
    if (!rc)
        rc = compile_files(out, files, diags);
    if (!rc && info)
        *info = v;
    free(files);
    return rc;
}
