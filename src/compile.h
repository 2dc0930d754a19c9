/* State shared by the loader, the parser and the compiler while one rulebook
 * set is built. */
#ifndef CLR_COMPILE_H
#define CLR_COMPILE_H

#include "arena.h"
#include "ast.h"
#include "clearance.h"

#define CLR__INCLUDE_DEPTH_MAX 16
#define CLR__EXPR_DEPTH_MAX 64

typedef struct clr__compile {
    clr__arena *arena; /* the ruleset's arena: the AST and the compiled set */
    clr_diags *diags;  /* may be NULL */
    int errors;        /* errors reported so far */
    int io_error;      /* a file could not be read */
    clr__ast_decl *first, *last;
    clr__source **sources; /* every source loaded, in order (malloc'd array) */
    size_t nsources, capsources;
    int include_depth;
    const clr_rule_file *bundle; /* clr_ruleset_compile_bundle's files; NULL otherwise */
    size_t nbundle;
} clr__compile;

/* Reports an error or warning at pos (pos.src may be NULL for no position). */
void clr__compile_error(clr__compile *c, const clr__pos *pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void clr__compile_warning(clr__compile *c, const clr__pos *pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Parses one source, appending its declarations to c; includes are loaded
 * through clr__load_include. Errors go to c's diagnostics. */
void clr__parse(clr__compile *c, const clr__source *src);

/* Loads and parses the file an include names (relative to the including
 * source's folder, or among the embedded files for an embedded source).
 * A file already loaded is skipped. */
void clr__load_include(clr__compile *c, const clr__source *from, const char *path,
                       const clr__pos *pos);

/* Records a loaded source; returns 0, or CLR_ENOMEM. */
int clr__compile_add_source(clr__compile *c, clr__source *src);

/* Builds the compiled set from c's declarations. On success returns 0 and
 * sets *out; returns CLR_ERULEBOOK if any error was reported. Takes ownership
 * of arena (moved into the set, or freed on failure). */
int clr__compile_finish(clr_ruleset **out, clr__compile *c, clr__arena *arena);

#endif
