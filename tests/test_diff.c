/* The rulebook diff: structural changes and the regions where outcomes
 * differ, on the default rulebooks at their dated changes, between two
 * jurisdictions, and on small rulebooks written for the purpose. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "clearance.h"

static clr_ruleset *defaults;

static clr_time at(const char *s)
{
    clr_time t;
    assert_int_equal(clr_time_parse(&t, s, strlen(s)), 0);
    return t;
}

static clr_ruleset *compile(const char *text, const char *base)
{
    clr_diags *d;
    clr_ruleset *rs = NULL;
    assert_int_equal(clr_diags_new(&d), 0);
    int rc = clr_ruleset_compile(&rs, "t.rules", text, strlen(text), base, d);
    if (rc) {
        clr_diags_print(d, stderr);
        fail_msg("compile failed: %s", clr_strerror(rc));
    }
    clr_diags_free(d);
    return rs;
}

static clr_ruleset *load(const char *path)
{
    clr_ruleset *rs = NULL;
    assert_int_equal(clr_ruleset_load(&rs, &path, 1, NULL), 0);
    return rs;
}

static int setup(void **state)
{
    (void)state;
    return clr_ruleset_load_defaults(&defaults, NULL) ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    clr_ruleset_unref(defaults);
    return 0;
}

static clr_diff *run(const clr_ruleset *a, const char *ta, const clr_ruleset *b, const char *tb,
                     const clr_diff_options *o)
{
    clr_side sa = {a, at(ta)}, sb = {b, at(tb)};
    clr_diff *d = NULL;
    assert_int_equal(clr_diff_run(&d, &sa, &sb, o), 0);
    size_t sum = 0;
    for (size_t i = 0; i < clr_diff_region_count(d); i++)
        sum += clr_diff_region_get(d, i)->points;
    assert_int_equal(sum, clr_diff_points_differing(d)); /* the regions cover every point */
    return d;
}

static const clr_diff_change *change(const clr_diff *d, const char *what, const char *chg,
                                     const char *id)
{
    for (size_t i = 0; i < clr_diff_change_count(d); i++) {
        const clr_diff_change *c = clr_diff_change_get(d, i);
        if (strcmp(c->what, what) == 0 && strcmp(c->change, chg) == 0 && strcmp(c->id, id) == 0)
            return c;
    }
    return NULL;
}

/* Whether the comma-separated list holds value. */
static int lists(const char *list, const char *value)
{
    size_t n = strlen(value);
    for (const char *p = list; p && *p;) {
        if (strncmp(p, value, n) == 0 && (p[n] == ',' || p[n] == '\0'))
            return 1;
        p = strstr(p, ", ");
        if (p)
            p += 2;
    }
    return 0;
}

/* Whether the region admits value along dim. */
static int admits(const clr_diff_region *r, int dim, const char *value)
{
    if (!r->values[dim])
        return 1;
    return lists(r->values[dim], value) != r->negated[dim];
}

static void test_letter_imposed(void **state)
{
    (void)state;
    clr_diff *d = run(defaults, "2026-06-11", defaults, "2026-06-13", NULL);
    const clr_diff_change *c = change(d, "rule", "in-force", "informed-letter-2026");
    assert_non_null(c);
    assert_string_equal(c->rulebook, "us-ear");
    assert_non_null(strstr(c->detail, "in force at b only (from 2026-06-12 until 2026-06-30)"));
    assert_int_equal(clr_diff_change_count(d), 1);
    assert_true(clr_diff_region_count(d) >= 1);
    for (size_t i = 0; i < clr_diff_region_count(d); i++) {
        const clr_diff_region *r = clr_diff_region_get(d, i);
        assert_int_equal(r->before, CLR_ALLOW);
        assert_int_equal(r->after, CLR_LICENSE_REQUIRED);
        assert_string_equal(r->values[CLR_DIM_MODEL], "mythos-5, fable-5");
        assert_null(r->model_class); /* atlas-2 is 4E091 too */
        assert_true(r->negated[CLR_DIM_NATIONALITY]);
        assert_string_equal(r->values[CLR_DIM_NATIONALITY], "US");
        assert_false(admits(r, CLR_DIM_DESTINATION, "IR")); /* already denied */
        assert_true(admits(r, CLR_DIM_DESTINATION, "DE"));
        assert_null(r->values[CLR_DIM_ORG]); /* the letter spares no one */
        assert_int_equal(r->ncauses, 1);
        assert_int_equal(r->causes[0].kind, CLR_CAUSE_FIRES);
        assert_string_equal(r->causes[0].rule, "informed-letter-2026");
    }
    /* the largest region: every use but the controlled ones */
    const clr_diff_region *r0 = clr_diff_region_get(d, 0);
    assert_true(admits(r0, CLR_DIM_USE, "research"));
    assert_false(admits(r0, CLR_DIM_USE, "nuclear"));
    clr_diff_free(d);
}

