/* Requests: the JSON contract, and every kind of malformed input with its path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clearance.h"

#define NOW 1781222400 /* 2026-06-12T00:00:00Z */

static const char FULL[] =
    "{\"model\": \"mythos-5\", \"principal\": {\"id\": \"user:ana\", \"org\": \"org:acme\", "
    "\"nationality\": \"DE\", \"country\": \"de\", \"hq\": \"FR\", \"name\": \"Ana Silva\", "
    "\"org_name\": \"Acme GmbH\"}, \"destination\": \"AT\", \"use\": \"software-development\", "
    "\"integration\": \"api\", \"app\": \"support-bot\", \"time\": \"2026-06-20T12:00:00Z\", "
    "\"units\": 1200, \"source_ip\": \"192.0.2.7\", \"model_attributes\": {\"origin\": \"US\", "
    "\"provider\": \"org:x\", \"training_ops\": 3e26, \"open_weights\": false, \"tags\": [\"a\", "
    "\"b\"]}}";

static void test_full_request(void **state)
{
    (void)state;
    clr_request r;
    clr_request_error err;
    assert_int_equal(clr_request_parse(&r, FULL, strlen(FULL), NOW, &err), 0);
    assert_string_equal(r.model, "mythos-5");
    assert_string_equal(r.principal.id, "user:ana");
    assert_string_equal(r.principal.org, "org:acme");
    assert_string_equal(r.principal.nationality, "DE");
    assert_string_equal(r.principal.country, "DE"); /* upper-cased */
    assert_string_equal(r.principal.hq, "FR");
    assert_string_equal(r.principal.name, "Ana Silva");
    assert_string_equal(r.principal.org_name, "Acme GmbH");
    assert_string_equal(r.destination, "AT");
    assert_string_equal(r.use, "software-development");
    assert_string_equal(r.integration, "api");
    assert_string_equal(r.app, "support-bot");
    assert_int_equal(r.time, 1781956800);
    assert_int_equal(r.units, 1200);
    assert_string_equal(r.source_ip, "192.0.2.7");
    assert_true(r.model_attributes.present);
    assert_string_equal(r.model_attributes.origin, "US");
    assert_true(r.model_attributes.training_ops == 3e26);
    assert_int_equal(r.model_attributes.open_weights, 0);
    assert_int_equal(r.model_attributes.ntags, 2);
    assert_string_equal(r.model_attributes.tags[1], "b");
}

static void test_defaults(void **state)
{
    (void)state;
    const char *j = "{\"model\":\"m\",\"principal\":{\"id\":\"u\",\"country\":\"JP\"},"
                    "\"use\":\"research\",\"integration\":\"api\"}";
    clr_request r;
    assert_int_equal(clr_request_parse(&r, j, strlen(j), NOW, NULL), 0);
    assert_string_equal(r.destination, "JP");
    assert_int_equal(r.time, NOW);
    assert_int_equal(r.units, 0);
    assert_false(r.model_attributes.present);
    assert_string_equal(r.principal.org, "");
    assert_string_equal(r.principal.nationality, "");
}

static void test_round_trip(void **state)
{
    (void)state;
    clr_request a, b;
    assert_int_equal(clr_request_parse(&a, FULL, strlen(FULL), NOW, NULL), 0);
    char buf[4096];
    size_t n = clr_request_to_json(&a, buf, sizeof buf);
    assert_true(n < sizeof buf);
    assert_int_equal(clr_request_parse(&b, buf, n, 0, NULL), 0);
    char buf2[4096];
    assert_int_equal(clr_request_to_json(&b, buf2, sizeof buf2), n);
    assert_string_equal(buf, buf2);
    /* a small buffer: the length is still counted, the text truncated safely */
    char small[16];
    assert_int_equal(clr_request_to_json(&a, small, sizeof small), n);
    assert_int_equal(strlen(small), sizeof small - 1);
}

/* Parses text and expects a malformed-request error at path whose message holds part. */
static void expect_error_text(const char *text, const char *path, const char *part)
{
    clr_request r;
    clr_request_error err;
    int rc = clr_request_parse(&r, text, strlen(text), NOW, &err);
    if (rc != CLR_EREQUEST || strcmp(err.path, path) != 0 || !strstr(err.message, part))
        fail_msg("for %s: rc %d, path '%s', message '%s'", text, rc, err.path, err.message);
}

