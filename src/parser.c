/* The rulebook parser: tokens to declarations. The grammar rule each function
 * parses is written above it; docs/language.md is the full reference. */
#include "compile.h"
#include "diag.h"
#include "lexer.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef struct parser {
    clr__compile *c;
    const clr__source *src;
    clr__lexer lx;
    clr__token tok;          /* the current token */
    clr__token prev;         /* the one before */
    clr__ast_decl *rulebook; /* the file's rulebook, once declared */
    int panic;               /* an error was reported; skip to the next declaration */
    int depth;               /* expression nesting */
} parser;

static clr__pos pos_of(const parser *p, const clr__token *t)
{
    clr__pos pos = {p->src, t->text, t->line, t->col, (int)(t->len ? t->len : 1)};
    return pos;
}

static void error_at(parser *p, const clr__token *t, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void error_at(parser *p, const clr__token *t, const char *fmt, ...)
{
    if (p->panic)
        return;
    p->panic = 1;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    clr__pos pos = pos_of(p, t);
    clr__compile_error(p->c, &pos, "%s", msg);
}

static void next(parser *p)
{
    p->prev = p->tok;
    for (;;) {
        p->tok = clr__lexer_next(&p->lx);
        if (p->tok.kind != TK_ERROR)
            return;
        error_at(p, &p->tok, "%s", p->lx.error);
    }
}

static int is_word(const parser *p, const char *w)
{
    return p->tok.kind == TK_WORD && p->tok.len == strlen(w) &&
           memcmp(p->tok.text, w, p->tok.len) == 0;
}

static int accept_word(parser *p, const char *w)
{
    if (!is_word(p, w))
        return 0;
    next(p);
    return 1;
}

static int accept(parser *p, clr__token_kind k)
{
    if (p->tok.kind != k)
        return 0;
    next(p);
    return 1;
}

static void show_token(const clr__token *t, char *buf, size_t cap)
{
    if (t->kind == TK_WORD || t->kind == TK_STRING)
        snprintf(buf, cap, "'%.*s'", (int)(t->len > 40 ? 40 : t->len), t->text);
    else
        snprintf(buf, cap, "%s", clr__token_kind_name(t->kind));
}

static int expect(parser *p, clr__token_kind k, const char *what)
{
    if (accept(p, k))
        return 1;
    char got[64];
    show_token(&p->tok, got, sizeof got);
    error_at(p, &p->tok, "expected %s %s, found %s", clr__token_kind_name(k), what, got);
    return 0;
}

static int expect_word(parser *p, const char *w, const char *what)
{
    if (accept_word(p, w))
        return 1;
    char got[64];
    show_token(&p->tok, got, sizeof got);
    error_at(p, &p->tok, "expected '%s' %s, found %s", w, what, got);
    return 0;
}

static const char *dup_token(parser *p, const clr__token *t)
{
    return clr__arena_strndup(p->c->arena, t->text, t->len);
}

/* Decodes a TK_STRING token's text (with quotes and escapes) into the arena. */
static const char *dup_string(parser *p, const clr__token *t)
{
    char *out = clr__arena_alloc(p->c->arena, t->len);
    if (!out)
        return "";
    size_t o = 0;
    for (size_t i = 1; i + 1 < t->len; i++) {
        char ch = t->text[i];
        if (ch == '\\') {
            ch = t->text[++i];
            ch = ch == 'n' ? '\n' : ch == 't' ? '\t' : ch;
        }
        out[o++] = ch;
    }
    out[o] = '\0';
    return out;
}

static const char *const KEYWORDS[] = {"and", "or",   "not",   "in", "has",
                                       "on",  "true", "false", NULL};

static int reserved(const clr__token *t)
{
    for (int i = 0; KEYWORDS[i]; i++)
        if (t->len == strlen(KEYWORDS[i]) && memcmp(t->text, KEYWORDS[i], t->len) == 0)
            return 1;
    return 0;
}

/* name = WORD | STRING */
static int parse_name(parser *p, clr__ast_name *out, const char *what, int allow_string)
{
    if (p->tok.kind == TK_WORD && !reserved(&p->tok)) {
        out->text = dup_token(p, &p->tok);
        out->pos = pos_of(p, &p->tok);
        out->is_string = 0;
        next(p);
        return 1;
    }
    if (allow_string && p->tok.kind == TK_STRING) {
        out->text = dup_string(p, &p->tok);
        out->pos = pos_of(p, &p->tok);
        out->is_string = 1;
        next(p);
        return 1;
    }
    char got[64];
    show_token(&p->tok, got, sizeof got);
    error_at(p, &p->tok, "expected %s, found %s", what, got);
    return 0;
}

/* string = STRING */
static const char *parse_string(parser *p, const char *what)
{
    if (p->tok.kind == TK_STRING) {
        const char *s = dup_string(p, &p->tok);
        next(p);
        return s;
    }
    char got[64];
    show_token(&p->tok, got, sizeof got);
    error_at(p, &p->tok, "expected a quoted string for %s, found %s", what, got);
    return NULL;
}

/* instant = WORD   (a date "2026-06-12" or a UTC timestamp "2026-06-12T10:00:00Z") */
static int parse_instant(parser *p, clr_time *out, clr__pos *pos)
{
    *pos = pos_of(p, &p->tok);
    if (p->tok.kind == TK_WORD && clr_time_parse(out, p->tok.text, p->tok.len) == 0) {
        next(p);
        return 1;
    }
    char got[64];
    show_token(&p->tok, got, sizeof got);
    error_at(p, &p->tok,
             "expected a date (2026-06-12) or UTC timestamp (2026-06-12T00:00:00Z), found %s", got);
    return 0;
}

/* window = [ "from" instant ] [ "until" instant ] */
static void parse_window(parser *p, clr_time *from, clr_time *until, clr__pos *fpos, clr__pos *upos)
{
    *from = CLR_TIME_MIN;
    *until = CLR_TIME_MAX;
    if (accept_word(p, "from"))
        parse_instant(p, from, fpos);
    if (accept_word(p, "until"))
        parse_instant(p, until, upos);
}

static clr__ast_expr *new_expr(parser *p, clr__ast_expr_kind k, const clr__token *at)
{
    clr__ast_expr *e = clr__arena_alloc(p->c->arena, sizeof(*e));
    if (!e)
        return NULL;
    e->kind = k;
    e->pos = pos_of(p, at);
    return e;
}

static clr__ast_expr *parse_expr(parser *p);

/* name-list = name { "," name } [ "," ]      (inside brackets or braces, up to close) */
static clr__ast_name *parse_name_list(parser *p, clr__token_kind close, size_t *n, const char *what)
{
    size_t cap = 8, cnt = 0;
    clr__ast_name *items = clr__arena_alloc(p->c->arena, cap * sizeof(*items));
    while (items && p->tok.kind != close && p->tok.kind != TK_EOF && !p->panic) {
        if (cnt == cap) {
            clr__ast_name *bigger = clr__arena_alloc(p->c->arena, cap * 2 * sizeof(*items));
            if (!bigger)
                break;
            memcpy(bigger, items, cap * sizeof(*items));
            items = bigger;
            cap *= 2;
        }
        if (!parse_name(p, &items[cnt], what, 1))
            break;
        cnt++;
        if (!accept(p, TK_COMMA))
            break;
    }
    *n = cnt;
    return items;
}

/* usage = "usage" "(" ( "org" | "user" ) "," ( "model" | "all" ) "," DAYS ")"
 *         cmp-op NUMBER
 * DAYS  = a whole number of days followed by d, 1d to 3660d
 * (the word "usage" has been read; the current token is the parenthesis) */
static clr__ast_expr *parse_usage(parser *p, const clr__token *at, const clr__ast_name *word)
{
    clr__ast_expr *e = new_expr(p, AST_USAGE, at);
    if (!e)
        return NULL;
    e->attr = *word;
    next(p); /* ( */
    if (!is_word(p, "org") && !is_word(p, "user")) {
        error_at(p, &p->tok, "expected whose usage: org (the principal's organisation) or user");
        return NULL;
    }
    parse_name(p, &e->operand, "org or user", 0);
    if (!expect(p, TK_COMMA, "after whose usage"))
        return NULL;
    if (!is_word(p, "model") && !is_word(p, "all")) {
        error_at(p, &p->tok, "expected which models: model (the requested one) or all");
        return NULL;
    }
    parse_name(p, &e->group, "model or all", 0);
    if (!expect(p, TK_COMMA, "after which models"))
        return NULL;
    clr__token days = p->tok;
    long n = 0;
    int ok =
        days.kind == TK_WORD && days.len >= 2 && days.len <= 5 && days.text[days.len - 1] == 'd';
    for (size_t i = 0; ok && i + 1 < days.len; i++) {
        ok = days.text[i] >= '0' && days.text[i] <= '9';
        n = n * 10 + (days.text[i] - '0');
    }
    if (!ok || n < 1 || n > 3660) {
        error_at(p, &days, "expected a trailing window in days, such as 30d (1d to 3660d)");
        return NULL;
    }
    e->value = (int)n;
    next(p);
    if (!expect(p, TK_RPAREN, "to close usage(...)"))
        return NULL;
    clr__token_kind k = p->tok.kind;
    if (k != TK_EQ && k != TK_NE && k != TK_LT && k != TK_LE && k != TK_GT && k != TK_GE) {
        error_at(p, &p->tok, "expected a comparison after usage(...), such as > 1e9");
        return NULL;
    }
    e->op = (int)k;
    next(p);
    clr__ast_name bound;
    if (!parse_name(p, &bound, "a number of units", 0))
        return NULL;
    /* the bound is kept in items[0] (operand holds org/user) */
    e->items = clr__arena_alloc(p->c->arena, sizeof *e->items);
    if (!e->items)
        return NULL;
    e->items[0] = bound;
    e->nitems = 1;
    return e;
}

/* comparison = attribute ( cmp-op operand
 *                        | [ "not" ] "in" ( group-name | "{" name-list "}" )
 *                        | "has" name
 *                        | "on" ( list-id | "{" list-id, ... "}" ) )
 *            | attribute                       (a boolean attribute)
 *            | usage
 * operand    = name | STRING | "true" | "false"
 */
static clr__ast_expr *parse_comparison(parser *p)
{
    clr__token at = p->tok;
    clr__ast_name attr;
    if (!parse_name(p, &attr, "a condition (an attribute such as destination or model.origin)", 0))
        return NULL;
    if (strcmp(attr.text, "usage") == 0 && p->tok.kind == TK_LPAREN)
        return parse_usage(p, &at, &attr);
    clr__token_kind k = p->tok.kind;
    if (k == TK_EQ || k == TK_NE || k == TK_LT || k == TK_LE || k == TK_GT || k == TK_GE) {
        clr__ast_expr *e = new_expr(p, AST_CMP, &at);
        if (!e)
            return NULL;
        e->attr = attr;
        e->op = (int)k;
        next(p);
        if (is_word(p, "true") || is_word(p, "false")) {
            e->operand.text = dup_token(p, &p->tok);
            e->operand.pos = pos_of(p, &p->tok);
            next(p);
        } else {
            parse_name(p, &e->operand, "a value after the comparison", 1);
        }
        return e;
    }
    int negate = 0;
    if (is_word(p, "not")) {
        negate = 1;
        next(p);
        if (!is_word(p, "in")) {
            error_at(p, &p->tok,
                     "expected 'in' after 'not' (write 'not in', or 'not' before the "
                     "attribute)");
            return NULL;
        }
    }
    if (accept_word(p, "in")) {
        clr__ast_expr *e = new_expr(p, AST_IN, &at);
        if (!e)
            return NULL;
        e->attr = attr;
        if (accept(p, TK_LBRACE)) {
            e->items = parse_name_list(p, TK_RBRACE, &e->nitems, "a value of the set");
            expect(p, TK_RBRACE, "to close the set");
        } else {
            parse_name(p, &e->group, "a group's name or a set in braces", 0);
        }
        if (negate) {
            clr__ast_expr *n = new_expr(p, AST_NOT, &at);
            if (!n)
                return NULL;
            n->l = e;
            return n;
        }
        return e;
    }
    if (accept_word(p, "on")) {
        clr__ast_expr *e = new_expr(p, AST_ON, &at);
        if (!e)
            return NULL;
        e->attr = attr;
        if (accept(p, TK_LBRACE)) {
            e->items = parse_name_list(p, TK_RBRACE, &e->nitems, "a list's id");
            expect(p, TK_RBRACE, "to close the set of lists");
        } else {
            parse_name(p, &e->group, "a list's id (e.g. entity-list, sdn) or a set in braces", 1);
        }
        return e;
    }
    if (accept_word(p, "has")) {
        clr__ast_expr *e = new_expr(p, AST_HAS, &at);
        if (!e)
            return NULL;
        e->attr = attr;
        parse_name(p, &e->operand, "a value after 'has'", 1);
        return e;
    }
    clr__ast_expr *e = new_expr(p, AST_BOOL, &at);
    if (e)
        e->attr = attr;
    return e;
}

/* primary = "(" expr ")" | "true" | "false" | comparison */
static clr__ast_expr *parse_primary(parser *p)
{
    clr__token at = p->tok;
    if (accept(p, TK_LPAREN)) {
        clr__ast_expr *e = parse_expr(p);
        expect(p, TK_RPAREN, "to close the parenthesis");
        return e;
    }
    if (is_word(p, "true") || is_word(p, "false")) {
        clr__ast_expr *e = new_expr(p, AST_CONST, &at);
        if (e)
            e->value = is_word(p, "true");
        next(p);
        return e;
    }
    return parse_comparison(p);
}

/* unary = "not" unary | primary */
static clr__ast_expr *parse_unary(parser *p)
{
    clr__token at = p->tok;
    if (++p->depth > CLR__EXPR_DEPTH_MAX) {
        error_at(p, &p->tok, "condition nested more than %d deep", CLR__EXPR_DEPTH_MAX);
        p->depth--;
        return NULL;
    }
    clr__ast_expr *e;
    if (accept_word(p, "not")) {
        e = new_expr(p, AST_NOT, &at);
        if (e)
            e->l = parse_unary(p);
    } else {
        e = parse_primary(p);
    }
    p->depth--;
    return e;
}

/* and-expr = unary { "and" unary } */
static clr__ast_expr *parse_and(parser *p)
{
    clr__ast_expr *l = parse_unary(p);
    while (!p->panic && is_word(p, "and")) {
        clr__token at = p->tok;
        next(p);
        clr__ast_expr *e = new_expr(p, AST_AND, &at);
        if (!e)
            return NULL;
        e->l = l;
        e->r = parse_unary(p);
        l = e;
    }
    return l;
}

/* expr = and-expr { "or" and-expr } */
static clr__ast_expr *parse_expr(parser *p)
{
    clr__ast_expr *l = parse_and(p);
    while (!p->panic && is_word(p, "or")) {
        clr__token at = p->tok;
        next(p);
        clr__ast_expr *e = new_expr(p, AST_OR, &at);
        if (!e)
            return NULL;
        e->l = l;
        e->r = parse_and(p);
        l = e;
    }
    return l;
}

static clr__ast_decl *new_decl(parser *p, clr__decl_kind k)
{
    clr__ast_decl *d = clr__arena_alloc(p->c->arena, sizeof(*d));
    if (!d)
        return NULL;
    d->kind = k;
    d->training_ops = -1;
    d->open_weights = -1;
    d->from = CLR_TIME_MIN;
    d->until = CLR_TIME_MAX;
    return d;
}

static void append(parser *p, clr__ast_decl *d)
{
    if (!d || p->panic)
        return;
    if (p->c->last)
        p->c->last->next = d;
    else
        p->c->first = d;
    p->c->last = d;
}

/* rulebook = "rulebook" name "{" { "title" STRING | "jurisdiction" name | "scope" expr } "}" */
static void parse_rulebook(parser *p)
{
    clr__ast_decl *d = new_decl(p, DECL_RULEBOOK);
    if (!d)
        return;
    clr__token kw = p->prev;
    parse_name(p, &d->name, "the rulebook's id", 0);
    if (p->rulebook) {
        error_at(p, &kw, "a file holds one rulebook; '%s' was declared already at line %d",
                 p->rulebook->name.text, p->rulebook->name.pos.line);
        return;
    }
    expect(p, TK_LBRACE, "after the rulebook's id");
    while (!p->panic && p->tok.kind != TK_RBRACE && p->tok.kind != TK_EOF) {
        if (accept_word(p, "title")) {
            d->title = parse_string(p, "the title");
        } else if (accept_word(p, "jurisdiction")) {
            parse_name(p, &d->jurisdiction, "a jurisdiction (e.g. US, EU)", 1);
        } else if (accept_word(p, "scope")) {
            d->scope = parse_expr(p);
            if (p->panic)
                d->scope = NULL; /* reported; do not also judge what was half parsed */
        } else {
            char got[64];
            show_token(&p->tok, got, sizeof got);
            error_at(p, &p->tok, "expected title, jurisdiction or scope in a rulebook, found %s",
                     got);
        }
    }
    expect(p, TK_RBRACE, "to close the rulebook");
    /* rules that follow belong to it even when its header had an error */
    if (d->name.text) {
        p->rulebook = d;
        int panic = p->panic;
        p->panic = 0;
        append(p, d);
        p->panic = panic;
    }
}

/* vocabulary = "vocabulary" ( "use" | "integration" ) "{" name-list "}" */
static void parse_vocabulary(parser *p)
{
    clr__ast_decl *d = new_decl(p, DECL_VOCABULARY);
    if (!d)
        return;
    parse_name(p, &d->name, "'use' or 'integration'", 0);
    if (!p->panic && strcmp(d->name.text, "use") != 0 && strcmp(d->name.text, "integration") != 0)
        error_at(p, &p->prev, "a vocabulary is of 'use' or of 'integration', not '%s'",
                 d->name.text);
    expect(p, TK_LBRACE, "to open the vocabulary");
    size_t n = 0;
    clr__ast_name *names = parse_name_list(p, TK_RBRACE, &n, "a vocabulary value");
    expect(p, TK_RBRACE, "to close the vocabulary");
    d->members = clr__arena_alloc(p->c->arena, (n ? n : 1) * sizeof(*d->members));
    if (d->members) {
        for (size_t i = 0; i < n; i++) {
            d->members[i].name = names[i];
            d->members[i].from = CLR_TIME_MIN;
            d->members[i].until = CLR_TIME_MAX;
        }
        d->nmembers = n;
    }
    append(p, d);
}

/* group  = "group" name "{" [ member { "," member } [ "," ] ] "}"
 * member = name [ "from" instant ] [ "until" instant ] */
static void parse_group(parser *p)
{
    clr__ast_decl *d = new_decl(p, DECL_GROUP);
    if (!d)
        return;
    parse_name(p, &d->name, "the group's name", 0);
    expect(p, TK_LBRACE, "to open the group");
    size_t cap = 16;
    d->members = clr__arena_alloc(p->c->arena, cap * sizeof(*d->members));
    while (d->members && !p->panic && p->tok.kind != TK_RBRACE && p->tok.kind != TK_EOF) {
        if (d->nmembers == cap) {
            clr__ast_member *bigger = clr__arena_alloc(p->c->arena, cap * 2 * sizeof(*bigger));
            if (!bigger)
                return;
            memcpy(bigger, d->members, cap * sizeof(*bigger));
            d->members = bigger;
            cap *= 2;
        }
        clr__ast_member *m = &d->members[d->nmembers];
        if (!parse_name(p, &m->name, "a member of the group", 1))
            break;
        parse_window(p, &m->from, &m->until, &m->from_pos, &m->until_pos);
        d->nmembers++;
        if (!accept(p, TK_COMMA))
            break;
    }
    expect(p, TK_RBRACE, "to close the group (members are separated by ',')");
    append(p, d);
}

/* model = "model" name "{" { "provider" name | "origin" name | "training_ops" NUMBER
 *                          | "open_weights" ( "true" | "false" ) | "tags" "[" name-list "]" } "}"
 */
static void parse_model(parser *p)
{
    clr__ast_decl *d = new_decl(p, DECL_MODEL);
    if (!d)
        return;
    parse_name(p, &d->name, "the model's id", 0);
    expect(p, TK_LBRACE, "to open the model");
    while (!p->panic && p->tok.kind != TK_RBRACE && p->tok.kind != TK_EOF) {
        if (accept_word(p, "provider")) {
            parse_name(p, &d->provider, "the provider (an organisation id)", 1);
        } else if (accept_word(p, "origin")) {
            parse_name(p, &d->origin, "the origin country", 1);
        } else if (accept_word(p, "training_ops")) {
            char buf[64];
            int ok = 0;
            if (p->tok.kind == TK_WORD && p->tok.len < sizeof buf) {
                memcpy(buf, p->tok.text, p->tok.len);
                buf[p->tok.len] = '\0';
                char *end;
                errno = 0;
                double v = strtod(buf, &end);
                ok = *end == '\0' && errno == 0 && isfinite(v) && v >= 0;
                d->training_ops = v;
            }
            if (!ok) {
                error_at(p, &p->tok, "training_ops takes a non-negative number such as 3e26");
                break;
            }
            next(p);
        } else if (accept_word(p, "open_weights")) {
            if (is_word(p, "true") || is_word(p, "false")) {
                d->open_weights = is_word(p, "true");
                next(p);
            } else {
                error_at(p, &p->tok, "open_weights takes true or false");
            }
        } else if (accept_word(p, "tags")) {
            expect(p, TK_LBRACK, "to open the tag list");
            d->tags = parse_name_list(p, TK_RBRACK, &d->ntags, "a tag");
            expect(p, TK_RBRACK, "to close the tag list");
        } else {
            char got[64];
            show_token(&p->tok, got, sizeof got);
            error_at(p, &p->tok,
                     "expected provider, origin, training_ops, open_weights or tags in a model, "
                     "found %s",
                     got);
        }
    }
    expect(p, TK_RBRACE, "to close the model");
    append(p, d);
}

/* class = "class" name "when" expr */
static void parse_class(parser *p)
{
    clr__ast_decl *d = new_decl(p, DECL_CLASS);
    if (!d)
        return;
    parse_name(p, &d->name, "the class's name", 1);
    expect_word(p, "when", "after the class's name");
    d->when = parse_expr(p);
    append(p, d);
}

static int parse_effect(parser *p, clr_effect *out)
{
    static const struct {
        const char *name;
        clr_effect effect;
    } effects[] = {{"deny", CLR_EFFECT_DENY},
                   {"license_required", CLR_EFFECT_LICENSE_REQUIRED},
                   {"review", CLR_EFFECT_REVIEW},
                   {"obligation", CLR_EFFECT_OBLIGATION}};
    for (size_t i = 0; i < sizeof effects / sizeof effects[0]; i++) {
        if (is_word(p, effects[i].name)) {
            *out = effects[i].effect;
            next(p);
            return 1;
        }
    }
    char got[64];
    show_token(&p->tok, got, sizeof got);
    error_at(p, &p->tok,
             "expected an effect (deny, license_required, review or obligation), found %s", got);
    return 0;
}

/* rule      = "rule" name "{" rule-item { rule-item } "}"
 * exemption = "exemption" name "{" "exempts" name-list rule-item { rule-item } "}"
 * rule-item = "effect" effect | "when" expr | "from" instant | "until" instant
 *           | "citation" STRING | "message" STRING */
static void parse_rule(parser *p, clr__decl_kind kind)
{
    clr__token kw = p->prev;
    clr__ast_decl *d = new_decl(p, kind);
    if (!d)
        return;
    const char *what = kind == DECL_RULE ? "rule" : "exemption";
    parse_name(p, &d->name, kind == DECL_RULE ? "the rule's id" : "the exemption's id", 0);
    if (!p->rulebook)
        error_at(p, &kw, "a %s must follow a rulebook declaration in its file", what);
    d->rulebook = p->rulebook;
    expect(p, TK_LBRACE, "to open the body");
    int has_effect = 0, has_when = 0;
    while (!p->panic && p->tok.kind != TK_RBRACE && p->tok.kind != TK_EOF) {
        clr__token at = p->tok;
        if (kind == DECL_RULE && accept_word(p, "effect")) {
            d->effect_pos = pos_of(p, &p->tok);
            has_effect = parse_effect(p, &d->effect);
        } else if (kind == DECL_EXEMPTION && accept_word(p, "exempts")) {
            d->exempts = parse_name_list(p, TK_LBRACE, &d->nexempts, "a rule's id");
            if (d->nexempts == 0)
                error_at(p, &p->tok, "'exempts' names at least one rule");
        } else if (accept_word(p, "when")) {
            if (has_when)
                error_at(p, &at, "a %s has one 'when'; join conditions with 'and' or 'or'", what);
            d->when = parse_expr(p);
            has_when = 1;
        } else if (accept_word(p, "from")) {
            parse_instant(p, &d->from, &d->from_pos);
        } else if (accept_word(p, "until")) {
            parse_instant(p, &d->until, &d->until_pos);
        } else if (accept_word(p, "citation")) {
            d->citation = parse_string(p, "the citation");
        } else if (accept_word(p, "message")) {
            d->message = parse_string(p, "the message");
        } else {
            char got[64];
            show_token(&p->tok, got, sizeof got);
            error_at(p, &p->tok,
                     kind == DECL_RULE
                         ? "expected effect, when, from, until, citation or message in a rule, "
                           "found %s"
                         : "expected exempts, when, from, until, citation or message in an "
                           "exemption, found %s",
                     got);
        }
    }
    if (!p->panic && kind == DECL_RULE && !has_effect)
        error_at(p, &p->tok, "rule '%s' has no effect", d->name.text);
    if (!p->panic && kind == DECL_EXEMPTION && d->nexempts == 0)
        error_at(p, &p->tok, "exemption '%s' names no rule to exempt (add 'exempts RULE')",
                 d->name.text);
    if (!p->panic && !has_when) {
        /* no condition: always */
        d->when = new_expr(p, AST_CONST, &kw);
        if (d->when)
            d->when->value = 1;
    }
    expect(p, TK_RBRACE, "to close the body");
    append(p, d);
}

/* include = "include" STRING */
static void parse_include(parser *p)
{
    clr__token at = p->tok;
    const char *path = parse_string(p, "the file to include");
    if (!path || p->panic)
        return;
    clr__pos pos = pos_of(p, &at);
    clr__load_include(p->c, p->src, path, &pos);
}

static int at_declaration(const parser *p)
{
    static const char *const starts[] = {"rulebook", "include", "vocabulary", "group", "model",
                                         "class",    "rule",    "exemption",  NULL};
    for (int i = 0; starts[i]; i++)
        if (is_word(p, starts[i]))
            return 1;
    return 0;
}

/* After an error: skip to the next declaration keyword outside braces. */
static void recover(parser *p)
{
    int depth = 0;
    p->panic = 0;
    while (p->tok.kind != TK_EOF) {
        if (p->tok.kind == TK_LBRACE)
            depth++;
        else if (p->tok.kind == TK_RBRACE && depth > 0)
            depth--;
        else if (depth == 0 && at_declaration(p) && p->prev.kind == TK_RBRACE)
            break;
        else if (p->tok.col == 1 && at_declaration(p))
            break;
        next(p);
        p->panic = 0;
    }
}

/* file = { declaration }
 * declaration = rulebook | include | vocabulary | group | model | class | rule | exemption */
void clr__parse(clr__compile *c, const clr__source *src)
{
    parser p;
    memset(&p, 0, sizeof p);
    p.c = c;
    p.src = src;
    clr__lexer_init(&p.lx, src->text, src->len);
    next(&p);
    while (p.tok.kind != TK_EOF) {
        if (p.panic)
            recover(&p);
        if (p.tok.kind == TK_EOF)
            break;
        if (accept_word(&p, "rulebook"))
            parse_rulebook(&p);
        else if (accept_word(&p, "include"))
            parse_include(&p);
        else if (accept_word(&p, "vocabulary"))
            parse_vocabulary(&p);
        else if (accept_word(&p, "group"))
            parse_group(&p);
        else if (accept_word(&p, "model"))
            parse_model(&p);
        else if (accept_word(&p, "class"))
            parse_class(&p);
        else if (accept_word(&p, "rule"))
            parse_rule(&p, DECL_RULE);
        else if (accept_word(&p, "exemption"))
            parse_rule(&p, DECL_EXEMPTION);
        else {
            char got[64];
            show_token(&p.tok, got, sizeof got);
            error_at(&p, &p.tok,
                     "expected a declaration (rulebook, include, vocabulary, group, model, class, "
                     "rule or exemption), found %s",
                     got);
            next(&p);
        }
    }
}
