/* The store-backed sources of impact and diff. */
#include "cli_sides.h"
#include "commands.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_stored_rules(clr_store *s, clr_time at, int64_t version, const char *label,
                     clr_ruleset **out)
{
    clr_rules_version v;
    clr_diags *diags = NULL;
    clr_diags_new(&diags);
    int lrc = clr_rules_version_load(out, &v, s, at, version, diags);
    int rc = 0;
    if (lrc == CLR_ENOTFOUND) {
        fprintf(stderr, "clearance: %s: %s\n", label,
                version ? "no such rules version in the store" : "no rules version is stored");
        rc = CLR_EXIT_BADINPUT;
    } else if (lrc) {
        if (diags)
            clr_diags_print(diags, stderr);
        fprintf(stderr, "clearance: %s: cannot load the rules version: %s\n", label,
                lrc == CLR_ESTORE ? clr_store_errmsg(s) : clr_strerror(lrc));
        rc = lrc == CLR_ERULEBOOK ? CLR_EXIT_BADRULES : CLR_EXIT_BADINPUT;
    } else {
        char from[32] = "";
        clr_time_format(from, sizeof from, v.created_at);
        fprintf(stderr, "clearance: %s: rules version %lld (%s, from %s by %s%s%s)\n", label,
                (long long)v.version, v.digest, from, v.created_by, v.reason[0] ? ": " : "",
                v.reason);
    }
    clr_diags_free(diags);
    return rc;
}

/* A set of strings, by open addressing. */
typedef struct strset {
    char **slots;
    size_t cap, n;
} strset;

static uint64_t hash_str(const char *s)
{
    uint64_t h = 0xCBF29CE484222325ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001B3ULL;
    return h;
}

/* Adds s: 1 when new, 0 when present, -1 when out of memory. */
static int strset_add(strset *set, const char *s)
{
    if (2 * (set->n + 1) > set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 1024;
        char **slots = calloc(cap, sizeof *slots);
        if (!slots)
            return -1;
        for (size_t i = 0; i < set->cap; i++)
            if (set->slots[i]) {
                size_t j = hash_str(set->slots[i]) & (cap - 1);
                while (slots[j])
                    j = (j + 1) & (cap - 1);
                slots[j] = set->slots[i];
            }
        free(set->slots);
        set->slots = slots;
        set->cap = cap;
    }
    size_t j = hash_str(s) & (set->cap - 1);
    for (; set->slots[j]; j = (j + 1) & (set->cap - 1))
        if (strcmp(set->slots[j], s) == 0)
            return 0;
    if (!(set->slots[j] = strdup(s)))
        return -1;
    set->n++;
    return 1;
}

static void strset_free(strset *set)
{
    for (size_t i = 0; i < set->cap; i++)
        free(set->slots[i]);
    free(set->slots);
}

/* What makes a combination: every field a rule may read but the time and the
 * units. */
static void combination_key(const clr_request *r, char *buf, size_t cap)
{
    const clr_principal *p = &r->principal;
    snprintf(buf, cap, "%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s",
             p->id, p->org, p->nationality, p->country, p->hq, p->name, p->org_name, r->model,
             r->use, r->integration, r->destination, r->app);
}

#define PAGE 4096

int cli_audit_combinations(clr_store *s, clr_time since, clr_time until,
                           int (*fn)(void *arg, clr_request *req, uint64_t ref), void *arg,
                           size_t *records, size_t *distinct)
{
    strset seen = {0};
    char *page = NULL, *key = malloc(4096);
    size_t len = 0;
    int64_t after = 0;
    int rc = CLR_EXIT_BADINPUT;
    *records = *distinct = 0;
    if (!key)
        goto oom;
    for (;;) {
        clr_audit_query q = {since, until, after, PAGE, NULL, NULL, NULL};
        size_t count = 0;
        int64_t last = 0;
        FILE *f = open_memstream(&page, &len);
        if (!f)
            goto oom;
        int qrc = clr_audit_query_run(s, &q, f, &count, &last);
        if (fclose(f) || qrc) {
            fprintf(stderr, "clearance: cannot read the audit log: %s\n",
                    qrc == CLR_ESTORE ? clr_store_errmsg(s) : clr_strerror(qrc ? qrc : CLR_EIO));
            goto done;
        }
        for (char *line = page, *nl; line && *line; line = nl ? nl + 1 : NULL) {
            nl = strchr(line, '\n');
            if (nl)
                *nl = '\0';
            cJSON *rec = cJSON_Parse(line);
            cJSON *seq = cJSON_GetObjectItem(rec, "seq");
            char *req_json = cJSON_PrintUnformatted(cJSON_GetObjectItem(rec, "request"));
            clr_request req;
            clr_request_error err;
            int bad = !rec || !cJSON_IsNumber(seq) || !req_json ||
                      clr_request_parse(&req, req_json, strlen(req_json), 0, &err);
            uint64_t ref = cJSON_IsNumber(seq) ? (uint64_t)seq->valuedouble : 0;
            free(req_json);
            cJSON_Delete(rec);
            if (bad) {
                fprintf(stderr, "clearance: audit record %llu: its request cannot be read\n",
                        (unsigned long long)ref);
                continue;
            }
            (*records)++;
            combination_key(&req, key, 4096);
            int fresh = strset_add(&seen, key);
            if (fresh < 0)
                goto oom;
            if (!fresh)
                continue;
            (*distinct)++;
            int frc = fn(arg, &req, ref);
            if (frc) {
                rc = frc;
                goto done;
            }
        }
        free(page);
        page = NULL;
        if (count < PAGE)
            break;
        after = last;
    }
    rc = 0;
    goto done;
oom:
    fprintf(stderr, "clearance: out of memory\n");
done:
    free(page);
    free(key);
    strset_free(&seen);
    return rc;
}
