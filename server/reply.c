/* Helpers the routes share to build responses. */
#include "server.h"

#include <stdio.h>
#include <string.h>

void srv_req_header(srv_req *r, const char *name, const char *value)
{
    size_t start = r->hdrs->len;
    srv_buf_append(r->hdrs, name, strlen(name) + 1);
    size_t vstart = r->hdrs->len;
    srv_buf_append(r->hdrs, value, strlen(value) + 1);
    if (r->hdrs->oom) {
        r->hdrs->len = start;
        return;
    }
    for (size_t i = vstart; i + 1 < r->hdrs->len; i++)
        if ((unsigned char)r->hdrs->data[i] < 0x20 || r->hdrs->data[i] == 0x7f)
            r->hdrs->data[i] = ' ';
}

void srv_reply_error(srv_req *r, int status, srv_error_kind kind, const char *message,
                     const char *path)
{
    srv_buf_reset(r->out);
    srv_buf_puts(r->out, "{\"error\":");
    srv_buf_json_str(r->out, message, strlen(message));
    if (path) {
        srv_buf_puts(r->out, ",\"path\":");
        srv_buf_json_str(r->out, path, strlen(path));
    }
    srv_buf_puts(r->out, "}\n");
    r->status = status;
    r->content_type = "application/json";
    srv_metrics_error(r->w ? r->w->metrics : NULL, kind);
}

int srv_put_decision(srv_req *r, const clr_decision *d)
{
    srv_buf *b = r->out;
    if (r->json_of == d && r->audit && !r->audit->oom) {
        /* the JSON srv_decide wrote for the audit record */
        return srv_buf_append(b, r->audit->data + r->json_at, r->json_len);
    }
    if (srv_buf_reserve(b, 2048, 0))
        return -1;
    size_t need = clr_decision_to_json(d, b->data + b->len, b->cap - b->len);
    if (need >= b->cap - b->len) {
        if (srv_buf_reserve(b, need, 0))
            return -1;
        clr_decision_to_json(d, b->data + b->len, b->cap - b->len);
    }
    b->len += need;
    return 0;
}

static void add_audit_reason(clr_decision *d)
{
    d->outcome = CLR_DENY;
    if (d->nreasons < CLR_MAX_REASONS) {
        clr_reason *x = &d->reasons[d->nreasons++];
        memset(x, 0, sizeof *x);
        x->rulebook = "clearance";
        x->rule = "store-unavailable";
        x->effect = CLR_EFFECT_DENY;
        x->citation = "";
        x->message =
            "the store is unavailable: the decision could not be recorded in the audit log";
    } else {
        d->reasons_dropped++;
    }
}

void srv_audit_failed_decision(clr_decision *d, const char *decision_id)
{
    memset(d, 0, sizeof *d);
    add_audit_reason(d);
    d->at = clr_time_now();
    d->rules_version = "";
    snprintf(d->decision_id, sizeof d->decision_id, "%s", decision_id);
}

/* Writes JSON of n bytes (plus a NUL) into b by fn, growing b when needed.
 * Returns the offset it starts at, or (size_t)-1 when out of memory. */
static size_t put_json(srv_buf *b, size_t (*fn)(const void *, char *, size_t), const void *x)
{
    if (srv_buf_reserve(b, 2048, 0))
        return (size_t)-1;
    size_t at = b->len;
    size_t need = fn(x, b->data + at, b->cap - at);
    if (need >= b->cap - at) {
        if (srv_buf_reserve(b, need, 0))
            return (size_t)-1;
        fn(x, b->data + at, b->cap - at);
    }
    b->len += need + 1; /* keep the NUL: the next text starts after it */
    return at;
}

static size_t request_json(const void *x, char *buf, size_t cap)
{
    return clr_request_to_json(x, buf, cap);
}

static size_t decision_json(const void *x, char *buf, size_t cap)
{
    return clr_decision_to_json(x, buf, cap);
}

