/* libmicrohttpd glue: connection state, routing, limits and draining. */
#include "http_server.h"
#include "routes_dashboard.h"

#include <microhttpd.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct srv_http {
    struct MHD_Daemon *daemon;
    srv_state *st;
    unsigned port;
};

enum { M_GET = 1, M_POST = 2, M_PUT = 4, M_DELETE = 8, M_ANY = 0xff };

typedef struct route {
    const char *path;
    int prefix; /* also matches path + "/..." */
    unsigned methods;
    srv_route_fn fn;
} route;

static const route routes[] = {
    {"/v1/decide", 0, M_POST, srv_route_decide},
    {"/v1/decide/batch", 0, M_POST, srv_route_decide_batch},
    {"/v1/data/clearance/decision", 0, M_POST, srv_route_opa_decision},
    {"/v1/authz", 1, M_ANY, srv_route_authz},
    {"/v1/classify", 0, M_POST, srv_route_classify},
    {"/v1/screen", 0, M_POST, srv_route_screen},
    {"/v1/rules", 0, M_GET | M_PUT, srv_route_rules},
    {"/v1/rules/timeline", 0, M_GET, srv_route_rules_timeline},
    {"/healthz", 0, M_GET, srv_route_healthz},
    {"/readyz", 0, M_GET, srv_route_readyz},
    {"/metrics", 0, M_GET, srv_route_metrics},
    {"/v1/audit/stats", 0, M_GET, srv_route_audit_stats},
    {"/v1/audit", 1, M_GET, srv_route_audit},
    {"/v1/impact", 0, M_POST, srv_route_impact},
    {"/v1/admin/licences", 1, M_GET | M_POST | M_DELETE, srv_route_licences},
    {"/v1/usage", 0, M_GET, srv_route_usage},
    {"/ui", 1, M_GET, srv_route_ui},
    {"/v1/admin/screening", 0, M_GET, srv_route_admin_screening},
    {"/v1/admin", 1, M_GET | M_POST | M_PUT | M_DELETE, srv_route_admin_registry},
};

/* What a connection keeps between requests. */
typedef struct conn {
    srv_buf body;
    srv_buf out;
    srv_buf hdrs;
    srv_buf scratch;
    srv_buf audit;
    srv_pending pending; /* sync audit: the records the answer waits for */
    struct MHD_Connection *c;
    /* an answer held back until its records are durable */
    int held;
    int held_status, held_timed;
    const char *held_type;
    /* the request in progress */
    int counted;     /* inflight was incremented for it */
    int responded;   /* a response was queued early (413, 404, 405) */
    int late_status; /* 413 or 500: refuse once the body has been read */
    const route *rt;
    uint64_t start_ns;
} conn;

static unsigned method_bit(const char *m)
{
    if (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0)
        return M_GET;
    if (strcmp(m, "POST") == 0)
        return M_POST;
    if (strcmp(m, "PUT") == 0)
        return M_PUT;
    if (strcmp(m, "DELETE") == 0)
        return M_DELETE;
    return 0x80;
}

static const route *find_route(const char *path, int *path_found)
{
    *path_found = 0;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        size_t n = strlen(routes[i].path);
        if (strncmp(path, routes[i].path, n) == 0 &&
            (path[n] == '\0' || (routes[i].prefix && path[n] == '/'))) {
            *path_found = 1;
            return &routes[i];
        }
    }
    return NULL;
}

static const char *header_get(void *ctx, const char *name)
{
    return MHD_lookup_connection_value((struct MHD_Connection *)ctx, MHD_HEADER_KIND, name);
}

static void resume_conn(void *c)
{
    MHD_resume_connection((struct MHD_Connection *)c);
}