static void test_trusted_partners(void **state)
{
    (void)state;
    clr_diff *d = run(defaults, "2026-06-25", defaults, "2026-06-27", NULL);
    assert_non_null(change(d, "exemption", "in-force", "trusted-partners-2026"));
    assert_true(clr_diff_region_count(d) >= 1);
    for (size_t i = 0; i < clr_diff_region_count(d); i++) {
        const clr_diff_region *r = clr_diff_region_get(d, i);
        assert_int_equal(r->before, CLR_LICENSE_REQUIRED);
        assert_int_equal(r->after, CLR_ALLOW);
        assert_string_equal(r->values[CLR_DIM_MODEL], "mythos-5"); /* not Fable 5 */
        assert_true(admits(r, CLR_DIM_ORG, "org:aurora-security"));
        assert_true(admits(r, CLR_DIM_ORG, "org:northstar-labs"));
        assert_true(admits(r, CLR_DIM_ORG, "org:anthropic")); /* the provider's own staff */
        assert_false(admits(r, CLR_DIM_ORG, "other"));
        assert_false(admits(r, CLR_DIM_ORG, "org:northwind"));
        assert_int_equal(r->causes[0].kind, CLR_CAUSE_EXEMPTS);
        assert_string_equal(r->causes[0].exemption, "trusted-partners-2026");
    }
    clr_diff_free(d);
}

static void test_letter_lifted(void **state)
{
    (void)state;
    clr_diff *d = run(defaults, "2026-06-29", defaults, "2026-07-01", NULL);
    int fable_anyone = 0, mythos_others = 0;
    for (size_t i = 0; i < clr_diff_region_count(d); i++) {
        const clr_diff_region *r = clr_diff_region_get(d, i);
        assert_int_equal(r->before, CLR_LICENSE_REQUIRED);
        assert_int_equal(r->after, CLR_ALLOW);
        assert_int_equal(r->causes[0].kind, CLR_CAUSE_STOPS);
        if (admits(r, CLR_DIM_MODEL, "fable-5") && !r->values[CLR_DIM_ORG])
            fable_anyone = 1;
        if (admits(r, CLR_DIM_MODEL, "mythos-5")) {
            /* the trusted partners were free since 06-26: they do not move */
            assert_false(admits(r, CLR_DIM_ORG, "org:helix-cyber"));
            assert_true(admits(r, CLR_DIM_ORG, "other"));
            mythos_others = 1;
        }
    }
    assert_true(fable_anyone && mythos_others);
    clr_diff_free(d);
}

static void test_diffusion_lapse(void **state)
{
    (void)state;
    clr_diff *d = run(defaults, "2025-05-12", defaults, "2025-05-14", NULL);
    assert_non_null(change(d, "rule", "in-force", "weights-outside-tier1"));
    assert_non_null(change(d, "rule", "in-force", "weights-to-tier3-headquarters"));
    int tier3 = 0;
    for (size_t i = 0; i < clr_diff_region_count(d); i++) {
        const clr_diff_region *r = clr_diff_region_get(d, i);
        assert_int_equal(r->after, CLR_ALLOW);
        assert_string_equal(r->values[CLR_DIM_INTEGRATION], "weights, on-prem");
        assert_false(admits(r, CLR_DIM_MODEL, "open-70b")); /* open weights: never 4E091 */
        assert_false(admits(r, CLR_DIM_MODEL, "small-1"));
        assert_string_equal(r->model_class, "4E091");
        assert_false(admits(r, CLR_DIM_DESTINATION, "DE")); /* Tier 1 */
        assert_string_equal(r->causes[0].rule, "weights-outside-tier1");
        if (r->ncauses == 2) {
            assert_string_equal(r->causes[1].rule, "weights-to-tier3-headquarters");
            assert_true(admits(r, CLR_DIM_DESTINATION, "MO") ||
                        admits(r, CLR_DIM_DESTINATION, "CN"));
            assert_false(admits(r, CLR_DIM_DESTINATION, "IN"));
            tier3 = 1;
        }
    }
    assert_true(tier3);
    clr_diff_free(d);
}

