/* GET and PUT /v1/rules, GET /healthz, GET /readyz and GET /metrics. */
#include "server.h"

#include <string.h>

int srv_require_admin(srv_req *r)
{
    if (srv_admin_ok(r->st, r->header(r->header_ctx, "Authorization")))
        return 1;
    srv_reply_error(r, 401, SRV_ERR_UNAUTHORIZED,
                    r->st->admin_enabled
                        ? "an admin bearer token is required (Authorization: Bearer TOKEN)"
                        : "admin endpoints are disabled: no admin token is configured",
                    NULL);
    srv_req_header(r, "WWW-Authenticate", "Bearer realm=\"clearance\"");
    return 0;
}

void srv_route_rules(srv_req *r)
{
    r->content_type = "application/json";
    if (strcmp(r->method, "PUT") != 0) {
        srv_rules_describe(r->st, r->out);
        srv_buf_puts(r->out, "\n");
        r->status = 200;
        return;
    }
    /* PUT: the body is the new rulebook text */
    if (!srv_require_admin(r))
        return;
    int rc =
        srv_rules_replace(r->st, r->body, r->body_len, r->header(r->header_ctx, "X-Clearance-By"),
                          r->header(r->header_ctx, "X-Clearance-Reason"), r->out);
    srv_buf_puts(r->out, "\n");
    if (rc == CLR_ERULEBOOK || rc == CLR_EIO) {
        r->status = 400;
        srv_metrics_error(r->w->metrics, SRV_ERR_RULEBOOK);
    } else if (rc) {
        srv_reply_error(r, 500, SRV_ERR_INTERNAL, clr_strerror(rc), NULL);
    } else {
        r->status = 200;
    }
}

void srv_route_healthz(srv_req *r)
{
    srv_buf_puts(r->out, "{\"status\":\"ok\"}\n");
    r->status = 200;
    r->content_type = "application/json";
}

void srv_route_readyz(srv_req *r)
{
    const clr_ruleset *rs = srv_worker_rules(r->w);
    r->content_type = "application/json";
    if (atomic_load(&r->st->draining)) {
        srv_buf_puts(r->out, "{\"status\":\"draining\"}\n");
        r->status = 503;
    } else if (!rs) {
        srv_buf_puts(r->out, "{\"status\":\"no rules\"}\n");
        r->status = 503;
    } else {
        const char *v = clr_ruleset_version(rs);
        srv_buf_puts(r->out, "{\"status\":\"ready\",\"rules_version\":");
        srv_buf_json_str(r->out, v, strlen(v));
        srv_buf_puts(r->out, "}\n");
        r->status = 200;
    }
}

void srv_route_metrics(srv_req *r)
{
    uint64_t gen;
    clr_time at;
    pthread_mutex_lock(&r->st->rules_lock);
    gen = r->st->generation;
    at = r->st->loaded_at;
    pthread_mutex_unlock(&r->st->rules_lock);
    if (srv_metrics_render(r->st->metrics, r->out, gen, at, !atomic_load(&r->st->draining))) {
        srv_reply_error(r, 500, SRV_ERR_INTERNAL, "out of memory", NULL);
        return;
    }
    r->status = 200;
    r->content_type = "text/plain; version=0.0.4; charset=utf-8";
}
