/* The rulebook syntax tree, as the parser builds it and the compiler reads it.
 * Everything lives in the compilation's arena. */
#ifndef CLR_AST_H
#define CLR_AST_H

#include "arena.h"
#include "clearance.h"

typedef struct clr__source {
    const char *name; /* for diagnostics: the path as given */
    const char *key;  /* identity for loading each file once: the real path */
    const char *text;
    size_t len;
    const char *dir; /* for resolving includes; NULL for embedded files */
    int embedded;
    int in_bundle; /* from a bundle (clr_ruleset_compile_bundle): includes resolve within it */
} clr__source;

/* A position in a source, for diagnostics. */
typedef struct clr__pos {
    const clr__source *src;
    const char *at;
    int line, col, len;
} clr__pos;

typedef enum {
    AST_AND,
    AST_OR,
    AST_NOT,
    AST_CONST, /* true / false */
    AST_CMP,   /* attr op operand */
    AST_IN,    /* attr in group | attr in { items } */
    AST_HAS,   /* set-valued attr has name */
    AST_BOOL,  /* a boolean attribute on its own */
    AST_ON,    /* name attr on list | name attr on { lists } */
    AST_USAGE  /* usage(attr, group, value days) op operand */
} clr__ast_expr_kind;

typedef struct clr__ast_name {
    const char *text;
    clr__pos pos;
    int is_string; /* written in quotes */
} clr__ast_name;

typedef struct clr__ast_expr {
    clr__ast_expr_kind kind;
    clr__pos pos;
    struct clr__ast_expr *l, *r; /* AND, OR, NOT (l only) */
    int value;                   /* CONST */
    clr__ast_name attr;          /* CMP, IN, HAS, BOOL */
    int op;                      /* CMP: a clr__token_kind (TK_EQ ... TK_GE) */
    clr__ast_name operand;       /* CMP: the right side; HAS: the name */
    clr__ast_name group;         /* IN: a group's name, or text NULL for a literal set */
    clr__ast_name *items;        /* IN: a literal set */
    size_t nitems;
} clr__ast_expr;

typedef struct clr__ast_member {
    clr__ast_name name;
    clr_time from, until; /* CLR_TIME_MIN / CLR_TIME_MAX when open */
    clr__pos from_pos, until_pos;
} clr__ast_member;

typedef enum {
    DECL_RULEBOOK,
    DECL_VOCABULARY,
    DECL_GROUP,
    DECL_MODEL,
    DECL_CLASS,
    DECL_RULE,
    DECL_EXEMPTION
} clr__decl_kind;

typedef struct clr__ast_decl {
    clr__decl_kind kind;
    clr__ast_name name;
    struct clr__ast_decl *rulebook; /* RULE, EXEMPTION: the rulebook it belongs to */
    struct clr__ast_decl *next;

    /* RULEBOOK */
    const char *title;
    clr__ast_name jurisdiction;
    clr__ast_expr *scope;

    /* VOCABULARY (name is "use" or "integration"), GROUP, and RULE/EXEMPTION lists */
    clr__ast_member *members;
    size_t nmembers;

    /* MODEL */
    clr__ast_name provider, origin;
    double training_ops; /* < 0 when absent */
    int open_weights;    /* -1 when absent */
    clr__ast_name *tags;
    size_t ntags;

    /* CLASS (when), RULE, EXEMPTION */
    clr__ast_expr *when;
    clr_effect effect;
    clr__pos effect_pos;
    clr_time from, until;
    clr__pos from_pos, until_pos;
    const char *citation;
    const char *message;
    clr__ast_name *exempts; /* EXEMPTION: the rules it switches off */
    size_t nexempts;
} clr__ast_decl;

#endif
