/* Loading rulebook sources: files, folders, the embedded defaults and text in
 * memory; resolving includes; the ruleset's lifetime. */
#include "compile.h"
#include "diag.h"
#include "embedded.h"
#include "ruleset.h"
#include "symbols.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CLR__SOURCE_MAX (64u << 20) /* bytes of one rulebook file */

int clr__compile_add_source(clr__compile *c, clr__source *src)
{
    if (c->nsources == c->capsources) {
        size_t cap = c->capsources ? c->capsources * 2 : 8;
        clr__source **v = realloc(c->sources, cap * sizeof(*v));
        if (!v)
            return CLR_ENOMEM;
        c->sources = v;
        c->capsources = cap;
    }
    c->sources[c->nsources++] = src;
    return 0;
}

static int already_loaded(const clr__compile *c, const char *name)
{
    for (size_t i = 0; i < c->nsources; i++)
        if (strcmp(c->sources[i]->key, name) == 0)
            return 1;
    return 0;
}

static const char *dir_of(clr__arena *a, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return ".";
    if (slash == path)
        return "/";
    return clr__arena_strndup(a, path, (size_t)(slash - path));
}

/* Reads a whole file into the arena, NUL-terminated. */
static int read_file(clr__arena *a, const char *path, char **text, size_t *len, const char **why)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        *why = strerror(errno);
        return CLR_EIO;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        *why = "not a regular file";
        return CLR_EIO;
    }
    if ((unsigned long long)st.st_size > CLR__SOURCE_MAX) {
        fclose(f);
        *why = "larger than 64 MiB";
        return CLR_ELIMIT;
    }
    char *buf = clr__arena_alloc(a, (size_t)st.st_size + 1);
    if (!buf) {
        fclose(f);
        return CLR_ENOMEM;
    }
    size_t n = fread(buf, 1, (size_t)st.st_size, f);
    int err = ferror(f);
    fclose(f);
    if (err) {
        *why = "read error";
        return CLR_EIO;
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return 0;
}

static void check_text(clr__compile *c, const clr__source *src)
{
    /* a NUL byte would end the text early for tools that read it as a string */
    const char *nul = memchr(src->text, '\0', src->len);
    if (nul) {
        clr__pos pos = {src, nul, 1, 1, 1};
        for (const char *q = src->text; q < nul; q++)
            if (*q == '\n')
                pos.line++;
        clr__compile_error(c, &pos, "the file contains a NUL byte");
    }
}

static void load_file(clr__compile *c, const char *path, const clr__pos *from)
{
    char real[PATH_MAX];
    const char *name = path;
    if (realpath(path, real))
        name = real;
    if (already_loaded(c, name))
        return;
    clr__source *src = clr__arena_alloc(c->arena, sizeof(*src));
    char *text = NULL;
    size_t len = 0;
    const char *why = "";
    int rc = src ? read_file(c->arena, path, &text, &len, &why) : CLR_ENOMEM;
    if (rc) {
        if (rc != CLR_ENOMEM)
            c->io_error = 1;
        clr__compile_error(c, from, "cannot read %s: %s", path, why);
        return;
    }
    src->name = clr__arena_strdup(c->arena, path);
    src->key = clr__arena_strdup(c->arena, name);
    src->text = text;
    src->len = len;
    src->dir = dir_of(c->arena, name);
    if (!src->name || !src->key || !src->dir || clr__compile_add_source(c, src)) {
        clr__compile_error(c, from, "out of memory");
        return;
    }
    check_text(c, src);
    clr__parse(c, src);
}

static const clr__embedded_file *find_embedded(const char *name)
{
    for (const clr__embedded_file *f = clr__embedded_rules; f->name; f++)
        if (strcmp(f->name, name) == 0)
            return f;
    return NULL;
}

static void load_embedded(clr__compile *c, const clr__embedded_file *f)
{
    char name[256];
    snprintf(name, sizeof name, "<embedded>/%s", f->name);
    if (already_loaded(c, name))
        return;
    clr__source *src = clr__arena_alloc(c->arena, sizeof(*src));
    if (!src || !(src->name = clr__arena_strdup(c->arena, name)) ||
        clr__compile_add_source(c, src)) {
        clr__compile_error(c, NULL, "out of memory");
        return;
    }
    src->key = src->name;
    src->text = f->data;
    src->len = f->size;
    src->dir = NULL;
    src->embedded = 1;
    clr__parse(c, src);
}

