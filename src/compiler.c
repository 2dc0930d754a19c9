/* The rulebook compiler: declarations to a clr_ruleset. It resolves names,
 * checks types, warns of what is legal but suspicious, precomputes every
 * catalogue model's classes and builds the rule index. */
#include "compile.h"
#include "decide.h"
#include "diag.h"
#include "eval.h"
#include "lexer.h"
#include "symbols.h"

#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const clr__attr_info clr__attrs[CLR__NATTR] = {
    [ATTR_MODEL] = {"model", TYPE_SYM, 1, 0, "$.model"},
    [ATTR_P_ID] = {"principal.id", TYPE_SYM, 0, 0, "$.principal.id"},
    [ATTR_P_ORG] = {"principal.org", TYPE_SYM, 0, 0, "$.principal.org"},
    [ATTR_P_NATIONALITY] = {"principal.nationality", TYPE_SYM, 0, 1, "$.principal.nationality"},
    [ATTR_P_COUNTRY] = {"principal.country", TYPE_SYM, 0, 1, "$.principal.country"},
    [ATTR_P_HQ] = {"principal.hq", TYPE_SYM, 0, 1, "$.principal.hq"},
    [ATTR_DESTINATION] = {"destination", TYPE_SYM, 0, 1, "$.destination"},
    [ATTR_USE] = {"use", TYPE_SYM, 0, 0, "$.use"},
    [ATTR_INTEGRATION] = {"integration", TYPE_SYM, 0, 0, "$.integration"},
    [ATTR_APP] = {"app", TYPE_SYM, 0, 0, "$.app"},
    [ATTR_M_PROVIDER] = {"model.provider", TYPE_SYM, 1, 0, "$.model_attributes.provider"},
    [ATTR_M_ORIGIN] = {"model.origin", TYPE_SYM, 1, 1, "$.model_attributes.origin"},
    [ATTR_UNITS] = {"units", TYPE_NUM, 0, 0, "$.units"},
    [ATTR_M_TRAINING_OPS] = {"model.training_ops", TYPE_NUM, 1, 0,
                             "$.model_attributes.training_ops"},
    [ATTR_M_OPEN_WEIGHTS] = {"model.open_weights", TYPE_BOOL, 1, 0,
                             "$.model_attributes.open_weights"},
    [ATTR_M_TAGS] = {"model.tags", TYPE_SET, 1, 0, "$.model_attributes.tags"},
    [ATTR_M_CLASS] = {"model.class", TYPE_SET, 1, 0, "$.model_attributes"},
    [ATTR_P_NAME] = {"principal.name", TYPE_NAME, 0, 0, "$.principal.name"},
    [ATTR_P_ORG_NAME] = {"principal.org_name", TYPE_NAME, 0, 0, "$.principal.org_name"},
};

int clr__attr_find(const char *name)
{
    for (int i = 0; i < CLR__NATTR; i++)
        if (strcmp(clr__attrs[i].name, name) == 0)
            return i;
    if (strcmp(name, "model.id") == 0)
        return ATTR_MODEL;
    return -1;
}

/* ---- diagnostics ---------------------------------------------------------- */

static void report(clr__compile *c, clr_diag_severity sev, const clr__pos *pos, const char *fmt,
                   va_list ap)
{
    char msg[768];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (sev == CLR_DIAG_ERROR)
        c->errors++;
    if (!pos || !pos->src) {
        clr__diags_add(c->diags, sev, "clearance", 0, 0, 0, NULL, 0, "%s", msg);
        return;
    }
    size_t llen = 0;
    const char *line =
        pos->at ? clr__source_line(pos->src->text, pos->src->len, pos->at, &llen) : NULL;
    clr__diags_add(c->diags, sev, pos->src->name, pos->line, pos->col, pos->len, line, llen, "%s",
                   msg);
}

void clr__compile_error(clr__compile *c, const clr__pos *pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(c, CLR_DIAG_ERROR, pos, fmt, ap);
    va_end(ap);
}

void clr__compile_warning(clr__compile *c, const clr__pos *pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(c, CLR_DIAG_WARNING, pos, fmt, ap);
    va_end(ap);
}

/* ---- building ---------------------------------------------------------------- */

typedef struct builder {
    clr__compile *c;
    clr_ruleset *rs;
    int oom;
    int in_class; /* compiling a class: only model attributes */
    const clr__ast_decl *rulebook_decls[CLR_MAX_RULEBOOKS];
    uint8_t *group_country_checked; /* per group */
    uint8_t *group_model_checked;
} builder;

static clr__sym intern(builder *b, const clr__ast_name *name)
{
    clr__sym s = 0;
    int rc = clr__sym_intern(b->rs, name->text, strlen(name->text), &s);
    if (rc == CLR_ENOMEM)
        b->oom = 1;
    else if (rc)
        clr__compile_error(b->c, &name->pos, "a name must have 1 to %d bytes", CLR_ID_MAX - 1);
    return s;
}

static const clr__set *find_group(const builder *b, const char *name)
{
    for (size_t i = 0; i < b->rs->ngroups; i++)
        if (strcmp(b->rs->groups[i].name, name) == 0)
            return &b->rs->groups[i];
    return NULL;
}

static int find_class(const builder *b, const char *name)
{
    for (size_t i = 0; i < b->rs->nclasses; i++)
        if (strcmp(b->rs->classes[i].name, name) == 0)
            return (int)i;
    return -1;
}

static int member_cmp(const void *a, const void *b)
{
    const clr__member *x = a, *y = b;
    if (x->sym != y->sym)
        return x->sym < y->sym ? -1 : 1;
    return x->from < y->from ? -1 : x->from > y->from;
}

/* A suggestion for a common mistake in a country code. */
static const char *country_hint(const char *s)
{
    if (strcmp(s, "UK") == 0)
        return " (the United Kingdom is GB)";
    if (strcmp(s, "EL") == 0)
        return " (Greece is GR)";
    return "";
}

static void check_country(builder *b, const clr__ast_name *n, const char *what)
{
    if (!clr_country_valid(n->text, strlen(n->text)))
        clr__compile_warning(
            b->c, &n->pos, "'%s' is not an ISO 3166-1 alpha-2 country code%s; %s never matches it",
            n->text, country_hint(n->text), what);
}

static void check_value(builder *b, int attr, const clr__ast_name *n)
{
    const clr_ruleset *rs = b->rs;
    if (clr__attrs[attr].is_country) {
        check_country(b, n, clr__attrs[attr].name);
    } else if (attr == ATTR_MODEL) {
        clr__sym s = clr__sym_lookup(rs, n->text, strlen(n->text));
        if (!s || rs->sym_model[s] < 0)
            clr__compile_warning(b->c, &n->pos,
                                 "unknown model '%s': it is not in the catalogue; only a request "
                                 "describing it inline can match",
                                 n->text);
    } else if (attr == ATTR_USE || attr == ATTR_INTEGRATION) {
        int has = attr == ATTR_USE ? rs->has_vocab_use : rs->has_vocab_integration;
        uint8_t flag = attr == ATTR_USE ? SYMF_VOCAB_USE : SYMF_VOCAB_INTEGRATION;
        clr__sym s = clr__sym_lookup(rs, n->text, strlen(n->text));
        if (has && (!s || !(rs->sym_flags[s] & flag)))
            clr__compile_warning(
                b->c, &n->pos, "'%s' is not in the %s vocabulary, so a request can never carry it",
                n->text, clr__attrs[attr].name);
    }
}

/* Builds a set from names (a group's members or a literal set). */
static clr__set *build_set(builder *b, const char *name, const clr__ast_member *members, size_t n,
                           const clr__pos *pos)
{
    clr__set *set = clr__arena_alloc(&b->rs->arena, sizeof(*set));
    clr__member *m = clr__arena_alloc(&b->rs->arena, (n ? n : 1) * sizeof(*m));
    if (!set || !m) {
        b->oom = 1;
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        m[i].sym = intern(b, &members[i].name);
        m[i].from = members[i].from;
        m[i].until = members[i].until;
        if (m[i].from != CLR_TIME_MIN || m[i].until != CLR_TIME_MAX)
            set->dated = 1;
        if (m[i].from >= m[i].until)
            clr__compile_warning(b->c, &members[i].name.pos,
                                 "empty window: '%s' is a member from a date not before its until",
                                 members[i].name.text);
    }
    qsort(m, n, sizeof(*m), member_cmp);
    set->name = name;
    set->members = m;
    set->n = n;
    if (pos)
        set->pos = *pos;
    return set;
}

static clr__node *new_node(builder *b, clr__op op)
{
    clr__node *n = clr__arena_alloc(&b->rs->arena, sizeof(*n));
    if (!n) {
        b->oom = 1;
        return NULL;
    }
    n->op = (uint8_t)op;
    return n;
}

static int resolve_attr(builder *b, const clr__ast_name *name)
{
    int a = clr__attr_find(name->text);
    if (a < 0) {
        clr__compile_error(b->c, &name->pos,
                           "unknown attribute '%s' (see docs/language.md for the attributes)",
                           name->text);
        return -1;
    }
    if (b->in_class && !clr__attrs[a].of_model) {
        clr__compile_error(b->c, &name->pos,
                           "a class is derived from the model alone; '%s' describes the request",
                           name->text);
        return -1;
    }
    if (b->in_class && a == ATTR_M_CLASS) {
        clr__compile_error(b->c, &name->pos, "a class cannot be derived from other classes");
        return -1;
    }
    if (a < CLR__NDIM)
        b->rs->attr_used[a] = 1;
    return a;
}

