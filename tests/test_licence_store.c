/* Licences in the store, against real SQLite files: adding, listing,
 * revoking; the store-backed set's drawdown, exact under many threads and
 * across two store handles acting as two nodes; expiry and exhaustion;
 * leases returned at close; synchronising added and revoked licences. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clearance.h"
#include "clearance_store.h"
#include "lib/test_store.h"

static char dir[64];
static char db[512];
static clr_ruleset *rs;

/* 2026-06-01T00:00:00Z: "now" for the tests, before the letter's time */
#define NOW ((clr_time)1780272000)

/* The 2026 letter: license_required for a German engineer at org:acme. */
#define LETTER                                                                                     \
    "{\"model\":\"mythos-5\",\"principal\":{\"id\":\"user:ana\",\"org\":\"org:acme\","             \
    "\"nationality\":\"DE\",\"country\":\"DE\"},\"use\":\"software-development\","                 \
    "\"integration\":\"api\",\"time\":\"2026-06-20T12:00:00Z\",\"units\":100}"

static int setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/clr-licstore-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    return test_store_path(db, sizeof db, dir, "store.db");
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd);
}

static clr_store *open_store(void)
{
    clr_store *s = NULL;
    char err[256];
    if (clr_store_open(&s, db, NULL, err, sizeof err))
        fail_msg("cannot open the store: %s", err);
    return s;
}

static void add(clr_store *s, const char *json)
{
    char err[256];
    int rc = clr_licence_store_add(s, json, strlen(json), NOW, NULL, err, sizeof err);
    if (rc)
        fail_msg("cannot add %s: %s (%s)", json, clr_strerror(rc), err);
}

static clr_licences *open_set(clr_store *s, clr_time now)
{
    clr_licences *l = NULL;
    char err[256];
    int rc = clr_licences_open(&l, s, NULL, now, err, sizeof err);
    if (rc)
        fail_msg("cannot open the licences: %s (%s)", clr_strerror(rc), err);
    return l;
}

static clr_request request(const char *json)
{
    clr_request r;
    clr_request_error err;
    if (clr_request_parse(&r, json, strlen(json), 0, &err))
        fail_msg("bad request: %s %s", err.path, err.message);
    return r;
}

/* Decides q and applies l: 1 when a licence lifted the decision to allow. */
static int covered(clr_licences *l, const clr_request *q)
{
    clr_decision d;
    clr_decide(rs, q, &d, NULL);
    if (d.outcome != CLR_LICENSE_REQUIRED)
        fail_msg("the letter request is not license_required");
    int n = clr_licences_apply(l, q, &d);
    assert_int_equal(n > 0, d.outcome == CLR_ALLOW);
    return n > 0;
}

typedef struct info_copy {
    int n;
    clr_licence_info last;
    char json[1024];
    char ids[4][32];
} info_copy;

static int collect(void *arg, const clr_licence_info *x)
{
    info_copy *c = arg;
    if (c->n < 4)
        snprintf(c->ids[c->n], sizeof c->ids[0], "%.31s", x->id);
    c->n++;
    c->last = *x;
    snprintf(c->json, sizeof c->json, "%.*s", (int)x->json_len, x->json);
    c->last.json = c->json;
    return 0;
}

/* The licence's info; its json lives until the next call. */
static clr_licence_info get(clr_store *s, const char *id)
{
    static info_copy c;
    memset(&c, 0, sizeof c);
    assert_int_equal(clr_licence_store_list(s, id, collect, &c), 0);
    assert_int_equal(c.n, 1);
    return c.last;
}

