/* serve_loadgen: an open-loop HTTP/1.1 load generator for bench/serve_bench.sh.
 *
 *   serve_loadgen HOST PORT PATH RATE SECONDS CONNECTIONS BODIES.jsonl
 *
 * Sends POST PATH requests at a fixed RATE per second, spread evenly in time
 * (one timerfd tick per request, not bursts), over CONNECTIONS keep-alive
 * connections with at most one request in flight on each. Each request's
 * latency is measured from the instant it was due, not from when a connection
 * became free, so a stalled server cannot hide its queueing ("coordinated
 * omission", as wrk2 corrects it). Bodies are the lines of BODIES.jsonl,
 * cycled. Prints one line:
 *   RESULT rps=... p50_us=... p99_us=... p999_us=... max_us=... errors=... late=...
 * where errors counts non-200 answers and broken connections, and late the
 * requests that waited for a free connection. wrk (Debian) has no paced mode
 * (wrk2 is not in Debian); its per-connection delay() fires in 1 ms ticks, in
 * bursts that inflate every server's tail latency alike. */
#define _GNU_SOURCE
#include "bench_common.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 4096
#define RESP_MAX 65536

typedef struct conn {
    int fd;
    int busy;
    uint64_t due_ns; /* when the request in flight was due */
    size_t rlen;
    char rbuf[RESP_MAX];
} conn;

typedef struct bodies {
    size_t n;
    char **req; /* full HTTP requests */
    size_t *len;
} bodies;

static int connect_to(const char *host, int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &a.sin_addr) != 1)
        return -1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&a, sizeof a)) {
        close(fd);
        return -1;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

/* Reads BODIES.jsonl and formats one HTTP request per line. */
static int load_bodies(bodies *b, const char *file, const char *host, int port, const char *path)
{
    FILE *f = fopen(file, "r");
    if (!f)
        return -1;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) > 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (n == 0)
            continue;
        char **r = realloc(b->req, (b->n + 1) * sizeof *r);
        size_t *l = realloc(b->len, (b->n + 1) * sizeof *l);
        if (r)
            b->req = r;
        if (l)
            b->len = l;
        size_t sz = (size_t)n + 256 + strlen(path) + strlen(host);
        char *req = malloc(sz);
        if (!r || !l || !req) {
            free(req);
            break;
        }
        int w = snprintf(req, sz,
                         "POST %s HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/json\r\n"
                         "Content-Length: %zd\r\n\r\n%s",
                         path, host, port, n, line);
        b->req[b->n] = req;
        b->len[b->n++] = (size_t)w;
    }
    free(line);
    fclose(f);
    return b->n ? 0 : -1;
}

/* Consumes one complete response from c->rbuf if there is one: returns its
 * status code, 0 when more bytes are needed, -1 when it is malformed. */
static int take_response(conn *c)
{
    char *end = memmem(c->rbuf, c->rlen, "\r\n\r\n", 4);
    if (!end)
        return c->rlen == RESP_MAX ? -1 : 0;
    size_t hlen = (size_t)(end + 4 - c->rbuf), clen = 0;
    c->rbuf[hlen - 1] = '\0';
    int status = 0;
    if (sscanf(c->rbuf, "HTTP/1.%*d %d", &status) != 1)
        return -1;
    for (char *p = c->rbuf; (p = strchr(p, '\n')) != NULL; p++)
        if (strncasecmp(p + 1, "content-length:", 15) == 0)
            clen = strtoull(p + 16, NULL, 10);
    c->rbuf[hlen - 1] = '\n';
    if (hlen + clen > RESP_MAX)
        return -1;
    if (c->rlen < hlen + clen)
        return 0;
    memmove(c->rbuf, c->rbuf + hlen + clen, c->rlen - hlen - clen);
    c->rlen -= hlen + clen;
    return status;
}

