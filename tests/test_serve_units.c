/* Unit tests for the parts of clearance serve that know nothing of HTTP: the
 * /v1/authz header mapping, the {"input": ...} scanner, the config parser, the
 * growable buffer and the metrics registry. Tests link only clearance_lib, so
 * those server files are compiled in here. */
#include "../server/authz_headers.c"
#include "../server/buf.c"
#include "../server/config.c"
#include "../server/json_scan.c"
#include "../server/metrics.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <strings.h>
#include <unistd.h>

/* ---- header mapping ------------------------------------------------------ */

typedef struct hdrs {
    const char *kv[32]; /* name, value, name, value, ..., NULL */
} hdrs;

static const char *header_of(void *ctx, const char *name)
{
    const hdrs *h = ctx;
    for (size_t i = 0; h->kv[i]; i += 2)
        if (strcasecmp(h->kv[i], name) == 0)
            return h->kv[i + 1];
    return NULL;
}

static int map(hdrs *h, clr_request *req, clr_request_error *err)
{
    return srv_authz_request_from_headers(req, header_of, h, 1000, err);
}

static void test_authz_full(void **state)
{
    (void)state;
    hdrs h = {{"X-Clearance-Model",
               "mythos-5",
               "x-clearance-user",
               " user:ana ",
               "X-Clearance-Org",
               "org:acme",
               "X-Clearance-Nationality",
               "de",
               "X-Clearance-Country",
               "DE",
               "X-Clearance-Hq",
               "FR",
               "X-Clearance-Use",
               "research",
               "X-Clearance-Integration",
               "api",
               "X-Clearance-App",
               "bot",
               "X-Clearance-Time",
               "2026-06-20T12:00:00Z",
               "X-Clearance-Units",
               "1200",
               "X-Clearance-Org-Name",
               "Acme GmbH",
               "X-Clearance-Source-Ip",
               " 2001:db8::7 ",
               NULL}};
    clr_request req;
    clr_request_error err;
    assert_int_equal(map(&h, &req, &err), 0);
    assert_string_equal(req.model, "mythos-5");
    assert_string_equal(req.principal.id, "user:ana");
    assert_string_equal(req.principal.org, "org:acme");
    assert_string_equal(req.principal.nationality, "DE");
    assert_string_equal(req.principal.hq, "FR");
    assert_string_equal(req.destination, "DE"); /* defaults to the country */
    assert_string_equal(req.app, "bot");
    assert_string_equal(req.principal.org_name, "Acme GmbH");
    assert_string_equal(req.source_ip, "2001:db8::7");
    assert_int_equal(req.units, 1200);
    clr_time t;
    assert_int_equal(clr_time_parse(&t, "2026-06-20T12:00:00Z", 20), 0);
    assert_int_equal(req.time, t);
    assert_int_equal(req.model_attributes.present, 0);
}

static void test_authz_defaults(void **state)
{
    (void)state;
    hdrs h = {{"X-Clearance-Model", "small-1", "X-Clearance-User", "u", "X-Clearance-Destination",
               "US", "X-Clearance-Use", "research", "X-Clearance-Integration", "api",
               "X-Clearance-Org", "", NULL}};
    clr_request req;
    assert_int_equal(map(&h, &req, NULL), 0);
    assert_int_equal(req.time, 1000); /* now */
    assert_string_equal(req.destination, "US");
    assert_string_equal(req.principal.org, ""); /* empty optional = absent */
    assert_int_equal(req.units, 0);
    assert_string_equal(req.source_ip, "");
}

/* expects the mapping of h to fail naming header */
static void expect_error(hdrs *h, const char *header)
{
    clr_request req;
    clr_request_error err;
    assert_int_equal(map(h, &req, &err), CLR_EREQUEST);
    assert_string_equal(err.path, header);
    assert_true(strlen(err.message) > 0);
}