static void test_add_list_revoke(void **state)
{
    (void)state;
    clr_store *s = open_store();
    char id[CLR_ID_MAX], err[256];
    /* a JSON object over several lines */
    const char *b = "{\"id\": \"L-2\", \"rulebook\": \"us-ear\",\n \"licensee\": \"org:acme\",\n"
                    " \"quantity\": 10, \"unit\": \"requests\", \"until\": \"2027-01-01\"}";
    assert_int_equal(clr_licence_store_add(s, b, strlen(b), NOW, id, err, sizeof err), 0);
    assert_string_equal(id, "L-2");
    add(s, "{\"id\":\"L-1\",\"rulebook\":\"us-ear\",\"licensee\":\"org:acme\"}");
    /* the same id again, and malformed licences */
    assert_int_equal(clr_licence_store_add(s, b, strlen(b), NOW, NULL, err, sizeof err),
                     CLR_EEXIST);
    assert_non_null(strstr(err, "L-2"));
    const char *bad = "{\"id\":\"L-3\",\"rulebook\":\"us-ear\"}";
    assert_int_equal(clr_licence_store_add(s, bad, strlen(bad), NOW, NULL, err, sizeof err),
                     CLR_EINVAL);
    assert_string_equal(err, "$.licensee: required field is missing");
    assert_int_equal(clr_licence_store_add(s, "[1]", 3, NOW, NULL, err, sizeof err), CLR_EINVAL);
    assert_string_equal(err, "$: a licence is a JSON object");

    info_copy c = {0};
    assert_int_equal(clr_licence_store_list(s, NULL, collect, &c), 0);
    assert_int_equal(c.n, 2);
    assert_string_equal(c.ids[0], "L-1");
    assert_string_equal(c.ids[1], "L-2");
    clr_licence_info x = get(s, "L-2");
    assert_string_equal(x.rulebook, "us-ear");
    assert_string_equal(x.licensee, "org:acme");
    assert_int_equal(x.quantity, 10);
    assert_int_equal(x.per_request, 1);
    assert_int_equal(x.used, 0);
    assert_int_equal(x.created, NOW);
    assert_int_equal(x.revoked, 0);
    assert_int_equal(x.from, CLR_TIME_MIN);
    assert_int_equal(x.until, 1798761600); /* 2027-01-01 */
    x = get(s, "L-1");
    assert_int_equal(x.quantity, -1);
    assert_int_equal(clr_licence_store_list(s, "L-9", collect, &c), CLR_ENOTFOUND);

    char *json = NULL;
    x = get(s, "L-2");
    assert_int_equal(clr_licence_info_json(&json, &x, 0), 0);
    assert_non_null(strstr(json, "\"id\":\"L-2\""));
    assert_non_null(strstr(json, "\"used\":0,\"remaining\":10,"));
    assert_non_null(strstr(json, "\"revoked\":null"));
    free(json);

    assert_int_equal(clr_licence_store_revoke(s, "L-2", NOW + 60), 0);
    assert_int_equal(clr_licence_store_revoke(s, "L-2", NOW + 120), 0); /* no change */
    assert_int_equal(get(s, "L-2").revoked, NOW + 60);
    assert_int_equal(clr_licence_store_revoke(s, "L-9", NOW), CLR_ENOTFOUND);
    x = get(s, "L-2");
    assert_int_equal(clr_licence_info_json(&json, &x, 0), 0);
    assert_non_null(strstr(json, "\"revoked\":\"2026-06-01T00:01:00Z\""));
    free(json);
    clr_store_close(s);
}

static void test_expiry_exhaustion_revocation(void **state)
{
    (void)state;
    clr_store *s = open_store(), *admin = open_store();
    add(admin, "{\"id\":\"E\",\"rulebook\":\"us-ear\",\"licensee\":\"org:acme\","
               "\"until\":\"2026-06-21\",\"quantity\":2,\"unit\":\"requests\"}");
    add(admin, "{\"id\":\"OLD\",\"rulebook\":\"us-ear\",\"licensee\":\"org:acme\","
               "\"until\":\"2026-05-01\"}");
    clr_licences *l = open_set(s, NOW);
    int64_t left;
    assert_int_equal(clr_licences_remaining(l, "OLD", &left), CLR_ENOTFOUND); /* expired */
    clr_request q = request(LETTER);
    assert_true(covered(l, &q));
    /* after its window, it covers nothing */
    clr_request late = q;
    late.time += 2 * 86400;
    assert_false(covered(l, &late));
    assert_true(covered(l, &q));
    assert_false(covered(l, &q)); /* exhausted: two requests */
    assert_int_equal(get(admin, "E").used, 2);

    /* a licence added in the store joins at the next sync; a revoked one leaves */
    add(admin, "{\"id\":\"N\",\"rulebook\":\"us-ear\",\"licensee\":\"user:ana\"}");
    assert_false(covered(l, &q));
    assert_int_equal(clr_licences_sync(l, NOW), 1);
    assert_true(covered(l, &q));
    assert_int_equal(clr_licence_store_revoke(admin, "N", NOW), 0);
    assert_int_equal(clr_licences_sync(l, NOW), 1);
    assert_int_equal(clr_licences_sync(l, NOW), 0);
    assert_false(covered(l, &q));
    clr_licences_free(l);
    clr_store_close(s);
    clr_store_close(admin);
}

static void test_lease_returned_at_close(void **state)
{
    (void)state;
    clr_store *s = open_store();
    add(s, "{\"id\":\"BIG\",\"rulebook\":\"us-ear\",\"licensee\":\"org:acme\","
           "\"quantity\":1000000}");
    clr_licences *l = open_set(s, NOW);
    clr_request q = request(LETTER);
    assert_true(covered(l, &q));
    /* one block is leased: the store counts it used; the set holds the rest */
    clr_licence_info x = get(s, "BIG");
    assert_int_equal(x.used, 1000000 / 16);
    assert_int_equal(clr_licences_held(l, "BIG"), 1000000 / 16 - 100);
    char *json = NULL;
    assert_int_equal(clr_licence_info_json(&json, &x, clr_licences_held(l, "BIG")), 0);
    assert_non_null(strstr(json, "\"used\":100,\"remaining\":999900"));
    free(json);
    clr_licences_free(l);
    assert_int_equal(get(s, "BIG").used, 100);
    /* a new set starts from what is in the store */
    l = open_set(s, NOW);
    assert_true(covered(l, &q));
    clr_licences_free(l);
    assert_int_equal(get(s, "BIG").used, 200);
    clr_store_close(s);
}