/* Replaces the first occurrence of from in FULL with to and expects an error at path. */
static void expect_error_with(const char *from, const char *to, const char *path, const char *part)
{
    const char *at = strstr(FULL, from);
    assert_non_null(at);
    char buf[4096];
    snprintf(buf, sizeof buf, "%.*s%s%s", (int)(at - FULL), FULL, to, at + strlen(from));
    expect_error_text(buf, path, part);
}

static void test_malformed(void **state)
{
    (void)state;
    expect_error_text("", "$", "invalid JSON");
    expect_error_text("{\"model\": ", "$", "invalid JSON");
    expect_error_text("[1, 2]", "$", "a request is a JSON object");
    expect_error_text("{} {}", "$", "text after the JSON value");
    expect_error_text("{}", "$.model", "required");
    expect_error_with("\"model\": \"mythos-5\"", "\"model\": 5", "$.model", "must be a string");
    expect_error_with("\"model\": \"mythos-5\"", "\"model\": \"\"", "$.model", "must not be empty");
    expect_error_with("\"id\": \"user:ana\", ", "", "$.principal.id", "required");
    expect_error_with("\"nationality\": \"DE\"", "\"nationality\": \"UK\"",
                      "$.principal.nationality", "United Kingdom is GB");
    expect_error_with("\"nationality\": \"DE\"", "\"nationality\": \"DEU\"",
                      "$.principal.nationality", "not an ISO 3166-1");
    expect_error_with("\"nationality\": \"DE\"", "\"nationality\": 49", "$.principal.nationality",
                      "must be a string");
    expect_error_with("\"destination\": \"AT\"", "\"destination\": \"ZZ\"", "$.destination",
                      "not an assigned");
    expect_error_with("\"use\": \"software-development\", ", "", "$.use", "required");
    expect_error_with("\"integration\": \"api\"", "\"integration\": [\"api\"]", "$.integration",
                      "must be a string");
    expect_error_with("\"time\": \"2026-06-20T12:00:00Z\"", "\"time\": \"2026-06-31\"", "$.time",
                      "not an RFC 3339");
    expect_error_with("\"time\": \"2026-06-20T12:00:00Z\"", "\"time\": 1781956800", "$.time",
                      "must be an RFC 3339");
    expect_error_with("\"units\": 1200", "\"units\": -1", "$.units", "non-negative whole");
    expect_error_with("\"units\": 1200", "\"units\": 1.5", "$.units", "non-negative whole");
    expect_error_with("\"units\": 1200", "\"units\": \"many\"", "$.units", "non-negative whole");
    expect_error_with("\"source_ip\": \"192.0.2.7\"", "\"source_ip\": \"192.0.2.999\"",
                      "$.source_ip", "not an IPv4 or IPv6");
    expect_error_with("\"app\": \"support-bot\"", "\"apps\": \"support-bot\"", "$.apps",
                      "unknown field");
    expect_error_with("\"app\": \"support-bot\"", "\"use\": \"research\"", "$.use",
                      "appears twice");
    expect_error_with("\"org\": \"org:acme\"", "\"organisation\": \"org:acme\"",
                      "$.principal.organisation", "unknown field");
    expect_error_with("\"training_ops\": 3e26", "\"training_ops\": \"big\"",
                      "$.model_attributes.training_ops", "non-negative number");
    expect_error_with("\"open_weights\": false", "\"open_weights\": 0",
                      "$.model_attributes.open_weights", "true or false");
    expect_error_with("[\"a\", \"b\"]", "[\"a\", 7]", "$.model_attributes.tags[1]",
                      "must be a string");
    expect_error_with("\"origin\": \"US\"", "\"origin\": \"XX\"", "$.model_attributes.origin",
                      "not an assigned");
    expect_error_text("{\"model\":\"m\",\"principal\":1}", "$.principal", "must be an object");
    expect_error_with("\"model\": \"mythos-5\"", "\"model\": \"a\\u0001b\"", "$.model",
                      "control character");
    /* invalid UTF-8 is refused, so what is written back reads back (found by fuzzing) */
    expect_error_with("\"use\": \"software-development\"",
                      "\"use\": \"res\xff\xfe"
                      "earch\"",
                      "$.use", "not valid UTF-8");
    expect_error_with("\"use\": \"software-development\"", "\"use\": \"\xc0\xaf\"", "$.use",
                      "not valid UTF-8");
    /* what the request said is scrubbed before it is quoted back */
    expect_error_with("\"app\": \"support-bot\"", "\"a\xffp\": 1", "$.a?p", "unknown field");
}

