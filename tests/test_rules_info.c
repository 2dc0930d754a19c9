/* The rule set described for display (clearance_rules_info.h): the default
 * rulebooks' windows, links between rules and exemptions, and dated group
 * members, as the dashboard's timeline draws them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "clearance.h"
#include "clearance_rules_info.h"

static clr_time day(const char *s)
{
    clr_time t = 0;
    assert_int_equal(clr_time_parse(&t, s, strlen(s)), 0);
    return t;
}

/* The index of the rule or exemption named id, or -1. */
static long find_rule(const clr_ruleset *rs, const char *id, clr_rule_info *out)
{
    for (size_t i = 0; clr_ruleset_rule_info(out, rs, i) == 0; i++)
        if (strcmp(out->id, id) == 0)
            return (long)i;
    return -1;
}

static void test_rulebooks(void **state)
{
    clr_ruleset *rs = *state;
    clr_rulebook_info rb;
    size_t n = 0, us = 0;
    while (clr_ruleset_rulebook_info(&rb, rs, n) == 0) {
        assert_string_equal(rb.id, clr_ruleset_rulebook_id(rs, n));
        us += strcmp(rb.jurisdiction, "US") == 0;
        n++;
    }
    assert_int_equal(n, clr_ruleset_rulebook_count(rs));
    assert_true(us >= 2);
    assert_int_equal(clr_ruleset_rulebook_info(&rb, rs, n), CLR_ENOTFOUND);
    assert_int_equal(clr_ruleset_rulebook_info(NULL, rs, 0), CLR_EINVAL);
}

static void test_letter_and_exemption(void **state)
{
    clr_ruleset *rs = *state;
    clr_rule_info r, e;
    long ri = find_rule(rs, "informed-letter-2026", &r);
    assert_true(ri >= 0);
    assert_int_equal(r.is_exemption, 0);
    assert_int_equal(r.effect, CLR_EFFECT_LICENSE_REQUIRED);
    assert_string_equal(r.rulebook, "us-ear");
    assert_string_equal(r.jurisdiction, "US");
    assert_true(r.from == day("2026-06-12"));
    assert_true(r.until == day("2026-06-30"));
    assert_non_null(strstr(r.citation, "744.22"));
    assert_non_null(strstr(r.condition, "mythos-5"));
    assert_non_null(strstr(r.file, "us-ear.rules"));
    assert_true(r.line > 0);
    assert_int_equal(r.nlinks, 1);
    assert_string_equal(clr_ruleset_rule_link(rs, (size_t)ri, 0), "trusted-partners-2026");
    assert_null(clr_ruleset_rule_link(rs, (size_t)ri, 1));

    long ei = find_rule(rs, "trusted-partners-2026", &e);
    assert_true(ei >= 0);
    assert_int_equal(e.is_exemption, 1);
    assert_int_equal(e.effect, 0);
    assert_true(e.from == day("2026-06-26"));
    assert_true(e.until == CLR_TIME_MAX);
    assert_int_equal(e.nlinks, 1);
    assert_string_equal(clr_ruleset_rule_link(rs, (size_t)ei, 0), "informed-letter-2026");

    /* the Diffusion rule's lapse; a rule without a window is open both ways */
    assert_true(find_rule(rs, "weights-outside-tier1", &r) >= 0);
    assert_true(r.until == day("2025-05-13"));
    assert_true(find_rule(rs, "embargo", &r) >= 0);
    assert_true(r.from == CLR_TIME_MIN && r.until == CLR_TIME_MAX);

    size_t total = 0;
    while (clr_ruleset_rule_info(&r, rs, total) == 0)
        total++;
    assert_true(total > clr_ruleset_rule_count(rs)); /* exemptions too */
    assert_null(clr_ruleset_rule_link(rs, total, 0));
}

static void test_dated_group_members(void **state)
{
    clr_ruleset *rs = *state;
    clr_group_info g;
    int found = 0;
    for (size_t i = 0; clr_ruleset_group_info(&g, rs, i) == 0; i++) {
        if (strcmp(g.name, "D:5") != 0)
            continue;
        found = 1;
        assert_int_equal(g.dated, 1);
        clr_group_member m;
        int kh = 0, ni = 0, cn = 0;
        for (size_t j = 0; j < g.nmembers; j++) {
            assert_int_equal(clr_ruleset_group_member(&m, rs, i, j), 0);
            if (strcmp(m.value, "KH") == 0) {
                kh = 1;
                assert_true(m.from == CLR_TIME_MIN && m.until == day("2026-02-03"));
            } else if (strcmp(m.value, "NI") == 0) {
                ni = 1;
                assert_true(m.from == day("2024-03-15") && m.until == CLR_TIME_MAX);
            } else if (strcmp(m.value, "CN") == 0) {
                cn = 1;
                assert_true(m.from == CLR_TIME_MIN && m.until == CLR_TIME_MAX);
            }
        }
        assert_true(kh && ni && cn);
        assert_int_equal(clr_ruleset_group_member(&m, rs, i, g.nmembers), CLR_ENOTFOUND);
    }
    assert_true(found);
}

static int setup(void **state)
{
    clr_ruleset *rs = NULL;
    if (clr_ruleset_load_defaults(&rs, NULL) != 0)
        return -1;
    *state = rs;
    return 0;
}

static int teardown(void **state)
{
    clr_ruleset_unref(*state);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rulebooks),
        cmocka_unit_test(test_letter_and_exemption),
        cmocka_unit_test(test_dated_group_members),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