static void test_cambodia_leaves_d5(void **state)
{
    (void)state;
    clr_diff *d = run(defaults, "2026-02-02", defaults, "2026-02-04", NULL);
    const clr_diff_change *c = change(d, "group", "membership", "D:5");
    assert_non_null(c);
    assert_string_equal(c->detail, "members at a only: KH (until 2026-02-03)");
    assert_int_equal(clr_diff_change_count(d), 1);
    assert_int_equal(clr_diff_region_count(d), 1);
    const clr_diff_region *r = clr_diff_region_get(d, 0);
    assert_string_equal(r->values[CLR_DIM_DESTINATION], "KH");
    assert_string_equal(r->values[CLR_DIM_USE], "military-intelligence");
    assert_false(admits(r, CLR_DIM_MODEL, "lumen-3")); /* not of US origin */
    assert_int_equal(r->before, CLR_LICENSE_REQUIRED);
    assert_int_equal(r->after, CLR_ALLOW);
    assert_string_equal(r->causes[0].rule, "military-intelligence-end-use");
    clr_diff_free(d);
}

static void test_two_jurisdictions(void **state)
{
    (void)state;
    clr_ruleset *us = load(CLR_SOURCE_DIR "/rules/us-ear.rules");
    clr_ruleset *eu = load(CLR_SOURCE_DIR "/rules/eu-dual-use.rules");
    clr_diff_options o = CLR_DIFF_OPTIONS_INIT;
    o.ignore_scope = 1;
    o.agreement = 1;
    clr_diff *d = run(us, "2026-07-01", eu, "2026-07-01", &o);
    assert_non_null(change(d, "rulebook", "removed", "us-ear"));
    assert_non_null(change(d, "rulebook", "added", "eu-dual-use"));
    assert_non_null(change(d, "rule", "added", "military-catch-all"));
    assert_non_null(change(d, "group", "removed", "trusted-partners"));
    /* they diverge: military use in KH and NI is controlled by the US only */
    int kh = 0, surveillance = 0;
    for (size_t i = 0; i < clr_diff_region_count(d); i++) {
        const clr_diff_region *r = clr_diff_region_get(d, i);
        if (r->values[CLR_DIM_USE] && strcmp(r->values[CLR_DIM_USE], "military") == 0 &&
            r->before == CLR_LICENSE_REQUIRED && r->after == CLR_ALLOW) {
            assert_string_equal(r->values[CLR_DIM_DESTINATION], "KH, NI");
            kh = 1;
        }
        if (r->before == CLR_ALLOW && r->after == CLR_LICENSE_REQUIRED &&
            admits(r, CLR_DIM_USE, "internal-surveillance")) {
            assert_string_equal(r->causes[0].rule, "cyber-surveillance-catch-all");
            surveillance = 1;
        }
    }
    assert_true(kh && surveillance);
    /* they harmonise: weapons of mass destruction, and military use in the
       countries both embargo */
    int wmd = 0, military = 0;
    for (size_t i = 0; i < clr_diff_agreement_count(d); i++) {
        const clr_diff_region *r = clr_diff_agreement_get(d, i);
        assert_int_equal(r->before, r->after);
        if (admits(r, CLR_DIM_USE, "nuclear") && !admits(r, CLR_DIM_USE, "research"))
            wmd = 1;
        if (r->values[CLR_DIM_USE] && strcmp(r->values[CLR_DIM_USE], "military") == 0) {
            assert_true(admits(r, CLR_DIM_DESTINATION, "CN"));
            assert_false(admits(r, CLR_DIM_DESTINATION, "KH"));
            military = 1;
        }
    }
    assert_true(wmd && military);
    clr_diff_free(d);
    /* within their scopes they share no ground: no agreement at all */
    o.ignore_scope = 0;
    d = run(us, "2026-07-01", eu, "2026-07-01", &o);
    assert_int_equal(clr_diff_agreement_count(d), 0);
    assert_true(clr_diff_points_differing(d) > 0);
    clr_diff_free(d);
    clr_ruleset_unref(us);
    clr_ruleset_unref(eu);
}

static const char BASE[] = "vocabulary use { research, military }\n"
                           "vocabulary integration { api, weights }\n"
                           "model m1 { provider org:p origin US training_ops 2e26 "
                           "open_weights false }\n";

