/* The HTTP layer of clearance serve, on libmicrohttpd: one epoll thread per
 * worker, HTTP/1.1 keep-alive, per-connection buffers reused across requests,
 * body limit, timeouts, and a graceful drain. */
#ifndef CLR_SERVER_HTTP_SERVER_H
#define CLR_SERVER_HTTP_SERVER_H

#include "server.h"

typedef struct srv_http srv_http;

/* Starts listening on st->cfg's address with st->cfg->threads workers (0: one
 * per core). Returns 0 or -1 after printing why to stderr. */
int srv_http_start(srv_http **out, srv_state *st);

/* The port bound (useful with port 0). */
unsigned srv_http_port(const srv_http *h);

/* Stops accepting connections, lets requests in flight finish (up to
 * timeout_s seconds; responses meanwhile say Connection: close), then closes
 * every connection and frees h. NULL is allowed. */
void srv_http_drain_and_stop(srv_http *h, unsigned timeout_s);

#endif