/* Loads the bundle's file named name, if it has one and it is not loaded. */
static int load_bundled(clr__compile *c, const char *name)
{
    const clr_rule_file *f = NULL;
    for (size_t i = 0; i < c->nbundle && !f; i++)
        if (c->bundle[i].name && strcmp(c->bundle[i].name, name) == 0)
            f = &c->bundle[i];
    if (!f)
        return 0;
    if (already_loaded(c, name))
        return 1;
    clr__source *src = clr__arena_alloc(c->arena, sizeof(*src));
    char *text = clr__arena_strndup(c->arena, f->text ? f->text : "", f->text ? f->len : 0);
    if (!src || !text || !(src->name = clr__arena_strdup(c->arena, name)) ||
        !(src->dir = dir_of(c->arena, name)) || clr__compile_add_source(c, src)) {
        clr__compile_error(c, NULL, "out of memory");
        return 1;
    }
    src->key = src->name;
    src->text = text;
    src->len = f->len;
    src->in_bundle = 1;
    check_text(c, src);
    clr__parse(c, src);
    return 1;
}

void clr__load_include(clr__compile *c, const clr__source *from, const char *path,
                       const clr__pos *pos)
{
    if (c->include_depth >= CLR__INCLUDE_DEPTH_MAX) {
        clr__compile_error(c, pos, "includes nested more than %d deep (an include cycle?)",
                           CLR__INCLUDE_DEPTH_MAX);
        return;
    }
    c->include_depth++;
    if (from->in_bundle) {
        char full[PATH_MAX];
        if (path[0] == '/')
            snprintf(full, sizeof full, "%s", path);
        else
            snprintf(full, sizeof full, "%s/%s", from->dir ? from->dir : ".", path);
        if (!load_bundled(c, full))
            clr__compile_error(c, pos, "the bundle holds no file named '%s'", full);
    } else if (from->embedded) {
        const clr__embedded_file *f = find_embedded(path);
        if (f)
            load_embedded(c, f);
        else
            clr__compile_error(c, pos, "no built-in rulebook file is named '%s'", path);
    } else {
        char full[PATH_MAX];
        if (path[0] == '/')
            snprintf(full, sizeof full, "%s", path);
        else
            snprintf(full, sizeof full, "%s/%s", from->dir ? from->dir : ".", path);
        load_file(c, full, pos);
    }
    c->include_depth--;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Loads every *.rules file of a folder, in name order. */
static void load_dir(clr__compile *c, const char *path)
{
    DIR *d = opendir(path);
    if (!d) {
        c->io_error = 1;
        clr__compile_error(c, NULL, "cannot read folder %s: %s", path, strerror(errno));
        return;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 7 || strcmp(e->d_name + l - 6, ".rules") != 0 || e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            char **v = realloc(names, cap * sizeof(*v));
            if (!v)
                break;
            names = v;
        }
        names[n] = strdup(e->d_name);
        if (names[n])
            n++;
    }
    closedir(d);
    qsort(names, n, sizeof(*names), name_cmp);
    for (size_t i = 0; i < n; i++) {
        char full[PATH_MAX];
        snprintf(full, sizeof full, "%s/%s", path, names[i]);
        load_file(c, full, NULL);
        free(names[i]);
    }
    free(names);
}

static void compile_init(clr__compile *c, clr__arena *arena, clr_diags *diags)
{
    memset(c, 0, sizeof *c);
    clr__arena_init(arena);
    c->arena = arena;
    c->diags = diags;
}

static int finish(clr_ruleset **out, clr__compile *c, clr__arena *arena)
{
    int rc;
    if (c->io_error || c->errors) {
        /* still report what the compiler finds in the files that did load */
        clr_ruleset *rs = NULL;
        rc = clr__compile_finish(&rs, c, arena);
        clr_ruleset_unref(rs);
        free(c->sources);
        if (c->io_error)
            return CLR_EIO;
        return rc == CLR_ENOMEM ? rc : CLR_ERULEBOOK;
    }
    rc = clr__compile_finish(out, c, arena);
    free(c->sources);
    if (rc == 0 && clr__diags_oom(c->diags))
        rc = 0; /* lost diagnostics do not fail a good set */
    return rc;
}