/* Strings mixing ASCII and multi-byte UTF-8 are kept whole; a control
 * character or a broken sequence after valid non-ASCII text is still found. */
static void test_utf8_strings(void **state)
{
    (void)state;
    const char *name =
        "\xc5\x81ukasz \xc5\xbb\xc3\xb3\xc5\x82w Zo\xc3\xab \xe6\x9d\x8e\xe5\x9b\x9b";
    char buf[4096];
    const char *at = strstr(FULL, "Ana Silva");
    assert_non_null(at);
    snprintf(buf, sizeof buf, "%.*s%s%s", (int)(at - FULL), FULL, name, at + strlen("Ana Silva"));
    clr_request r;
    clr_request_error err;
    assert_int_equal(clr_request_parse(&r, buf, strlen(buf), NOW, &err), 0);
    assert_string_equal(r.principal.name, name);
    expect_error_with("Ana Silva", "Zo\xc3\xab\x7f", "$.principal.name", "control character");
    expect_error_with("Ana Silva", "Zo\xc3\xab Silva\xc3", "$.principal.name", "not valid UTF-8");
    expect_error_with("Ana Silva", "\xe6\x9d\x8e\xe5\x9b", "$.principal.name", "not valid UTF-8");
}

static void test_destination_required_without_country(void **state)
{
    (void)state;
    expect_error_text("{\"model\":\"m\",\"principal\":{\"id\":\"u\"},\"use\":\"research\","
                      "\"integration\":\"api\"}",
                      "$.destination", "required when principal.country is absent");
}

static void test_too_long(void **state)
{
    (void)state;
    char big[1024] = "{\"model\":\"";
    for (int i = 0; i < 200; i++)
        strcat(big, "m");
    strcat(big, "\"}");
    expect_error_text(big, "$.model", "longer than");
    char tags[2048] =
        "{\"model\":\"m\",\"principal\":{\"id\":\"u\",\"country\":\"DE\"},\"use\":\"r\","
        "\"integration\":\"a\",\"model_attributes\":{\"tags\":[";
    for (int i = 0; i < 17; i++)
        strcat(tags, i ? ",\"t\"" : "\"t\"");
    strcat(tags, "]}}");
    expect_error_text(tags, "$.model_attributes.tags[16]", "more than 16 tags");
}

static void test_large_request_parses(void **state)
{
    (void)state;
    /* more than the parser's stack scratch: its nodes spill to the heap */
    size_t cap = 200000;
    char *j = malloc(cap);
    assert_non_null(j);
    strcpy(j, "{\"model\":\"m\",\"principal\":{\"id\":\"u\",\"country\":\"DE\",\"name\":\"");
    for (int i = 0; i < 200; i++)
        strcat(j, "n");
    strcat(j, "\"},\"use\":\"research\",\"integration\":\"api\",\"app\":\"a\"}");
    clr_request r;
    clr_request_error err;
    assert_int_equal(clr_request_parse(&r, j, strlen(j), NOW, &err), 0);
    /* a string larger than the scratch is allocated on the heap, refused,
       and freed (ASan and valgrind see to the last) */
    strcpy(j, "{\"model\":\"");
    size_t at = strlen(j);
    memset(j + at, 'm', 40000);
    strcpy(j + at + 40000, "\",\"principal\":{\"id\":\"u\",\"country\":\"DE\"},\"use\":\"r\","
                           "\"integration\":\"api\"}");
    assert_int_equal(clr_request_parse(&r, j, strlen(j), NOW, &err), CLR_EREQUEST);
    assert_string_equal(err.path, "$.model");
    /* deeply nested junk in an unknown field is refused, not a crash */
    strcpy(j, "{\"x\":");
    for (int i = 0; i < 5000; i++)
        strcat(j, "[");
    assert_int_equal(clr_request_parse(&r, j, strlen(j), NOW, &err), CLR_EREQUEST);
    free(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_request),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_utf8_strings),
        cmocka_unit_test(test_destination_required_without_country),
        cmocka_unit_test(test_too_long),
        cmocka_unit_test(test_large_request_parses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
