/* Name normalisation and token scoring. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "clearance.h"
#include "clearance_screen.h"
#include "screen_index.h"
#include "screen_normalize.h"

static void expect_norm(const char *in, const char *want)
{
    char buf[512];
    int n = clr_screen_normalize(buf, sizeof buf, in);
    assert_true(n >= 0);
    if (strcmp(buf, want))
        print_error("normalize(\"%s\") = \"%s\", want \"%s\"\n", in, buf, want);
    assert_string_equal(buf, want);
}

static void test_case_accents_punct(void **state)
{
    (void)state;
    expect_norm("  José  MARÍA  Pérez-García ", "jose maria perez garcia");
    expect_norm("O'Brien, Seán", "obrien sean");
    expect_norm("ＡＢＣ Straße", "abc strasse");
    expect_norm("Øystein Ærø", "oystein aero");
    expect_norm("Łukasz Wałęsa", "lukasz walesa");
    expect_norm("!!!", "");
}

static void test_legal_forms(void **state)
{
    (void)state;
    expect_norm("Acme Limited Liability Company", "acme llc");
    expect_norm("ACME L.L.C.", "acme llc");
    expect_norm("Acme OOO", "acme llc");
    expect_norm("Acme GmbH", "acme llc");
    expect_norm("CECOEX, S.A.", "cecoex jsc");
    expect_norm("Acme Aktiengesellschaft", "acme jsc");
}

static void test_transliteration(void **state)
{
    (void)state;
    expect_norm("Владимир Путин", "vladimir putin");
    expect_norm("Αλέξης Τσίπρας", "alexes tsipras");
    char buf[256];
    assert_true(clr_screen_normalize(buf, sizeof buf, "习近平") >= 1);
    assert_string_equal(buf, "xi jin ping");
    assert_true(clr_screen_normalize(buf, sizeof buf, "محمد") == 1);
}

static void test_invalid_and_limits(void **state)
{
    (void)state;
    char buf[8];
    expect_norm("ab\xff\xfe"
                "cd",
                "ab cd");
    expect_norm("a\xc3", "a");
    assert_int_equal(clr_screen_normalize(buf, sizeof buf, "abcdef ghijkl"), CLR_ELIMIT);
    assert_int_equal(clr_screen_normalize(NULL, 4, "x"), CLR_EINVAL);
    char big[4000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    for (size_t i = 10; i < sizeof big - 1; i += 11)
        big[i] = ' ';
    clr__norm n;
    clr__normalize(&n, big, strlen(big), 1);
    assert_int_equal(n.ntok, CLR_SCREEN_MAX_TOKENS);
}

static void test_token_sim(void **state)
{
    (void)state;
    assert_true(clr__token_sim("smith", 5, "smith", 5) == 1.f);
    float swap = clr__token_sim("mohammadreza", 12, "mohammadrezq", 12);
    assert_true(swap > 0.85f && swap < 1.f);
    assert_true(clr__token_sim("abdi", 4, "badi", 4) > 0.6f);
    assert_true(clr__token_sim("ali", 3, "bob", 3) == 0.f);
    assert_true(clr__token_sim("al", 2, "el", 2) == 0.f);
    assert_true(clr__token_sim("mohammed", 8, "muhammad", 8) > 0.8f);
    assert_true(clr__token_sim("jones", 5, "smith", 5) == 0.f);
}

static float zero_sim(void *ctx, size_t i, size_t j)
{
    (void)ctx;
    (void)i;
    (void)j;
    return 0.f;
}

/* Fuzzing found scores above 1 when a light full token met a heavy initial. */
static void test_score_bounds(void **state)
{
    (void)state;
    clr__stok q[2] = {{"anthony", 7, 0, 0.3f}, {"ahmed", 5, 0, 4.f}};
    clr__stok c[2] = {{"a", 1, 0, 1.5f}, {"ahmed", 5, 0, 4.f}};
    clr_match_align al[2 * CLR_SCREEN_MAX_TOKENS];
    size_t nal = 0;
    double s = clr__score_name(q, 1, c, 1, zero_sim, NULL, 1, 0, al, &nal);
    assert_true(s >= 0 && s <= 1);
    assert_int_equal(nal, 1);
    assert_int_equal(al[0].kind, 'i');
    /* and a full query token against an initial on the list is weak */
    q[0].w = 7.f;
    c[0].w = 1.5f;
    s = clr__score_name(q, 2, c, 2, zero_sim, NULL, 1, 0, al, &nal);
    assert_true(s < 0.8);
}

static void expect_skeleton(const char *tok, const char *want)
{
    char out[64];
    clr__skeleton(out, tok, strlen(tok));
    if (strcmp(out, want))
        print_error("skeleton(%s) = %s, want %s\n", tok, out, want);
    assert_string_equal(out, want);
}

static void test_skeleton(void **state)
{
    (void)state;
    expect_skeleton("mohammed", "mhmd");
    expect_skeleton("muhammad", "mhmd");
    expect_skeleton("mhmwd", "mhmd");
    expect_skeleton("aleksandr", "lxndr");
    expect_skeleton("alexander", "lxndr");
    expect_skeleton("dmitrij", "dmtr");
    expect_skeleton("dmitry", "dmtr");
    expect_skeleton("khaled", "hld");
    expect_skeleton("qaddafi", "kdf");
    expect_skeleton("gaddafi", "gdf");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_case_accents_punct), cmocka_unit_test(test_legal_forms),
        cmocka_unit_test(test_transliteration),    cmocka_unit_test(test_invalid_and_limits),
        cmocka_unit_test(test_token_sim),          cmocka_unit_test(test_score_bounds),
        cmocka_unit_test(test_skeleton),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
