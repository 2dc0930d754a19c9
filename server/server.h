/* The shared state of clearance serve and the request context the routes work
 * on. The server uses only the public API of libclearance. */
#ifndef CLR_SERVER_SERVER_H
#define CLR_SERVER_SERVER_H

#include "authz_headers.h"
#include "buf.h"
#include "clearance.h"
#include "config.h"
#include "metrics.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#define SRV_HASH_MAX 130

/* Everything the workers share. */
typedef struct srv_state {
    const srv_config *cfg;
    clr_engine *engine;
    srv_metrics *metrics;
    clr_lists *lists; /* restricted-party lists for screening; NULL when none; swapped
                         under lists_lock by srv_lists_reload (workers hold references:
                         srv_worker_lists) */
    pthread_mutex_t lists_lock;
    _Atomic uint64_t lists_gen;
    _Atomic clr_time lists_from;             /* with a store: the active lists version's start */
    _Atomic int64_t lists_version;           /* ... and its number */
    struct srv_lists_history *lists_history; /* older lists versions loaded (history_lock) */
    size_t nlists_history, caplists_history;
    clr_licences *licences; /* --licences, or the store's licences with --store; NULL: none */
    clr_usage *usage;       /* --store: the usage meter; NULL when none */
    clr_geoip *geoip;       /* --geoip: the country database; NULL when none */
    clr_redflags_options redflags; /* what srv_decide looks for; nothing when both NULL */
    clr_store *audit_store;        /* the audit writer's own connection; NULL when no audit log */
    clr_audit *audit;
    clr_store *store;            /* --store: a connection for the routes; NULL when none */
    pthread_mutex_t store_lock;  /* one route at a time uses store */
    clr_registry_cell *registry; /* --store: the registry snapshot; NULL when none */
    int64_t registry_generation; /* the store's registry counter the snapshot reflects */

    pthread_mutex_t rules_lock; /* serialises reloads; guards the fields below */
    uint64_t generation;        /* 1 for the set loaded at start, +1 per reload */
    clr_time loaded_at;
    char source[512]; /* "embedded defaults", the paths, or "PUT /v1/rules" */

    /* with a store: the stored version the active set is, and older versions
     * compiled for requests dated while they were in force (rules_state.c) */
    _Atomic int64_t rules_version; /* 0 without a store; written under rules_lock */
    _Atomic clr_time rules_from;   /* the active version's start; requests dated
                                      before it are decided under an older one */
    pthread_mutex_t history_lock;
    struct srv_history *history; /* compiled older versions, kept until exit */
    size_t nhistory, caphistory;

    int admin_enabled;
    unsigned char admin_digest[32]; /* BLAKE2b of the admin token */

    atomic_int draining;
    atomic_long inflight; /* requests between their headers and their completion */
} srv_state;

/* What each worker thread keeps: its cached rule set and its metrics shard. */
typedef struct srv_worker {
    srv_state *st;
    clr_ruleset *cached;
    uint64_t gen;
    srv_metrics_shard *metrics;
    clr_registry *reg_cached; /* the registry snapshot this worker last read */
    uint64_t reg_gen;
    clr_lists *lists; /* the lists this worker last read (a reference) */
    uint64_t lists_gen;
} srv_worker;

/* The calling thread's worker, created on first use; NULL when out of memory.
 * Workers are freed by srv_workers_free once every thread has stopped. */
srv_worker *srv_worker_get(srv_state *st);
void srv_workers_free(void);

/* The worker's view of the active rule set (clr_engine_current): valid until
 * the same worker asks again. */
const clr_ruleset *srv_worker_rules(srv_worker *w);

typedef struct srv_req srv_req;

/* Builds a route's response for decision d (status, body, headers). */
typedef void (*srv_respond_fn)(srv_req *r, const clr_decision *d);

/* What a request waits for in sync audit mode: its records' durability. The
 * HTTP layer suspends the connection while waiting is non-zero; the audit
 * writer's callback resumes it (http_server.c, reply.c). */
