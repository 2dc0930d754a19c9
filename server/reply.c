/* Helpers the routes share to build responses. */
#include "server.h"

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

int srv_decide(srv_req *r, const clr_request *req, clr_decision *d, clr_request_error *err)
{
    const clr_ruleset *rs = srv_worker_rules(r->w);
    int rc = clr_decide_screened(rs, r->st->lists, req, d, err);
    if (rc == 0 && r->st->licences)
        clr_licences_apply(r->st->licences, req, d);
    if (rc == 0 && r->st->audit && clr_audit_append(r->st->audit, req, d) != 0) {
        /* a decision that cannot be recorded is not given: fail closed */
        d->outcome = CLR_DENY;
        if (d->nreasons < CLR_MAX_REASONS) {
            clr_reason *x = &d->reasons[d->nreasons++];
            memset(x, 0, sizeof *x);
            x->rulebook = "clearance";
            x->rule = "audit-unavailable";
            x->effect = CLR_EFFECT_DENY;
            x->citation = "";
            x->message = "the decision could not be recorded in the audit log";
        } else {
            d->reasons_dropped++;
        }
        srv_metrics_error(r->w->metrics, SRV_ERR_INTERNAL);
    }
    if (rc != CLR_EREQUEST)
        srv_metrics_decision(r->w->metrics, d);
    return rc;
}
