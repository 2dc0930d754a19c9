/* POST /v1/classify: model attributes in, the classes the rulebooks derive
 * out. The attributes go through the request parser, so errors carry the
 * same messages and (rebased) JSON paths as a request's model_attributes. */
#include "server.h"

#include <stdio.h>
#include <string.h>

static const char head[] = "{\"model\":\"(classify)\",\"principal\":{\"id\":\"-\"},"
                           "\"destination\":\"US\",\"use\":\"-\",\"integration\":\"-\","
                           "\"model_attributes\":";

void srv_route_classify(srv_req *r)
{
    const char *attrs = r->body;
    size_t len = r->body_len;
    const char *inner;
    size_t ilen;
    const char *base = "$";
    clr_request req;
    clr_request_error err;
    /* {"model_attributes": {...}} or the bare attributes object */
    if (srv_json_member(r->body, r->body_len, "model_attributes", &inner, &ilen) == 0) {
        attrs = inner;
        len = ilen;
        base = "$.model_attributes";
    }
    srv_buf *w = r->scratch;
    srv_buf_reset(w);
    srv_buf_append(w, head, sizeof head - 1);
    srv_buf_append(w, attrs, len);
    srv_buf_append(w, "}", 1);
    if (w->oom) {
        srv_reply_error(r, 500, SRV_ERR_INTERNAL, "out of memory", NULL);
        return;
    }
    if (clr_request_parse(&req, w->data, w->len, 0, &err)) {
        static const char prefix[] = "$.model_attributes";
        char path[512];
        if (strncmp(err.path, prefix, sizeof prefix - 1) == 0)
            snprintf(path, sizeof path, "%s%s", base, err.path + sizeof prefix - 1);
        else
            snprintf(path, sizeof path, "%s", base);
        srv_reply_error(r, 400, SRV_ERR_BAD_REQUEST,
                        strncmp(err.path, prefix, sizeof prefix - 1) == 0
                            ? err.message
                            : "expected a JSON object of model attributes",
                        path);
        return;
    }
    if (!req.model_attributes.present) {
        srv_reply_error(r, 400, SRV_ERR_BAD_REQUEST, "expected a JSON object of model attributes",
                        base);
        return;
    }
    const char *names[64];
    size_t n = clr_classify(srv_worker_rules(r->w), &req.model_attributes, names, 64);
    srv_buf_puts(r->out, "{\"classes\":[");
    for (size_t i = 0; i < n && i < 64; i++) {
        if (i)
            srv_buf_puts(r->out, ",");
        srv_buf_json_str(r->out, names[i], strlen(names[i]));
    }
    srv_buf_puts(r->out, "]}\n");
    r->status = 200;
    r->content_type = "application/json";
}