typedef struct srv_pending {
    pthread_mutex_t mu;
    unsigned waiting; /* records appended and not yet durable */
    int failed;       /* some record never will be */
    int suspended;    /* the connection is suspended until waiting is 0 */
    void (*resume)(void *conn);
    void *conn;
    srv_respond_fn respond; /* rebuilds the answer as deny; NULL: the route answers 503 */
    char decision_id[37];   /* of the deny that replaces a single decision */
} srv_pending;

/* One HTTP request as the routes see it. The HTTP layer fills the request
 * half; a route fills status, the body in out, and response headers. */
struct srv_req {
    srv_state *st;
    srv_worker *w;
    const char *method;
    const char *path;
    const char *body; /* NUL-terminated; body_len bytes */
    size_t body_len;
    srv_header_get_fn header; /* request headers, case-insensitive */
    srv_header_get_fn query;  /* query-string arguments (?name=value), decoded */
    void *header_ctx;         /* for header and query */

    int status;
    const char *content_type;
    srv_buf *out;     /* the response body */
    srv_buf *hdrs;    /* response headers as "name\0value\0" pairs */
    srv_buf *scratch; /* free for the route to use */
    int timed;        /* count the service time in the latency histogram */

    srv_pending *pending;        /* sync audit: what the connection waits for; NULL: never waits */
    srv_respond_fn respond;      /* set by single-decision routes before srv_decide */
    srv_buf *audit;              /* the records' JSON, built by srv_decide */
    const clr_decision *json_of; /* the decision whose JSON ends audit (srv_put_decision) */
    size_t json_at, json_len;
};

/* A route: fills the response for r. */
typedef void (*srv_route_fn)(srv_req *r);

/* Adds a response header; the value is copied. Control characters in value
 * are replaced by spaces. */
void srv_req_header(srv_req *r, const char *name, const char *value);

/* The answer that replaces a decision that could not be recorded: deny with
 * reason "store-unavailable", keeping the decision id. */
void srv_audit_failed_decision(clr_decision *d, const char *decision_id);

/* Replies status with {"error": message, "path": path} (path omitted when
 * NULL) and counts the error. */
void srv_reply_error(srv_req *r, int status, srv_error_kind kind, const char *message,
                     const char *path);

/* clr_request_parse, with the registry (--store) supplying the destination
 * of a request that names only a registered principal
 * (clr_registry_request_parse). */
int srv_request_parse(srv_req *r, clr_request *out, const char *json, size_t len, clr_time now,
                      clr_request_error *err);

/* Appends the decision's JSON to r->out (no newline). Returns 0 or -1 when out
 * of memory. */
int srv_put_decision(srv_req *r, const clr_decision *d);

/* Decides req under the worker's rule set into *d, counting it in the metrics,
 * and appends the audit record when the audit log is on. Async mode: queued at
 * once. Sync mode: the request waits (r->pending) until the record is
 * durable; a record that cannot be written turns the answer into deny with
 * reason "store-unavailable" (r->respond rebuilds it; without one the route's
 * answer becomes 503). With a registry (--store), req is first filled from
 * it in place (the caller's request is changed), and afterwards adjudicated matches are dropped and
 * contradictions flagged; the reasons that adds point into per-thread storage that the thread's
 * next srv_decide reuses. Returns what clr_decide returns. */
int srv_decide(srv_req *r, clr_request *req, clr_decision *d, clr_request_error *err);

/* Routes (routes_*.c). */
void srv_route_decide(srv_req *r);
void srv_route_decide_batch(srv_req *r);
void srv_route_opa_decision(srv_req *r);
void srv_route_authz(srv_req *r);
void srv_route_classify(srv_req *r);
void srv_route_screen(srv_req *r);
void srv_route_rules(srv_req *r);
void srv_route_healthz(srv_req *r);
void srv_route_readyz(srv_req *r);
void srv_route_metrics(srv_req *r);
void srv_route_audit(srv_req *r);
void srv_route_impact(srv_req *r);
void srv_route_licences(srv_req *r);
void srv_route_usage(srv_req *r);

/* For admin routes over the store: replies 401 without the admin bearer
 * token and 404 without a store. Returns non-zero when the route may go on.
 * (routes_licences.c) */
int srv_admin_store_ok(srv_req *r);

void srv_route_admin_registry(srv_req *r);

