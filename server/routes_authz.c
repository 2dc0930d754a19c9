/* GET|POST /v1/authz: the decision for an nginx auth_request or Envoy
 * ext_authz (HTTP mode) check, from X-Clearance-* headers. 200 means allow,
 * 403 anything else, including a malformed check (fail closed). */
#include "server.h"

#include <stdio.h>
#include <string.h>

/* "rulebook/rule,rulebook/rule" of the decision's reasons. */
static void reasons_header(const clr_decision *d, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < d->nreasons && n + 1 < cap; i++) {
        int w = snprintf(buf + n, cap - n, "%s%s/%s", i ? "," : "", d->reasons[i].rulebook,
                         d->reasons[i].rule);
        if (w < 0 || (size_t)w >= cap - n) {
            buf[n] = '\0';
            break;
        }
        n += (size_t)w;
    }
}

static void authz_respond(srv_req *r, const clr_decision *d)
{
    char reasons[2048];
    r->content_type = "application/json";
    srv_put_decision(r, d);
    srv_buf_append(r->out, "\n", 1);
    r->status = d->outcome == CLR_ALLOW ? 200 : 403;
    reasons_header(d, reasons, sizeof reasons);
    srv_req_header(r, "X-Clearance-Decision", clr_outcome_name(d->outcome));
    srv_req_header(r, "X-Clearance-Reasons", reasons);
    srv_req_header(r, "X-Clearance-Decision-Id", d->decision_id);
    if (d->rules_version && d->rules_version[0])
        srv_req_header(r, "X-Clearance-Rules-Version", d->rules_version);
}

/* X-Clearance-Key: the headers as the client sent them, but the user is the
 * key's and the country, when not sent, the registered one. */
typedef struct keyed {
    srv_header_get_fn get;
    void *ctx;
    const clr_user *user;
} keyed;

static const char *keyed_get(void *arg, const char *name)
{
    keyed *k = arg;
    if (strcmp(name, "X-Clearance-User") == 0)
        return k->user->id;
    const char *v = k->get(k->ctx, name);
    if (!v && strcmp(name, "X-Clearance-Country") == 0 && k->user->country[0])
        return k->user->country;
    return v;
}

/* A key that opens nothing: deny, with the reason, before any decision. */
static void deny_key(srv_req *r, const char *rule, const char *message)
{
    char reasons[64];
    srv_reply_error(r, 403, SRV_ERR_UNAUTHORIZED, message, "X-Clearance-Key");
    snprintf(reasons, sizeof reasons, "clearance/%s", rule);
    srv_req_header(r, "X-Clearance-Decision", "deny");
    srv_req_header(r, "X-Clearance-Reasons", reasons);
}

void srv_route_authz(srv_req *r)
{
    clr_request req;
    clr_request_error err;
    clr_decision d;
    char reasons[2048];
    srv_header_get_fn get = r->header;
    void *get_ctx = r->header_ctx;
    keyed k;
    r->timed = 1;
    r->content_type = "application/json";
    r->respond = authz_respond;
    const char *key = r->header(r->header_ctx, "X-Clearance-Key");
    if (key) {
        const clr_registry *reg = srv_worker_registry(r->w);
        char uid[CLR_ID_MAX];
        const char *stated = r->header(r->header_ctx, "X-Clearance-User");
        if (clr_registry_key_user(uid, reg, key, strlen(key)) != 0 ||
            !(k.user = clr_registry_user_find(reg, uid))) {
            deny_key(r, "unknown-key", "the API key is unknown or revoked");
            return;
        }
        if (stated && strcmp(stated, uid) != 0) {
            deny_key(r, "key-user-mismatch", "X-Clearance-User names another user than the key");
            return;
        }
        k.get = r->header;
        k.ctx = r->header_ctx;
        get = keyed_get;
        get_ctx = &k;
    }
    if (srv_authz_request_from_headers(&req, get, get_ctx, clr_time_now(), &err) ||
        srv_decide(r, &req, &d, &err) == CLR_EREQUEST) {
        srv_reply_error(r, 403, SRV_ERR_BAD_REQUEST, err.message, err.path);
        srv_req_header(r, "X-Clearance-Decision", "deny");
        srv_req_header(r, "X-Clearance-Reasons", "clearance/invalid-request");
        snprintf(reasons, sizeof reasons, "%s: %s", err.path, err.message);
        srv_req_header(r, "X-Clearance-Error", reasons);
        return;
    }
    authz_respond(r, &d);
}