static const char *query_get(void *ctx, const char *name)
{
    return MHD_lookup_connection_value((struct MHD_Connection *)ctx, MHD_GET_ARGUMENT_KIND, name);
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    (void)cls;
    (void)c;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        conn *cn = calloc(1, sizeof(conn));
        if (cn) {
            pthread_mutex_init(&cn->pending.mu, NULL);
            cn->pending.resume = resume_conn;
            cn->pending.conn = c;
            cn->c = c;
        }
        *socket_context = cn;
    } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        conn *cn = *socket_context;
        if (cn) {
            pthread_mutex_destroy(&cn->pending.mu);
            srv_buf_free(&cn->audit);
            srv_buf_free(&cn->body);
            srv_buf_free(&cn->out);
            srv_buf_free(&cn->hdrs);
            srv_buf_free(&cn->scratch);
            free(cn);
        }
        *socket_context = NULL;
    }
}

static enum MHD_Result send_response(struct MHD_Connection *c, srv_state *st, srv_worker *w,
                                     conn *cn, srv_req *r)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        cn->out.len, cn->out.len ? cn->out.data : (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    if (r->content_type)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
    for (size_t i = 0; i < cn->hdrs.len;) {
        const char *name = cn->hdrs.data + i;
        const char *value = name + strlen(name) + 1;
        MHD_add_response_header(resp, name, value);
        i = (size_t)(value + strlen(value) + 1 - cn->hdrs.data);
    }
    if (atomic_load_explicit(&st->draining, memory_order_relaxed))
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    if (w) {
        srv_metrics_status(w->metrics, r->status);
        if (r->timed)
            srv_metrics_latency(w->metrics, srv_now_ns() - cn->start_ns);
    }
    return ret;
}

static void init_req(srv_req *r, srv_state *st, srv_worker *w, conn *cn, struct MHD_Connection *c,
                     const char *method, const char *url)
{
    memset(r, 0, sizeof *r);
    r->st = st;
    r->w = w;
    r->method = method;
    r->path = url;
    r->body = cn->body.data ? cn->body.data : "";
    r->body_len = cn->body.len;
    r->header = header_get;
    r->query = query_get;
    r->header_ctx = c;
    r->out = &cn->out;
    r->hdrs = &cn->hdrs;
    r->scratch = &cn->scratch;
    r->audit = &cn->audit;
    r->pending = &cn->pending;
    r->status = 500;
}

/* Replies with an error before the body has been read (or while it arrives). */
static enum MHD_Result early_error(struct MHD_Connection *c, srv_state *st, srv_worker *w, conn *cn,
                                   const char *method, const char *url, int status,
                                   srv_error_kind kind, const char *msg)
{
    srv_req r;
    srv_buf_reset(&cn->out);
    srv_buf_reset(&cn->hdrs);
    init_req(&r, st, w, cn, c, method, url);
    srv_reply_error(&r, status, kind, msg, NULL);
    if (status == 405) {
        char allow[64] = "";
        for (int b = 1; b <= M_DELETE && cn->rt; b <<= 1)
            if (cn->rt->methods & (unsigned)b)
                snprintf(allow + strlen(allow), sizeof allow - strlen(allow), "%s%s",
                         allow[0] ? ", " : "",
                         b == M_GET    ? "GET"
                         : b == M_POST ? "POST"
                         : b == M_PUT  ? "PUT"
                                       : "DELETE");
        srv_req_header(&r, "Allow", allow);
    }
    cn->responded = 1;
    return send_response(c, st, w, cn, &r);
}

/* Sync audit: an answer whose record will never be durable is not given. A
 * single decision becomes deny (store-unavailable); a batch becomes 503. */
