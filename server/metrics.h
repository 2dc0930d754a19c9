/* The server's Prometheus metrics. Each worker thread counts into its own
 * shard with relaxed atomics (no locks, no allocation on the request path);
 * /metrics sums the shards. */
#ifndef CLR_SERVER_METRICS_H
#define CLR_SERVER_METRICS_H

#include "buf.h"
#include "clearance.h"

#include <stdint.h>

typedef struct srv_metrics srv_metrics;
typedef struct srv_metrics_shard srv_metrics_shard;

/* Kinds of error counted in clearance_errors_total{kind}. */
#define SRV_ERROR_MAP(X)                                                                           \
    X(BAD_REQUEST, "bad_request")                                                                  \
    X(BAD_JSON_LINE, "bad_batch_line")                                                             \
    X(TOO_LARGE, "body_too_large")                                                                 \
    X(UNAUTHORIZED, "unauthorized")                                                                \
    X(NOT_FOUND, "not_found")                                                                      \
    X(METHOD, "method_not_allowed")                                                                \
    X(TIMEOUT, "timeout")                                                                          \
    X(RULEBOOK, "rulebook_rejected")                                                               \
    X(INTERNAL, "internal")

typedef enum {
#define SRV__ERR_ENUM(name, label) SRV_ERR_##name,
    SRV_ERROR_MAP(SRV__ERR_ENUM)
#undef SRV__ERR_ENUM
        SRV_ERR_COUNT
} srv_error_kind;

/* A new, empty registry. Returns 0 or CLR_ENOMEM. */
int srv_metrics_new(srv_metrics **out);

/* Frees the registry and every shard. Call once no worker uses a shard. */
void srv_metrics_free(srv_metrics *m);

/* A new shard registered with m, owned by m; NULL when out of memory or when
 * the registry is full. Thread-safe. */
srv_metrics_shard *srv_metrics_shard_new(srv_metrics *m);

/* Counts a decision: its outcome, each rulebook's result and each rule that
 * fired. Only the shard's own thread may call it. Allocates nothing. */
void srv_metrics_decision(srv_metrics_shard *s, const clr_decision *d);

/* Counts one decision request's service time in nanoseconds. */
void srv_metrics_latency(srv_metrics_shard *s, uint64_t ns);

/* Counts one HTTP response by status code. */
void srv_metrics_status(srv_metrics_shard *s, int status);

/* Counts one error. */
void srv_metrics_error(srv_metrics_shard *s, srv_error_kind kind);

/* Counts a rules reload, successful (ok != 0) or refused. Thread-safe. */
void srv_metrics_reload(srv_metrics *m, int ok);

/* Appends every metric in Prometheus text format 0.0.4 to out. rules_generation
 * and rules_loaded_at describe the active rule set. Thread-safe. Returns 0 or
 * -1 when out of memory. */
int srv_metrics_render(srv_metrics *m, srv_buf *out, uint64_t rules_generation,
                       clr_time rules_loaded_at, int ready);

#endif
