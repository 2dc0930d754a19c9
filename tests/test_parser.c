/* Rulebook errors and warnings: every kind, with its file:line:column. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clearance.h"

static const char HEAD[] = "vocabulary use { research, military }\n"
                           "vocabulary integration { api, weights }\n"
                           "model m1 { provider org:p origin US training_ops 2e26 }\n"
                           "group G { DE, FR }\n"
                           "rulebook rb {\n  scope model.origin == US\n}\n";
/* HEAD has 7 lines: text under test starts on line 8 */

typedef struct result {
    int rc;
    clr_diags *diags;
    clr_ruleset *rs;
} result;

static result compile(const char *body)
{
    char *text = malloc(strlen(HEAD) + strlen(body) + 1);
    assert_non_null(text);
    strcpy(text, HEAD);
    strcat(text, body);
    result r;
    assert_int_equal(clr_diags_new(&r.diags), 0);
    r.rc = clr_ruleset_compile(&r.rs, "t.rules", text, strlen(text), NULL, r.diags);
    free(text);
    return r;
}

static void done(result *r)
{
    clr_diags_free(r->diags);
    clr_ruleset_unref(r->rs);
}

/* Asserts a diagnostic of the severity at line:col whose message holds part. */
static void expect_diag(const result *r, clr_diag_severity sev, int line, int col, const char *part)
{
    for (size_t i = 0; i < clr_diags_count(r->diags); i++) {
        const clr_diag *d = clr_diags_get(r->diags, i);
        if (d->severity == sev && d->line == line && d->column == col && strstr(d->message, part) &&
            strcmp(d->file, "t.rules") == 0)
            return;
    }
    clr_diags_print(r->diags, stderr);
    fail_msg("no %s at %d:%d containing '%s'", sev == CLR_DIAG_ERROR ? "error" : "warning", line,
             col, part);
}

static void expect_error(const char *body, int line, int col, const char *part)
{
    result r = compile(body);
    /* an include that cannot be read is CLR_EIO; every other error CLR_ERULEBOOK */
    assert_int_equal(r.rc, strstr(part, "cannot read") ? CLR_EIO : CLR_ERULEBOOK);
    assert_null(r.rs);
    expect_diag(&r, CLR_DIAG_ERROR, line, col, part);
    done(&r);
}

static void expect_warning(const char *body, int line, int col, const char *part)
{
    result r = compile(body);
    if (r.rc != 0)
        clr_diags_print(r.diags, stderr);
    assert_int_equal(r.rc, 0);
    assert_non_null(r.rs);
    expect_diag(&r, CLR_DIAG_WARNING, line, col, part);
    done(&r);
}

static void test_clean(void **state)
{
    (void)state;
    result r =
        compile("rule a { effect deny when destination in G citation \"c\" message \"m\" }\n");
    assert_int_equal(r.rc, 0);
    assert_int_equal(clr_diags_count(r.diags), 0);
    assert_int_equal(clr_ruleset_rule_count(r.rs), 1);
    assert_string_equal(clr_ruleset_rulebook_id(r.rs, 0), "rb");
    assert_int_equal(strlen(clr_ruleset_version(r.rs)), 32);
    done(&r);
}

static void test_lexical_errors(void **state)
{
    (void)state;
    expect_error("rule a { effect deny when use = military }\n", 8, 31, "'=' is not an operator");
    expect_error("rule a { effect deny when use ! military }\n", 8, 31, "'!' is not an operator");
    expect_error("rule a { effect deny citation \"open\n}\n", 8, 31, "unterminated string");
    expect_error("rule a { effect deny citation \"a\\q\" }\n", 8, 31, "unknown escape");
    expect_error("rule a { effect deny when use == military; }\n", 8, 42, "unexpected character");
    expect_error("rule a { effect deny when use == \xc3\xa9t\xc3\xa9 }\n", 8, 34,
                 "unexpected character");
}