typedef struct drawer {
    clr_licences *l;
    const clr_request *q;
    int tries;
    int allowed;
} drawer;

static void *draw_thread(void *arg)
{
    drawer *w = arg;
    for (int i = 0; i < w->tries; i++) {
        clr_decision d;
        clr_decide(rs, w->q, &d, NULL);
        if (clr_licences_apply(w->l, w->q, &d) > 0)
            w->allowed++;
    }
    return NULL;
}

static int run_threads(clr_licences *const *sets, size_t nsets, int per_set, int tries,
                       const clr_request *q)
{
    pthread_t t[32];
    drawer w[32];
    int n = 0, total = 0;
    for (size_t k = 0; k < nsets; k++)
        for (int i = 0; i < per_set; i++, n++) {
            w[n] = (drawer){sets[k], q, tries, 0};
            assert_int_equal(pthread_create(&t[n], NULL, draw_thread, &w[n]), 0);
        }
    for (int i = 0; i < n; i++) {
        pthread_join(t[i], NULL);
        total += w[i].allowed;
    }
    return total;
}

static void test_exact_under_threads(void **state)
{
    (void)state;
    clr_store *s = open_store();
    /* 1,000 requests of 100 units and 50 units too few for one more */
    add(s, "{\"id\":\"T\",\"rulebook\":\"us-ear\",\"licensee\":\"org:acme\","
           "\"quantity\":100050}");
    clr_licences *l = open_set(s, NOW);
    clr_request q = request(LETTER);
    int allowed = run_threads(&l, 1, 8, 200, &q);
    assert_int_equal(allowed, 1000);
    assert_true(get(s, "T").used <= 100050);
    clr_licences_free(l);
    assert_int_equal(get(s, "T").used, 100000);
    clr_store_close(s);
}

static void test_two_nodes_one_store(void **state)
{
    (void)state;
    clr_store *admin = open_store();
    add(admin, "{\"id\":\"S\",\"rulebook\":\"us-ear\",\"licensee\":\"org:acme\","
               "\"quantity\":50000}");
    add(admin, "{\"id\":\"R\",\"rulebook\":\"us-ear\",\"licensee\":\"user:ana\","
               "\"quantity\":300,\"unit\":\"requests\",\"models\":[\"mythos-5\"],"
               "\"uses\":[\"research\"]}");
    clr_store *s1 = open_store(), *s2 = open_store();
    clr_licences *nodes[2] = {open_set(s1, NOW), open_set(s2, NOW)};
    clr_request q = request(LETTER);
    int allowed = run_threads(nodes, 2, 4, 100, &q);
    /* never overdrawn; at most one request's worth stranded per node */
    assert_true(allowed * 100 <= 50000);
    assert_true(allowed >= 500 - 2);
    assert_true(get(admin, "S").used <= 50000);
    clr_licences_free(nodes[0]);
    clr_licences_free(nodes[1]);
    assert_int_equal(get(admin, "S").used, (int64_t)allowed * 100);

    /* a licence counted in requests, drawn by both nodes at once */
    nodes[0] = open_set(s1, NOW);
    nodes[1] = open_set(s2, NOW);
    clr_request r =
        request("{\"model\":\"mythos-5\",\"principal\":{\"id\":\"user:ana\",\"org\":\"org:beta\","
                "\"nationality\":\"DE\",\"country\":\"DE\"},\"use\":\"research\","
                "\"integration\":\"api\",\"time\":\"2026-06-20T12:00:00Z\",\"units\":7}");
    allowed = run_threads(nodes, 2, 4, 100, &r);
    assert_int_equal(allowed, 300);
    clr_licences_free(nodes[0]);
    clr_licences_free(nodes[1]);
    assert_int_equal(get(admin, "R").used, 300);
    clr_store_close(s1);
    clr_store_close(s2);
    clr_store_close(admin);
}

int main(void)
{
    assert_int_equal(clr_ruleset_load_defaults(&rs, NULL), 0);
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_add_list_revoke),         T(test_expiry_exhaustion_revocation),
        T(test_lease_returned_at_close), T(test_exact_under_threads),
        T(test_two_nodes_one_store),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    clr_ruleset_unref(rs);
    return rc;
}
