/* The UN Security Council consolidated list (XML). A small scanner for this one
 * known format: elements, text, the five named entities and numeric character
 * references; no DTDs, no namespaces beyond ignoring prefixes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "screen_internal.h"

#define DEPTH_MAX 16
#define TAG_MAX 40
#define TEXT_MAX 2048
#define ALIASES_MAX 64

typedef struct un_record {
    int kind; /* 1 individual, 2 entity */
    size_t line;
    char ref[64];
    char dataid[32];
    char names[4][256]; /* FIRST_NAME .. FOURTH_NAME */
    char original[512]; /* NAME_ORIGINAL_SCRIPT */
    char list_type[64];
    size_t naliases;
    char aliases[ALIASES_MAX][256];
    size_t ncountries;
    char countries[8][96];
    int birth_year;
} un_record;

typedef struct un_scan {
    clr__builder *b;
    const char *path;
    int list;
    un_record *rec;
    char stack[DEPTH_MAX][TAG_MAX];
    int depth;
    char text[TEXT_MAX];
    size_t ntext;
    size_t line;
    int rc;
} un_scan;

/* Appends the UTF-8 encoding of code point cp to the text buffer. */
static void put_cp(un_scan *s, unsigned long cp)
{
    char u[4];
    size_t n;
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    if (s->ntext + n < TEXT_MAX) {
        memcpy(s->text + s->ntext, u, n);
        s->ntext += n;
    }
}

static void put_text(un_scan *s, const char *p, const char *e)
{
    while (p < e) {
        if (*p == '&') {
            const char *semi = memchr(p, ';', (size_t)(e - p) < 12 ? (size_t)(e - p) : 12);
            if (semi) {
                size_t n = (size_t)(semi - p - 1);
                const char *ent = p + 1;
                unsigned long cp = 0;
                if (n == 3 && !strncmp(ent, "amp", 3))
                    cp = '&';
                else if (n == 2 && !strncmp(ent, "lt", 2))
                    cp = '<';
                else if (n == 2 && !strncmp(ent, "gt", 2))
                    cp = '>';
                else if (n == 4 && !strncmp(ent, "quot", 4))
                    cp = '"';
                else if (n == 4 && !strncmp(ent, "apos", 4))
                    cp = '\'';
                else if (n >= 2 && ent[0] == '#')
                    cp = ent[1] == 'x' ? strtoul(ent + 2, NULL, 16) : strtoul(ent + 1, NULL, 10);
                if (cp) {
                    put_cp(s, cp);
                    p = semi + 1;
                    continue;
                }
            }
        }
        if (*p == '\n')
            s->line++;
        if (s->ntext + 1 < TEXT_MAX)
            s->text[s->ntext++] = *p;
        p++;
    }
}

static void copy_text(char *dst, size_t cap, const char *src)
{
    while (*src == ' ' || *src == '\n' || *src == '\r' || *src == '\t')
        src++;
    size_t n = strlen(src);
    while (n &&
           (src[n - 1] == ' ' || src[n - 1] == '\n' || src[n - 1] == '\r' || src[n - 1] == '\t'))
        n--;
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = 0;
}

static void emit(un_scan *s)
{
    un_record *r = s->rec;
    char name[1100];
    size_t n = 0;
    name[0] = 0;
    for (int i = 0; i < 4; i++) {
        if (!r->names[i][0])
            continue;
        n += (size_t)snprintf(name + n, sizeof name - n, "%s%s", n ? " " : "", r->names[i]);
        if (n >= sizeof name)
            n = sizeof name - 1;
    }
    const char *id = r->ref[0] ? r->ref : r->dataid;
    if (!name[0] || !id[0]) {
        clr__b_problem(s->b, s->path, r->line, 1, "the %s has no %s",
                       r->kind == 1 ? "INDIVIDUAL" : "ENTITY",
                       name[0] ? "REFERENCE_NUMBER" : "name");
        return;
    }
    uint32_t e;
    int rc = clr__b_entry(s->b, &e, s->list, id, name,
                          r->kind == 1 ? CLR_ENTITY_PERSON : CLR_ENTITY_ORG, r->list_type);
    if (rc) {
        s->rc = rc;
        return;
    }
    if (r->original[0])
        clr__b_name(s->b, e, r->original, 1);
    for (size_t i = 0; i < r->naliases; i++)
        clr__b_name(s->b, e, r->aliases[i], 1);
    for (size_t i = 0; i < r->ncountries; i++)
        clr__b_country(s->b, e, r->countries[i]);
    clr__b_birth_year(s->b, e, r->birth_year);
}

