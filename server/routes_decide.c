/* POST /v1/decide, POST /v1/decide/batch and the OPA-shaped
 * POST /v1/data/clearance/decision. */
#include "server.h"

#include <stdio.h>
#include <string.h>

#define SRV_BATCH_MAX_LINES 10000

static void decide_respond(srv_req *r, const clr_decision *d)
{
    if (srv_put_decision(r, d) || srv_buf_append(r->out, "\n", 1)) {
        srv_reply_error(r, 500, SRV_ERR_INTERNAL, "out of memory", NULL);
        return;
    }
    r->status = 200;
    r->content_type = "application/json";
}

void srv_route_decide(srv_req *r)
{
    clr_request req;
    clr_request_error err;
    clr_decision d;
    r->timed = 1;
    r->respond = decide_respond;
    if (srv_request_parse(r, &req, r->body, r->body_len, clr_time_now(), &err) ||
        srv_decide(r, &req, &d, &err) == CLR_EREQUEST) {
        srv_reply_error(r, 400, SRV_ERR_BAD_REQUEST, err.message, err.path);
        return;
    }
    decide_respond(r, &d);
}

/* One line of a batch: its decision, or {"error":...,"path":...,"line":N}. */
static void batch_line(srv_req *r, const char *line, size_t len, size_t lineno, clr_time now)
{
    clr_request req;
    clr_request_error err;
    clr_decision d;
    if (srv_request_parse(r, &req, line, len, now, &err) ||
        srv_decide(r, &req, &d, &err) == CLR_EREQUEST) {
        srv_buf_puts(r->out, "{\"error\":");
        srv_buf_json_str(r->out, err.message, strlen(err.message));
        srv_buf_puts(r->out, ",\"path\":");
        srv_buf_json_str(r->out, err.path, strlen(err.path));
        srv_buf_printf(r->out, ",\"line\":%zu}\n", lineno);
        srv_metrics_error(r->w->metrics, SRV_ERR_BAD_JSON_LINE);
        return;
    }
    srv_put_decision(r, &d);
    srv_buf_append(r->out, "\n", 1);
}

void srv_route_decide_batch(srv_req *r)
{
    const char *p = r->body, *end = r->body + r->body_len;
    size_t lineno = 0;
    clr_time now = clr_time_now();
    r->timed = 1;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        if (++lineno > SRV_BATCH_MAX_LINES) {
            srv_reply_error(r, 413, SRV_ERR_TOO_LARGE, "a batch holds at most 10000 lines", NULL);
            return;
        }
        const char *q = p;
        while (q < e && (*q == ' ' || *q == '\t' || *q == '\r'))
            q++;
        if (q < e)
            batch_line(r, p, (size_t)(e - p), lineno, now);
        p = nl ? nl + 1 : end;
    }
    if (r->out->oom) {
        srv_reply_error(r, 500, SRV_ERR_INTERNAL, "out of memory", NULL);
        return;
    }
    r->status = 200;
    r->content_type = "application/x-ndjson";
}

static void opa_respond(srv_req *r, const clr_decision *d)
{
    srv_buf_puts(r->out, "{\"result\":");
    srv_put_decision(r, d);
    srv_buf_puts(r->out, "}\n");
    if (r->out->oom) {
        srv_reply_error(r, 500, SRV_ERR_INTERNAL, "out of memory", NULL);
        return;
    }
    r->status = 200;
    r->content_type = "application/json";
}

void srv_route_opa_decision(srv_req *r)
{
    const char *input;
    size_t len;
    clr_request req;
    clr_request_error err;
    clr_decision d;
    r->timed = 1;
    int found = srv_json_member(r->body, r->body_len, "input", &input, &len);
    if (found < 0) {
        srv_reply_error(r, 400, SRV_ERR_BAD_REQUEST, "expected a JSON object {\"input\": request}",
                        "$");
        return;
    }
    if (found > 0) {
        srv_reply_error(r, 400, SRV_ERR_BAD_REQUEST, "required field is missing", "$.input");
        return;
    }
    r->respond = opa_respond;
    if (srv_request_parse(r, &req, input, len, clr_time_now(), &err) ||
        srv_decide(r, &req, &d, &err) == CLR_EREQUEST) {
        char path[sizeof err.path + 8];
        snprintf(path, sizeof path, "$.input%s", err.path + (err.path[0] == '$'));
        srv_reply_error(r, 400, SRV_ERR_BAD_REQUEST, err.message, path);
        return;
    }
    opa_respond(r, &d);
}