static void test_authz_errors(void **state)
{
    (void)state;
    hdrs missing_model = {{"X-Clearance-User", "u", "X-Clearance-Country", "DE", "X-Clearance-Use",
                           "r", "X-Clearance-Integration", "api", NULL}};
    expect_error(&missing_model, "X-Clearance-Model");
    hdrs empty_user = {{"X-Clearance-Model", "m", "X-Clearance-User", "  ", "X-Clearance-Country",
                        "DE", "X-Clearance-Use", "r", "X-Clearance-Integration", "api", NULL}};
    expect_error(&empty_user, "X-Clearance-User");
    hdrs no_dest = {{"X-Clearance-Model", "m", "X-Clearance-User", "u", "X-Clearance-Use", "r",
                     "X-Clearance-Integration", "api", NULL}};
    expect_error(&no_dest, "X-Clearance-Destination");
    hdrs bad_country = {{"X-Clearance-Model", "m", "X-Clearance-User", "u", "X-Clearance-Country",
                         "XX", "X-Clearance-Use", "r", "X-Clearance-Integration", "api", NULL}};
    expect_error(&bad_country, "X-Clearance-Country");
    hdrs uk = {{"X-Clearance-Model", "m", "X-Clearance-User", "u", "X-Clearance-Country", "DE",
                "X-Clearance-Nationality", "GBR", "X-Clearance-Use", "r", "X-Clearance-Integration",
                "api", NULL}};
    expect_error(&uk, "X-Clearance-Nationality");
    hdrs bad_time = {{"X-Clearance-Model", "m", "X-Clearance-User", "u", "X-Clearance-Country",
                      "DE", "X-Clearance-Use", "r", "X-Clearance-Integration", "api",
                      "X-Clearance-Time", "yesterday", NULL}};
    expect_error(&bad_time, "X-Clearance-Time");
    hdrs bad_units = {{"X-Clearance-Model", "m", "X-Clearance-User", "u", "X-Clearance-Country",
                       "DE", "X-Clearance-Use", "r", "X-Clearance-Integration", "api",
                       "X-Clearance-Units", "-5", NULL}};
    expect_error(&bad_units, "X-Clearance-Units");
    hdrs huge_units = {{"X-Clearance-Model", "m", "X-Clearance-User", "u", "X-Clearance-Country",
                        "DE", "X-Clearance-Use", "r", "X-Clearance-Integration", "api",
                        "X-Clearance-Units", "9999999999999999999", NULL}};
    expect_error(&huge_units, "X-Clearance-Units");
    hdrs bad_ip = {{"X-Clearance-Model", "m", "X-Clearance-User", "u", "X-Clearance-Country", "DE",
                    "X-Clearance-Use", "r", "X-Clearance-Integration", "api",
                    "X-Clearance-Source-Ip", "203.0.113.300", NULL}};
    expect_error(&bad_ip, "X-Clearance-Source-Ip");
    hdrs control = {{"X-Clearance-Model", "m\x01", "X-Clearance-User", "u", "X-Clearance-Country",
                     "DE", "X-Clearance-Use", "r", "X-Clearance-Integration", "api", NULL}};
    expect_error(&control, "X-Clearance-Model");
    char long_model[CLR_ID_MAX + 1];
    memset(long_model, 'm', CLR_ID_MAX);
    long_model[CLR_ID_MAX] = '\0';
    hdrs too_long = {{"X-Clearance-Model", long_model, "X-Clearance-User", "u",
                      "X-Clearance-Country", "DE", "X-Clearance-Use", "r",
                      "X-Clearance-Integration", "api", NULL}};
    expect_error(&too_long, "X-Clearance-Model");
    long_model[CLR_ID_MAX - 1] = '\0'; /* exactly fits */
    clr_request req;
    assert_int_equal(map(&too_long, &req, NULL), 0);
}

static void test_authz_header_table(void **state)
{
    (void)state;
    size_t n;
    const srv_authz_header *t = srv_authz_headers(&n);
    assert_int_equal(n, F_COUNT);
    int required = 0;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(strncmp(t[i].name, "X-Clearance-", 12), 0);
        assert_int_equal(t[i].field[0], '$');
        required += t[i].required;
    }
    assert_int_equal(required, 4); /* model, user, use, integration */
}

/* ---- the {"input": ...} scanner ------------------------------------------ */

static void expect_member(const char *json, int want, const char *value)
{
    const char *v = NULL;
    size_t n = 0;
    assert_int_equal(srv_json_member(json, strlen(json), "input", &v, &n), want);
    if (want == 0) {
        assert_int_equal(n, strlen(value));
        assert_memory_equal(v, value, n);
    }
}

static void test_json_member(void **state)
{
    (void)state;
    expect_member("{\"input\":{\"a\":1}}", 0, "{\"a\":1}");
    expect_member(" { \"x\" : [1,{\"input\":2},\"}\"] , \"input\" : \"s\\\"}\" } ", 0,
                  "\"s\\\"}\"");
    expect_member("{\"input\":-1.5e3,\"z\":null}", 0, "-1.5e3");
    expect_member("{}", 1, NULL);
    expect_member("{\"inputs\":1}", 1, NULL);
    expect_member("{\"in\":{\"input\":1}}", 1, NULL); /* only the top level counts */
    expect_member("[{\"input\":1}]", -1, NULL);
    expect_member("{\"input\":1} x", -1, NULL);
    expect_member("{\"input\":1,}", -1, NULL);
    expect_member("{\"input\":{]}", -1, NULL);
    expect_member("{\"input\":\"unterminated}", -1, NULL);
    expect_member("{\"input\":1,\"input\":2}", -1, NULL); /* ambiguous */
    expect_member("{\"input\"}", -1, NULL);
    expect_member("", -1, NULL);
    char deep[300], json[400];
    memset(deep, '[', 60); /* balanced, within the nesting limit */
    memset(deep + 60, ']', 60);
    deep[120] = '\0';
    snprintf(json, sizeof json, "{\"input\":%s}", deep);
    expect_member(json, 0, deep);
    memset(deep, '[', 100); /* balanced, beyond it */
    memset(deep + 100, ']', 100);
    deep[200] = '\0';
    snprintf(json, sizeof json, "{\"input\":%s}", deep);
    expect_member(json, -1, NULL); /* nesting beyond the limit */
}

