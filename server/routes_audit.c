/* GET /v1/audit: reading the audit log (admin token required).
 *
 *   GET /v1/audit?from=&until=&after=&limit=&outcome=&org=&decision_id=
 *       records as JSON Lines, oldest first; X-Clearance-Next-After names
 *       the sequence number to pass as after= for the next page
 *   GET /v1/audit/DECISION_ID        one record
 *   GET /v1/audit/DECISION_ID/proof  its inclusion proof under a checkpoint
 *   GET /v1/audit/verify             the verification report of the chain */
#include "server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_DEFAULT 100
#define PAGE_MAX 1000

/* Runs fn over the store with the output as a memory stream, then appends
 * what it wrote to r->out. Returns fn's code, or CLR_ENOMEM. */
static int with_stream(srv_req *r, int (*fn)(srv_req *, FILE *, void *), void *arg)
{
    char *mem = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&mem, &len);
    if (!f)
        return CLR_ENOMEM;
    pthread_mutex_lock(&r->st->store_lock);
    int rc = fn(r, f, arg);
    pthread_mutex_unlock(&r->st->store_lock);
    if (fclose(f) != 0 && !rc)
        rc = CLR_ENOMEM;
    if (!rc && srv_buf_append(r->out, mem, len))
        rc = CLR_ENOMEM;
    free(mem);
    return rc;
}

static int store_error(srv_req *r, int rc)
{
    char msg[600];
    snprintf(msg, sizeof msg, "%s: %s", clr_strerror(rc),
             rc == CLR_ESTORE ? clr_store_errmsg(r->st->store) : "");
    srv_reply_error(r, rc == CLR_ENOTFOUND ? 404 : 500,
                    rc == CLR_ENOTFOUND ? SRV_ERR_NOT_FOUND : SRV_ERR_INTERNAL, msg, NULL);
    return rc;
}

typedef struct page {
    clr_audit_query q;
    size_t count;
    int64_t last;
} page;

static int run_query(srv_req *r, FILE *f, void *arg)
{
    page *p = arg;
    return clr_audit_query_run(r->st->store, &p->q, f, &p->count, &p->last);
}

static int parse_time_arg(srv_req *r, const char *name, clr_time *out)
{
    const char *v = r->query(r->header_ctx, name);
    if (!v || !*v)
        return 0;
    if (clr_time_parse(out, v, strlen(v)) == 0)
        return 0;
    char path[64];
    snprintf(path, sizeof path, "?%s", name);
    srv_reply_error(r, 400, SRV_ERR_BAD_REQUEST, "not an RFC 3339 time or a date", path);
    return -1;
}

static int parse_count_arg(srv_req *r, const char *name, unsigned long long max,
                           unsigned long long *out)
{
    const char *v = r->query(r->header_ctx, name);
    if (!v || !*v)
        return 0;
    char *end;
    unsigned long long n = strtoull(v, &end, 10);
    if (*v >= '0' && *v <= '9' && !*end && n <= max) {
        *out = n;
        return 0;
    }
    char path[64], msg[96];
    snprintf(path, sizeof path, "?%s", name);
    snprintf(msg, sizeof msg, "must be a whole number from 0 to %llu", max);
    srv_reply_error(r, 400, SRV_ERR_BAD_REQUEST, msg, path);
    return -1;
}