static int parse_number(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

static const char *type_name(clr__attr_type t)
{
    switch (t) {
    case TYPE_SYM: return "a name";
    case TYPE_NUM: return "a number";
    case TYPE_BOOL: return "true or false";
    case TYPE_SET: return "a set (test it with 'has')";
    case TYPE_NAME: return "a name to screen (test it with 'on LIST')";
    }
    return "?";
}

static void check_group_members(builder *b, const clr__set *g, int attr)
{
    size_t gi = (size_t)(g - b->rs->groups);
    if (clr__attrs[attr].is_country && !b->group_country_checked[gi]) {
        b->group_country_checked[gi] = 1;
        for (size_t i = 0; i < g->n; i++) {
            const char *s = b->rs->sym_str[g->members[i].sym];
            if (!clr_country_valid(s, strlen(s)))
                clr__compile_warning(b->c, &g->pos,
                                     "group '%s' is used for %s, but its member '%s' is not an ISO "
                                     "3166-1 alpha-2 country code%s",
                                     g->name, clr__attrs[attr].name, s, country_hint(s));
        }
    }
    if (attr == ATTR_MODEL && !b->group_model_checked[gi]) {
        b->group_model_checked[gi] = 1;
        for (size_t i = 0; i < g->n; i++)
            if (b->rs->sym_model[g->members[i].sym] < 0)
                clr__compile_warning(
                    b->c, &g->pos,
                    "group '%s' is used for models, but '%s' is not in the catalogue", g->name,
                    b->rs->sym_str[g->members[i].sym]);
    }
}

static const clr__node *compile_expr(builder *b, const clr__ast_expr *e)
{
    if (!e)
        return NULL;
    clr__node *n;
    switch (e->kind) {
    case AST_AND:
    case AST_OR:
        n = new_node(b, e->kind == AST_AND ? OP_AND : OP_OR);
        if (n) {
            n->l = compile_expr(b, e->l);
            n->r = compile_expr(b, e->r);
        }
        return n;
    case AST_NOT:
        n = new_node(b, OP_NOT);
        if (n)
            n->l = compile_expr(b, e->l);
        return n;
    case AST_CONST: return new_node(b, e->value ? OP_TRUE : OP_FALSE);
    case AST_BOOL: {
        int a = resolve_attr(b, &e->attr);
        if (a < 0)
            return NULL;
        if (clr__attrs[a].type != TYPE_BOOL) {
            clr__compile_error(b->c, &e->attr.pos,
                               "'%s' is %s, not true or false: compare it with a value",
                               e->attr.text, type_name(clr__attrs[a].type));
            return NULL;
        }
        n = new_node(b, OP_BOOL);
        if (n)
            n->attr = (uint8_t)a;
        return n;
    }
    case AST_HAS: {
        int a = resolve_attr(b, &e->attr);
        if (a < 0)
            return NULL;
        if (clr__attrs[a].type != TYPE_SET) {
            clr__compile_error(b->c, &e->attr.pos,
                               "'has' tests a set (model.tags, model.class); '%s' is %s",
                               e->attr.text, type_name(clr__attrs[a].type));
            return NULL;
        }
        n = new_node(b, OP_HAS);
        if (!n)
            return NULL;
        n->attr = (uint8_t)a;
        if (a == ATTR_M_CLASS) {
            int ci = find_class(b, e->operand.text);
            if (ci < 0) {
                clr__compile_error(b->c, &e->operand.pos,
                                   "unknown class '%s' (declare it with 'class %s when ...')",
                                   e->operand.text, e->operand.text);
                return NULL;
            }
            n->cls = (uint32_t)ci;
        } else {
            n->sym = intern(b, &e->operand);
        }
        return n;
    }
    case AST_ON: {
        int a = resolve_attr(b, &e->attr);
        if (a < 0)
            return NULL;
        if (clr__attrs[a].type != TYPE_NAME) {
            clr__compile_error(b->c, &e->attr.pos,
                               "'on' screens a name against lists: principal.name or "
                               "principal.org_name, not '%s'",
                               e->attr.text);
            return NULL;
        }
        size_t nl = e->group.text ? 1 : e->nitems;
        if (nl == 0) {
            clr__compile_error(b->c, &e->pos, "'on' needs at least one list");
            return NULL;
        }
        const char **lists = clr__arena_alloc(&b->rs->arena, nl * sizeof(*lists));
        n = new_node(b, OP_ON);
        if (!n || !lists) {
            b->oom = 1;
            return NULL;
        }
        for (size_t i = 0; i < nl; i++)
            lists[i] = e->group.text ? e->group.text : e->items[i].text;
        n->attr = (uint8_t)a;
        n->lists = lists;
        n->nlists = (uint32_t)nl;
        n->screen_slot = b->rs->nscreens++;
        return n;
    }
    case AST_IN: {
        int a = resolve_attr(b, &e->attr);
        if (a < 0)
            return NULL;
        if (clr__attrs[a].type != TYPE_SYM) {
            clr__compile_error(b->c, &e->attr.pos, "'in' tests a name; '%s' is %s", e->attr.text,
                               type_name(clr__attrs[a].type));
            return NULL;
        }
        n = new_node(b, OP_IN);
        if (!n)
            return NULL;
        n->attr = (uint8_t)a;
        if (e->group.text) {
            const clr__set *g = find_group(b, e->group.text);
            if (!g) {
                clr__compile_error(b->c, &e->group.pos,
                                   "unknown group '%s': a condition on an undefined group would "
                                   "silently never hold",
                                   e->group.text);
                return NULL;
            }
            check_group_members(b, g, a);
            n->set = g;
        } else {
            clr__ast_member *ms =
                clr__arena_alloc(&b->rs->arena, (e->nitems ? e->nitems : 1) * sizeof(*ms));
            if (!ms) {
                b->oom = 1;
                return NULL;
            }
            for (size_t i = 0; i < e->nitems; i++) {
                ms[i].name = e->items[i];
                ms[i].from = CLR_TIME_MIN;
                ms[i].until = CLR_TIME_MAX;
                check_value(b, a, &e->items[i]);
            }
            n->set = build_set(b, NULL, ms, e->nitems, &e->pos);
        }
        return n;
    }
    case AST_USAGE: {
        double v;
        const clr__ast_name *bound = &e->items[0];
        if (bound->is_string || parse_number(bound->text, &v) || v < 0) {
            clr__compile_error(b->c, &bound->pos,
                               "usage(...) counts units: compare it with a number, not '%s'",
                               bound->text);
            return NULL;
        }
        n = new_node(b, OP_USAGE);
        if (!n)
            return NULL;
        n->attr = strcmp(e->operand.text, "user") == 0 ? ATTR_P_ID : ATTR_P_ORG;
        n->attr2 = strcmp(e->group.text, "model") == 0;
        n->cls = (uint32_t)e->value;
        n->cmp = e->op == TK_EQ   ? CMP_EQ
                 : e->op == TK_NE ? CMP_NE
                 : e->op == TK_LT ? CMP_LT
                 : e->op == TK_LE ? CMP_LE
                 : e->op == TK_GT ? CMP_GT
                                  : CMP_GE;
        n->num = v;
        b->rs->uses_usage = 1;
        return n;
    }
    case AST_CMP: {
        int a = resolve_attr(b, &e->attr);
        if (a < 0)
            return NULL;
        clr__cmp cmp = e->op == TK_EQ   ? CMP_EQ
                       : e->op == TK_NE ? CMP_NE
                       : e->op == TK_LT ? CMP_LT
                       : e->op == TK_LE ? CMP_LE
                       : e->op == TK_GT ? CMP_GT
                                        : CMP_GE;
        clr__attr_type t = clr__attrs[a].type;
        if (t == TYPE_NAME) {
            clr__compile_error(b->c, &e->attr.pos,
                               "'%s' is a name to screen: test it with 'on LIST'", e->attr.text);
            return NULL;
        }
        if (t == TYPE_SET) {
            clr__compile_error(b->c, &e->attr.pos, "'%s' is a set: test it with 'has'",
                               e->attr.text);
            return NULL;
        }
        if (t != TYPE_NUM && cmp != CMP_EQ && cmp != CMP_NE) {
            clr__compile_error(b->c, &e->pos, "'%s' is %s: compare it with == or !=", e->attr.text,
                               type_name(t));
            return NULL;
        }
        if (t == TYPE_NUM) {
            double v;
            if (e->operand.is_string || parse_number(e->operand.text, &v)) {
                clr__compile_error(b->c, &e->operand.pos, "'%s' is a number; '%s' is not",
                                   e->attr.text, e->operand.text);
                return NULL;
            }
            n = new_node(b, OP_NUM);
            if (n) {
                n->attr = (uint8_t)a;
                n->cmp = (uint8_t)cmp;
                n->num = v;
            }
            return n;
        }
        if (t == TYPE_BOOL) {
            int val = strcmp(e->operand.text, "true") == 0    ? 1
                      : strcmp(e->operand.text, "false") == 0 ? 0
                                                              : -1;
            if (val < 0 || e->operand.is_string) {
                clr__compile_error(b->c, &e->operand.pos, "'%s' is true or false", e->attr.text);
                return NULL;
            }
            n = new_node(b, OP_BOOL);
            if (!n)
                return NULL;
            n->attr = (uint8_t)a;
            if (val == (cmp == CMP_EQ))
                return n;
            clr__node *neg = new_node(b, OP_NOT);
            if (neg)
                neg->l = n;
            return neg;
        }
        /* a name: against another attribute, or a literal */
        int a2 = e->operand.is_string ? -1 : clr__attr_find(e->operand.text);
        if (a2 >= 0) {
            a2 = resolve_attr(b, &e->operand);
            if (a2 < 0)
                return NULL;
            if (clr__attrs[a2].type != TYPE_SYM) {
                clr__compile_error(b->c, &e->operand.pos, "'%s' is %s and cannot equal '%s'",
                                   e->operand.text, type_name(clr__attrs[a2].type), e->attr.text);
                return NULL;
            }
            n = new_node(b, OP_EQ_ATTR);
            if (n) {
                n->attr = (uint8_t)a;
                n->attr2 = (uint8_t)a2;
            }
        } else {
            check_value(b, a, &e->operand);
            n = new_node(b, OP_EQ);
            if (n) {
                n->attr = (uint8_t)a;
                n->sym = intern(b, &e->operand);
            }
        }
        if (!n || cmp == CMP_EQ)
            return n;
        clr__node *neg = new_node(b, OP_NOT);
        if (neg)
            neg->l = n;
        return neg;
    }
    }
    return NULL;
}

/* The text of a condition as written: from its first token to its last. */
static const char *expr_text(builder *b, const clr__ast_expr *e)
{
    if (!e || !e->pos.src || !e->pos.at)
        return "true";
    /* find the leftmost and rightmost positions in the tree */
    const clr__ast_expr *lm = e;
    while ((lm->kind == AST_AND || lm->kind == AST_OR) && lm->l)
        lm = lm->l;
    const char *start = lm->kind == AST_NOT ? lm->pos.at : lm->pos.at;
    if (lm->kind != AST_NOT && lm->attr.pos.at && lm->attr.pos.at < start)
        start = lm->attr.pos.at;
    const char *end = start;
    const clr__ast_expr *stack[CLR__EXPR_DEPTH_MAX * 2 + 8];
    size_t sp = 0;
    stack[sp++] = e;
    while (sp) {
        const clr__ast_expr *x = stack[--sp];
        const clr__pos *ps[] = {&x->pos, &x->attr.pos, &x->operand.pos, &x->group.pos};
        for (size_t i = 0; i < 4; i++)
            if (ps[i]->at && ps[i]->at + ps[i]->len > end)
                end = ps[i]->at + ps[i]->len;
        for (size_t i = 0; i < x->nitems; i++)
            if (x->items[i].pos.at + x->items[i].pos.len > end)
                end = x->items[i].pos.at + x->items[i].pos.len;
        if (x->nitems && x->kind != AST_USAGE) {
            /* the closing brace */
            const char *q = end, *lim = e->pos.src->text + e->pos.src->len;
            while (q < lim && (*q == ' ' || *q == ',' || *q == '\n' || *q == '\t'))
                q++;
            if (q < lim && *q == '}')
                end = q + 1;
        }
        if (x->l && sp < sizeof stack / sizeof stack[0])
            stack[sp++] = x->l;
        if (x->r && sp < sizeof stack / sizeof stack[0])
            stack[sp++] = x->r;
    }
    /* a closing parenthesis that belongs to the condition */
    const char *lim = e->pos.src->text + e->pos.src->len;
    int open = 0;
    for (const char *q = start; q < end; q++)
        open += *q == '(' ? 1 : *q == ')' ? -1 : 0;
    while (open > 0 && end < lim) {
        if (*end == ')')
            open--;
        end++;
    }
    /* fold white space runs to one space */
    char *out = clr__arena_alloc(&b->rs->arena, (size_t)(end - start) + 1);
    if (!out)
        return "";
    size_t o = 0;
    for (const char *q = start; q < end; q++) {
        char ch = *q;
        if (ch == '#') {
            while (q < end && *q != '\n')
                q++;
            ch = ' ';
        }
        if (ch == '\n' || ch == '\t' || ch == '\r')
            ch = ' ';
        if (ch == ' ' && o > 0 && out[o - 1] == ' ')
            continue;
        out[o++] = ch;
    }
    while (o > 0 && out[o - 1] == ' ')
        o--;
    out[o] = '\0';
    return out;
}

/* ---- never-true analysis -------------------------------------------------- */

/* Conservatively decides whether n can never be true: 1 only when certain.
 * Handles constants, empty sets, and conjunctions that demand two different
 * values of one attribute. */
typedef struct demand {
    int attr;
    clr__sym sym;
} demand;

static int collect_demands(const clr__node *n, demand *d, size_t *nd, size_t cap)
{
    if (!n)
        return 0;
    if (n->op == OP_AND) {
        if (collect_demands(n->l, d, nd, cap) || collect_demands(n->r, d, nd, cap))
            return 1;
        return 0;
    }
    if (n->op == OP_FALSE)
        return 1;
    if (n->op == OP_IN && n->set->n == 0)
        return 1;
    if (n->op == OP_EQ) {
        for (size_t i = 0; i < *nd; i++)
            if (d[i].attr == n->attr && d[i].sym != n->sym)
                return 1;
        if (*nd < cap)
            d[(*nd)++] = (demand){n->attr, n->sym};
    }
    if (n->op == OP_OR) {
        demand dl[32], dr[32];
        size_t nl = 0, nr = 0;
        int ul = collect_demands(n->l, dl, &nl, 32);
        int ur = collect_demands(n->r, dr, &nr, 32);
        return ul && ur;
    }
    return 0;
}

static int never_true(const clr__node *n)
{
    demand d[64];
    size_t nd = 0;
    return collect_demands(n, d, &nd, 64);
}

/* ---- the index ------------------------------------------------------------- */

/* Collects the symbols that n requires of dimension dim into out (a sorted
 * list without duplicates). Returns 1 when n constrains dim (only a request
 * whose value is in out can make n true), 0 when it does not. */
typedef struct symlist {
    clr__sym *v;
    size_t n, cap;
} symlist;

static int symlist_add(symlist *l, clr__sym s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        clr__sym *v = realloc(l->v, cap * sizeof(*v));
        if (!v)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = s;
    return 0;
}

/* The catalogue models for which a condition on model attributes holds (at
 * any time, for dated sets). Requests with inline models skip the model
 * dimension, so this filter is exact for the catalogue. Returns 1. */
static int model_syms(const clr_ruleset *rs, const clr__node *n, symlist *out)
{
    for (size_t m = 0; m < rs->nmodels; m++) {
        const clr__model *md = &rs->models[m];
        clr__ctx ctx;
        clr__ctx_for_model(&ctx, rs, md);
        int hit = 0;
        if (n->op == OP_IN) {
            for (size_t i = 0; i < n->set->n && !hit; i++)
                hit = n->set->members[i].sym == ctx.sym[n->attr];
        } else {
            hit = clr__eval(&ctx, n);
        }
        if (hit && symlist_add(out, md->sym))
            return 0;
    }
    return 1;
}

static int required_syms(const clr_ruleset *rs, const clr__node *n, int dim, int by_name,
                         symlist *out)
{
    if (!n)
        return 0;
    if (dim == ATTR_MODEL && (n->op == OP_EQ || n->op == OP_IN) && n->attr != ATTR_MODEL &&
        clr__attrs[n->attr].of_model)
        return by_name ? 0 : model_syms(rs, n, out);
    switch ((clr__op)n->op) {
    case OP_EQ:
        if (n->attr != dim)
            return 0;
        return symlist_add(out, n->sym) == 0;
    case OP_IN:
        if (n->attr != dim)
            return 0;
        for (size_t i = 0; i < n->set->n; i++)
            if (symlist_add(out, n->set->members[i].sym))
                return 0;
        return 1;
    case OP_FALSE: return 1; /* nothing can make it true */
    case OP_AND: {
        symlist l = {0}, r = {0};
        int cl = required_syms(rs, n->l, dim, by_name, &l);
        int cr = required_syms(rs, n->r, dim, by_name, &r);
        int ok = 1;
        /* either side is a valid filter; take the narrower */
        if (cl && (!cr || l.n <= r.n)) {
            for (size_t i = 0; i < l.n && ok; i++)
                ok = symlist_add(out, l.v[i]) == 0;
        } else if (cr) {
            for (size_t i = 0; i < r.n && ok; i++)
                ok = symlist_add(out, r.v[i]) == 0;
        }
        free(l.v);
        free(r.v);
        return ok && (cl || cr);
    }
    case OP_OR: {
        symlist l = {0}, r = {0};
        int cl = required_syms(rs, n->l, dim, by_name, &l);
        int cr = required_syms(rs, n->r, dim, by_name, &r);
        int ok = cl && cr;
        for (size_t i = 0; i < l.n && ok; i++)
            ok = symlist_add(out, l.v[i]) == 0;
        for (size_t i = 0; i < r.n && ok; i++)
            ok = symlist_add(out, r.v[i]) == 0;
        free(l.v);
        free(r.v);
        return ok;
    }
    default: break;
    }
    if (dim == ATTR_MODEL && (n->op == OP_NUM || n->op == OP_BOOL || n->op == OP_HAS) &&
        clr__attrs[n->attr].of_model && !by_name)
        return model_syms(rs, n, out);
    return 0;
}

static int sym_cmp(const void *a, const void *b)
{
    clr__sym x = *(const clr__sym *)a, y = *(const clr__sym *)b;
    return x < y ? -1 : x > y;
}

/* The dimension whose index check decides test n exactly for a catalogue
 * model: a value or an undated set of values of a dimension, or a test of
 * model attributes (folded into the model dimension); -1 for any other node. */
static int exact_dim(const clr__node *n)
{
    switch ((clr__op)n->op) {
    case OP_EQ:
    case OP_IN:
    case OP_NUM:
    case OP_BOOL:
    case OP_HAS:
        if (n->op == OP_IN && n->set->dated)
            return -1;
        if (n->attr < CLR__NDIM && (n->op == OP_EQ || n->op == OP_IN))
            return n->attr;
        if (clr__attrs[n->attr].of_model)
            return ATTR_MODEL;
        return -1;
    default: return -1;
    }
}

/* The dimensions n's tests read (all of them for OP_FALSE, which constrains
 * every dimension): a superset of those n constrains. */
static unsigned dims_read(const clr__node *n)
{
    if (!n)
        return 0;
    switch ((clr__op)n->op) {
    case OP_FALSE: return (1u << CLR__NDIM) - 1;
    case OP_AND:
    case OP_OR: return dims_read(n->l) | dims_read(n->r);
    case OP_NOT: return dims_read(n->l);
    case OP_EQ_ATTR:
        return (n->attr < CLR__NDIM ? 1u << n->attr : 0) |
               (n->attr2 < CLR__NDIM ? 1u << n->attr2 : 0) |
               (clr__attrs[n->attr].of_model || clr__attrs[n->attr2].of_model ? 1u : 0);
    default: {
        int d = n->attr < CLR__NDIM ? n->attr : clr__attrs[n->attr].of_model ? ATTR_MODEL : -1;
        return d >= 0 ? 1u << d : 0;
    }
    }
}

#define CONJUNCTS_MAX 32

/* The operands of n's top-level chain of op ("and" or "or") into out from
 * out[k] on; their number with the k before, or more than cap when they do not
 * fit. */
static size_t flatten(const clr__node *n, clr__op op, const clr__node **out, size_t k, size_t cap)
{
    if (n->op == op)
        return flatten(n->r, op, out, flatten(n->l, op, out, k, cap), cap);
    if (k < cap)
        out[k] = n;
    return k + 1;
}

/* The conjuncts of n's top-level "and" chain. */
static size_t conjuncts(const clr__node *n, const clr__node **out, size_t k, size_t cap)
{
    return flatten(n, OP_AND, out, k, cap);
}

/* The conjuncts of a rule that its candidate entries check beyond the
 * dimensions: disjunctions "a or b ..." whose every side tests the value of a
 * dimension (EITHER_MAX sides at most), comparisons of the units, and
 * screenings ("principal.name on L", or a disjunction of them). A side's
 * check holds the rows of every value it names; when no set of the
 * disjunction is dated, the check decides it, and it is left out of the rest
 * of the condition; else the check only filters. A comparison's check decides
 * it. A screening's check only filters: the request must carry a name it
 * screens. */
#define EITHER_MAX 8
#define EITHERS_MAX 2
typedef struct eithers {
    const clr__node *conj[EITHERS_MAX];
    uint8_t exact[EITHERS_MAX]; /* the check decides the conjunct */
    size_t n;
    size_t words; /* the check words they take: a marker and one per side each,
                     or a marker and the number's two */
} eithers;

/* The sides of n's top-level "or" chain. */
static size_t disjuncts(const clr__node *n, const clr__node **out, size_t k, size_t cap)
{
    return flatten(n, OP_OR, out, k, cap);
}

/* Whether test n can be checked by the row of its dimension, given rows for
 * every value it names: a value or a set of values of a request attribute
 * other than the model. The check decides it unless the set is dated. */
static int row_side(const clr__node *n)
{
    return n->attr < CLR__NDIM && n->attr != ATTR_MODEL &&
           (n->op == OP_EQ || (n->op == OP_IN && n->set->n > 0));
}

/* Finds the conjuncts of condition n that its candidate entries can check
 * (disjunctions, units comparisons, screenings), leaving room in a head
 * word's count for nchk other checks. Every such check holds whenever its
 * conjunct does, so a check that fails means the condition is false. */
static void find_eithers(const clr__node *n, size_t nchk, eithers *e)
{
    const clr__node *c[CONJUNCTS_MAX], *side[EITHER_MAX];
    e->n = e->words = 0;
    if (!n)
        return;
    size_t k = conjuncts(n, c, 0, CONJUNCTS_MAX);
    for (size_t i = 0; i < k && i < CONJUNCTS_MAX && e->n < EITHERS_MAX; i++) {
        if (c[i]->op == OP_NUM && c[i]->attr == ATTR_UNITS &&
            nchk + e->words + 3 <= CLR__CAND_NCHK_MASK) {
            e->exact[e->n] = 1;
            e->conj[e->n++] = c[i];
            e->words += 3;
            continue;
        }
        size_t m = disjuncts(c[i], side, 0, EITHER_MAX);
        if (m <= EITHER_MAX && nchk + e->words + 1 <= CLR__CAND_NCHK_MASK) {
            int on = 1;
            for (size_t j = 0; j < m && on; j++)
                on = side[j]->op == OP_ON;
            if (on) {
                e->exact[e->n] = 0;
                e->conj[e->n++] = c[i];
                e->words += 1;
                continue;
            }
        }
        if (c[i]->op != OP_OR)
            continue;
        if (m > EITHER_MAX || nchk + e->words + 1 + m > CLR__CAND_NCHK_MASK)
            continue;
        int ok = 1, exact = 1;
        for (size_t j = 0; j < m && ok; j++)
            if ((ok = row_side(side[j])))
                exact &= side[j]->op == OP_EQ || !side[j]->set->dated;
        if (!ok)
            continue;
        e->exact[e->n] = (uint8_t)exact;
        e->conj[e->n++] = c[i];
        e->words += 1 + m;
    }
}

/* The row sets candidates check, each interned once: rules naming the same
 * group share one. */
typedef struct rowsets {
    uint64_t *w; /* the bitmaps, back to back */
    size_t n, cap;
    uint32_t *off; /* open addressing: offset + 1, or 0 */
    uint32_t *len; /* the words of each entry of off */
    size_t mask, count;
} rowsets;

static size_t rowsets_slot(const rowsets *s, const uint64_t *bm, size_t nw)
{
    return (size_t)clr__hash((const char *)bm, nw * sizeof(*bm)) & s->mask;
}

static int rowsets_grow(rowsets *s)
{
    size_t mask = s->mask ? s->mask * 2 + 1 : 255;
    uint32_t *off = calloc(mask + 1, sizeof(*off)), *len = calloc(mask + 1, sizeof(*len));
    if (!off || !len) {
        free(off);
        free(len);
        return CLR_ENOMEM;
    }
    rowsets t = *s;
    t.off = off;
    t.len = len;
    t.mask = mask;
    for (size_t k = 0; s->off && k <= s->mask; k++) {
        if (!s->off[k])
            continue;
        size_t h = rowsets_slot(&t, s->w + s->off[k] - 1, s->len[k]);
        while (off[h])
            h = (h + 1) & mask;
        off[h] = s->off[k];
        len[h] = s->len[k];
    }
    free(s->off);
    free(s->len);
    *s = t;
    return 0;
}

/* Finds or adds the nw words of bm; sets *at to where they start in s->w. */
static int rowsets_intern(rowsets *s, const uint64_t *bm, size_t nw, uint32_t *at)
{
    if ((s->count + 1) * 2 > s->mask + 1 && rowsets_grow(s))
        return CLR_ENOMEM;
    size_t h = rowsets_slot(s, bm, nw);
    for (; s->off[h]; h = (h + 1) & s->mask)
        if (s->len[h] == nw && memcmp(s->w + s->off[h] - 1, bm, nw * sizeof(*bm)) == 0) {
            *at = s->off[h] - 1;
            return 0;
        }
    if (s->n + nw >= CLR__CHK_VAL)
        return CLR_ENOMEM;
    if (s->n + nw > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        while (cap < s->n + nw)
            cap *= 2;
        uint64_t *w = realloc(s->w, cap * sizeof(*w));
        if (!w)
            return CLR_ENOMEM;
        s->w = w;
        s->cap = cap;
    }
    memcpy(s->w + s->n, bm, nw * sizeof(*bm));
    *at = (uint32_t)s->n;
    s->off[h] = (uint32_t)s->n + 1;
    s->len[h] = (uint32_t)nw;
    s->n += nw;
    s->count++;
    return 0;
}

/* The check word of dimension d for the rows set in bm (the dimension's
 * words; row 0 never set): the rows themselves for a dimension of at most
 * CLR__CHK_SMALL rows, one row, or a row set interned in sets. */
static int check_word(const clr_ruleset *rs, rowsets *sets, const uint64_t *bm, int d,
                      uint32_t *out)
{
    size_t nrows = rs->index[d].nrows, nw = (nrows + 63) / 64, n = 0;
    uint32_t one = 0;
    for (size_t w = 0; w < nw; w++)
        if (bm[w]) {
            n += (size_t)__builtin_popcountll(bm[w]);
            one = (uint32_t)(w * 64 + (size_t)__builtin_ctzll(bm[w]));
        }
    *out = (uint32_t)d << CLR__CHK_DIM_SHIFT;
    if (nrows <= CLR__CHK_SMALL) {
        *out |= (uint32_t)bm[0];
        return 0;
    }
    if (n == 1) {
        *out |= CLR__CHK_ONE | one;
        return 0;
    }
    uint32_t at;
    if (rowsets_intern(sets, bm, nw, &at))
        return CLR_ENOMEM;
    *out |= at;
    return 0;
}

/* The words of a row set of dimension d (CLR__NDIM: the dimension of
 * CLR__CHK_ALWAYS, one row). */
static size_t set_words(const clr_ruleset *rs, unsigned d)
{
    return d < CLR__NDIM ? (rs->index[d].nrows + 63) / 64 : 1;
}

/* Check word c (CLR__CHK_ALWAYS included) as a row set interned in sets, the
 * form of a fixed entry's check: a decision then tests every fixed entry
 * alike, with no branch on the kind of its check. bm: scratch of the
 * dimension's words. */
static int fixed_word(const clr_ruleset *rs, rowsets *sets, uint64_t *bm, uint32_t c, uint32_t *out)
{
    unsigned d = c >> CLR__CHK_DIM_SHIFT;
    size_t nw = set_words(rs, d);
    memset(bm, 0, nw * sizeof(*bm));
    if (d == CLR__NDIM) {
        bm[0] = 1; /* row 0, every request's */
    } else if ((rs->small_dims >> d) & 1) {
        bm[0] = c & ((1u << CLR__CHK_SMALL) - 1);
    } else if (c & CLR__CHK_ONE) {
        uint32_t r = c & CLR__CHK_VAL;
        bm[r / 64] |= 1ULL << (r % 64);
    } else {
        *out = c; /* a row set already */
        return 0;
    }
    uint32_t at;
    if (rowsets_intern(sets, bm, nw, &at))
        return CLR_ENOMEM;
    *out = (uint32_t)d << CLR__CHK_DIM_SHIFT | at;
    return 0;
}

/* And-chains conjuncts c[0..k) but those marked in skip; NULL when none is
 * left. *oom set when a node cannot be allocated. */
static const clr__node *chain(clr_ruleset *rs, const clr__node **c, size_t k, const uint8_t *skip,
                              int *oom)
{
    const clr__node *left = NULL;
    for (size_t i = 0; i < k; i++) {
        if (skip[i])
            continue;
        if (!left) {
            left = c[i];
            continue;
        }
        clr__node *and = clr__arena_alloc(&rs->arena, sizeof(*and));
        if (!and) {
            *oom = 1;
            return NULL;
        }
        and->op = OP_AND;
        and->l = left;
        and->r = c[i];
        left = and;
    }
    return left;
}

/* What is left of a rule's condition n for a catalogue model once the
 * index's checks have passed (the checks hold each dimension the rule
 * constrains to the values required_syms gives): n without the conjuncts the
 * checks decide exactly. Such a conjunct is an exact test (exact_dim) on a
 * dimension that no other conjunct reads, so its values are the ones the index
 * holds. Sets sl->rest (NULL when nothing is left).
 *
 * The disjunctions e that the candidate entries decide are left out too.
 *
 * A test "attribute in set" on a dimension no other conjunct reads, where
 * some members are dated, is decided by the checks as well when the request's
 * value is an undated member. Then sl->rest_undated is a check of those
 * members' rows, and sl->rest_if_undated what is left when it passes. */
static int residual(clr_ruleset *rs, size_t slot, const clr__node *n, const eithers *e,
                    rowsets *sets, uint64_t *bm)
{
    const clr__node *c[CONJUNCTS_MAX];
    uint8_t skip[CONJUNCTS_MAX] = {0}, skip_inline[CONJUNCTS_MAX] = {0};
    clr__slot *sl = &rs->slots[slot];
    sl->rest = n;
    rs->rest_inline[slot] = n;
    if (!n)
        return 0;
    size_t k = conjuncts(n, c, 0, CONJUNCTS_MAX);
    if (k > CONJUNCTS_MAX)
        return 0;
    unsigned readers[CLR__NDIM] = {0};
    for (size_t i = 0; i < k; i++) {
        unsigned m = dims_read(c[i]);
        for (int d = 0; d < CLR__NDIM; d++)
            readers[d] += (m >> d) & 1;
    }
    size_t kept = k, kept_inline = k, dated = k;
    for (size_t i = 0; i < k; i++) {
        int d = exact_dim(c[i]), checked = 0;
        for (size_t j = 0; j < e->n; j++)
            checked |= c[i] == e->conj[j] && e->exact[j];
        if (checked) {
            /* a conjunct the candidate entries decide */
            skip[i] = skip_inline[i] = 1;
            kept--;
            kept_inline--;
            continue;
        }
        if (c[i]->op == OP_TRUE ||
            (d >= 0 && readers[d] == 1 && (d != ATTR_MODEL || c[i]->attr == ATTR_MODEL))) {
            /* the inline models' lists check the model dimension for tests
               of the model's name only */
            skip_inline[i] = 1;
            kept_inline--;
        }
        if (c[i]->op == OP_TRUE || (d >= 0 && readers[d] == 1)) {
            skip[i] = 1;
            kept--;
        } else if (dated == k && c[i]->op == OP_IN && c[i]->attr < CLR__NDIM &&
                   readers[c[i]->attr] == 1 && rs->index[c[i]->attr].used) {
            dated = i;
        }
    }
    int oom = 0;
    if (kept < k)
        sl->rest = chain(rs, c, k, skip, &oom);
    if (kept_inline < k && !oom)
        rs->rest_inline[slot] = chain(rs, c, k, skip_inline, &oom);
    if (oom)
        return CLR_ENOMEM;
    if (dated == k)
        return 0;
    /* the rows of the members in the set at every instant */
    const clr__set *set = c[dated]->set;
    const clr__dim_index *ix = &rs->index[c[dated]->attr];
    size_t nw = (ix->nrows + 63) / 64, nundated = 0;
    memset(bm, 0, nw * sizeof(*bm));
    for (size_t i = 0; i < set->n; i++)
        if (set->members[i].from == CLR_TIME_MIN && set->members[i].until == CLR_TIME_MAX) {
            uint32_t row = ix->row_of[set->members[i].sym];
            if (row) {
                bm[row / 64] |= 1ULL << (row % 64);
                nundated++;
            }
        }
    if (nundated == 0)
        return 0;
    if (check_word(rs, sets, bm, c[dated]->attr, &sl->rest_undated))
        return CLR_ENOMEM;
    skip[dated] = 1;
    sl->rest_if_undated = chain(rs, c, k, skip, &oom);
    if (oom)
        return CLR_ENOMEM;
    sl->flags |= SLOT_REST_UNDATED;
    return 0;
}

/* How many values a request is taken to carry in dimension d, to weigh how
 * likely a rule's required values are: the values the rules name (requests
 * gather on those: a country no rule names is one nobody controls), or the
 * vocabulary for use and integration when it is larger. */
static double dim_domain(const clr_ruleset *rs, int d)
{
    double n = (double)rs->index[d].nrows, vocab = 0;
    if ((d == ATTR_USE && rs->has_vocab_use) ||
        (d == ATTR_INTEGRATION && rs->has_vocab_integration)) {
        uint8_t flag = d == ATTR_USE ? SYMF_VOCAB_USE : SYMF_VOCAB_INTEGRATION;
        for (size_t s = 1; s < rs->nsyms; s++)
            vocab += (rs->sym_flags[s] & flag) != 0;
    }
    return vocab > n ? vocab : n;
}

/* The bytes of a cache line: candidate lists are placed on as few as their
 * length needs. */
#define CACHE_LINE 64

/* Limits on pair anchors: the entries one rule may add (the product of its
 * two sets' sizes), and the cells of one pair's table. */
#define PAIR_ENTRIES_MAX 256
#define PAIR_CELLS_MAX 65536

/* Anchors whose rules, moved to their next best anchors in use, would add
 * fewer expected candidates per request than this are dropped: a lookup in
 * one more table costs about as much as checking that many candidates. With
 * more than ANCHOR_LARGE_RULES rules the lists outgrow the caches, and a list
 * read costs a cache miss or two: worth ANCHOR_SAVING_MIN_LARGE candidates. */
#define ANCHOR_SAVING_MIN 1.0
#define ANCHOR_SAVING_MIN_LARGE 4.0
#define ANCHOR_LARGE_RULES 1024

/* The dimensions a rule may be anchored on into dims; their number, or -1
 * when no request can meet the rule. */
static int anchor_dims(const clr_ruleset *rs, const symlist *req, const uint8_t *constrained,
                       int *dims)
{
    int k = 0;
    for (int d = 0; d < CLR__NDIM; d++) {
        if (!constrained[d] || !rs->index[d].used)
            continue;
        if (req[d].n == 0)
            return -1; /* no value can make it true */
        dims[k++] = d;
    }
    return k;
}

/* The best anchor among those allow[d1][d2] permits for a rule constraining
 * dims[0..k): the one whose required values a request is least likely to
 * carry, the values of each dimension taken as equally likely. Sets *d1, *d2
 * (CLR__NDIM for none; the anchor of no dimension is always permitted) and
 * returns the likelihood. */
static double best_anchor(const clr_ruleset *rs, const symlist *req, const int *dims, int k,
                          const double *domain, uint8_t allow[CLR__NDIM + 1][CLR__NDIM + 1],
                          int *d1, int *d2)
{
    double best = 1;
    *d1 = *d2 = CLR__NDIM;
    for (int x = 0; x < k; x++) {
        int a = dims[x];
        double p = (double)req[a].n / domain[a];
        if (allow[a][CLR__NDIM] && p < best) {
            best = p;
            *d1 = a;
            *d2 = CLR__NDIM;
        }
        for (int y = x + 1; y < k; y++) {
            int b = dims[y];
            if (!allow[a][b] || req[a].n * req[b].n > PAIR_ENTRIES_MAX)
                continue;
            double q = p * (double)req[b].n / domain[b];
            if (q < best) {
                best = q;
                *d1 = a;
                *d2 = b;
            }
        }
    }
    return best;
}

/* Chooses every rule's anchor for variant v into anc (d1, d2, number of
 * checks; -1 checks: never true): first the best of all, then anchors that
 * save less than ANCHOR_SAVING_MIN (or _LARGE) are dropped, the least saving
 * first. */
static void choose_anchors(const clr_ruleset *rs, symlist (*req)[CLR__NDIM],
                           uint8_t (*constrained)[CLR__NDIM], const double *domain,
                           int8_t (*anc)[3])
{
    size_t nbits = rs->nbits;
    uint8_t allow[CLR__NDIM + 1][CLR__NDIM + 1];
    memset(allow, 1, sizeof allow);
    for (int a = 0; a < CLR__NDIM; a++)
        for (int b = 0; b < CLR__NDIM; b++)
            if (rs->index[a].nrows * rs->index[b].nrows > PAIR_CELLS_MAX)
                allow[a][b] = 0;
    int dims[CLR__NDIM];
    double saving_min = nbits > ANCHOR_LARGE_RULES ? ANCHOR_SAVING_MIN_LARGE : ANCHOR_SAVING_MIN;
    for (size_t i = 0; i < nbits; i++) {
        int k = anchor_dims(rs, req[i], constrained[i], dims), d1, d2;
        if (k >= 0)
            best_anchor(rs, req[i], dims, k, domain, allow, &d1, &d2);
        else
            d1 = d2 = CLR__NDIM;
        anc[i][0] = (int8_t)d1;
        anc[i][1] = (int8_t)d2;
        anc[i][2] = (int8_t)(k < 0 ? -1 : k - (d1 < CLR__NDIM) - (d2 < CLR__NDIM));
    }
    for (;;) {
        /* what each anchor in use saves over its rules' next best anchors in use */
        uint8_t used[CLR__NDIM + 1][CLR__NDIM + 1] = {{0}};
        double saves[CLR__NDIM + 1][CLR__NDIM + 1] = {{0}};
        for (size_t i = 0; i < nbits; i++)
            if (anc[i][2] >= 0)
                used[anc[i][0]][anc[i][1]] = 1;
        used[CLR__NDIM][CLR__NDIM] = 1;
        for (size_t i = 0; i < nbits; i++) {
            int a1 = anc[i][0], a2 = anc[i][1], d1, d2;
            if (anc[i][2] < 0 || a1 == CLR__NDIM)
                continue;
            int k = anchor_dims(rs, req[i], constrained[i], dims);
            double here = best_anchor(rs, req[i], dims, k, domain, used, &d1, &d2);
            used[a1][a2] = 0;
            double next = best_anchor(rs, req[i], dims, k, domain, used, &d1, &d2);
            used[a1][a2] = 1;
            saves[a1][a2] += next - here;
        }
        int w1 = -1, w2 = -1;
        for (int a = 0; a < CLR__NDIM; a++)
            for (int b = 0; b <= CLR__NDIM; b++)
                if (used[a][b] && saves[a][b] < saving_min &&
                    (w1 < 0 || saves[a][b] < saves[w1][w2])) {
                    w1 = a;
                    w2 = b;
                }
        if (w1 < 0)
            break;
        /* drop the least saving anchor: its rules move to their next best */
        used[w1][w2] = 0;
        for (size_t i = 0; i < nbits; i++) {
            if (anc[i][2] < 0 || anc[i][0] != w1 || anc[i][1] != w2)
                continue;
            int k = anchor_dims(rs, req[i], constrained[i], dims), d1, d2;
            best_anchor(rs, req[i], dims, k, domain, used, &d1, &d2);
            anc[i][0] = (int8_t)d1;
            anc[i][1] = (int8_t)d2;
            anc[i][2] = (int8_t)(k - (d1 < CLR__NDIM) - (d2 < CLR__NDIM));
        }
    }
}

/* The check of one side of a disjunction (row_side): the rows of every value
 * it names. */
static int side_word(const clr_ruleset *rs, rowsets *sets, uint64_t *bm, const clr__node *t,
                     uint32_t *out)
{
    const clr__dim_index *ix = &rs->index[t->attr];
    memset(bm, 0, (ix->nrows + 63) / 64 * sizeof(*bm));
    for (size_t k = 0; k < (t->op == OP_EQ ? 1 : t->set->n); k++) {
        uint32_t row = ix->row_of[t->op == OP_EQ ? t->sym : t->set->members[k].sym];
        bm[row / 64] |= 1ULL << (row % 64);
    }
    return check_word(rs, sets, bm, t->attr, out);
}

/* The check words of e into out (e->words of them): for a disjunction, a
 * marker with the number of sides, then a check per side; for a comparison,
 * a marker with the comparison, then the number; for a screening, a marker
 * with the names it screens. */
static int either_words(const clr_ruleset *rs, rowsets *sets, uint64_t *bm, const eithers *e,
                        uint32_t *out)
{
    for (size_t j = 0; j < e->n; j++) {
        if (e->conj[j]->op == OP_NUM) {
            *out++ = CLR__CHK_UNITS | e->conj[j]->cmp;
            memcpy(out, &e->conj[j]->num, sizeof(double));
            out += 2;
            continue;
        }
        const clr__node *side[EITHER_MAX];
        size_t m = disjuncts(e->conj[j], side, 0, EITHER_MAX);
        if (side[0]->op == OP_ON) {
            uint32_t names = 0;
            for (size_t x = 0; x < m; x++)
                names |= side[x]->attr == ATTR_P_ORG_NAME ? 2u : 1u;
            *out++ = CLR__CHK_NAMED | names;
            continue;
        }
        *out++ = CLR__CHK_EITHER | (uint32_t)m;
        for (size_t x = 0; x < m; x++)
            if (side_word(rs, sets, bm, side[x], out++))
                return CLR_ENOMEM;
    }
    return 0;
}

/* The coarse check of rule r's validity window (CLR__CHK_WINDOW), last in
 * its entries, so that a candidate out of force by days is dropped before its
 * slot is read; 0 when the rule has no window, or one no day excludes. Last,
 * not first: most entries fail their first check, and when that is a row check
 * in nearly every entry, the branch that tells the kinds of check apart is
 * predicted (bench/README.md). */
static uint32_t window_word(const clr__rule *r)
{
    if (r->from >= r->until)
        return 0; /* never in force: the slot's window says so */
    uint32_t first = r->from == CLR_TIME_MIN ? 0 : clr__window_day(r->from);
    uint32_t last = r->until == CLR_TIME_MAX ? CLR__WINDOW_DAYS - 1 : clr__window_day(r->until - 1);
    if (first == 0 && last == CLR__WINDOW_DAYS - 1)
        return 0;
    return CLR__CHK_WINDOW | first << 14 | (last - first);
}

/* The check words of rs that name a row set, into refs (NULL: counted only);
 * their number. */
static size_t set_refs(clr_ruleset *rs, uint32_t **refs)
{
    size_t n = 0;
    for (int v = 0; v < 2; v++) {
        const clr__cand_index *ci = &rs->cand[v];
        if (!ci->nanchors)
            continue;
        for (size_t a = 0; a < ci->nanchors; a++) {
            const clr__anchor *an = &ci->anchor[a];
            size_t n1 = an->d1 < CLR__NDIM ? rs->index[an->d1].nrows : 1;
            size_t n2 = an->d2 < CLR__NDIM ? rs->index[an->d2].nrows : 1;
            for (size_t cell = 0; cell < n1 * n2; cell++) {
                if (!an->cells[cell].len)
                    continue;
                uint32_t *code = (uint32_t *)ci->code + an->cells[cell].off;
                uint32_t *end = code + an->cells[cell].len;
                uint32_t *fixed_end = code + 1 + code[0];
                /* the fixed entries' checks (row sets, all), then the
                   general entries' */
                for (code++; code < fixed_end; code += 2 + (code[0] >> CLR__CAND_WINDOWED)) {
                    if (refs)
                        refs[n] = &code[1];
                    n++;
                }
                while (code < end) {
                    uint32_t *next = code + 1 + (*code & CLR__CAND_NCHK_MASK);
                    for (code++; code < next; code++) {
                        uint32_t c = *code;
                        if (c >= CLR__CHK_UNITS && c < CLR__CHK_EITHER)
                            code += 2; /* the number */
                        else if (c < CLR__CHK_WINDOW &&
                                 !((rs->small_dims >> (c >> CLR__CHK_DIM_SHIFT)) & 1) &&
                                 !(c & CLR__CHK_ONE)) {
                            if (refs)
                                refs[n] = code;
                            n++;
                        }
                    }
                }
            }
        }
    }
    for (size_t i = 0; i < rs->nbits; i++) {
        clr__slot *sl = &rs->slots[i];
        uint32_t c = sl->rest_undated;
        if ((sl->flags & SLOT_REST_UNDATED) &&
            !((rs->small_dims >> (c >> CLR__CHK_DIM_SHIFT)) & 1) && !(c & CLR__CHK_ONE)) {
            if (refs)
                refs[n] = &sl->rest_undated;
            n++;
        }
    }
    return n;
}

typedef struct set_use {
    uint32_t at, words, uses;
} set_use;

static int set_use_cmp(const void *a, const void *b)
{
    const set_use *x = a, *y = b;
    if (x->uses != y->uses)
        return x->uses > y->uses ? -1 : 1;
    return x->at < y->at ? -1 : x->at > y->at;
}

/* Copies the row sets into the arena as rs->cand_sets, the most used first,
 * and points the checks at their new places: the sets most requests read
 * then share a few cache lines. */
static int place_sets(clr_ruleset *rs, const rowsets *sets)
{
    int rc = CLR_ENOMEM;
    size_t nrefs = set_refs(rs, NULL), nuse = 0;
    uint32_t **refs = malloc((nrefs ? nrefs : 1) * sizeof(*refs));
    uint32_t *slot_of = calloc(sets->n ? sets->n : 1, sizeof(*slot_of)); /* at -> use + 1 */
    set_use *use = calloc(nrefs ? nrefs : 1, sizeof(*use));
    uint64_t *w = clr__arena_alloc(&rs->arena, (sets->n ? sets->n : 1) * sizeof(*w));
    if (!refs || !slot_of || !use || !w)
        goto done;
    set_refs(rs, refs);
    for (size_t i = 0; i < nrefs; i++) {
        uint32_t c = *refs[i], at = c & CLR__CHK_VAL;
        if (!slot_of[at]) {
            use[nuse].at = at;
            use[nuse].words = (uint32_t)set_words(rs, c >> CLR__CHK_DIM_SHIFT);
            slot_of[at] = (uint32_t)++nuse;
        }
        use[slot_of[at] - 1].uses++;
    }
    qsort(use, nuse, sizeof(*use), set_use_cmp);
    uint32_t to = 0;
    for (size_t k = 0; k < nuse; k++) {
        memcpy(w + to, sets->w + use[k].at, use[k].words * sizeof(*w));
        slot_of[use[k].at] = to; /* now: at -> its new place */
        to += use[k].words;
    }
    for (size_t i = 0; i < nrefs; i++) {
        uint32_t c = *refs[i];
        *refs[i] = (c & ~CLR__CHK_VAL) | slot_of[c & CLR__CHK_VAL];
    }
    rs->cand_sets = w;
    rc = 0;
done:
    free(refs);
    free(slot_of);
    free(use);
    return rc;
}

#define FIXED_NONE UINT32_MAX /* a rule whose entries are general ones */

/* Builds rs->cand[0], rs->cand[1], rs->cand_sets and the slots' residual
 * conditions from what each rule requires of each dimension (req,
 * constrained: by slot). */
static int build_candidates(clr_ruleset *rs, symlist (*req_v[2])[CLR__NDIM],
                            uint8_t (*constrained_v[2])[CLR__NDIM], const eithers *eith)
{
    size_t nbits = rs->nbits;
    int rc = 0;
    rowsets sets = {0};
    uint32_t(*chk_v[2])[CLR__NDIM] = {calloc(nbits ? nbits : 1, sizeof(*chk_v[0])),
                                      calloc(nbits ? nbits : 1, sizeof(*chk_v[1]))};
    uint32_t(*chk)[CLR__NDIM] = chk_v[0];
    int8_t(*anc)[3] = calloc(nbits ? nbits : 1, sizeof(*anc));
    uint32_t(*ew)[CLR__CAND_NCHK_MASK] = calloc(nbits ? nbits : 1, sizeof(*ew));
    uint64_t *bm = NULL;
    uint32_t *count = NULL, *len = NULL, *nfixed = NULL, *fixed_chk = NULL;
    size_t maxrows = 1;
    for (int d = 0; d < CLR__NDIM; d++)
        if (rs->index[d].nrows > maxrows)
            maxrows = rs->index[d].nrows;
    bm = calloc((maxrows + 63) / 64, sizeof(*bm));
    if (!chk_v[0] || !chk_v[1] || !anc || !ew || !bm) {
        rc = CLR_ENOMEM;
        goto done;
    }
    double domain[CLR__NDIM];
    size_t nrows[CLR__NDIM + 1];
    for (int d = 0; d < CLR__NDIM; d++) {
        domain[d] = rs->index[d].used ? dim_domain(rs, d) : 1;
        nrows[d] = rs->index[d].used ? rs->index[d].nrows : 1;
    }
    nrows[CLR__NDIM] = 1;
    for (int d = 0; d < CLR__NDIM; d++)
        if (rs->index[d].used && rs->index[d].nrows <= CLR__CHK_SMALL)
            rs->small_dims |= 1u << d;
    rs->small_dims |= 1u << CLR__NDIM; /* for CLR__CHK_ALWAYS */

    /* each rule's check of each dimension it constrains */
    for (size_t i = 0; i < nbits; i++)
        for (int x = 0; x <= CLR__NDIM; x++) {
            int v = x == CLR__NDIM, d = v ? ATTR_MODEL : x;
            const clr__dim_index *ix = &rs->index[d];
            const symlist *l = &req_v[v][i][d];
            if (!constrained_v[v][i][d] || l->n == 0)
                continue;
            memset(bm, 0, (ix->nrows + 63) / 64 * sizeof(*bm));
            for (size_t k = 0; k < l->n; k++) {
                uint32_t row = ix->row_of[l->v[k]];
                bm[row / 64] |= 1ULL << (row % 64);
            }
            if (check_word(rs, &sets, bm, d, &chk_v[v][i][d])) {
                rc = CLR_ENOMEM;
                goto done;
            }
        }
    for (size_t i = 0; i < nbits; i++)
        for (int d = 0; d < CLR__NDIM; d++)
            if (d != ATTR_MODEL)
                chk_v[1][i][d] = chk_v[0][i][d];

    /* the checks of the disjunctions, and what the checks leave of each condition */
    for (size_t b = 0; b < nbits; b++)
        if (either_words(rs, &sets, bm, &eith[b], ew[b]) ||
            residual(rs, b, rs->rules[rs->nexemptions + b].when, &eith[b], &sets, bm)) {
            rc = CLR_ENOMEM;
            goto done;
        }

    for (int v = 0; v < 2; v++) {
        clr__cand_index *ci = &rs->cand[v];
        symlist(*req)[CLR__NDIM] = req_v[v];
        uint8_t(*constrained)[CLR__NDIM] = constrained_v[v];
        chk = chk_v[v];
        /* the anchors in use, and where each one's cells start */
        int anchor_of[CLR__NDIM + 1][CLR__NDIM + 1];
        memset(anchor_of, -1, sizeof anchor_of);
        size_t base[CLR__MAX_ANCHORS + 1];
        ci->nanchors = 0;
        base[0] = 0;
        choose_anchors(rs, req, constrained, domain, anc);
        for (size_t b = 0; b < nbits; b++) {
            int d1 = anc[b][0], d2 = anc[b][1];
            if (anc[b][2] < 0 || anchor_of[d1][d2] >= 0)
                continue;
            size_t a = ci->nanchors++;
            anchor_of[d1][d2] = (int)a;
            ci->anchor[a].d1 = (uint8_t)d1;
            ci->anchor[a].d2 = (uint8_t)d2;
            ci->anchor[a].stride = (uint32_t)nrows[d2];
            base[a + 1] = base[a] + nrows[d1] * nrows[d2];
        }
        size_t ncells = base[ci->nanchors];
        free(count);
        count = calloc(ncells + 1, sizeof(*count));
        if (!count) {
            rc = CLR_ENOMEM;
            goto done;
        }
        /* two passes: count the words of each cell's list, then fill them */
        uint32_t *code = NULL;
        free(nfixed);
        free(fixed_chk);
        nfixed = calloc(ncells + 1, sizeof(*nfixed));
        fixed_chk = calloc(nbits ? nbits : 1, sizeof(*fixed_chk));
        if (!nfixed || !fixed_chk) {
            rc = CLR_ENOMEM;
            goto done;
        }
        /* the rules whose entries are fixed ones (the slot, the one check,
           the window if any), and that check as a row set; FIXED_NONE for
           the others */
        for (size_t i = 0; i < nbits; i++) {
            int d1 = anc[i][0], d2 = anc[i][1], plain = 0;
            uint32_t one = CLR__CHK_ALWAYS;
            fixed_chk[i] = FIXED_NONE;
            if (anc[i][2] < 0 || eith[i].words)
                continue;
            for (int d = 0; d < CLR__NDIM; d++)
                if (d != d1 && d != d2 && constrained[i][d]) {
                    one = chk[i][d];
                    plain++;
                }
            if (plain <= 1 && fixed_word(rs, &sets, bm, one, &fixed_chk[i])) {
                rc = CLR_ENOMEM;
                goto done;
            }
        }
        for (int pass = 0; pass < 2; pass++) {
            for (size_t i = 0; i < nbits; i++) {
                int d1 = anc[i][0], d2 = anc[i][1], nchk = anc[i][2];
                if (nchk < 0)
                    continue;
                uint32_t win = window_word(&rs->rules[rs->nexemptions + i]);
                uint32_t one = fixed_chk[i];
                int fixed = one != FIXED_NONE;
                nchk += (int)eith[i].words;
                if (fixed)
                    nchk = win ? 3 : 2; /* its words, less the head's one */
                else if (win && nchk < (int)CLR__CAND_NCHK_MASK)
                    nchk++;
                else
                    win = 0;
                size_t a = (size_t)anchor_of[d1][d2];
                size_t n1 = d1 < CLR__NDIM ? req[i][d1].n : 1;
                size_t n2 = d2 < CLR__NDIM ? req[i][d2].n : 1;
                for (size_t x = 0; x < n1; x++)
                    for (size_t y = 0; y < n2; y++) {
                        size_t r1 = d1 < CLR__NDIM ? rs->index[d1].row_of[req[i][d1].v[x]] : 0;
                        size_t r2 = d2 < CLR__NDIM ? rs->index[d2].row_of[req[i][d2].v[y]] : 0;
                        size_t cell = base[a] + r1 * nrows[d2] + r2;
                        if (pass == 0) {
                            count[cell + 1] += (uint32_t)nchk + !fixed;
                            nfixed[cell] += fixed ? (uint32_t)nchk : 0;
                            continue;
                        }
                        if (fixed) {
                            uint32_t *p = code + nfixed[cell];
                            nfixed[cell] += (uint32_t)nchk;
                            p[0] = (uint32_t)i | (win ? 1u << CLR__CAND_WINDOWED : 0);
                            p[1] = one;
                            if (win)
                                p[2] = win;
                            continue;
                        }
                        uint32_t *p = code + count[cell];
                        count[cell] += 1 + (uint32_t)nchk;
                        *p++ = (uint32_t)i << CLR__CAND_SLOT_SHIFT | (uint32_t)nchk;
                        for (int d = 0; d < CLR__NDIM; d++)
                            if (d != d1 && d != d2 && constrained[i][d])
                                *p++ = chk[i][d];
                        memcpy(p, ew[i], eith[i].words * sizeof(*p));
                        if (win)
                            p[eith[i].words] = win;
                    }
            }
            if (pass == 1)
                break;
            /* offsets: count[cell] becomes where the cell's list starts
               (len[cell] its length), a list of at most a cache line's
               words on one line, a longer one from the start of a line
               when it would otherwise touch one more */
            free(len);
            len = malloc((ncells ? ncells : 1) * sizeof(*len));
            if (!len) {
                rc = CLR_ENOMEM;
                goto done;
            }
            size_t at = 0;
            for (size_t c = 0; c < ncells; c++) {
                size_t n = count[c + 1] ? count[c + 1] + 1 : 0; /* and the fixed run's length */
                size_t line = CACHE_LINE / sizeof(uint32_t), in = at % line;
                if (n && in && (in + n + line - 1) / line > (n + line - 1) / line)
                    at += line - in;
                len[c] = (uint32_t)n;
                count[c] = (uint32_t)at;
                at += n;
            }
            count[ncells] = (uint32_t)at;
            /* the anchors' bitmaps of non-empty cells, which every decision
               reads, back to back */
            size_t nfull = 0;
            for (size_t a = 0; a < ci->nanchors; a++)
                nfull += (base[a + 1] - base[a] + 63) / 64;
            uint64_t *full = clr__arena_alloc(&rs->arena, (nfull ? nfull : 1) * sizeof(*full));
            if (!full) {
                rc = CLR_ENOMEM;
                goto done;
            }
            for (size_t a = 0; a < ci->nanchors; a++) {
                size_t nc = base[a + 1] - base[a];
                clr__cell *st = clr__arena_alloc(&rs->arena, (nc ? nc : 1) * sizeof(*st));
                if (!st) {
                    rc = CLR_ENOMEM;
                    goto done;
                }
                for (size_t c = 0; c < nc; c++) {
                    st[c].off = count[base[a] + c];
                    st[c].len = len[base[a] + c];
                    if (st[c].len)
                        full[c / 64] |= 1ULL << (c % 64);
                }
                ci->anchor[a].cells = st;
                ci->anchor[a].full = full;
                full += (nc + 63) / 64;
            }
            /* on a cache-line boundary: a word's line is its offset's */
            char *raw =
                clr__arena_alloc(&rs->arena, (count[ncells] + 1) * sizeof(*code) + CACHE_LINE);
            if (!raw) {
                rc = CLR_ENOMEM;
                goto done;
            }
            code =
                (uint32_t *)(void *)(raw + (CACHE_LINE - (uintptr_t)raw % CACHE_LINE) % CACHE_LINE);
            ci->code = code;
            /* zero, gaps and the word after the last list included: a
               decision reads the word after a fixed entry without a window */
            memset(code, 0, (count[ncells] + 1) * sizeof(*code));
            /* each list's fixed run's length; nfixed and count become where
               the next fixed and general entries go */
            for (size_t c = 0; c < ncells; c++) {
                if (!len[c])
                    continue;
                code[count[c]] = nfixed[c];
                nfixed[c] = count[c] + 1;
                count[c] += 1 + code[count[c]];
            }
        }
    }
    rc = place_sets(rs, &sets);
done:
    free(sets.w);
    free(sets.off);
    free(sets.len);
    free(chk_v[0]);
    free(chk_v[1]);
    free(anc);
    free(ew);
    free(bm);
    free(count);
    free(len);
    free(nfixed);
    free(fixed_chk);
    return rc;
}

_Static_assert(sizeof(clr__slot) == 64, "a slot is one cache line");

/* Copies each symbol's rows into its look-up slot, and each country code's
 * into the table of countries, so that a decision finds a request value's
 * rows where it finds its symbol, with no other read. */
static int place_rows(clr_ruleset *rs)
{
    for (size_t i = 0; rs->hash_slots && i <= rs->hash_mask; i++) {
        clr__sym_slot *e = &rs->hash_slots[i];
        if (!e->sym)
            continue;
        unsigned dim = SYM_ROWS_NONE;
        uint32_t row = 0;
        for (int d = 0; d < CLR__NDIM; d++) {
            uint32_t r = rs->index[d].row_of[e->sym];
            if (!r)
                continue;
            if (dim != SYM_ROWS_NONE || r > UINT16_MAX) {
                dim = 0; /* rows in several dimensions: read from row_of */
                break;
            }
            dim = (unsigned)d + 1;
            row = r;
        }
        e->row_dim = (uint8_t)dim;
        e->row = dim != SYM_ROWS_NONE && dim ? (uint16_t)row : 0;
    }
    clr__country *country = clr__arena_alloc(&rs->arena, 26 * 26 * sizeof(*country));
    if (!country)
        return CLR_ENOMEM;
    for (size_t cc = 0; cc < 26 * 26; cc++) {
        country[cc].sym = rs->country_sym[cc];
        for (int k = 0; k < 4; k++) {
            uint32_t r = rs->index[ATTR_P_NATIONALITY + k].row_of[rs->country_sym[cc]];
            if (r > UINT8_MAX)
                return 0; /* rs->country stays NULL: rows are read from row_of */
            country[cc].row[k] = (uint8_t)r;
        }
    }
    rs->country = country;
    return 0;
}

static int build_index(clr_ruleset *rs)
{
    size_t nbits = rs->nrules - rs->nexemptions;
    rs->nbits = nbits;
    if (nbits >= (1u << (32 - CLR__CAND_SLOT_SHIFT)))
        return CLR_ENOMEM; /* more rules than a candidate's head word can name */
    int rc = 0;
    /* [0] for catalogue models; [1] for inline models, whose model dimension
       holds only what tests of the model's name require */
    symlist(*req[2])[CLR__NDIM] = {calloc(nbits ? nbits : 1, sizeof(*req[0])),
                                   calloc(nbits ? nbits : 1, sizeof(*req[1]))};
    uint8_t(*constrained[2])[CLR__NDIM] = {calloc(nbits ? nbits : 1, sizeof(*constrained[0])),
                                           calloc(nbits ? nbits : 1, sizeof(*constrained[1]))};
    eithers *eith = calloc(nbits ? nbits : 1, sizeof(*eith));
    if (!req[0] || !req[1] || !constrained[0] || !constrained[1] || !eith) {
        rc = CLR_ENOMEM;
        goto done;
    }
    /* what each rule requires of each dimension */
    for (size_t i = 0; i < nbits; i++) {
        const clr__rule *r = &rs->rules[rs->nexemptions + i];
        for (int d = 0; d <= CLR__NDIM; d++) {
            int v = d == CLR__NDIM;
            symlist *l = &req[v][i][v ? ATTR_MODEL : d];
            uint8_t *c = &constrained[v][i][v ? ATTR_MODEL : d];
            *c = (uint8_t)required_syms(rs, r->when, v ? ATTR_MODEL : d, v, l);
            if (l->n > 1)
                qsort(l->v, l->n, sizeof(clr__sym), sym_cmp);
            size_t u = 0;
            for (size_t k = 0; k < l->n; k++)
                if (l->v[k] && (u == 0 || l->v[u - 1] != l->v[k]))
                    l->v[u++] = l->v[k];
            l->n = u;
        }
        for (int d = 0; d < CLR__NDIM; d++)
            if (d != ATTR_MODEL) {
                req[1][i][d] = req[0][i][d]; /* shared: freed through req[0] */
                constrained[1][i][d] = constrained[0][i][d];
            }
    }
    /* slots on cache-line boundaries: reading one slot reads one line */
    char *mem = clr__arena_alloc(&rs->arena, (nbits ? nbits : 1) * sizeof(clr__slot) + 64);
    rs->rest_inline = clr__arena_alloc(&rs->arena, (nbits ? nbits : 1) * sizeof(*rs->rest_inline));
    if (!mem || !rs->rest_inline) {
        rc = CLR_ENOMEM;
        goto done;
    }
    rs->slots = (clr__slot *)(mem + (64 - (uintptr_t)mem % 64) % 64);
    for (size_t i = 0; i < nbits; i++) {
        const clr__rule *r = &rs->rules[rs->nexemptions + i];
        clr__slot *sl = &rs->slots[i];
        memset(sl, 0, sizeof *sl);
        sl->from = r->from;
        sl->until = r->until;
        sl->id = r->id;
        sl->citation = r->citation;
        sl->message = r->message;
        sl->rulebook = (uint16_t)r->rulebook;
        sl->effect = (uint8_t)r->effect;
        sl->flags =
            (uint8_t)((r->screens ? SLOT_SCREENS : 0) | (r->nexempted_by ? SLOT_EXEMPTED : 0));
    }
    /* the disjunctions the candidate entries check, with room for a check of
       every dimension the rule constrains */
    unsigned either_dims = 0;
    for (size_t i = 0; i < nbits; i++) {
        size_t nc[2] = {0, 0};
        for (int v = 0; v < 2; v++)
            for (int d = 0; d < CLR__NDIM; d++)
                nc[v] += constrained[v][i][d];
        find_eithers(rs->rules[rs->nexemptions + i].when, nc[0] > nc[1] ? nc[0] : nc[1], &eith[i]);
        for (size_t j = 0; j < eith[i].n; j++)
            either_dims |= dims_read(eith[i].conj[j]);
    }
    for (int dim = 0; dim < CLR__NDIM; dim++) {
        clr__dim_index *ix = &rs->index[dim];
        size_t any = (either_dims >> dim) & 1;
        for (size_t i = 0; i < nbits; i++)
            any += constrained[0][i][dim] || constrained[1][i][dim];
        if (!any)
            continue;
        uint32_t *rows = clr__arena_alloc(&rs->arena, rs->nsyms * sizeof(uint32_t));
        if (!rows) {
            rc = CLR_ENOMEM;
            goto done;
        }
        size_t nrows = 1;
        for (int v = 0; v < 2; v++)
            for (size_t i = 0; i < nbits; i++) {
                const symlist *l = &req[v][i][dim];
                for (size_t k = 0; constrained[v][i][dim] && k < l->n; k++)
                    if (!rows[l->v[k]])
                        rows[l->v[k]] = (uint32_t)nrows++;
            }
        /* and a row for each value a checked disjunction names */
        for (size_t i = 0; i < nbits; i++)
            for (size_t j = 0; j < eith[i].n; j++) {
                const clr__node *side[EITHER_MAX];
                size_t m = disjuncts(eith[i].conj[j], side, 0, EITHER_MAX);
                for (size_t x = 0; x < m; x++) {
                    const clr__node *t = side[x];
                    if (t->attr != dim)
                        continue;
                    for (size_t k = 0; k < (t->op == OP_EQ ? 1 : t->set->n); k++) {
                        clr__sym v = t->op == OP_EQ ? t->sym : t->set->members[k].sym;
                        if (!rows[v])
                            rows[v] = (uint32_t)nrows++;
                    }
                }
            }
        ix->used = 1;
        ix->row_of = rows;
        ix->nrows = nrows;
    }
    /* the dimensions no rule constrains: row 0 for every value */
    uint32_t *none = NULL;
    for (int dim = 0; dim < CLR__NDIM; dim++) {
        if (rs->index[dim].used)
            continue;
        if (!none && !(none = clr__arena_alloc(&rs->arena, rs->nsyms * sizeof(uint32_t)))) {
            rc = CLR_ENOMEM;
            goto done;
        }
        rs->index[dim].row_of = none;
        rs->index[dim].nrows = 1;
    }
    rc = place_rows(rs);
    if (!rc)
        rc = build_candidates(rs, req, constrained, eith);
done:
    for (size_t i = 0; i < nbits; i++) {
        for (int d = 0; req[0] && d < CLR__NDIM; d++)
            free(req[0][i][d].v);
        if (req[1])
            free(req[1][i][ATTR_MODEL].v);
    }
    for (int v = 0; v < 2; v++) {
        free(req[v]);
        free(constrained[v]);
    }
    free(eith);
    return rc;
}

/* ---- declarations ---------------------------------------------------------- */

static size_t count_kind(const clr__compile *c, clr__decl_kind k)
{
    size_t n = 0;
    for (const clr__ast_decl *d = c->first; d; d = d->next)
        n += d->kind == k;
    return n;
}

static void build_vocabularies(builder *b)
{
    for (const clr__ast_decl *d = b->c->first; d; d = d->next) {
        if (d->kind != DECL_VOCABULARY)
            continue;
        int use = strcmp(d->name.text, "use") == 0;
        if (use)
            b->rs->has_vocab_use = 1;
        else
            b->rs->has_vocab_integration = 1;
        for (size_t i = 0; i < d->nmembers; i++) {
            clr__sym s = intern(b, &d->members[i].name);
            if (s)
                b->rs->sym_flags[s] |= use ? SYMF_VOCAB_USE : SYMF_VOCAB_INTEGRATION;
        }
    }
}

static void build_groups(builder *b)
{
    clr_ruleset *rs = b->rs;
    size_t n = count_kind(b->c, DECL_GROUP);
    rs->groups = clr__arena_alloc(&rs->arena, (n ? n : 1) * sizeof(*rs->groups));
    b->group_country_checked = calloc(n ? n : 1, 1);
    b->group_model_checked = calloc(n ? n : 1, 1);
    if (!rs->groups || !b->group_country_checked || !b->group_model_checked) {
        b->oom = 1;
        return;
    }
    for (const clr__ast_decl *d = b->c->first; d; d = d->next) {
        if (d->kind != DECL_GROUP)
            continue;
        const clr__set *prev = find_group(b, d->name.text);
        if (prev) {
            clr__compile_error(b->c, &d->name.pos, "group '%s' is defined twice (first at %s:%d)",
                               d->name.text, prev->pos.src->name, prev->pos.line);
            continue;
        }
        clr__set *set = build_set(b, d->name.text, d->members, d->nmembers, &d->name.pos);
        if (!set)
            return;
        rs->groups[rs->ngroups++] = *set;
        if (d->nmembers == 0)
            clr__compile_warning(b->c, &d->name.pos, "group '%s' is empty", d->name.text);
    }
}

static void build_classes(builder *b)
{
    clr_ruleset *rs = b->rs;
    size_t n = count_kind(b->c, DECL_CLASS);
    rs->classes = clr__arena_alloc(&rs->arena, (n ? n : 1) * sizeof(*rs->classes));
    if (!rs->classes) {
        b->oom = 1;
        return;
    }
    b->in_class = 1;
    for (const clr__ast_decl *d = b->c->first; d; d = d->next) {
        if (d->kind != DECL_CLASS)
            continue;
        if (find_class(b, d->name.text) >= 0) {
            clr__compile_error(b->c, &d->name.pos, "class '%s' is defined twice", d->name.text);
            continue;
        }
        if (rs->nclasses == 64) {
            clr__compile_error(b->c, &d->name.pos, "more than 64 classes");
            break;
        }
        clr__class *cl = &rs->classes[rs->nclasses];
        cl->name = d->name.text;
        cl->when = compile_expr(b, d->when);
        cl->when_text = expr_text(b, d->when);
        if (cl->when)
            rs->nclasses++;
    }
    b->in_class = 0;
}

static void build_models(builder *b)
{
    clr_ruleset *rs = b->rs;
    size_t n = count_kind(b->c, DECL_MODEL);
    rs->models = clr__arena_alloc(&rs->arena, (n ? n : 1) * sizeof(*rs->models));
    if (!rs->models) {
        b->oom = 1;
        return;
    }
    for (const clr__ast_decl *d = b->c->first; d; d = d->next) {
        if (d->kind != DECL_MODEL)
            continue;
        clr__sym s = intern(b, &d->name);
        if (!s)
            continue;
        if (rs->sym_model[s] >= 0) {
            clr__compile_error(b->c, &d->name.pos, "model '%s' is in the catalogue twice",
                               d->name.text);
            continue;
        }
        clr__model *m = &rs->models[rs->nmodels];
        m->id = rs->sym_str[s];
        m->sym = s;
        m->provider_str = "";
        m->origin_str = "";
        if (d->provider.text) {
            m->provider = intern(b, &d->provider);
            m->provider_str = m->provider ? rs->sym_str[m->provider] : "";
        }
        if (d->origin.text) {
            check_country(b, &d->origin, "model.origin");
            m->origin = intern(b, &d->origin);
            m->origin_str = m->origin ? rs->sym_str[m->origin] : "";
        } else {
            clr__compile_warning(b->c, &d->name.pos,
                                 "model '%s' has no origin; rulebooks scoped by origin never apply "
                                 "to it",
                                 d->name.text);
        }
        m->training_ops = d->training_ops >= 0 ? d->training_ops : __builtin_nan("");
        m->open_weights = d->open_weights;
        clr__sym *tags = clr__arena_alloc(&rs->arena, (d->ntags ? d->ntags : 1) * sizeof(*tags));
        if (!tags) {
            b->oom = 1;
            return;
        }
        for (size_t i = 0; i < d->ntags; i++)
            tags[i] = intern(b, &d->tags[i]);
        m->tags = tags;
        m->ntags = d->ntags;
        rs->sym_model[s] = (int32_t)rs->nmodels++;
    }
}

static void classify_models(clr_ruleset *rs)
{
    for (size_t m = 0; m < rs->nmodels; m++)
        rs->models[m].classes = clr__model_classes(rs, &rs->models[m]);
}

/* Whether n reads nothing but the model. */
static int model_only(const clr__node *n)
{
    if (!n)
        return 1;
    if (n->op == OP_TRUE || n->op == OP_FALSE)
        return 1;
    if (n->op == OP_AND || n->op == OP_OR || n->op == OP_NOT)
        return model_only(n->l) && model_only(n->r);
    if (!clr__attrs[n->attr].of_model || n->op == OP_ON)
        return 0;
    if (n->op == OP_IN && n->set->dated)
        return 0; /* depends on the instant */
    return n->op != OP_EQ_ATTR || clr__attrs[n->attr2].of_model;
}

/* The bitmap over symbols of a scope that tests one symbol of the request
 * against undated values ("destination in eu-members", "use == research"),
 * or NULL (also when out of memory: the scope is then evaluated). */
static const uint64_t *scope_bitmap(clr_ruleset *rs, const clr__node *n)
{
    if (!n || n->attr >= CLR__NSYMATTR || clr__attrs[n->attr].of_model ||
        !(n->op == OP_EQ || (n->op == OP_IN && !n->set->dated)))
        return NULL;
    uint64_t *bm = clr__arena_alloc(&rs->arena, (rs->nsyms + 63) / 64 * sizeof(*bm));
    if (!bm)
        return NULL;
    for (size_t k = 0; k < (n->op == OP_EQ ? 1 : n->set->n); k++) {
        clr__sym v = n->op == OP_EQ ? n->sym : n->set->members[k].sym;
        if (v) /* symbol 0 (absent) is in no set */
            bm[v / 64] |= 1ULL << (v % 64);
    }
    return bm;
}

/* Precomputes, for each catalogue model, the rulebooks whose scope (reading
 * the model alone) holds for it, and the bitmaps of scopes that test one
 * symbol of the request. */
static void scope_models(clr_ruleset *rs)
{
    for (size_t i = 0; i < rs->nrulebooks; i++) {
        clr__rulebook *rb = &rs->rulebooks[i];
        rb->model_scope = !rb->scope || model_only(rb->scope);
        rb->scope_syms = rb->model_scope ? NULL : scope_bitmap(rs, rb->scope);
        rb->scope_nsyms = (uint32_t)rs->nsyms;
        rb->scope_attr = rb->scope_syms ? rb->scope->attr : 0;
    }
    for (size_t m = 0; m < rs->nmodels; m++) {
        clr__model *md = &rs->models[m];
        clr__ctx ctx;
        clr__ctx_for_model(&ctx, rs, md);
        md->scopes = 0;
        for (size_t i = 0; i < rs->nrulebooks; i++)
            if (rs->rulebooks[i].model_scope &&
                (!rs->rulebooks[i].scope || clr__eval(&ctx, rs->rulebooks[i].scope)))
                md->scopes |= 1u << i;
    }
}

static int find_rulebook(const builder *b, const clr__ast_decl *d)
{
    for (size_t i = 0; i < b->rs->nrulebooks; i++)
        if (b->rulebook_decls[i] == d)
            return (int)i;
    return -1;
}

static void build_rulebooks(builder *b)
{
    clr_ruleset *rs = b->rs;
    rs->rulebooks = clr__arena_alloc(&rs->arena, CLR_MAX_RULEBOOKS * sizeof(*rs->rulebooks));
    if (!rs->rulebooks) {
        b->oom = 1;
        return;
    }
    for (const clr__ast_decl *d = b->c->first; d; d = d->next) {
        if (d->kind != DECL_RULEBOOK)
            continue;
        int dup = 0;
        for (size_t i = 0; i < rs->nrulebooks; i++)
            if (strcmp(rs->rulebooks[i].id, d->name.text) == 0) {
                clr__compile_error(b->c, &d->name.pos,
                                   "rulebook '%s' is loaded twice (first from %s)", d->name.text,
                                   b->rulebook_decls[i]->name.pos.src->name);
                dup = 1;
            }
        if (dup)
            continue;
        if (rs->nrulebooks == CLR_MAX_RULEBOOKS) {
            clr__compile_error(b->c, &d->name.pos, "more than %d rulebooks in one set",
                               CLR_MAX_RULEBOOKS);
            break;
        }
        clr__rulebook *rb = &rs->rulebooks[rs->nrulebooks];
        rb->id = d->name.text;
        rb->title = d->title ? d->title : "";
        rb->jurisdiction = d->jurisdiction.text ? d->jurisdiction.text : "";
        rb->scope = d->scope ? compile_expr(b, d->scope) : NULL;
        rb->scope_text = d->scope ? expr_text(b, d->scope) : "every request";
        b->rulebook_decls[rs->nrulebooks++] = d;
    }
}

/* Whether the condition screens names against lists anywhere. */
static int screens(const clr__node *n)
{
    if (!n)
        return 0;
    if (n->op == OP_ON)
        return 1;
    return screens(n->l) || screens(n->r);
}

/* Rules and exemptions by (rulebook, id), for duplicate checks and for
 * resolving what exemptions name: open addressing over rule indices + 1. */
typedef struct rule_table {
    uint32_t *slots;
    size_t mask;
} rule_table;

static uint64_t rule_hash(uint32_t rulebook, const char *id)
{
    return clr__hash(id, strlen(id)) ^ ((uint64_t)(rulebook + 1) * 0x9E3779B97F4A7C15ULL);
}

static int rule_table_init(rule_table *t, size_t n)
{
    size_t cap = 16;
    while (cap < n * 2)
        cap *= 2;
    t->slots = calloc(cap, sizeof(*t->slots));
    t->mask = cap - 1;
    return t->slots ? 0 : CLR_ENOMEM;
}

/* The index of the rule of rulebook named id, or -1. */
static long rule_table_find(const rule_table *t, const clr_ruleset *rs, uint32_t rulebook,
                            const char *id)
{
    for (size_t i = (size_t)rule_hash(rulebook, id) & t->mask;; i = (i + 1) & t->mask) {
        uint32_t v = t->slots[i];
        if (v == 0)
            return -1;
        const clr__rule *r = &rs->rules[v - 1];
        if (r->rulebook == rulebook && strcmp(r->id, id) == 0)
            return (long)v - 1;
    }
}

static void rule_table_add(rule_table *t, const clr_ruleset *rs, size_t idx)
{
    const clr__rule *r = &rs->rules[idx];
    size_t i = (size_t)rule_hash(r->rulebook, r->id) & t->mask;
    while (t->slots[i])
        i = (i + 1) & t->mask;
    t->slots[i] = (uint32_t)idx + 1;
}

/* Resolves each exemption's names to rules, and links each rule back to the
 * exemptions that name it. */
static void link_exemptions(builder *b, const rule_table *t, const clr__ast_decl *const *decl_of)
{
    clr_ruleset *rs = b->rs;
    uint32_t *count = calloc(rs->nrules ? rs->nrules : 1, sizeof(*count));
    if (!count) {
        b->oom = 1;
        return;
    }
    for (size_t i = 0; i < rs->nexemptions; i++) {
        clr__rule *ex = &rs->rules[i];
        const clr__ast_decl *d = decl_of[i];
        uint32_t *slots = clr__arena_alloc(&rs->arena, (d->nexempts ? d->nexempts : 1) * 4);
        if (!slots) {
            b->oom = 1;
            break;
        }
        size_t k = 0;
        for (size_t j = 0; j < d->nexempts; j++) {
            long target = rule_table_find(t, rs, ex->rulebook, d->exempts[j].text);
            if (target < 0 || rs->rules[target].is_exemption) {
                clr__compile_warning(
                    b->c, &d->exempts[j].pos,
                    "exemption '%s' names '%s', which is no rule of rulebook '%s'; "
                    "it exempts nothing there",
                    ex->id, d->exempts[j].text, rs->rulebooks[ex->rulebook].id);
                continue;
            }
            int dup = 0;
            for (size_t q = 0; q < k; q++)
                dup |= slots[q] == (uint32_t)target;
            if (dup)
                continue;
            slots[k++] = (uint32_t)target;
            count[target]++;
        }
        ex->exempts = slots;
        ex->nexempts = k;
    }
    for (size_t s = rs->nexemptions; s < rs->nrules && !b->oom; s++) {
        if (!count[s])
            continue;
        rs->rules[s].exempted_by = clr__arena_alloc(&rs->arena, count[s] * sizeof(uint32_t));
        if (!rs->rules[s].exempted_by)
            b->oom = 1;
    }
    for (size_t i = 0; i < rs->nexemptions && !b->oom; i++) {
        const clr__rule *ex = &rs->rules[i];
        for (size_t j = 0; j < ex->nexempts; j++) {
            clr__rule *r = &rs->rules[ex->exempts[j]];
            ((uint32_t *)r->exempted_by)[r->nexempted_by++] = (uint32_t)i;
        }
    }
    free(count);
}

static void build_rules(builder *b)
{
    clr_ruleset *rs = b->rs;
    size_t n = count_kind(b->c, DECL_RULE) + count_kind(b->c, DECL_EXEMPTION);
    rs->rules = clr__arena_alloc(&rs->arena, (n ? n : 1) * sizeof(*rs->rules));
    const clr__ast_decl **decl_of = calloc(n ? n : 1, sizeof(*decl_of));
    rule_table table = {NULL, 0};
    if (!rs->rules || !decl_of || rule_table_init(&table, n)) {
        b->oom = 1;
        goto done;
    }
    /* exemptions first, then rules, each in declaration order */
    for (int pass = 0; pass < 2; pass++) {
        clr__decl_kind want = pass == 0 ? DECL_EXEMPTION : DECL_RULE;
        for (const clr__ast_decl *d = b->c->first; d; d = d->next) {
            if (d->kind != want || !d->rulebook)
                continue;
            int rbi = find_rulebook(b, d->rulebook);
            if (rbi < 0)
                continue;
            if (rule_table_find(&table, rs, (uint32_t)rbi, d->name.text) >= 0) {
                clr__compile_error(b->c, &d->name.pos,
                                   "'%s' is defined twice in rulebook '%s' (rules and exemptions "
                                   "share one namespace)",
                                   d->name.text, rs->rulebooks[rbi].id);
                continue;
            }
            clr__rule *r = &rs->rules[rs->nrules];
            r->id = d->name.text;
            r->rulebook = (uint32_t)rbi;
            r->is_exemption = pass == 0;
            r->effect = d->effect;
            r->when = compile_expr(b, d->when);
            r->when_text = expr_text(b, d->when);
            r->from = d->from;
            r->until = d->until;
            r->citation = d->citation ? d->citation : "";
            r->message = d->message ? d->message : "";
            r->pos = d->name.pos;
            if (!r->when)
                continue;
            r->screens = screens(r->when);
            if (d->from >= d->until)
                clr__compile_warning(b->c, &d->name.pos,
                                     "empty window: %s '%s' is in force from a date not before its "
                                     "until, so it never applies",
                                     pass == 0 ? "exemption" : "rule", d->name.text);
            else if (never_true(r->when))
                clr__compile_warning(b->c, &d->name.pos,
                                     "%s '%s' can never fire: its condition is never true",
                                     pass == 0 ? "exemption" : "rule", d->name.text);
            decl_of[rs->nrules] = d;
            rule_table_add(&table, rs, rs->nrules);
            if (pass == 0)
                rs->nexemptions++;
            rs->nrules++;
        }
    }
    link_exemptions(b, &table, decl_of);
done:
    free(table.slots);
    free(decl_of);
}

static void compute_version(clr_ruleset *rs, clr__compile *c)
{
    unsigned char digest[16];
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, sizeof digest);
    for (size_t i = 0; i < c->nsources; i++) {
        const clr__source *s = c->sources[i];
        crypto_generichash_update(&st, (const unsigned char *)s->name, strlen(s->name) + 1);
        crypto_generichash_update(&st, (const unsigned char *)s->text, s->len);
    }
    crypto_generichash_final(&st, digest, sizeof digest);
    sodium_bin2hex(rs->version, sizeof rs->version, digest, sizeof digest);
}