int main(int argc, char **argv)
{
    if (argc != 8) {
        fprintf(stderr, "usage: serve_loadgen HOST PORT PATH RATE SECONDS CONNECTIONS "
                        "BODIES.jsonl\n");
        return 2;
    }
    const char *host = argv[1], *path = argv[3];
    int port = atoi(argv[2]);
    double rate = atof(argv[4]), seconds = atof(argv[5]);
    int nconns = atoi(argv[6]);
    bodies b = {0};
    if (rate <= 0 || seconds <= 0 || nconns < 1 || nconns > MAX_CONNS ||
        load_bodies(&b, argv[7], host, port, path)) {
        fprintf(stderr, "serve_loadgen: bad arguments or no bodies\n");
        return 2;
    }
    prctl(PR_SET_TIMERSLACK, 1UL); /* wake on time, not up to 50 us late */
    size_t total = (size_t)(rate * seconds);
    uint64_t *lat = calloc(total + 1, sizeof *lat);
    conn *conns = calloc((size_t)nconns, sizeof *conns);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (!lat || !conns || ep < 0 || tfd < 0)
        return 1;
    for (int i = 0; i < nconns; i++) {
        if ((conns[i].fd = connect_to(host, port)) < 0) {
            fprintf(stderr, "serve_loadgen: cannot connect to %s:%d\n", host, port);
            return 1;
        }
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
        epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
    }
    struct epoll_event tev = {.events = EPOLLIN, .data.u32 = UINT32_MAX};
    epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &tev);

    const uint64_t interval = (uint64_t)(1e9 / rate);
    const uint64_t t0 = bench_now_ns() + 1000000;
    size_t sent = 0, done = 0, nlat = 0, errors = 0, late = 0, next_body = 0;
    int *freelist = malloc(sizeof(int) * (size_t)nconns), nfree = nconns;
    for (int i = 0; i < nconns; i++)
        freelist[i] = nconns - 1 - i;

    while (done < total) {
        uint64_t now = bench_now_ns();
        /* send every request that is due, on free connections */
        while (sent < total && t0 + sent * interval <= now && nfree > 0) {
            conn *c = &conns[freelist[--nfree]];
            size_t k = next_body++ % b.n;
            c->due_ns = t0 + sent * interval;
            if (now - c->due_ns > interval)
                late++;
            if (write(c->fd, b.req[k], b.len[k]) != (ssize_t)b.len[k]) {
                errors++;
                done++;
                freelist[nfree++] = (int)(c - conns);
            } else {
                c->busy = 1;
            }
            sent++;
        }
        if (sent < total) {
            uint64_t due = t0 + sent * interval;
            struct itimerspec its = {0};
            if (due <= now)
                due = now + 1000; /* waiting for a free connection */
            its.it_value.tv_sec = (time_t)(due / 1000000000u);
            its.it_value.tv_nsec = (long)(due % 1000000000u);
            timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
        }
        struct epoll_event evs[256];
        int n = epoll_wait(ep, evs, 256, 1000);
        if (n < 0 && errno != EINTR)
            return 1;
        for (int i = 0; i < n; i++) {
            if (evs[i].data.u32 == UINT32_MAX) {
                uint64_t ticks;
                if (read(tfd, &ticks, sizeof ticks) < 0 && errno != EAGAIN)
                    return 1;
                continue;
            }
            conn *c = &conns[evs[i].data.u32];
            ssize_t r = read(c->fd, c->rbuf + c->rlen, RESP_MAX - c->rlen);
            if (r <= 0) {
                fprintf(stderr, "serve_loadgen: connection closed by the server\n");
                return 1;
            }
            c->rlen += (size_t)r;
            int status;
            while (c->busy && (status = take_response(c)) != 0) {
                uint64_t t = bench_now_ns();
                if (status != 200)
                    errors++;
                lat[nlat++] = t - c->due_ns;
                c->busy = 0;
                done++;
                freelist[nfree++] = (int)(c - conns);
            }
        }
    }
    double elapsed = (double)(bench_now_ns() - t0) / 1e9;
    qsort(lat, nlat, sizeof *lat, bench_cmp_u64);
#define PCT(p) (nlat ? lat[(size_t)((double)(nlat - 1) * (p))] / 1000 : 0)
    printf("RESULT rps=%.0f p50_us=%llu p99_us=%llu p999_us=%llu max_us=%llu errors=%zu "
           "late=%zu\n",
           (double)done / elapsed, (unsigned long long)PCT(0.50), (unsigned long long)PCT(0.99),
           (unsigned long long)PCT(0.999), (unsigned long long)PCT(1.0), errors, late);
    for (int i = 0; i < nconns; i++)
        close(conns[i].fd);
    for (size_t i = 0; i < b.n; i++)
        free(b.req[i]);
    free(b.req);
    free(b.len);
    free(freelist);
    free(conns);
    free(lat);
    return 0;
}
