/* Impact analysis on the default rulebooks: who moves at each dated change,
 * for which rules, and the cache agreeing with deciding every combination. */
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

#define MAXCOMB 64

static clr_request combos[MAXCOMB];
static size_t ncombos;
static clr_ruleset *defaults;

static clr_time at(const char *s)
{
    clr_time t;
    assert_int_equal(clr_time_parse(&t, s, strlen(s)), 0);
    return t;
}

static int setup(void **state)
{
    (void)state;
    if (clr_ruleset_load_defaults(&defaults, NULL))
        return -1;
    FILE *f = fopen(CLR_SOURCE_DIR "/tests/impact/combinations.jsonl", "r");
    if (!f)
        return -1;
    char line[4096];
    while (fgets(line, sizeof line, f) && ncombos < MAXCOMB) {
        clr_request_error err;
        if (clr_request_parse(&combos[ncombos], line, strlen(line), 0, &err)) {
            fprintf(stderr, "combination %zu: %s: %s\n", ncombos + 1, err.path, err.message);
            fclose(f);
            return -1;
        }
        ncombos++;
    }
    fclose(f);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    clr_ruleset_unref(defaults);
    return 0;
}

/* Runs every combination of the file (refs are line numbers) through before
 * and after. */
static clr_impact *run(const clr_ruleset *rb, const char *tb, const clr_ruleset *ra, const char *ta,
                       const clr_impact_options *opts)
{
    clr_side before = {rb, at(tb)}, after = {ra, at(ta)};
    clr_impact *im = NULL;
    assert_int_equal(clr_impact_new(&im, &before, &after, opts), 0);
    for (size_t i = 0; i < ncombos; i++) {
        clr_request r = combos[i];
        assert_int_equal(clr_impact_add(im, &r, i + 1), 0);
    }
    assert_int_equal(clr_impact_total(im), ncombos);
    return im;
}

/* The refs of every combination that changed, ascending, as "1,2,5". */
static void movers(const clr_impact *im, char *buf, size_t cap)
{
    int moved[MAXCOMB + 1] = {0};
    for (size_t g = 0; g < clr_impact_group_count(im); g++) {
        const clr_impact_group *gr = clr_impact_group_get(im, g);
        assert_int_equal(gr->nexamples, gr->count); /* the default cap keeps them all here */
        for (size_t k = 0; k < gr->nexamples; k++)
            moved[gr->examples[k].ref] = 1;
    }
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 1; i <= MAXCOMB; i++)
        if (moved[i])
            n += (size_t)snprintf(buf + n, cap - n, "%s%zu", n ? "," : "", i);
}

static const clr_impact_group *only_group(const clr_impact *im)
{
    assert_int_equal(clr_impact_group_count(im), 1);
    return clr_impact_group_get(im, 0);
}

static void test_letter_imposed(void **state)
{
    (void)state;
    clr_impact *im = run(defaults, "2026-06-11", defaults, "2026-06-13", NULL);
    char who[256];
    movers(im, who, sizeof who);
    /* every foreign person on Mythos 5 or Fable 5, the provider's own staff
       and the trusted partners included; the US national (8) and the
       embargoed (15, already denied) do not move */
    assert_string_equal(who, "1,2,3,4,5,6,7,18");
    const clr_impact_group *g = only_group(im);
    assert_int_equal(g->before, CLR_ALLOW);
    assert_int_equal(g->after, CLR_LICENSE_REQUIRED);
    assert_int_equal(g->ncauses, 1);
    assert_int_equal(g->causes[0].kind, CLR_CAUSE_FIRES);
    assert_string_equal(g->causes[0].rulebook, "us-ear");
    assert_string_equal(g->causes[0].rule, "informed-letter-2026");
    assert_int_equal(g->causes[0].after, CLR_EFFECT_LICENSE_REQUIRED);
    assert_int_equal(clr_impact_changed(im), 8);
    assert_int_equal(clr_impact_transition(im, CLR_ALLOW, CLR_LICENSE_REQUIRED), 8);
    assert_int_equal(clr_impact_transition(im, CLR_DENY, CLR_DENY), 1);
    clr_impact_free(im);
}