static void test_structural_changes(void **state)
{
    (void)state;
    char a[2048], b[2048];
    snprintf(a, sizeof a,
             "%s"
             "group G { DE, FR, IT until 2026-01-01 }\n"
             "rulebook r { scope model.origin == US }\n"
             "rule keep { effect review when use == military citation \"c1\" }\n"
             "rule gone { effect deny when destination == FR }\n"
             "rule dated { effect review when destination in G until 2026-03-01 }\n"
             "exemption ex { exempts keep when destination == DE }\n",
             BASE);
    snprintf(b, sizeof b,
             "%s"
             "group G { DE, FR from 2026-02-01, PL }\n"
             "rulebook r { scope model.origin == US }\n"
             "rule keep { effect deny when use == military citation \"c2\" }\n"
             "rule dated { effect review when destination in G until 2026-06-01 }\n"
             "rule fresh { effect license_required when integration == weights }\n",
             BASE);
    clr_ruleset *ra = compile(a, NULL), *rb = compile(b, NULL);
    clr_diff *d = run(ra, "2026-01-15", rb, "2026-01-15", NULL);
    const clr_diff_change *c = change(d, "rule", "changed", "keep");
    assert_non_null(c);
    assert_string_equal(c->detail, "effect review -> deny; citation 'c1' -> 'c2'");
    assert_non_null(change(d, "rule", "removed", "gone"));
    c = change(d, "rule", "added", "fresh");
    assert_non_null(c);
    assert_string_equal(c->detail, "license_required when integration == weights; in force always");
    c = change(d, "rule", "changed", "dated");
    assert_string_equal(c->detail, "in force until 2026-03-01 -> until 2026-06-01");
    assert_non_null(change(d, "exemption", "removed", "ex"));
    c = change(d, "group", "changed", "G");
    assert_non_null(c);
    assert_string_equal(c->detail, "removed FR, IT until 2026-01-01; added FR from 2026-02-01, PL");
    c = change(d, "group", "membership", "G");
    assert_non_null(c);
    assert_string_equal(c->detail, "members at a only: FR; members at b only: PL");
    /* outcomes: military is denied now; DE's exemption is gone; weights need a
       licence; FR lost its own deny rule and is out of G on 2026-01-15 */
    int military = 0, weights = 0;
    for (size_t i = 0; i < clr_diff_region_count(d); i++) {
        const clr_diff_region *r = clr_diff_region_get(d, i);
        if (r->after == CLR_DENY)
            military = admits(r, CLR_DIM_USE, "military") && !admits(r, CLR_DIM_USE, "research");
        if (r->before == CLR_ALLOW && r->after == CLR_LICENSE_REQUIRED)
            weights = r->values[CLR_DIM_INTEGRATION] &&
                      strcmp(r->values[CLR_DIM_INTEGRATION], "weights") == 0;
    }
    assert_true(military && weights);
    char *json = NULL;
    assert_int_equal(clr_diff_to_json(&json, d), 0);
    cJSON *root = cJSON_Parse(json);
    assert_non_null(root);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(root, "changes")),
                     (int)clr_diff_change_count(d));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(root, "regions")),
                     (int)clr_diff_region_count(d));
    cJSON *grid = cJSON_GetObjectItem(root, "grid");
    assert_non_null(cJSON_GetObjectItem(grid, "destination"));
    cJSON_Delete(root);
    free(json);
    clr_diff_free(d);
    /* a set against itself: nothing */
    d = run(ra, "2026-01-15", ra, "2026-01-15", NULL);
    assert_int_equal(clr_diff_change_count(d), 0);
    assert_int_equal(clr_diff_region_count(d), 0);
    assert_true(clr_diff_points(d) > 0);
    clr_diff_free(d);
    clr_ruleset_unref(ra);
    clr_ruleset_unref(rb);
}

static void test_limits_and_arguments(void **state)
{
    (void)state;
    clr_diff_options o = CLR_DIFF_OPTIONS_INIT;
    o.max_points = 10;
    clr_side s = {defaults, at("2026-06-13")}, none = {NULL, 0};
    clr_diff *d = (clr_diff *)1;
    assert_int_equal(clr_diff_run(&d, &s, &s, &o), 0);
    assert_true(clr_diff_too_large(d));
    assert_int_equal(clr_diff_points(d), 0);
    assert_int_equal(clr_diff_region_count(d), 0);
    assert_int_equal(clr_diff_dimension_classes(d, CLR_DIM_MODEL), 6);
    assert_non_null(strstr(clr_diff_dimension(d, CLR_DIM_NATIONALITY), "US"));
    clr_diff_free(d);
    d = (clr_diff *)1;
    assert_int_equal(clr_diff_run(&d, &s, &none, NULL), CLR_EINVAL);
    o = (clr_diff_options)CLR_DIFF_OPTIONS_INIT;
    o.version = 7;
    assert_int_equal(clr_diff_run(&d, &s, &s, &o), CLR_EINVAL);
    clr_diff_free(NULL);
    assert_string_equal(clr_dim_name(CLR_DIM_NATIONALITY), "nationality");
    assert_string_equal(clr_cause_kind_name(CLR_CAUSE_EXEMPTS), "exempts");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_letter_imposed),     cmocka_unit_test(test_trusted_partners),
        cmocka_unit_test(test_letter_lifted),      cmocka_unit_test(test_diffusion_lapse),
        cmocka_unit_test(test_cambodia_leaves_d5), cmocka_unit_test(test_two_jurisdictions),
        cmocka_unit_test(test_structural_changes), cmocka_unit_test(test_limits_and_arguments),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