static void list_records(srv_req *r, const char *decision_id)
{
    page p = {0};
    unsigned long long limit = PAGE_DEFAULT, after = 0;
    p.q.from = INT64_MIN;
    p.q.until = INT64_MAX;
    if (parse_time_arg(r, "from", &p.q.from) || parse_time_arg(r, "until", &p.q.until) ||
        parse_count_arg(r, "limit", PAGE_MAX, &limit) ||
        parse_count_arg(r, "after", (unsigned long long)INT64_MAX, &after))
        return;
    p.q.limit = (size_t)limit;
    p.q.after_seq = (int64_t)after;
    p.q.outcome = r->query(r->header_ctx, "outcome");
    p.q.org = r->query(r->header_ctx, "org");
    p.q.decision_id = decision_id ? decision_id : r->query(r->header_ctx, "decision_id");
    if (p.q.outcome && !*p.q.outcome)
        p.q.outcome = NULL;
    if (p.q.org && !*p.q.org)
        p.q.org = NULL;
    if (p.q.decision_id && !*p.q.decision_id)
        p.q.decision_id = NULL;
    int rc = with_stream(r, run_query, &p);
    if (rc) {
        store_error(r, rc);
        return;
    }
    if (decision_id) {
        if (p.count == 0) {
            srv_buf_reset(r->out);
            srv_reply_error(r, 404, SRV_ERR_NOT_FOUND, "no record of that decision", NULL);
            return;
        }
        r->content_type = "application/json";
    } else {
        r->content_type = "application/x-ndjson";
        if (p.count == p.q.limit && p.count > 0) {
            char next[24];
            snprintf(next, sizeof next, "%lld", (long long)p.last);
            srv_req_header(r, "X-Clearance-Next-After", next);
        }
    }
    r->status = 200;
}

static int run_proof(srv_req *r, FILE *f, void *arg)
{
    int rc = clr_audit_proof(r->st->store, arg, NULL, f);
    if (!rc)
        fputc('\n', f);
    return rc;
}

static void verify(srv_req *r)
{
    clr_audit_report rep;
    pthread_mutex_lock(&r->st->store_lock);
    int rc = clr_audit_verify(&rep, r->st->store, NULL);
    pthread_mutex_unlock(&r->st->store_lock);
    if (rc) {
        store_error(r, rc);
        return;
    }
    srv_buf_printf(r->out,
                   "{\"ok\":%s,\"records\":%llu,\"checkpoints\":%llu,\"last_checkpoint\":%lld,"
                   "\"unsigned_records\":%llu",
                   rep.ok ? "true" : "false", (unsigned long long)rep.records,
                   (unsigned long long)rep.checkpoints, (long long)rep.last_checkpoint,
                   (unsigned long long)rep.unsigned_records);
    if (!rep.ok) {
        srv_buf_printf(r->out, ",\"bad_seq\":%lld,\"bad_decision_id\":", (long long)rep.bad_seq);
        srv_buf_json_str(r->out, rep.bad_decision_id, strlen(rep.bad_decision_id));
        srv_buf_puts(r->out, ",\"problem\":");
        srv_buf_json_str(r->out, rep.problem, strlen(rep.problem));
    }
    srv_buf_puts(r->out, "}\n");
    r->status = 200;
    r->content_type = "application/json";
}

void srv_route_audit(srv_req *r)
{
    if (!srv_require_admin(r))
        return;
    if (!r->st->store) {
        srv_reply_error(r, 404, SRV_ERR_NOT_FOUND,
                        "there is no audit log: the server runs without --store", NULL);
        return;
    }
    const char *rest = r->path + strlen("/v1/audit");
    if (*rest == '\0' || strcmp(rest, "/") == 0) {
        list_records(r, NULL);
        return;
    }
    rest++; /* past the '/' */
    char id[64];
    const char *slash = strchr(rest, '/');
    size_t n = slash ? (size_t)(slash - rest) : strlen(rest);
    if (n == 0 || n >= sizeof id) {
        srv_reply_error(r, 404, SRV_ERR_NOT_FOUND, "no such endpoint", NULL);
        return;
    }
    memcpy(id, rest, n);
    id[n] = '\0';
    if (!slash && strcmp(id, "verify") == 0) {
        verify(r);
    } else if (!slash) {
        list_records(r, id);
    } else if (strcmp(slash, "/proof") == 0) {
        int rc = with_stream(r, run_proof, id);
        if (rc == CLR_ENOTFOUND) {
            srv_buf_reset(r->out);
            srv_reply_error(r, 404, SRV_ERR_NOT_FOUND,
                            "no such decision, or no signed checkpoint covers it yet", NULL);
        } else if (rc) {
            store_error(r, rc);
        } else {
            r->status = 200;
            r->content_type = "application/json";
        }
    } else {
        srv_reply_error(r, 404, SRV_ERR_NOT_FOUND, "no such endpoint", NULL);
    }
}
