/* The rulebook lexer: tokens, positions, comments, strings and errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lexer.h"

typedef struct want {
    clr__token_kind kind;
    const char *text;
    int line, col;
} want;

static void lex(const char *src, const want *w, size_t n)
{
    clr__lexer lx;
    clr__lexer_init(&lx, src, strlen(src));
    for (size_t i = 0; i < n; i++) {
        clr__token t = clr__lexer_next(&lx);
        if (t.kind != w[i].kind || t.len != strlen(w[i].text) ||
            memcmp(t.text, w[i].text, t.len) != 0 || t.line != w[i].line || t.col != w[i].col)
            fail_msg("token %zu: got kind %d '%.*s' at %d:%d, want kind %d '%s' at %d:%d", i,
                     t.kind, (int)t.len, t.text, t.line, t.col, w[i].kind, w[i].text, w[i].line,
                     w[i].col);
    }
    /* the end, for ever after */
    assert_int_equal(clr__lexer_next(&lx).kind, TK_EOF);
    assert_int_equal(clr__lexer_next(&lx).kind, TK_EOF);
}

static void test_words_and_punctuation(void **state)
{
    (void)state;
    const want w[] = {
        {TK_WORD, "rule", 1, 1},        {TK_WORD, "org:acme", 1, 6}, {TK_LBRACE, "{", 1, 15},
        {TK_WORD, "D:5", 2, 3},         {TK_WORD, "4E091", 2, 7},    {TK_WORD, "3e26", 2, 13},
        {TK_WORD, "2026-06-12", 2, 18}, {TK_RBRACE, "}", 3, 1},      {TK_LPAREN, "(", 3, 2},
        {TK_RPAREN, ")", 3, 3},         {TK_LBRACK, "[", 3, 4},      {TK_RBRACK, "]", 3, 5},
        {TK_COMMA, ",", 3, 6},
    };
    lex("rule org:acme {\n  D:5 4E091 3e26 2026-06-12\n}()[],", w, sizeof w / sizeof w[0]);
}

static void test_operators(void **state)
{
    (void)state;
    const want w[] = {{TK_EQ, "==", 1, 1},   {TK_NE, "!=", 1, 4}, {TK_LT, "<", 1, 7},
                      {TK_LE, "<=", 1, 9},   {TK_GT, ">", 1, 12}, {TK_GE, ">=", 1, 14},
                      {TK_WORD, "a", 1, 16}, {TK_LT, "<", 1, 17}, {TK_WORD, "b", 1, 18}};
    lex("== != < <= > >=a<b", w, sizeof w / sizeof w[0]);
}

static void test_comments_and_strings(void **state)
{
    (void)state;
    const want w[] = {{TK_WORD, "x", 2, 1},
                      {TK_STRING, "\"a # not a comment\"", 2, 3},
                      {TK_STRING, "\"q\\\"\\\\\\n\\t\"", 3, 1},
                      {TK_WORD, "y", 4, 1}};
    lex("# a comment\nx \"a # not a comment\" # trailing\n\"q\\\"\\\\\\n\\t\"\ny", w,
        sizeof w / sizeof w[0]);
}

static void test_columns_count_characters(void **state)
{
    (void)state;
    /* a two-byte character in a string counts as one column */
    const want w[] = {{TK_STRING, "\"\xc3\xa9t\xc3\xa9\"", 1, 1}, {TK_WORD, "z", 1, 7}};
    lex("\"\xc3\xa9t\xc3\xa9\" z", w, sizeof w / sizeof w[0]);
}

static void test_errors(void **state)
{
    (void)state;
    const struct {
        const char *src;
        const char *message;
    } cases[] = {
        {"=", "'=' is not an operator"},          {"!", "'!' is not an operator"},
        {"\"open", "unterminated string"},        {"\"line\nbreak\"", "unterminated string"},
        {"\"bad \\q\"", "unknown escape"},        {";", "unexpected character"},
        {"\xe2\x82\xac", "unexpected character"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        clr__lexer lx;
        clr__lexer_init(&lx, cases[i].src, strlen(cases[i].src));
        clr__token t = clr__lexer_next(&lx);
        assert_int_equal(t.kind, TK_ERROR);
        assert_non_null(strstr(lx.error, cases[i].message));
        assert_int_equal(t.line, 1);
        assert_int_equal(t.col, 1);
    }
    /* a whole UTF-8 character is one error token */
    clr__lexer lx;
    clr__lexer_init(&lx, "\xe2\x82\xac x", 5);
    clr__token t = clr__lexer_next(&lx);
    assert_int_equal(t.len, 3);
    t = clr__lexer_next(&lx);
    assert_int_equal(t.kind, TK_WORD);
    assert_int_equal(t.col, 3);
}

static void test_source_line(void **state)
{
    (void)state;
    const char *src = "first\nsecond line\r\nthird";
    size_t len;
    const char *line = clr__source_line(src, strlen(src), src + 9, &len);
    assert_int_equal(len, 11);
    assert_memory_equal(line, "second line", 11);
    line = clr__source_line(src, strlen(src), src + strlen(src), &len);
    assert_memory_equal(line, "third", 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_words_and_punctuation),
        cmocka_unit_test(test_operators),
        cmocka_unit_test(test_comments_and_strings),
        cmocka_unit_test(test_columns_count_characters),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_source_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
