/* Licences: parsing, what they cover, drawdown (exact under threads), and
 * that a deny is never lifted. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "clearance.h"

static clr_ruleset *defaults(void)
{
    clr_ruleset *rs = NULL;
    assert_int_equal(clr_ruleset_load_defaults(&rs, NULL), 0);
    return rs;
}

static clr_licences *licences(const char *text)
{
    clr_licences *l = NULL;
    char err[256];
    int rc = clr_licences_parse(&l, text, strlen(text), "t.jsonl", err, sizeof err);
    if (rc)
        fail_msg("licences do not parse: %s", err);
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

/* The 2026 letter: license_required for a German engineer at org:acme. */
#define LETTER                                                                                     \
    "{\"model\":\"mythos-5\",\"principal\":{\"id\":\"user:ana\",\"org\":\"org:acme\","             \
    "\"nationality\":\"DE\",\"country\":\"DE\"},\"use\":\"software-development\","                 \
    "\"integration\":\"api\",\"time\":\"2026-06-20T12:00:00Z\",\"units\":100}"

static void test_parse_errors(void **state)
{
    (void)state;
    const struct {
        const char *text;
        const char *err;
    } cases[] = {
        {"nonsense\n", "t.jsonl:1: $: a licence is a JSON object"},
        {"\n{\"id\":\"a\",\"rulebook\":\"r\"}\n",
         "t.jsonl:2: $.licensee: required field is missing"},
        {"{\"id\":\"a\",\"rulebook\":\"r\",\"licensee\":\"o\",\"colour\":1}",
         "t.jsonl:1: $.colour: unknown field"},
        {"{\"id\":\"a\",\"rulebook\":\"r\",\"licensee\":\"o\",\"from\":\"soon\"}",
         "t.jsonl:1: $.from: must be an RFC 3339"},
        {"{\"id\":\"a\",\"rulebook\":\"r\",\"licensee\":\"o\",\"from\":\"2026-02-01\","
         "\"until\":\"2026-01-01\"}",
         "t.jsonl:1: $.until: must come after"},
        {"{\"id\":\"a\",\"rulebook\":\"r\",\"licensee\":\"o\",\"quantity\":-5}",
         "t.jsonl:1: $.quantity: must be a non-negative whole number"},
        {"{\"id\":\"a\",\"rulebook\":\"r\",\"licensee\":\"o\",\"unit\":\"tokens\"}",
         "t.jsonl:1: $.unit: must be"},
        {"{\"id\":\"a\",\"rulebook\":\"r\",\"licensee\":\"o\",\"models\":[\"m\",7]}",
         "t.jsonl:1: $.models[1]: must be a non-empty string"},
        {"{\"id\":\"a\",\"rulebook\":\"r\",\"licensee\":\"o\"}\n"
         "{\"id\":\"a\",\"rulebook\":\"r\",\"licensee\":\"o\"}",
         "t.jsonl:2: $.id: licence 'a' is given twice"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        clr_licences *l = NULL;
        char err[256];
        assert_int_equal(clr_licences_parse(&l, cases[i].text, strlen(cases[i].text), "t.jsonl",
                                            err, sizeof err),
                         CLR_EINVAL);
        assert_null(l);
        if (!strstr(err, cases[i].err))
            fail_msg("case %zu: got '%s', want '%s'", i, err, cases[i].err);
    }
    /* blank lines and comments are skipped */
    clr_licences *l =
        licences("# licences\n\n{\"id\":\"a\",\"rulebook\":\"r\",\"licensee\":\"o\"}\n");
    int64_t left;
    assert_int_equal(clr_licences_remaining(l, "a", &left), 0);
    assert_int_equal(left, -1);
    assert_int_equal(clr_licences_remaining(l, "b", &left), CLR_ENOTFOUND);
    clr_licences_free(l);
}

static void test_what_a_licence_covers(void **state)
{
    (void)state;
    clr_ruleset *rs = defaults();
    clr_request q = request(LETTER);
    const struct {
        const char *licence;
        int covers;
    } cases[] = {
        {"{\"id\":\"L\",\"rulebook\":\"us-ear\",\"licensee\":\"org:acme\"}", 1},
        {"{\"id\":\"L\",\"rulebook\":\"us-ear\",\"licensee\":\"user:ana\"}", 1},
        {"{\"id\":\"L\",\"rulebook\":\"us-ear\",\"licensee\":\"org:other\"}", 0},
        {"{\"id\":\"L\",\"rulebook\":\"eu-dual-use\",\"licensee\":\"org:acme\"}", 0},
        {"{\"id\":\"L\",\"rulebook\":\"us-ear\",\"licensee\":\"org:acme\",\"models\":[\"mythos-5\"]"
         "}",
         1},
        {"{\"id\":\"L\",\"rulebook\":\"us-ear\",\"licensee\":\"org:acme\",\"models\":[\"fable-5\"]"
         "}",
         0},
        {"{\"id\":\"L\",\"rulebook\":\"us-ear\",\"licensee\":\"org:acme\",\"classes\":[\"4E091\"]}",
         1},
        {"{\"id\":\"L\",\"rulebook\":\"us-ear\",\"licensee\":\"org:acme\",\"destinations\":[\"FR\"]"
         "}",
         0},
        {"{\"id\":\"L\",\"rulebook\":\"us-ear\",\"licensee\":\"org:acme\",\"uses\":[\"research\"]}",
         0},
        {"{\"id\":\"L\",\"rulebook\":\"us-ear\",\"licensee\":\"org:acme\",\"integrations\":"
         "[\"api\",\"chat\"]}",
         1},
        {"{\"id\":\"L\",\"rulebook\":\"us-ear\",\"licensee\":\"org:acme\",\"from\":"
         "\"2026-06-21\"}",
         0},
        {"{\"id\":\"L\",\"rulebook\":\"us-ear\",\"licensee\":\"org:acme\",\"until\":"
         "\"2026-06-20T12:00:00Z\"}",
         0},
        {"{\"id\":\"L\",\"rulebook\":\"us-ear\",\"licensee\":\"org:acme\",\"quantity\":99}", 0},
        {"{\"id\":\"L\",\"rulebook\":\"us-ear\",\"licensee\":\"org:acme\",\"quantity\":1,"
         "\"unit\":\"requests\"}",
         1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        clr_licences *l = licences(cases[i].licence);
        clr_decision d;
        clr_decide(rs, &q, &d, NULL);
        assert_int_equal(d.outcome, CLR_LICENSE_REQUIRED);
        int n = clr_licences_apply(l, &q, &d);
        if (n != cases[i].covers)
            fail_msg("case %zu (%s): applied %d", i, cases[i].licence, n);
        if (cases[i].covers) {
            assert_int_equal(d.outcome, CLR_ALLOW);
            assert_string_equal(d.reasons[0].licence, "L");
            assert_int_equal(d.rulebooks[3].outcome, CLR_ALLOW); /* us-ear */
            char json[8192];
            clr_decision_to_json(&d, json, sizeof json);
            assert_non_null(strstr(json, "\"licence\":\"L\""));
        } else {
            assert_int_equal(d.outcome, CLR_LICENSE_REQUIRED);
            assert_null(d.reasons[0].licence);
        }
        clr_licences_free(l);
    }
    clr_ruleset_unref(rs);
}

static void test_deny_and_review_stay(void **state)
{
    (void)state;
    clr_ruleset *rs = defaults();
    clr_licences *l = licences("{\"id\":\"L\",\"rulebook\":\"us-ear\",\"licensee\":\"org:acme\"}");
    /* embargo deny and a licence requirement together: the deny stands */
    clr_request q =
        request("{\"model\":\"mythos-5\",\"principal\":{\"id\":\"u\",\"org\":\"org:acme\","
                "\"nationality\":\"IR\",\"country\":\"IR\"},\"use\":\"research\","
                "\"integration\":\"api\",\"time\":\"2026-06-20T00:00:00Z\"}");
    clr_decision d;
    clr_decide(rs, &q, &d, NULL);
    assert_int_equal(d.outcome, CLR_DENY);
    assert_int_equal(clr_licences_apply(l, &q, &d), 0);
    assert_int_equal(d.outcome, CLR_DENY);
    /* a requirement of another rulebook that no licence covers: nothing is lifted */
    q = request("{\"model\":\"lumen-3\",\"principal\":{\"id\":\"u\",\"org\":\"org:acme\","
                "\"country\":\"FR\"},\"use\":\"internal-surveillance\",\"integration\":\"api\","
                "\"time\":\"2026-06-20T00:00:00Z\"}");
    clr_decide(rs, &q, &d, NULL);
    assert_int_equal(d.outcome, CLR_LICENSE_REQUIRED);
    assert_int_equal(clr_licences_apply(l, &q, &d), 0);
    assert_int_equal(d.outcome, CLR_LICENSE_REQUIRED);
    clr_licences_free(l);
    clr_ruleset_unref(rs);
}

static void test_drawdown(void **state)
{
    (void)state;
    clr_ruleset *rs = defaults();
    clr_licences *l = licences(
        "{\"id\":\"L\",\"rulebook\":\"us-ear\",\"licensee\":\"org:acme\",\"quantity\":250}");
    clr_request q = request(LETTER); /* 100 units */
    clr_decision d;
    int64_t left;
    for (int i = 0; i < 2; i++) {
        clr_decide(rs, &q, &d, NULL);
        assert_int_equal(clr_licences_apply(l, &q, &d), 1);
        assert_int_equal(d.outcome, CLR_ALLOW);
    }
    assert_int_equal(clr_licences_remaining(l, "L", &left), 0);
    assert_int_equal(left, 50);
    /* exhausted: 50 left is not enough for 100 */
    clr_decide(rs, &q, &d, NULL);
    assert_int_equal(clr_licences_apply(l, &q, &d), 0);
    assert_int_equal(d.outcome, CLR_LICENSE_REQUIRED);
    assert_int_equal(clr_licences_remaining(l, "L", &left), 0);
    assert_int_equal(left, 50);
    clr_licences_free(l);
    clr_ruleset_unref(rs);
}

typedef struct drawer {
    clr_licences *l;
    const clr_ruleset *rs;
    int granted;
} drawer;

static void *draw_loop(void *arg)
{
    drawer *w = arg;
    clr_request q = request(LETTER);
    q.units = 7;
    for (int i = 0; i < 5000; i++) {
        clr_decision d;
        clr_decide(w->rs, &q, &d, NULL);
        if (clr_licences_apply(w->l, &q, &d))
            w->granted++;
    }
    return NULL;
}

static void test_drawdown_is_exact_under_threads(void **state)
{
    (void)state;
    clr_ruleset *rs = defaults();
    clr_licences *l = licences(
        "{\"id\":\"L\",\"rulebook\":\"us-ear\",\"licensee\":\"org:acme\",\"quantity\":10000}");
    drawer w[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (drawer){l, rs, 0};
        assert_int_equal(pthread_create(&t[i], NULL, draw_loop, &w[i]), 0);
    }
    int granted = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        granted += w[i].granted;
    }
    /* 10000 / 7 = 1428 grants of 7, never one more, 4 left over */
    assert_int_equal(granted, 1428);
    int64_t left;
    clr_licences_remaining(l, "L", &left);
    assert_int_equal(left, 4);
    clr_licences_free(l);
    clr_ruleset_unref(rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_what_a_licence_covers),
        cmocka_unit_test(test_deny_and_review_stay),
        cmocka_unit_test(test_drawdown),
        cmocka_unit_test(test_drawdown_is_exact_under_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
