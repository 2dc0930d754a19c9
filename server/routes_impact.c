/* POST /v1/impact (admin): who is cut off, or may restart, when the rules
 * change. Two sides — the rules at two instants, two stored versions, or the
 * active rules against a proposed rulebook — over every registered user with
 * every model, use and integration, every distinct combination in recent
 * audit traffic, and any combinations the body gives (docs/impact.md). */
#include "server.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AUDIT_WINDOW_DAYS 30

typedef struct impact_run {
    clr_impact *im;
    int failed;
} impact_run;

static int add_combination(void *arg, clr_request *req, uint64_t ref)
{
    impact_run *run = arg;
    if (clr_impact_add(run->im, req, ref)) {
        run->failed = 1;
        return CLR_ENOMEM;
    }
    return 0;
}

/* Reads an optional time member; returns 0, or -1 after replying 400. */
static int time_member(srv_req *r, const cJSON *body, const char *key, clr_time *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, key);
    if (!v || cJSON_IsNull(v))
        return 0;
    char path[64];
    snprintf(path, sizeof path, "$.%s", key);
    if (!cJSON_IsString(v) || clr_time_parse(out, v->valuestring, strlen(v->valuestring))) {
        srv_reply_error(r, 400, SRV_ERR_BAD_REQUEST, "expected an RFC 3339 time or a date", path);
        return -1;
    }
    return 0;
}

static int int_member(srv_req *r, const cJSON *body, const char *key, long long max, long long *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, key);
    if (!v || cJSON_IsNull(v))
        return 0;
    char path[64], msg[96];
    snprintf(path, sizeof path, "$.%s", key);
    if (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble > (double)max ||
        v->valuedouble != (double)(long long)v->valuedouble) {
        snprintf(msg, sizeof msg, "expected a whole number from 1 to %lld", max);
        srv_reply_error(r, 400, SRV_ERR_BAD_REQUEST, msg, path);
        return -1;
    }
    *out = (long long)v->valuedouble;
    return 0;
}

/* The rules of one side: a stored version when asked for (or, with a store,
 * the version in force at the side's instant), else the active set. */
static int side_rules(srv_req *r, long long version, clr_time at, clr_ruleset **out)
{
    srv_state *st = r->st;
    *out = NULL;
    if (!st->store)
        return version ? CLR_ENOTFOUND : 0;
    pthread_mutex_lock(&st->store_lock);
    int rc = clr_rules_version_load(out, NULL, st->store, at, version, NULL);
    pthread_mutex_unlock(&st->store_lock);
    return rc == CLR_ENOTFOUND && !version ? 0 : rc;
}