/* ---- config ----------------------------------------------------------- */

static int parse(srv_config *c, int argc, char **argv)
{
    FILE *devnull = fopen("/dev/null", "w");
    int rc = srv_config_parse(c, argc, argv, devnull);
    fclose(devnull);
    return rc;
}

static void test_config_defaults_and_flags(void **state)
{
    (void)state;
    srv_config c;
    srv_config_init(&c);
    assert_string_equal(c.host, "127.0.0.1");
    assert_int_equal(c.port, 8181);
    assert_int_equal(c.nrules, 0);
    char *argv[] = {"serve", "--listen",   "[::1]:9000", "--rules",       "a",   "--rules",
                    "b",     "--max-body", "64k",        "--threads",     "3",   "--idle-timeout",
                    "5",     "--geoip",    "c.mmdb",     "--usage-spike", "7.5", "--spike-minimum",
                    "2000",  NULL};
    assert_int_equal(c.spike_factor, 0); /* no usage spike unless asked */
    assert_int_equal(c.spike_minimum, 100000);
    assert_int_equal(parse(&c, 19, argv), 0);
    assert_string_equal(c.geoip, "c.mmdb");
    assert_true(c.spike_factor == 7.5);
    assert_int_equal(c.spike_minimum, 2000);
    assert_string_equal(c.host, "::1");
    assert_int_equal(c.port, 9000);
    assert_int_equal(c.nrules, 2);
    assert_string_equal(c.rules[1], "b");
    assert_int_equal(c.max_body, 64 * 1024);
    assert_int_equal(c.threads, 3);
    assert_int_equal(c.idle_timeout, 5);
    srv_config_free(&c);
}

static void test_config_errors(void **state)
{
    (void)state;
    const char *bad[][3] = {{"--listen", "nocolon", NULL},      {"--listen", "h:70000", NULL},
                            {"--listen", ":80", NULL},          {"--max-body", "0", NULL},
                            {"--max-body", "12q", NULL},        {"--threads", "-1", NULL},
                            {"--idle-timeout", "0", NULL},      {"--bogus", "1", NULL},
                            {"--config", "/nonexistent", NULL}, {"--usage-spike", "1", NULL},
                            {"--usage-spike", "x", NULL},       {"--spike-minimum", "-3", NULL}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        srv_config c;
        srv_config_init(&c);
        char *argv[] = {"serve", (char *)bad[i][0], (char *)bad[i][1], NULL};
        assert_int_equal(parse(&c, 3, argv), -1);
        srv_config_free(&c);
    }
}

static void test_config_file(void **state)
{
    (void)state;
    char path[] = "/tmp/clr-serve-conf-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("# comment\nlisten = 0.0.0.0:80  # trailing\nrules = file-a\nrules=file-b\n"
          "threads = 2\n\n",
          f);
    fclose(f);
    srv_config c;
    srv_config_init(&c);
    char *argv[] = {"serve", "--config", path, "--threads", "4", NULL};
    assert_int_equal(parse(&c, 5, argv), 0);
    assert_string_equal(c.host, "0.0.0.0");
    assert_int_equal(c.port, 80);
    assert_int_equal(c.nrules, 2);
    assert_int_equal(c.threads, 4); /* the flag overrides the file */
    srv_config_free(&c);

    /* --rules on the command line replaces the file's */
    srv_config_init(&c);
    char *argv2[] = {"serve", "--rules", "cli", "--config", path, NULL};
    assert_int_equal(parse(&c, 5, argv2), 0);
    assert_int_equal(c.nrules, 1);
    assert_string_equal(c.rules[0], "cli");
    srv_config_free(&c);

    f = fopen(path, "w");
    fputs("listen = 127.0.0.1:1\nunknown = 1\n", f);
    fclose(f);
    srv_config_init(&c);
    char *argv3[] = {"serve", "--config", path, NULL};
    assert_int_equal(parse(&c, 3, argv3), -1);
    srv_config_free(&c);
    unlink(path);
}

/* ---- buffer -------------------------------------------------------------- */