int clr_ruleset_load(clr_ruleset **out, const char *const *paths, size_t npaths, clr_diags *diags)
{
    *out = NULL;
    clr__compile c;
    clr__arena arena;
    compile_init(&c, &arena, diags);
    for (size_t i = 0; i < npaths; i++) {
        struct stat st;
        if (stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode))
            load_dir(&c, paths[i]);
        else
            load_file(&c, paths[i], NULL);
    }
    return finish(out, &c, &arena);
}

int clr_ruleset_load_defaults(clr_ruleset **out, clr_diags *diags)
{
    *out = NULL;
    clr__compile c;
    clr__arena arena;
    compile_init(&c, &arena, diags);
    for (const clr__embedded_file *f = clr__embedded_rules; f->name; f++)
        load_embedded(&c, f);
    return finish(out, &c, &arena);
}

int clr_ruleset_compile_bundle(clr_ruleset **out, const clr_rule_file *files, size_t n,
                               clr_diags *diags)
{
    *out = NULL;
    clr__compile c;
    clr__arena arena;
    compile_init(&c, &arena, diags);
    c.bundle = files;
    c.nbundle = n;
    for (size_t i = 0; i < n; i++) {
        if (!files[i].name || !files[i].name[0]) {
            clr__compile_error(&c, NULL, "file %zu of the bundle has no name", i + 1);
            continue;
        }
        if (files[i].len > CLR__SOURCE_MAX) {
            clr__compile_error(&c, NULL, "%s: larger than %u bytes", files[i].name,
                               CLR__SOURCE_MAX);
            continue;
        }
        load_bundled(&c, files[i].name);
    }
    return finish(out, &c, &arena);
}

size_t clr_ruleset_source_count(const clr_ruleset *rs)
{
    return rs ? rs->nsources : 0;
}

int clr_ruleset_source(const clr_ruleset *rs, size_t i, clr_rule_file *out)
{
    if (!rs || i >= rs->nsources)
        return CLR_ENOTFOUND;
    out->name = rs->sources[i]->name;
    out->text = rs->sources[i]->text;
    out->len = rs->sources[i]->len;
    return 0;
}

int clr_ruleset_compile(clr_ruleset **out, const char *name, const char *text, size_t len,
                        const char *base_dir, clr_diags *diags)
{
    *out = NULL;
    clr__compile c;
    clr__arena arena;
    compile_init(&c, &arena, diags);
    clr__source *src = clr__arena_alloc(c.arena, sizeof(*src));
    char *copy = clr__arena_strndup(c.arena, text, len);
    if (!src || !copy || !(src->name = clr__arena_strdup(c.arena, name ? name : "<input>")) ||
        clr__compile_add_source(&c, src)) {
        clr__arena_free(&arena);
        free(c.sources);
        return CLR_ENOMEM;
    }
    src->key = src->name;
    src->text = copy;
    src->len = len;
    src->dir = base_dir ? clr__arena_strdup(c.arena, base_dir) : ".";
    check_text(&c, src);
    clr__parse(&c, src);
    return finish(out, &c, &arena);
}

clr_ruleset *clr_ruleset_ref(clr_ruleset *rs)
{
    if (rs)
        __atomic_add_fetch(&rs->refs, 1, __ATOMIC_RELAXED);
    return rs;
}

void clr_ruleset_unref(clr_ruleset *rs)
{
    if (!rs || __atomic_sub_fetch(&rs->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    clr__symbols_free(rs);
    free((void *)rs->sources);
    clr__arena_free(&rs->arena);
    free(rs);
}

const char *clr_ruleset_version(const clr_ruleset *rs)
{
    return rs->version;
}

size_t clr_ruleset_rulebook_count(const clr_ruleset *rs)
{
    return rs->nrulebooks;
}

size_t clr_ruleset_rule_count(const clr_ruleset *rs)
{
    return rs->nrules - rs->nexemptions;
}

const char *clr_ruleset_rulebook_id(const clr_ruleset *rs, size_t i)
{
    return i < rs->nrulebooks ? rs->rulebooks[i].id : NULL;
}