/* The audit writer's report on one record of a waiting request. */
static void on_durable(void *arg, int rc)
{
    srv_pending *p = arg;
    pthread_mutex_lock(&p->mu);
    if (rc)
        p->failed = 1;
    int resume = --p->waiting == 0 && p->suspended;
    if (resume)
        p->suspended = 0;
    pthread_mutex_unlock(&p->mu);
    if (resume)
        p->resume(p->conn);
}

/* Appends d's record; returns 0, or non-zero when it cannot be recorded. */
static int audit(srv_req *r, const clr_request *req, clr_decision *d)
{
    srv_buf *b = r->audit;
    srv_buf_reset(b);
    size_t rq = put_json(b, request_json, req);
    size_t dc = put_json(b, decision_json, d);
    if (rq == (size_t)-1 || dc == (size_t)-1)
        return -1;
    const char *rj = b->data + rq, *dj = b->data + dc;
    size_t rn = dc - rq - 1, dn = b->len - dc - 1;
    srv_pending *p = r->pending;
    int rc;
    if (p && r->st->cfg->audit_sync) {
        pthread_mutex_lock(&p->mu);
        p->waiting++;
        pthread_mutex_unlock(&p->mu);
        rc = clr_audit_append_json_notify(r->st->audit, d->decision_id, clr_time_now(), d->outcome,
                                          d->rules_version, rj, rn, dj, dn, on_durable, p);
        if (rc) {
            pthread_mutex_lock(&p->mu);
            p->waiting--;
            pthread_mutex_unlock(&p->mu);
        } else {
            p->respond = r->respond;
            snprintf(p->decision_id, sizeof p->decision_id, "%s", d->decision_id);
        }
    } else {
        rc = clr_audit_append_json(r->st->audit, d->decision_id, clr_time_now(), d->outcome,
                                   d->rules_version, rj, rn, dj, dn);
    }
    if (rc == 0) {
        r->json_of = d;
        r->json_at = dc;
        r->json_len = dn;
    }
    return rc;
}

int srv_request_parse(srv_req *r, clr_request *out, const char *json, size_t len, clr_time now,
                      clr_request_error *err)
{
    return clr_registry_request_parse(out, srv_worker_registry(r->w), json, len, now, err);
}

int srv_decide(srv_req *r, clr_request *req, clr_decision *d, clr_request_error *err)
{
    static _Thread_local clr_registry_check reg_check;
    const clr_registry *reg = srv_worker_registry(r->w);
    if (reg) /* the registry fills what the request leaves out, in place */
        clr_registry_fill(reg, req, &reg_check);
    const clr_ruleset *rs = srv_rules_for(r, req->time);
    clr_decide_env env = {srv_lists_for(r, req->time),
                          r->st->usage ? clr_usage_as_source(r->st->usage) : NULL};
    int rc = clr_decide_env_run(rs, &env, req, d, err);
    r->json_of = NULL;
    if (rc == 0 && reg) {
        clr_registry_apply_adjudications(reg, req, d);
        clr_registry_flag(&reg_check, d);
    }
    if (rc == 0 && (r->st->redflags.geoip || r->st->redflags.usage))
        clr_redflags_apply(&r->st->redflags, rs, req, d);
    if (rc == 0 && r->st->licences)
        clr_licences_apply(r->st->licences, req, d);
    if (rc == 0 && r->st->audit && audit(r, req, d) != 0) {
        /* a decision that cannot be recorded is not given: fail closed */
        add_audit_reason(d);
        srv_metrics_error(r->w->metrics, SRV_ERR_INTERNAL);
    }
    if (rc == 0 && r->st->usage && clr_usage_record(r->st->usage, req, d) != 0)
        srv_metrics_error(r->w->metrics, SRV_ERR_INTERNAL); /* decided, but not metered */
    if (rc != CLR_EREQUEST)
        srv_metrics_decision(r->w->metrics, d);
    return rc;
}