int clr__compile_finish(clr_ruleset **out, clr__compile *c, clr__arena *arena)
{
    *out = NULL;
    clr_ruleset *rs = calloc(1, sizeof(*rs));
    if (!rs) {
        clr__arena_free(arena);
        return CLR_ENOMEM;
    }
    rs->arena = *arena;
    clr__arena_init(arena);
    c->arena = &rs->arena;
    rs->refs = 1;
    builder b;
    memset(&b, 0, sizeof b);
    b.c = c;
    b.rs = rs;
    clr__sym dummy;
    if (clr__sym_intern(rs, "-", 1, &dummy)) /* make the tables exist */
        b.oom = 1;

    build_vocabularies(&b);
    build_groups(&b);
    build_models(&b);
    build_classes(&b);
    if (!b.oom && c->errors == 0) /* a class with an error has holes in its tree */
        classify_models(rs);
    build_rulebooks(&b);
    build_rules(&b);
    if (!b.oom && c->errors == 0 && rs->nrulebooks == 0)
        clr__compile_error(c, NULL,
                           "no rulebook was declared (start a file with 'rulebook ID { "
                           "... }')");
    if (!b.oom && c->errors == 0)
        scope_models(rs);
    if (!b.oom && c->errors == 0 && build_index(rs))
        b.oom = 1;
    compute_version(rs, c);
    free(b.group_country_checked);
    free(b.group_model_checked);

    rs->sources = (const clr__source *const *)c->sources;
    rs->nsources = c->nsources;
    c->sources = NULL;
    c->nsources = c->capsources = 0;

    if (b.oom || c->errors) {
        int rc = b.oom ? CLR_ENOMEM : CLR_ERULEBOOK;
        clr_ruleset_unref(rs);
        return rc;
    }
    *out = rs;
    return 0;
}