static void test_trusted_partners_exempted(void **state)
{
    (void)state;
    clr_impact *im = run(defaults, "2026-06-25", defaults, "2026-06-27", NULL);
    char who[256];
    movers(im, who, sizeof who);
    /* Mythos 5 only: the provider's foreign staff (4) and two annexed
       partners (5, 7); the same people on Fable 5 (3, 6) stay licensed */
    assert_string_equal(who, "4,5,7");
    const clr_impact_group *g = only_group(im);
    assert_int_equal(g->before, CLR_LICENSE_REQUIRED);
    assert_int_equal(g->after, CLR_ALLOW);
    assert_int_equal(g->ncauses, 1);
    assert_int_equal(g->causes[0].kind, CLR_CAUSE_EXEMPTS);
    assert_string_equal(g->causes[0].exemption, "trusted-partners-2026");
    assert_string_equal(g->causes[0].rule, "informed-letter-2026");
    clr_impact_free(im);
}

static void test_letter_lifted(void **state)
{
    (void)state;
    clr_impact *im = run(defaults, "2026-06-29", defaults, "2026-07-01", NULL);
    char who[256];
    movers(im, who, sizeof who);
    /* who may restart: everyone still held by the letter on 06-29 */
    assert_string_equal(who, "1,2,3,6,18");
    const clr_impact_group *g = only_group(im);
    assert_int_equal(g->before, CLR_LICENSE_REQUIRED);
    assert_int_equal(g->after, CLR_ALLOW);
    assert_int_equal(g->causes[0].kind, CLR_CAUSE_STOPS);
    assert_string_equal(g->causes[0].rule, "informed-letter-2026");
    clr_impact_free(im);
}

static void test_diffusion_lapse(void **state)
{
    (void)state;
    clr_impact *im = run(defaults, "2025-05-12", defaults, "2025-05-14", NULL);
    char who[256];
    movers(im, who, sizeof who);
    /* weights of a 4E091 model outside Tier 1 (10: KH, also Tier 3
       headquarters; 12: IN); the German weights (11) and open weights (16)
       were never controlled */
    assert_string_equal(who, "10,12");
    assert_int_equal(clr_impact_group_count(im), 2);
    for (size_t i = 0; i < 2; i++) {
        const clr_impact_group *g = clr_impact_group_get(im, i);
        assert_int_equal(g->count, 1);
        const char *first = g->examples[0].ref == 10 ? "weights-outside-tier1" : NULL;
        if (first) {
            assert_int_equal(g->ncauses, 2);
            assert_string_equal(g->causes[1].rule, "weights-to-tier3-headquarters");
        } else {
            assert_int_equal(g->ncauses, 1);
        }
        assert_string_equal(g->causes[0].rule, "weights-outside-tier1");
        assert_string_equal(g->causes[0].rulebook, "us-ai-diffusion-2025");
        assert_int_equal(g->causes[0].kind, CLR_CAUSE_STOPS);
    }
    clr_impact_free(im);
}

static void test_cambodia_leaves_d5(void **state)
{
    (void)state;
    clr_impact *im = run(defaults, "2026-02-02", defaults, "2026-02-04", NULL);
    char who[256];
    movers(im, who, sizeof who);
    /* military intelligence in KH no longer needs a licence; military use
       in KH (14) still does (744.21 lists KH by name) */
    assert_string_equal(who, "13");
    const clr_impact_group *g = only_group(im);
    assert_string_equal(g->causes[0].rule, "military-intelligence-end-use");
    assert_int_equal(g->causes[0].kind, CLR_CAUSE_STOPS);
    assert_int_equal(clr_impact_transition(im, CLR_LICENSE_REQUIRED, CLR_LICENSE_REQUIRED), 2);
    clr_impact_free(im);
}

static void test_proposed_rulebook(void **state)
{
    (void)state;
    static const char proposal[] =
        "include \"common.rules\"\ninclude \"us-ear.rules\"\n"
        "include \"us-ai-diffusion-2025.rules\"\ninclude \"eu-dual-use.rules\"\n"
        "include \"eu-ai-act.rules\"\n"
        "rulebook us-proposal { scope model.origin == US }\n"
        "rule military-denied { effect deny when use == military and destination in "
        "us-744-21 }\n";
    clr_ruleset *p = NULL;
    clr_diags *d = NULL;
    assert_int_equal(clr_diags_new(&d), 0);
    int rc = clr_ruleset_compile(&p, "proposal.rules", proposal, strlen(proposal),
                                 CLR_SOURCE_DIR "/rules", d);
    if (rc)
        clr_diags_print(d, stderr);
    clr_diags_free(d);
    assert_int_equal(rc, 0);
    clr_impact *im = run(defaults, "2026-07-01", p, "2026-07-01", NULL);
    char who[256];
    movers(im, who, sizeof who);
    assert_string_equal(who, "14");
    const clr_impact_group *g = only_group(im);
    assert_int_equal(g->before, CLR_LICENSE_REQUIRED);
    assert_int_equal(g->after, CLR_DENY);
    assert_int_equal(g->causes[0].kind, CLR_CAUSE_FIRES);
    assert_string_equal(g->causes[0].rulebook, "us-proposal");
    clr_impact_free(im);
    clr_ruleset_unref(p); /* the analysis held its own reference */
}