void srv_route_impact(srv_req *r)
{
    srv_state *st = r->st;
    clr_ruleset *before_rs = NULL, *after_rs = NULL;
    clr_impact *im = NULL;
    char *json = NULL;
    if (!srv_require_admin(r))
        return;
    cJSON *body = cJSON_ParseWithLength(r->body, r->body_len);
    if (!cJSON_IsObject(body)) {
        srv_reply_error(r, 400, SRV_ERR_BAD_REQUEST, "expected a JSON object", "$");
        goto done;
    }
    clr_time now = clr_time_now(), at = now, then = 0, since = now - AUDIT_WINDOW_DAYS * 86400;
    long long version = 0, then_version = 0, examples = 20;
    if (time_member(r, body, "at", &at))
        goto done;
    then = at;
    if (time_member(r, body, "then", &then) || time_member(r, body, "audit_since", &since) ||
        int_member(r, body, "version", 1LL << 40, &version) ||
        int_member(r, body, "then_version", 1LL << 40, &then_version) ||
        int_member(r, body, "examples", 1000, &examples))
        goto done;
    const cJSON *proposed = cJSON_GetObjectItemCaseSensitive(body, "proposed");
    if (proposed && !cJSON_IsString(proposed)) {
        srv_reply_error(r, 400, SRV_ERR_BAD_REQUEST, "expected rulebook text", "$.proposed");
        goto done;
    }
    /* the two sides */
    int rc = side_rules(r, version, at, &before_rs);
    if (!rc && proposed) {
        clr_diags *diags = NULL;
        clr_diags_new(&diags);
        rc = clr_ruleset_compile(&after_rs, "proposed", proposed->valuestring,
                                 strlen(proposed->valuestring), NULL, diags);
        clr_diags_free(diags);
        if (rc) {
            srv_reply_error(r, 400, SRV_ERR_BAD_REQUEST,
                            "the proposed rulebook has errors (clearance lint shows them)",
                            "$.proposed");
            goto done;
        }
    } else if (!rc) {
        rc = side_rules(r, then_version, then, &after_rs);
    }
    if (rc) {
        srv_reply_error(r, rc == CLR_ENOTFOUND ? 404 : 500,
                        rc == CLR_ENOTFOUND ? SRV_ERR_NOT_FOUND : SRV_ERR_INTERNAL,
                        rc == CLR_ENOTFOUND ? "no such rules version in the store"
                                            : "the stored rules cannot be loaded",
                        NULL);
        goto done;
    }
    const clr_ruleset *active = srv_worker_rules(r->w);
    clr_side before = {before_rs ? before_rs : active, at};
    clr_side after = {after_rs ? after_rs : active, then};
    clr_decide_env env = {srv_worker_lists(r->w),
                          st->usage ? clr_usage_as_source(st->usage) : NULL};
    clr_impact_options io = CLR_IMPACT_OPTIONS_INIT;
    io.max_examples = (size_t)examples;
    io.env = &env;
    if (!before.rs || clr_impact_new(&im, &before, &after, &io)) {
        srv_reply_error(r, 500, SRV_ERR_INTERNAL, "no rules, or out of memory", NULL);
        goto done;
    }
    impact_run run = {im, 0};
    size_t from_body = 0, from_registry = 0, records = 0, distinct = 0, unreadable = 0;
    /* combinations given in the body */
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(body, "combinations");
    const cJSON *item;
    cJSON_ArrayForEach(item, list)
    {
        char *text = cJSON_PrintUnformatted(item);
        clr_request req;
        clr_request_error err;
        int prc = text ? clr_request_parse(&req, text, strlen(text), at, &err) : CLR_ENOMEM;
        free(text);
        if (prc) {
            char path[sizeof err.path + 40];
            snprintf(path, sizeof path, "$.combinations[%zu]%.*s", from_body, (int)sizeof err.path,
                     prc == CLR_EREQUEST ? err.path + 1 : "");
            srv_reply_error(r, 400, SRV_ERR_BAD_REQUEST,
                            prc == CLR_EREQUEST ? err.message : "out of memory", path);
            goto done;
        }
        add_combination(&run, &req, ++from_body);
    }
    if (st->store) {
        pthread_mutex_lock(&st->store_lock);
        clr_registry *reg = NULL;
        int src = clr_registry_load(&reg, st->store, NULL);
        if (!src)
            src = clr_registry_combinations(reg, after.rs, add_combination, &run, &from_registry);
        clr_registry_unref(reg);
        if (!src)
            src = clr_audit_combinations(st->store, since, CLR_TIME_MAX, add_combination, &run,
                                         &records, &distinct, &unreadable);
        pthread_mutex_unlock(&st->store_lock);
        if (src) {
            srv_reply_error(r, 500, SRV_ERR_INTERNAL,
                            src == CLR_ENOMEM ? "out of memory" : "the store cannot be read", NULL);
            goto done;
        }
    }
    if (run.failed || clr_impact_to_json(&json, im)) {
        srv_reply_error(r, 500, SRV_ERR_INTERNAL, "out of memory", NULL);
        goto done;
    }
    /* the analysis, and where its combinations came from */
    srv_buf_printf(r->out,
                   "{\"sources\":{\"body\":%zu,\"registry\":%zu,\"audit_records\":%zu,"
                   "\"audit_combinations\":%zu,\"audit_unreadable\":%zu},\"impact\":",
                   from_body, from_registry, records, distinct, unreadable);
    srv_buf_puts(r->out, json);
    srv_buf_puts(r->out, "}\n");
    r->status = 200;
    r->content_type = "application/json";
done:
    free(json);
    clr_impact_free(im);
    clr_ruleset_unref(before_rs);
    clr_ruleset_unref(after_rs);
    cJSON_Delete(body);
}