static void test_syntax_errors(void **state)
{
    (void)state;
    expect_error("rule a { effect maybe }\n", 8, 17, "expected an effect");
    expect_error("rule a { when use == military }\n", 8, 31, "has no effect");
    expect_error("rule a { effect deny when use == military\n", 9, 1, "expected '}'");
    expect_error("rule a { effect deny when (use == military }\n", 8, 44, "expected ')'");
    expect_error("rule a { effect deny when use in G, H }\n", 8, 35, "expected effect, when");
    expect_error("rule a { effect deny colour red }\n", 8, 22, "expected effect, when");
    expect_error("rule a { effect deny from 2026-13-01 }\n", 8, 27, "expected a date");
    expect_error("rule a { effect deny when use == military when use == research }\n", 8, 43,
                 "has one 'when'");
    expect_error("rules a { }\n", 8, 1, "expected a declaration");
    expect_error("exemption e { when true }\n", 8, 25, "names no rule");
    expect_error("group H { DE FR }\n", 8, 14, "expected '}'");
    expect_error("model m2 { training_ops lots }\n", 8, 25, "non-negative number");
    expect_error("model m2 { open_weights maybe }\n", 8, 25, "true or false");
    expect_error("vocabulary colour { red }\n", 8, 12, "'use' or of 'integration'");
    expect_error("rulebook rb2 { }\n", 8, 1, "a file holds one rulebook");
    expect_error("rule a { effect deny when not use == military and }\n", 8, 51,
                 "expected a condition");
    expect_error("rule a { effect deny when use not military }\n", 8, 35, "expected 'in'");
    expect_error("include \"no-such-file.rules\"\n", 8, 9, "cannot read");
    expect_error("rule a { effect review when usage(team, model, 30d) > 1 }\n", 8, 35,
                 "org (the principal's organisation) or user");
    expect_error("rule a { effect review when usage(org, mine, 30d) > 1 }\n", 8, 40,
                 "model (the requested one) or all");
    expect_error("rule a { effect review when usage(org, all, 0d) > 1 }\n", 8, 45, "1d to 3660d");
    expect_error("rule a { effect review when usage(org, all, 30) > 1 }\n", 8, 45, "such as 30d");
    expect_error("rule a { effect review when usage(org, all, 30d > 1 }\n", 8, 49,
                 "to close usage");
    expect_error("rule a { effect review when usage(org, all, 30d) in G }\n", 8, 50,
                 "expected a comparison after usage");
    expect_error("rule a { effect review when usage(org, all, 30d) > lots }\n", 8, 52,
                 "compare it with a number");
}

static void test_deep_nesting_is_an_error(void **state)
{
    (void)state;
    char body[4096] = "rule a { effect deny when ";
    for (int i = 0; i < 200; i++)
        strcat(body, "(");
    strcat(body, "use == military");
    for (int i = 0; i < 200; i++)
        strcat(body, ")");
    strcat(body, " }\n");
    result r = compile(body);
    assert_int_equal(r.rc, CLR_ERULEBOOK);
    assert_non_null(strstr(clr_diags_get(r.diags, 0)->message, "nested more than"));
    done(&r);
}

static void test_semantic_errors(void **state)
{
    (void)state;
    expect_error("rule a { effect deny when colour == red }\n", 8, 27, "unknown attribute");
    expect_error("rule a { effect deny when destination in NOPE }\n", 8, 42, "unknown group");
    expect_error("rule a { effect deny when units == many }\n", 8, 36, "is a number");
    expect_error("rule a { effect deny when destination < DE }\n", 8, 27, "compare it with ==");
    expect_error("rule a { effect deny when model.tags == x }\n", 8, 27, "test it with 'has'");
    expect_error("rule a { effect deny when destination has x }\n", 8, 27, "'has' tests a set");
    expect_error("rule a { effect deny when model.class has nope }\n", 8, 43, "unknown class");
    expect_error("rule a { effect deny when units }\n", 8, 27, "not true or false");
    expect_error("rule a { effect deny }\nrule a { effect review }\n", 9, 6, "defined twice");
    expect_error("group G { US }\n", 8, 7, "defined twice");
    expect_error("model m1 { origin US }\n", 8, 7, "in the catalogue twice");
    expect_error("class c when destination == DE\n", 8, 14, "derived from the model alone");
    expect_error("rule a { effect deny when destination on sdn }\n", 8, 27, "'on' screens a name");
    expect_error("rule a { effect deny when principal.name == x }\n", 8, 27,
                 "test it with 'on LIST'");
    expect_error("rule a { effect deny when principal.org_name on {} }\n", 8, 27,
                 "at least one list");
    /* a class with an error is not evaluated for the catalogue (found by fuzzing) */
    expect_error("class c when model.training_ops >= 1e26 and not oodel.open_weights\n", 8, 49,
                 "unknown attribute");
}

static void test_errors_are_all_reported(void **state)
{
    (void)state;
    result r = compile("rule a { effect maybe }\n"
                       "rule b { effect deny when destination in NOPE }\n"
                       "rule c { effect deny when use == military }\n"
                       "rule d { effect deny colour }\n");
    assert_int_equal(r.rc, CLR_ERULEBOOK);
    expect_diag(&r, CLR_DIAG_ERROR, 8, 17, "expected an effect");
    expect_diag(&r, CLR_DIAG_ERROR, 9, 42, "unknown group");
    expect_diag(&r, CLR_DIAG_ERROR, 11, 22, "expected effect, when");
    done(&r);
}

