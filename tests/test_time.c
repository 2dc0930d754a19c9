/* Instants, country codes and error names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "clearance.h"

static clr_time parse(const char *s)
{
    clr_time t = 0;
    assert_int_equal(clr_time_parse(&t, s, strlen(s)), 0);
    return t;
}

static void bad(const char *s)
{
    clr_time t;
    assert_int_equal(clr_time_parse(&t, s, strlen(s)), CLR_EINVAL);
}

static void test_parse_dates_and_timestamps(void **state)
{
    (void)state;
    assert_int_equal(parse("1970-01-01"), 0);
    assert_int_equal(parse("2026-06-12"), 1781222400);
    assert_int_equal(parse("2026-06-12T00:00:00Z"), 1781222400);
    assert_int_equal(parse("2026-06-12T00:00:01Z"), 1781222401);
    assert_int_equal(parse("2026-06-12T02:00:00+02:00"), 1781222400);
    assert_int_equal(parse("2026-06-11T19:00:00-05:00"), 1781222400);
    assert_int_equal(parse("2026-06-12T00:00:00.999Z"), 1781222400);
    assert_int_equal(parse("2024-02-29"), 1709164800);
    assert_int_equal(parse("2026-06-12t00:00:00z"), 1781222400);
}

static void test_parse_rejects(void **state)
{
    (void)state;
    bad("");
    bad("2026-6-12");
    bad("2026-13-01");
    bad("2026-02-29");
    bad("2026-04-31");
    bad("1969-12-31");
    bad("2026-06-12T24:00:00Z");
    bad("2026-06-12T00:00:00");
    bad("2026-06-12 00:00:00Z");
    bad("2026-06-12T00:00:00+2:00");
    bad("2026-06-12T00:00:00.Z");
    bad("2026-06-12Z");
    bad("yesterday");
}

static void test_format_round_trip(void **state)
{
    (void)state;
    char buf[32];
    assert_int_equal(clr_time_format(buf, sizeof buf, 1781222400), 20);
    assert_string_equal(buf, "2026-06-12T00:00:00Z");
    assert_int_equal(clr_time_format(buf, sizeof buf, 1709251199), 20);
    assert_string_equal(buf, "2024-02-29T23:59:59Z");
    assert_int_equal(clr_time_format(buf, 10, 0), CLR_EINVAL);
    assert_int_equal(clr_time_format(buf, sizeof buf, INT64_MAX), CLR_EINVAL);
    for (clr_time t = 0; t < 4102444800; t += 86399 * 37) {
        assert_int_equal(clr_time_format(buf, sizeof buf, t), 20);
        assert_int_equal(parse(buf), t);
    }
}

static void test_countries(void **state)
{
    (void)state;
    assert_true(clr_country_valid("US", 2));
    assert_true(clr_country_valid("KP", 2));
    assert_true(clr_country_valid("ZW", 2));
    assert_true(clr_country_valid("AD", 2));
    assert_false(clr_country_valid("UK", 2));
    assert_false(clr_country_valid("us", 2));
    assert_false(clr_country_valid("XX", 2));
    assert_false(clr_country_valid("USA", 3));
    assert_false(clr_country_valid("U", 1));
}

static void test_error_table(void **state)
{
    (void)state;
    assert_string_equal(clr_errname(CLR_ENOMEM), "NOMEM");
    assert_string_equal(clr_strerror(CLR_ERULEBOOK), "the rulebook has errors");
    assert_string_equal(clr_errname(0), "OK");
    assert_string_equal(clr_errname(-999), "UNKNOWN");
    assert_string_equal(clr_strerror(-999), "unknown error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_dates_and_timestamps),
        cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_format_round_trip),
        cmocka_unit_test(test_countries),
        cmocka_unit_test(test_error_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
