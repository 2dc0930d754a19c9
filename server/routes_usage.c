/* GET /v1/usage?org=&user=&model=&destination=&from=&until=&by=: the usage
 * metered in the store, flushed first so that it is up to date on this node
 * (admin bearer token: usage is sensitive). */
#include "server.h"

#include <stdio.h>
#include <string.h>

typedef struct usage_ctx {
    srv_req *r;
    unsigned by;
    int n;
} usage_ctx;

static void put_field(srv_buf *b, const char *name, const char *v)
{
    srv_buf_printf(b, "\"%s\":", name);
    srv_buf_json_str(b, v ? v : "", v ? strlen(v) : 0);
    srv_buf_puts(b, ",");
}

static int put_row(void *arg, const clr_usage_row *x)
{
    usage_ctx *c = arg;
    srv_buf *b = c->r->out;
    srv_buf_puts(b, c->n++ ? ",{" : "{");
    if (c->by & CLR_USAGE_BY_ORG)
        put_field(b, "org", x->org);
    if (c->by & CLR_USAGE_BY_USER)
        put_field(b, "user", x->user);
    if (c->by & CLR_USAGE_BY_MODEL)
        put_field(b, "model", x->model);
    if (c->by & CLR_USAGE_BY_DESTINATION)
        put_field(b, "destination", x->destination);
    if (c->by & CLR_USAGE_BY_DAY) {
        char day[32];
        clr_time_format(day, sizeof day, x->day);
        day[10] = '\0';
        put_field(b, "day", day);
    }
    srv_buf_printf(b, "\"units\":%lld,\"decisions\":%lld}", (long long)x->units,
                   (long long)x->decisions);
    return 0;
}

static int get_time(srv_req *r, const char *name, clr_time *out)
{
    const char *v = r->query(r->header_ctx, name);
    if (!v || !*v)
        return 0;
    if (clr_time_parse(out, v, strlen(v)) == 0)
        return 0;
    char path[32];
    snprintf(path, sizeof path, "?%s", name);
    srv_reply_error(r, 400, SRV_ERR_BAD_REQUEST, "must be an RFC 3339 timestamp or a date", path);
    return -1;
}

void srv_route_usage(srv_req *r)
{
    if (!srv_admin_store_ok(r))
        return;
    clr_usage_query q = {NULL, NULL, NULL, NULL, CLR_TIME_MIN, CLR_TIME_MAX, 0};
    q.org = r->query(r->header_ctx, "org");
    q.user = r->query(r->header_ctx, "user");
    q.model = r->query(r->header_ctx, "model");
    q.destination = r->query(r->header_ctx, "destination");
    if (get_time(r, "from", &q.from) || get_time(r, "until", &q.until))
        return;
    const char *by = r->query(r->header_ctx, "by");
    if (by && clr_usage_by_parse(&q.by, by)) {
        srv_reply_error(r, 400, SRV_ERR_BAD_REQUEST,
                        "columns are org, user, model, destination and day", "?by");
        return;
    }
    if (r->st->usage && clr_usage_flush(r->st->usage) != 0) {
        char msg[512];
        clr_usage_errmsg(r->st->usage, msg, sizeof msg);
        srv_reply_error(r, 500, SRV_ERR_INTERNAL, msg, NULL);
        return;
    }
    usage_ctx c = {r, q.by, 0};
    srv_buf_puts(r->out, "{\"usage\":[");
    pthread_mutex_lock(&r->st->store_lock);
    int rc = clr_usage_report(r->st->store, &q, put_row, &c);
    pthread_mutex_unlock(&r->st->store_lock);
    srv_buf_puts(r->out, "]}\n");
    if (rc) {
        srv_reply_error(r, 500, SRV_ERR_INTERNAL, clr_store_errmsg(r->st->store), NULL);
        return;
    }
    if (r->out->oom) {
        srv_reply_error(r, 500, SRV_ERR_INTERNAL, "out of memory", NULL);
        return;
    }
    r->status = 200;
}