static void test_examples_capped_and_json(void **state)
{
    (void)state;
    clr_impact_options o = CLR_IMPACT_OPTIONS_INIT;
    o.max_examples = 3;
    clr_impact *im = run(defaults, "2026-06-11", defaults, "2026-06-13", &o);
    const clr_impact_group *g = only_group(im);
    assert_int_equal(g->count, 8);
    assert_int_equal(g->nexamples, 3);
    assert_int_equal(g->examples[0].ref, 1);
    assert_int_equal(g->examples[0].req.time, at("2026-06-13"));
    char *json = NULL;
    assert_int_equal(clr_impact_to_json(&json, im), 0);
    cJSON *root = cJSON_Parse(json);
    assert_non_null(root);
    assert_int_equal(cJSON_GetObjectItem(root, "combinations")->valueint, (int)ncombos);
    assert_int_equal(cJSON_GetObjectItem(root, "changed")->valueint, 8);
    cJSON *g0 = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "groups"), 0);
    assert_int_equal(cJSON_GetObjectItem(g0, "more")->valueint, 5);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(g0, "combinations")), 3);
    cJSON *c0 = cJSON_GetArrayItem(cJSON_GetObjectItem(g0, "causes"), 0);
    assert_string_equal(cJSON_GetObjectItem(c0, "change")->valuestring, "fires");
    assert_string_equal(cJSON_GetObjectItem(c0, "after")->valuestring, "license_required");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "before"), "at")->valuestring,
                        "2026-06-11T00:00:00Z");
    cJSON_Delete(root);
    free(json);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    clr_impact_print(im, f);
    fclose(f);
    assert_non_null(strstr(text, "allow -> license_required: 8 combinations"));
    assert_non_null(strstr(text, "... and 5 more"));
    free(text);
    clr_impact_free(im);
}

static size_t rnd(uint64_t *s, size_t n)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (size_t)((*s >> 33) % n);
}

/* Random combinations: the cached analysis must count exactly what deciding
 * every combination counts. */
static void test_cache_agrees(void **state)
{
    (void)state;
    static const char *const models[] = {"mythos-5", "fable-5", "atlas-2", "small-1", "lumen-3"};
    static const char *const countries[] = {"US", "DE", "GB", "IN", "CN", "KH", "IR",
                                            "NI", "FR", "JP", "BR", "RU", "MO"};
    static const char *const orgs[] = {
        "org:acme", "org:aurora-security", "org:anthropic", "org:helix-cyber", "org:c1", "org:c2",
        ""};
    static const char *const uses[] = {"research", "military", "military-intelligence", "nuclear",
                                       "internal-surveillance"};
    static const char *const integrations[] = {"api", "weights", "on-prem", "chat"};
    const char *pairs[][2] = {{"2026-06-11", "2026-06-13"},
                              {"2026-06-25", "2026-06-27"},
                              {"2025-05-12", "2025-05-14"},
                              {"2026-02-02", "2026-02-04"}};
    for (size_t p = 0; p < sizeof pairs / sizeof pairs[0]; p++) {
        clr_impact_options cached = CLR_IMPACT_OPTIONS_INIT, plain = CLR_IMPACT_OPTIONS_INIT;
        plain.no_cache = 1;
        clr_side b = {defaults, at(pairs[p][0])}, a = {defaults, at(pairs[p][1])};
        clr_impact *x = NULL, *y = NULL;
        assert_int_equal(clr_impact_new(&x, &b, &a, &cached), 0);
        assert_int_equal(clr_impact_new(&y, &b, &a, &plain), 0);
        uint64_t s = 12345 + p;
        for (size_t i = 0; i < 4000; i++) {
            clr_request r;
            memset(&r, 0, sizeof r);
            r.model_attributes.training_ops = -1;
            r.model_attributes.open_weights = -1;
#define PICK(arr) arr[rnd(&s, sizeof arr / sizeof arr[0])]
            snprintf(r.principal.id, sizeof r.principal.id, "user:%zu", i);
            snprintf(r.principal.org, sizeof r.principal.org, "%s", PICK(orgs));
            memcpy(r.principal.nationality, PICK(countries), 3);
            memcpy(r.principal.country, PICK(countries), 3);
            memcpy(r.principal.hq, PICK(countries), 3);
            memcpy(r.destination, PICK(countries), 3);
            snprintf(r.model, sizeof r.model, "%s", PICK(models));
            snprintf(r.use, sizeof r.use, "%s", PICK(uses));
            snprintf(r.integration, sizeof r.integration, "%s", PICK(integrations));
            clr_request r2 = r;
            assert_int_equal(clr_impact_add(x, &r, i), 0);
            assert_int_equal(clr_impact_add(y, &r2, i), 0);
        }
        assert_true(clr_impact_changed(x) > 0);
        for (int ob = 0; ob < 4; ob++)
            for (int oa = 0; oa < 4; oa++)
                assert_int_equal(clr_impact_transition(x, ob, oa),
                                 clr_impact_transition(y, ob, oa));
        assert_int_equal(clr_impact_group_count(x), clr_impact_group_count(y));
        for (size_t g = 0; g < clr_impact_group_count(x); g++)
            assert_int_equal(clr_impact_group_get(x, g)->count, clr_impact_group_get(y, g)->count);
        clr_impact_free(x);
        clr_impact_free(y);
    }
}