static void test_buf(void **state)
{
    (void)state;
    srv_buf b = {0};
    assert_int_equal(srv_buf_json_str(&b, "a\"b\\c\n\x01\xc3\xa9", 9), 0);
    assert_string_equal(b.data, "\"a\\\"b\\\\c\\n\\u0001\xc3\xa9\"");
    srv_buf_reset(&b);
    for (int i = 0; i < 1000; i++)
        srv_buf_printf(&b, "%04d,", i);
    assert_int_equal(b.len, 5000);
    assert_memory_equal(b.data + 4995, "0999,", 5);
    assert_int_equal(srv_buf_reserve(&b, 1u << 20, 1000), -1); /* over the limit: sticky */
    assert_int_equal(srv_buf_puts(&b, "x"), -1);
    srv_buf_reset(&b);
    assert_int_equal(srv_buf_puts(&b, "y"), 0);
    srv_buf_free(&b);
}

/* ---- metrics --------------------------------------------------------- */

static void test_metrics(void **state)
{
    (void)state;
    srv_metrics *m = NULL;
    assert_int_equal(srv_metrics_new(&m), 0);
    srv_metrics_shard *a = srv_metrics_shard_new(m), *b = srv_metrics_shard_new(m);
    assert_non_null(a);
    assert_non_null(b);
    clr_decision d;
    memset(&d, 0, sizeof d);
    d.outcome = CLR_DENY;
    d.nreasons = 1;
    d.reasons[0] = (clr_reason){.rulebook = "us-ear", .rule = "embargo", .effect = CLR_EFFECT_DENY};
    d.nrulebooks = 2;
    d.rulebooks[0] = (clr_rulebook_result){"us-ear", 1, CLR_DENY};
    d.rulebooks[1] = (clr_rulebook_result){"eu \"q\"", 0, CLR_ALLOW};
    srv_metrics_decision(a, &d);
    srv_metrics_decision(b, &d);
    srv_metrics_decision(b, &d);
    srv_metrics_latency(a, 30000);     /* 30 us */
    srv_metrics_latency(b, 500000000); /* 0.5 s: only +Inf */
    srv_metrics_status(a, 413);
    srv_metrics_error(a, SRV_ERR_TOO_LARGE);
    srv_metrics_reload(m, 1);
    srv_metrics_reload(m, 0);
    srv_buf out = {0};
    assert_int_equal(srv_metrics_render(m, &out, 7, 1781913600, 1), 0);
    const char *t = out.data;
    assert_non_null(strstr(t, "clearance_decisions_total{outcome=\"deny\"} 3\n"));
    assert_non_null(strstr(t, "clearance_decisions_total{outcome=\"allow\"} 0\n"));
    assert_non_null(strstr(
        t, "clearance_rule_fired_total{rulebook=\"us-ear\",rule=\"embargo\",effect=\"deny\"} "
           "3\n"));
    assert_non_null(
        strstr(t, "clearance_rulebook_results_total{rulebook=\"us-ear\",result=\"deny\"} 3\n"));
    assert_non_null(strstr(t, "clearance_rulebook_results_total{rulebook=\"eu \\\"q\\\"\","
                              "result=\"not_applicable\"} 3\n"));
    assert_non_null(strstr(t, "clearance_decision_duration_seconds_bucket{le=\"2.5e-05\"} 0\n"));
    assert_non_null(strstr(t, "clearance_decision_duration_seconds_bucket{le=\"5e-05\"} 1\n"));
    assert_non_null(strstr(t, "clearance_decision_duration_seconds_bucket{le=\"0.1\"} 1\n"));
    assert_non_null(strstr(t, "clearance_decision_duration_seconds_bucket{le=\"+Inf\"} 2\n"));
    assert_non_null(strstr(t, "clearance_decision_duration_seconds_count 2\n"));
    assert_non_null(strstr(t, "clearance_http_responses_total{code=\"413\"} 1\n"));
    assert_non_null(strstr(t, "clearance_errors_total{kind=\"body_too_large\"} 1\n"));
    assert_non_null(strstr(t, "clearance_rules_reloads_total{result=\"ok\"} 1\n"));
    assert_non_null(strstr(t, "clearance_rules_reloads_total{result=\"refused\"} 1\n"));
    assert_non_null(strstr(t, "clearance_rules_generation 7\n"));
    srv_buf_free(&out);
    srv_metrics_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_authz_full),    cmocka_unit_test(test_authz_defaults),
        cmocka_unit_test(test_authz_errors),  cmocka_unit_test(test_authz_header_table),
        cmocka_unit_test(test_json_member),   cmocka_unit_test(test_config_defaults_and_flags),
        cmocka_unit_test(test_config_errors), cmocka_unit_test(test_config_file),
        cmocka_unit_test(test_buf),           cmocka_unit_test(test_metrics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
