/* Where impact analysis finds its combinations: every registered user with
 * every model, use and integration the rules know, and the distinct requests
 * seen in the audit log. */
#include "registry_internal.h"
#include "ruleset.h"
#include "store.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The symbols of rs flagged flag (a vocabulary), in symbol order. */
static size_t vocabulary(const clr_ruleset *rs, uint8_t flag, const char **out, size_t cap)
{
    size_t n = 0;
    for (size_t s = 1; s < rs->nsyms && n < cap; s++)
        if (rs->sym_flags[s] & flag)
            out[n++] = rs->sym_str[s];
    return n;
}

#define VOCAB_MAX 256

int clr_registry_combinations(const clr_registry *r, const clr_ruleset *rs,
                              int (*fn)(void *arg, clr_request *req, uint64_t ref), void *arg,
                              size_t *count)
{
    const char **uses = calloc(VOCAB_MAX, sizeof *uses);
    const char **integrations = calloc(VOCAB_MAX, sizeof *integrations);
    int rc = 0;
    *count = 0;
    if (!uses || !integrations) {
        rc = CLR_ENOMEM;
        goto done;
    }
    size_t nuses = vocabulary(rs, SYMF_VOCAB_USE, uses, VOCAB_MAX);
    size_t nints = vocabulary(rs, SYMF_VOCAB_INTEGRATION, integrations, VOCAB_MAX);
    size_t nusers = r ? clr_registry_user_count(r) : 0;
    for (size_t u = 0; u < nusers && !rc; u++) {
        clr_request base;
        memset(&base, 0, sizeof base);
        const clr_user *user = clr__registry_user_at(r, u);
        snprintf(base.principal.id, sizeof base.principal.id, "%s", user->id);
        clr_registry_check chk;
        clr_registry_fill(r, &base, &chk); /* organisation, nationality, country, names */
        snprintf(base.destination, sizeof base.destination, "%s", base.principal.country);
        for (size_t m = 0; m < rs->nmodels && !rc; m++)
            for (size_t i = 0; i < nuses && !rc; i++)
                for (size_t k = 0; k < nints && !rc; k++) {
                    clr_request q = base;
                    snprintf(q.model, sizeof q.model, "%s", rs->models[m].id);
                    snprintf(q.use, sizeof q.use, "%s", uses[i]);
                    snprintf(q.integration, sizeof q.integration, "%s", integrations[k]);
                    q.model_attributes.training_ops = -1;
                    q.model_attributes.open_weights = -1;
                    (*count)++;
                    rc = fn(arg, &q, (uint64_t)u + 1);
                }
    }
done:
    free(uses);
    free(integrations);
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

int clr_audit_combinations(clr_store *s, clr_time since, clr_time until,
                           int (*fn)(void *arg, clr_request *req, uint64_t ref), void *arg,
                           size_t *records, size_t *distinct, size_t *unreadable)
{
    strset seen = {0};
    char *page = NULL, *key = malloc(4096);
    size_t len = 0;
    int64_t after = 0;
    int rc = 0;
    *records = *distinct = *unreadable = 0;
    if (!key)
        return CLR_ENOMEM;
    for (;;) {
        clr_audit_query q = {since, until, after, PAGE, NULL, NULL, NULL};
        size_t count = 0;
        int64_t last = 0;
        FILE *f = open_memstream(&page, &len);
        if (!f) {
            rc = CLR_ENOMEM;
            goto done;
        }
        int qrc = clr_audit_query_run(s, &q, f, &count, &last);
        if (fclose(f) || qrc) {
            rc = qrc ? qrc : CLR_ENOMEM;
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
                (*unreadable)++;
                continue;
            }
            (*records)++;
            combination_key(&req, key, 4096);
            int fresh = strset_add(&seen, key);
            if (fresh < 0) {
                rc = CLR_ENOMEM;
                goto done;
            }
            if (!fresh)
                continue;
            (*distinct)++;
            if ((rc = fn(arg, &req, ref)))
                goto done;
        }
        free(page);
        page = NULL;
        if (count < PAGE)
            break;
        after = last;
    }
done:
    free(page);
    free(key);
    strset_free(&seen);
    return rc;
}