/* Screened names decide too: a listed organisation stays denied while its
 * unlisted twin moves, though they are alike in every other field. */
static void test_screened_names(void **state)
{
    (void)state;
    clr_lists *lists = NULL;
    assert_int_equal(clr_lists_load_defaults(&lists, NULL, NULL), 0);
    clr_decide_env env = {lists, NULL};
    clr_impact_options o = CLR_IMPACT_OPTIONS_INIT;
    o.env = &env;
    clr_side b = {defaults, at("2026-06-11")}, a = {defaults, at("2026-06-13")};
    clr_impact *im = NULL;
    assert_int_equal(clr_impact_new(&im, &b, &a, &o), 0);
    clr_request plain = combos[0], listed = combos[0], plain2 = combos[0];
    snprintf(listed.principal.org_name, sizeof listed.principal.org_name, "Banco Nacional de Cuba");
    assert_int_equal(clr_impact_add(im, &plain, 1), 0);
    assert_int_equal(clr_impact_add(im, &listed, 2), 0);
    assert_int_equal(clr_impact_add(im, &plain2, 3), 0);
    assert_int_equal(clr_impact_transition(im, CLR_ALLOW, CLR_LICENSE_REQUIRED), 2);
    assert_int_equal(clr_impact_transition(im, CLR_DENY, CLR_DENY), 1);
    clr_impact_free(im);
    clr_lists_unref(lists);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    clr_impact *im = (clr_impact *)1;
    clr_side none = {NULL, 0}, some = {defaults, 0};
    assert_int_equal(clr_impact_new(&im, &none, &some, NULL), CLR_EINVAL);
    assert_null(im);
    clr_impact_options o = CLR_IMPACT_OPTIONS_INIT;
    o.version = 99;
    assert_int_equal(clr_impact_new(&im, &some, &some, &o), CLR_EINVAL);
    clr_impact_free(NULL);
    /* a use outside the vocabulary is a deny on both sides: no change */
    assert_int_equal(clr_impact_new(&im, &some, &some, NULL), 0);
    clr_request r = combos[0];
    snprintf(r.use, sizeof r.use, "juggling");
    assert_int_equal(clr_impact_add(im, &r, 1), 0);
    assert_int_equal(clr_impact_transition(im, CLR_DENY, CLR_DENY), 1);
    clr_impact_free(im);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_letter_imposed),
        cmocka_unit_test(test_trusted_partners_exempted),
        cmocka_unit_test(test_letter_lifted),
        cmocka_unit_test(test_diffusion_lapse),
        cmocka_unit_test(test_cambodia_leaves_d5),
        cmocka_unit_test(test_proposed_rulebook),
        cmocka_unit_test(test_examples_capped_and_json),
        cmocka_unit_test(test_cache_agrees),
        cmocka_unit_test(test_screened_names),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