/* The customer registry (routes_registry.c). init loads the snapshot from
 * st->store (nothing without one) and returns 0 or a CLR_E* code; reload
 * loads it again and swaps it in (call with store_lock held). */
int srv_registry_init(srv_state *st);
int srv_registry_reload(srv_state *st);

/* With a store: reloads the registry snapshot when another process changed
 * the registry (clr_registry_generation). Called once a second. */
void srv_registry_sync(srv_state *st);

/* With a store: swaps in a lists version another process stored (POST
 * /v1/admin/lists on another node, clearance lists push). Called once a
 * second. */
void srv_lists_sync(srv_state *st);
void srv_registry_free(srv_state *st);

/* The worker's view of the registry snapshot; NULL without a store. */
const clr_registry *srv_worker_registry(srv_worker *w);

/* Restricted-party lists for /v1/screen (routes_screen.c): loads the
 * configured lists, or the default ones when none are configured (screening is
 * then off if there are none). Returns 0, or -1 after printing why. */
int srv_lists_init(srv_state *st);
void srv_lists_free(srv_state *st);

/* Loads the configured (or default) lists again and swaps them in; requests
 * already screening finish with the old ones. Returns 0, or a CLR_E* code with
 * the reason in msg (the active lists stay). Thread-safe. */
int srv_lists_reload(srv_state *st, char *msg, size_t cap);

/* The worker's view of the lists (NULL when none): valid until the same
 * worker asks again. */
const clr_lists *srv_worker_lists(srv_worker *w);

/* The lists to screen a request dated at against: the worker's, or with a
 * store, for an instant while an older lists version was in force, that
 * version (loaded once, kept until srv_lists_free). Thread-safe. */
const clr_lists *srv_lists_for(srv_req *r, clr_time at);

/* Rule set management (rules_state.c). */

/* Loads the configured rulebooks (or the built-in ones) and creates the
 * engine. Prints diagnostics to stderr. Returns 0 or a CLR_E* code. */
int srv_rules_init(srv_state *st);

/* Reloads the configured rulebooks from disk; on errors keeps the active set.
 * Prints diagnostics to stderr. Returns 0 or a CLR_E* code. Thread-safe. */
int srv_rules_reload(srv_state *st);

/* Compiles text as the new rule set and swaps it in (with a store, recorded
 * first as a new version made by by, for reason; a set that cannot be
 * recorded is refused: CLR_ESTORE); on errors keeps the active set and appends
 * {"error":...,"diagnostics":[...]} to diag_json. On success appends the new set's description (as
 * GET /v1/rules) to diag_json. Returns 0 or a CLR_E* code. Thread-safe. */
int srv_rules_replace(srv_state *st, const char *text, size_t len, const char *by,
                      const char *reason, srv_buf *json);

/* With a store: when another node (or clearance rules push) stored a newer
 * version, loads and installs it. Called once a second. Thread-safe. */
void srv_rules_sync(srv_state *st);

/* The rule set to decide a request dated at under: the active one, or with a
 * store, for an instant while an older version was in force, that version
 * (compiled once and kept until srv_rules_history_free). NULL when it cannot
 * be loaded (the caller fails closed). Thread-safe. */
const clr_ruleset *srv_rules_for(srv_req *r, clr_time at);

/* Frees the compiled older versions; once no request runs. */
void srv_rules_history_free(srv_state *st);

/* Appends the active set's description as JSON. Thread-safe. */
void srv_rules_describe(srv_state *st, srv_buf *json);

/* Non-zero when the Authorization header carries the admin bearer token;
 * compared in constant time. */
int srv_admin_ok(srv_state *st, const char *authorization);

/* Non-zero when r carries the admin token; otherwise replies 401 (with
 * WWW-Authenticate) and returns 0. */
int srv_require_admin(srv_req *r);

/* Finds the value of member key in the JSON object text s of n bytes, at top
 * level. Returns 0 and sets *val, *vlen; 1 when the object lacks the key; -1
 * when s is not a JSON object. (json_scan.c) */
int srv_json_member(const char *s, size_t n, const char *key, const char **val, size_t *vlen);

/* Monotonic nanoseconds. */
uint64_t srv_now_ns(void);

#endif