static void replace_unrecorded(conn *cn, srv_worker *w, srv_req *r)
{
    if (!cn->pending.failed)
        return;
    srv_buf_reset(&cn->out);
    srv_buf_reset(&cn->hdrs);
    srv_metrics_error(w->metrics, SRV_ERR_INTERNAL);
    if (cn->pending.respond) {
        clr_decision d;
        srv_audit_failed_decision(&d, cn->pending.decision_id);
        cn->pending.respond(r, &d);
    } else {
        srv_reply_error(r, 503, SRV_ERR_INTERNAL,
                        "the decisions could not be recorded in the audit log", NULL);
    }
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    (void)version;
    srv_state *st = cls;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    conn *cn = ci ? ci->socket_context : NULL;
    srv_worker *w = srv_worker_get(st);
    if (!cn || !w)
        return MHD_NO;

    if (*con_cls == NULL) {
        /* the headers are in: set the request up */
        *con_cls = cn;
        cn->counted = 1;
        cn->responded = 0;
        cn->late_status = 0;
        atomic_fetch_add(&st->inflight, 1);
        cn->start_ns = srv_now_ns();
        srv_buf_reset(&cn->body);
        int path_found;
        cn->rt = find_route(url, &path_found);
        if (!cn->rt)
            return early_error(c, st, w, cn, method, url, 404, SRV_ERR_NOT_FOUND,
                               "no such endpoint");
        if (!(cn->rt->methods & method_bit(method)))
            return early_error(c, st, w, cn, method, url, 405, SRV_ERR_METHOD,
                               "method not allowed on this endpoint");
        const char *cl =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > st->cfg->max_body)
            return early_error(c, st, w, cn, method, url, 413, SRV_ERR_TOO_LARGE,
                               "the request body exceeds the size limit");
        return MHD_YES;
    }
    if (*upload_size > 0) {
        size_t n = *upload_size;
        *upload_size = 0;
        /* libmicrohttpd cannot queue a response while a body arrives: a body
         * too slow is cut off by closing the connection; one too large is
         * read to its end (bounded by the same deadline), then refused */
        if (srv_now_ns() - cn->start_ns > (uint64_t)st->cfg->request_timeout * 1000000000u) {
            srv_metrics_error(w->metrics, SRV_ERR_TIMEOUT);
            return MHD_NO;
        }
        if (cn->late_status)
            return MHD_YES;
        if (cn->body.len + n > st->cfg->max_body)
            cn->late_status = 413;
        else if (srv_buf_append(&cn->body, upload, n))
            cn->late_status = 500;
        return MHD_YES;
    }
    if (cn->held) {
        /* resumed: the records are durable, or some never will be */
        srv_req r;
        init_req(&r, st, w, cn, c, method, url);
        cn->held = 0;
        r.status = cn->held_status;
        r.content_type = cn->held_type;
        r.timed = cn->held_timed;
        replace_unrecorded(cn, w, &r);
        cn->responded = 1;
        return send_response(c, st, w, cn, &r);
    }
    if (cn->responded)
        return MHD_YES;
    if (cn->late_status == 413)
        return early_error(c, st, w, cn, method, url, 413, SRV_ERR_TOO_LARGE,
                           "the request body exceeds the size limit");
    if (cn->late_status)
        return early_error(c, st, w, cn, method, url, 500, SRV_ERR_INTERNAL, "out of memory");
    /* the whole body is in: run the route */
    srv_req r;
    srv_buf_reset(&cn->out);
    srv_buf_reset(&cn->hdrs);
    init_req(&r, st, w, cn, c, method, url);
    cn->pending.failed = 0;
    cn->pending.respond = NULL;
    cn->rt->fn(&r);
    pthread_mutex_lock(&cn->pending.mu);
    if (cn->pending.waiting > 0) {
        /* sync audit: answer once the records are durable (on_durable resumes) */
        cn->held = 1;
        cn->held_status = r.status;
        cn->held_type = r.content_type;
        cn->held_timed = r.timed;
        cn->pending.suspended = 1;
        MHD_suspend_connection(c);
        pthread_mutex_unlock(&cn->pending.mu);
        return MHD_YES;
    }
    pthread_mutex_unlock(&cn->pending.mu);
    replace_unrecorded(cn, w, &r);
    cn->responded = 1;
    return send_response(c, st, w, cn, &r);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)c;
    srv_state *st = cls;
    conn *cn = *con_cls;
    if (toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED) {
        srv_worker *w = srv_worker_get(st);
        srv_metrics_error(w ? w->metrics : NULL, SRV_ERR_TIMEOUT);
    }
    if (cn && cn->counted) {
        cn->counted = 0;
        atomic_fetch_sub(&st->inflight, 1);
    }
    *con_cls = NULL;
}