static void test_warnings(void **state)
{
    (void)state;
    expect_warning("rule a { effect deny when destination == UK }\n", 8, 42,
                   "United Kingdom is GB");
    expect_warning("rule a { effect deny when model == m9 }\n", 8, 36, "unknown model 'm9'");
    expect_warning("rule a { effect deny when use == nuke }\n", 8, 34, "not in the use vocabulary");
    expect_warning("rule a { effect deny when integration in { api, ftp } }\n", 8, 49,
                   "not in the integration vocabulary");
    expect_warning("rule a { effect deny from 2026-01-01 until 2025-01-01 }\n", 8, 6,
                   "empty window");
    expect_warning("rule a { effect deny when use == military and use == research }\n", 8, 6,
                   "can never fire");
    expect_warning("rule a { effect deny when destination in {} }\n", 8, 6, "can never fire");
    expect_warning("rule a { effect deny when false }\n", 8, 6, "can never fire");
    expect_warning("rule a { effect deny }\nexemption e { exempts b when true }\n", 9, 23,
                   "exempts nothing");
    expect_warning("group H { DE, XX }\nrule a { effect deny when destination in H }\n", 8, 7,
                   "'XX' is not an ISO");
    expect_warning("group H { m1, m7 }\nrule a { effect deny when model in H }\n", 8, 7,
                   "'m7' is not in the catalogue");
    expect_warning("group H { DE from 2021-01-01 until 2020-01-01 }\n", 8, 11, "empty window");
}

static void test_no_rulebook(void **state)
{
    (void)state;
    clr_diags *d;
    clr_ruleset *rs;
    assert_int_equal(clr_diags_new(&d), 0);
    const char *text = "group G { DE }\n";
    assert_int_equal(clr_ruleset_compile(&rs, "x.rules", text, strlen(text), NULL, d),
                     CLR_ERULEBOOK);
    assert_non_null(strstr(clr_diags_get(d, 0)->message, "no rulebook"));
    clr_diags_free(d);
}

static void test_rule_outside_rulebook(void **state)
{
    (void)state;
    clr_diags *d;
    clr_ruleset *rs;
    assert_int_equal(clr_diags_new(&d), 0);
    const char *text = "rule a { effect deny }\nrulebook r { }\n";
    assert_int_equal(clr_ruleset_compile(&rs, "x.rules", text, strlen(text), NULL, d),
                     CLR_ERULEBOOK);
    const clr_diag *g = clr_diags_get(d, 0);
    assert_int_equal(g->line, 1);
    assert_int_equal(g->column, 1);
    assert_non_null(strstr(g->message, "must follow a rulebook"));
    clr_diags_free(d);
}

static void test_nul_byte(void **state)
{
    (void)state;
    clr_diags *d;
    clr_ruleset *rs;
    assert_int_equal(clr_diags_new(&d), 0);
    const char text[] = "rulebook r { }\n\0rule";
    assert_int_equal(clr_ruleset_compile(&rs, "x.rules", text, sizeof text - 1, NULL, d),
                     CLR_ERULEBOOK);
    assert_non_null(strstr(clr_diags_get(d, 0)->message, "NUL byte"));
    clr_diags_free(d);
}

static void test_diag_print_marks_the_text(void **state)
{
    (void)state;
    result r = compile("rule a { effect deny when destination in NOPE }\n");
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    clr_diags_print(r.diags, f);
    fclose(f);
    assert_non_null(strstr(buf, "t.rules:8:42: error: unknown group 'NOPE'"));
    assert_non_null(strstr(buf, "  rule a { effect deny when destination in NOPE }\n"));
    assert_non_null(strstr(buf, "\n                                           ^~~~\n"));
    free(buf);
    done(&r);
}

static void test_load_missing_file(void **state)
{
    (void)state;
    clr_diags *d;
    clr_ruleset *rs;
    assert_int_equal(clr_diags_new(&d), 0);
    const char *paths[] = {"/nonexistent/x.rules"};
    assert_int_equal(clr_ruleset_load(&rs, paths, 1, d), CLR_EIO);
    assert_null(rs);
    assert_non_null(strstr(clr_diags_get(d, 0)->message, "cannot read /nonexistent/x.rules"));
    clr_diags_free(d);
}

static void test_defaults_compile_clean(void **state)
{
    (void)state;
    clr_diags *d;
    clr_ruleset *rs;
    assert_int_equal(clr_diags_new(&d), 0);
    assert_int_equal(clr_ruleset_load_defaults(&rs, d), 0);
    assert_int_equal(clr_diags_count(d), 0);
    assert_int_equal(clr_ruleset_rulebook_count(rs), 4);
    /* the same files loaded from disk give the same version */
    clr_ruleset *disk;
    const char *paths[] = {CLR_SOURCE_DIR "/rules"};
    assert_int_equal(clr_ruleset_load(&disk, paths, 1, d), 0);
    assert_int_equal(clr_ruleset_rule_count(disk), clr_ruleset_rule_count(rs));
    clr_ruleset_unref(disk);
    clr_ruleset_unref(rs);
    clr_diags_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean),
        cmocka_unit_test(test_lexical_errors),
        cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_deep_nesting_is_an_error),
        cmocka_unit_test(test_semantic_errors),
        cmocka_unit_test(test_errors_are_all_reported),
        cmocka_unit_test(test_warnings),
        cmocka_unit_test(test_no_rulebook),
        cmocka_unit_test(test_rule_outside_rulebook),
        cmocka_unit_test(test_nul_byte),
        cmocka_unit_test(test_diag_print_marks_the_text),
        cmocka_unit_test(test_load_missing_file),
        cmocka_unit_test(test_defaults_compile_clean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