/* An element closed: file its text into the record being read. */
static void close_elem(un_scan *s, const char *tag)
{
    un_record *r = s->rec;
    s->text[s->ntext] = 0;
    const char *parent = s->depth >= 2 ? s->stack[s->depth - 2] : "";
    if (!strcmp(tag, "INDIVIDUAL") || !strcmp(tag, "ENTITY")) {
        if (r->kind)
            emit(s);
        r->kind = 0;
        return;
    }
    if (!r->kind)
        return;
    char v[512];
    copy_text(v, sizeof v, s->text);
    if (!strcmp(parent, "INDIVIDUAL") || !strcmp(parent, "ENTITY")) {
        static const char *const nm[4] = {"FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME"};
        for (int i = 0; i < 4; i++)
            if (!strcmp(tag, nm[i]))
                copy_text(r->names[i], sizeof r->names[i], v);
        if (!strcmp(tag, "REFERENCE_NUMBER"))
            copy_text(r->ref, sizeof r->ref, v);
        else if (!strcmp(tag, "DATAID"))
            copy_text(r->dataid, sizeof r->dataid, v);
        else if (!strcmp(tag, "NAME_ORIGINAL_SCRIPT"))
            copy_text(r->original, sizeof r->original, v);
        else if (!strcmp(tag, "UN_LIST_TYPE"))
            copy_text(r->list_type, sizeof r->list_type, v);
    } else if (!strcmp(tag, "ALIAS_NAME")) {
        if (v[0] && r->naliases < ALIASES_MAX)
            copy_text(r->aliases[r->naliases++], sizeof r->aliases[0], v);
    } else if (!strcmp(tag, "VALUE") && !strcmp(parent, "NATIONALITY")) {
        if (v[0] && r->ncountries < 8)
            copy_text(r->countries[r->ncountries++], sizeof r->countries[0], v);
    } else if (!strcmp(tag, "COUNTRY") &&
               (!strcmp(parent, "INDIVIDUAL_ADDRESS") || !strcmp(parent, "ENTITY_ADDRESS"))) {
        if (v[0] && r->ncountries < 8)
            copy_text(r->countries[r->ncountries++], sizeof r->countries[0], v);
    } else if ((!strcmp(tag, "YEAR") || !strcmp(tag, "DATE") || !strcmp(tag, "FROM_YEAR")) &&
               !strcmp(parent, "INDIVIDUAL_DATE_OF_BIRTH")) {
        if (!r->birth_year && v[0])
            r->birth_year = atoi(v);
    }
}

int clr__import_un(clr__builder *b, const char *path, char *buf, size_t len)
{
    un_scan s;
    memset(&s, 0, sizeof s);
    s.b = b;
    s.path = path;
    s.line = 1;
    s.list = clr__b_list(b, "un");
    if (s.list < 0)
        return s.list;
    s.rec = calloc(1, sizeof *s.rec);
    if (!s.rec)
        return CLR_ENOMEM;
    const char *p = buf, *end = buf + len;
    while (p < end && !s.rc) {
        const char *lt = memchr(p, '<', (size_t)(end - p));
        if (!lt)
            lt = end;
        put_text(&s, p, lt);
        if (lt >= end)
            break;
        p = lt + 1;
        if (p < end && (*p == '?' || *p == '!')) {
            const char *stop = *p == '!' && end - p > 3 && !strncmp(p, "!--", 3) ? "-->" : ">";
            const char *gt = strstr(p, stop);
            for (const char *q = p; q < (gt ? gt : end); q++)
                if (*q == '\n')
                    s.line++;
            p = gt ? gt + strlen(stop) : end;
            continue;
        }
        const char *gt = memchr(p, '>', (size_t)(end - p));
        if (!gt) {
            clr__b_problem(b, path, s.line, 0, "unterminated tag");
            break;
        }
        for (const char *q = p; q < gt; q++)
            if (*q == '\n')
                s.line++;
        int closing = *p == '/';
        int empty = gt > p && gt[-1] == '/';
        const char *t = p + closing;
        size_t tn = 0;
        while (t + tn < gt && tn + 1 < TAG_MAX && t[tn] != ' ' && t[tn] != '/' && t[tn] != '\t' &&
               t[tn] != '\n' && t[tn] != '\r')
            tn++;
        char tag[TAG_MAX];
        memcpy(tag, t, tn);
        tag[tn] = 0;
        char *colon = strchr(tag, ':');
        if (colon)
            memmove(tag, colon + 1, strlen(colon + 1) + 1);
        p = gt + 1;
        if (closing) {
            if (s.depth == 0 || strcmp(s.stack[s.depth - 1], tag)) {
                clr__b_problem(b, path, s.line, 0, "mismatched closing tag </%s>", tag);
                if (s.depth > 0)
                    s.depth--;
                s.ntext = 0;
                if (s.rec->kind && (!strcmp(tag, "INDIVIDUAL") || !strcmp(tag, "ENTITY"))) {
                    s.rec->kind = 0;
                    clr__b_problem(b, path, s.line, 1, "skipped the damaged record");
                }
                continue;
            }
            close_elem(&s, tag);
            s.depth--;
            s.ntext = 0;
            continue;
        }
        if (!empty) {
            if (s.depth >= DEPTH_MAX) {
                clr__b_problem(b, path, s.line, 0, "elements nested too deeply");
                break;
            }
            memcpy(s.stack[s.depth++], tag, tn + 1);
            if (!strcmp(tag, "INDIVIDUAL") || !strcmp(tag, "ENTITY")) {
                memset(s.rec, 0, sizeof *s.rec);
                s.rec->kind = tag[0] == 'I' ? 1 : 2;
                s.rec->line = s.line;
            }
        }
        s.ntext = 0;
    }
    int rc = s.rc;
    free(s.rec);
    return rc;
}