static void log_mhd(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    fputs("clearance serve: http: ", stderr);
    vfprintf(stderr, fmt, ap);
}

int srv_http_start(srv_http **out, srv_state *st)
{
    const srv_config *cfg = st->cfg;
    struct addrinfo hints = {0}, *ai = NULL;
    char port[16];
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    snprintf(port, sizeof port, "%u", cfg->port);
    int gai = getaddrinfo(cfg->host, port, &hints, &ai);
    if (gai) {
        fprintf(stderr, "clearance serve: cannot resolve %s: %s\n", cfg->host, gai_strerror(gai));
        return -1;
    }
    unsigned threads = cfg->threads;
    if (threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 ? (unsigned)n : 1;
    }
    /* poll(), not epoll: with libmicrohttpd 0.9.75's epoll loop a worker
     * with 128 or more connections busy at once served a few hundred requests
     * a second instead of 130,000 (docs/http-server.md, "Many connections";
     * bench/serve_connections.sh). poll() holds its rate from 64 to 1,000
     * busy connections, at the price of half the rate beside 2,000 idle ones. */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC | MHD_USE_TURBO |
                     MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
    if (ai->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    srv_http *h = calloc(1, sizeof *h);
    if (!h) {
        freeaddrinfo(ai);
        return -1;
    }
    h->st = st;
    /* a pool of one is no pool: libmicrohttpd would warn that it ignores it */
    struct MHD_OptionItem extra[3], *x = extra;
    if (cfg->max_connections)
        *x++ = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, (intptr_t)cfg->max_connections,
                                       NULL};
    if (threads > 1)
        *x++ = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)threads, NULL};
    *x = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    h->daemon = MHD_start_daemon(
        flags, (uint16_t)cfg->port, NULL, NULL, on_request, st, MHD_OPTION_EXTERNAL_LOGGER, log_mhd,
        NULL, MHD_OPTION_SOCK_ADDR, ai->ai_addr, MHD_OPTION_CONNECTION_TIMEOUT, cfg->idle_timeout,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, st, MHD_OPTION_NOTIFY_CONNECTION, on_connection,
        st, MHD_OPTION_STRICT_FOR_CLIENT, 1, MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
        MHD_OPTION_ARRAY, extra, MHD_OPTION_END);
    freeaddrinfo(ai);
    if (!h->daemon) {
        fprintf(stderr, "clearance serve: cannot listen on %s:%u\n", cfg->host, cfg->port);
        free(h);
        return -1;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
    h->port = di ? di->port : cfg->port;
    *out = h;
    return 0;
}

unsigned srv_http_port(const srv_http *h)
{
    return h->port;
}

void srv_http_drain_and_stop(srv_http *h, unsigned timeout_s)
{
    if (!h)
        return;
    atomic_store(&h->st->draining, 1);
    /* stop accepting: new connections are refused at once; the descriptor
     * itself may only be closed once the workers have stopped */
    MHD_socket fd = MHD_quiesce_daemon(h->daemon);
    if (fd != MHD_INVALID_SOCKET)
        shutdown(fd, SHUT_RDWR);
    uint64_t deadline = srv_now_ns() + (uint64_t)timeout_s * 1000000000u;
    while (atomic_load(&h->st->inflight) > 0 && srv_now_ns() < deadline) {
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    long left = atomic_load(&h->st->inflight);
    if (left > 0)
        fprintf(stderr, "clearance serve: drain timed out with %ld requests in flight\n", left);
    MHD_stop_daemon(h->daemon);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
    free(h);
}
