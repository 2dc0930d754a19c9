/* The US Consolidated Screening List CSV (trade.gov): each source becomes its
 * own list id. Columns are found by their header names. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "screen_internal.h"

enum {
    C_ID,
    C_SOURCE,
    C_ENTNUM,
    C_TYPE,
    C_PROGRAMS,
    C_NAME,
    C_ADDRESSES,
    C_ALT,
    C_CITIZEN,
    C_DOB,
    C_NATIONALITY,
    C_NCOLS
};

static const char *const col_names[C_NCOLS] = {
    "_id",       "source",    "entity_number", "type",           "programs",     "name",
    "addresses", "alt_names", "citizenships",  "dates_of_birth", "nationalities"};

/* The list id of a CSL source, from the abbreviation in its parentheses. */
static void source_list(char *out, size_t cap, const char *source)
{
    static const struct {
        const char *abbr, *id;
    } ids[] = {
        {"SDN", "sdn"},       {"EL", "entity-list"}, {"DPL", "dpl"},   {"UVL", "unverified"},
        {"MEU", "meu"},       {"SSI", "ssi"},        {"ISN", "isn"},   {"DTC", "itar-debarred"},
        {"PLC", "ns-plc"},    {"NS-PLC", "ns-plc"},  {"CMIC", "cmic"}, {"NS-MBS List", "ns-mbs"},
        {"NS-MBS", "ns-mbs"}, {"FSE", "fse"},        {"CAP", "capta"}, {"CAPTA", "capta"}};
    const char *o = strchr(source, '(');
    const char *c = o ? strchr(o, ')') : NULL;
    if (o && c) {
        size_t n = (size_t)(c - o - 1);
        for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
            if (strlen(ids[i].abbr) == n && !strncmp(o + 1, ids[i].abbr, n)) {
                snprintf(out, cap, "%s", ids[i].id);
                return;
            }
        }
    }
    /* an unknown source: its abbreviation (or its first word), lower case */
    const char *s = o && c ? o + 1 : source;
    size_t n = 0;
    for (; *s && s != c && n + 1 < cap && n < 24; s++) {
        char ch = *s;
        if (ch >= 'A' && ch <= 'Z')
            ch = (char)(ch - 'A' + 'a');
        if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))
            out[n++] = ch;
        else if (n && out[n - 1] != '-')
            out[n++] = '-';
        if (!o && *s == ' ')
            break;
    }
    while (n && out[n - 1] == '-')
        n--;
    out[n] = 0;
    if (!n)
        snprintf(out, cap, "csl");
}

/* Calls fn for each ';'-separated, trimmed, non-empty part of s (modified). */
static void each_part(char *s, void (*fn)(clr__builder *, uint32_t, char *), clr__builder *b,
                      uint32_t e)
{
    while (s && *s) {
        char *semi = strchr(s, ';');
        if (semi)
            *semi = 0;
        while (*s == ' ')
            s++;
        char *end = s + strlen(s);
        while (end > s && end[-1] == ' ')
            *--end = 0;
        if (*s)
            fn(b, e, s);
        s = semi ? semi + 1 : NULL;
    }
}

static void add_alias(clr__builder *b, uint32_t e, char *s)
{
    clr__b_name(b, e, s, 1);
}

static void add_country(clr__builder *b, uint32_t e, char *s)
{
    clr__b_country(b, e, s);
}

static void add_address_country(clr__builder *b, uint32_t e, char *s)
{
    /* "..., Beijing, 100033, CN": the country code comes last */
    char *comma = strrchr(s, ',');
    clr__b_country(b, e, comma ? comma + 1 + (comma[1] == ' ') : s);
}

static void add_dob(clr__builder *b, uint32_t e, char *s)
{
    for (char *p = s; *p; p++) {
        if (p[0] >= '1' && p[0] <= '2' && p[1] >= '0' && p[1] <= '9' && p[2] >= '0' &&
            p[2] <= '9' && p[3] >= '0' && p[3] <= '9' && !(p[4] >= '0' && p[4] <= '9') &&
            (p == s || !(p[-1] >= '0' && p[-1] <= '9'))) {
            clr__b_birth_year(b, e, atoi(p));
            return;
        }
    }
}

int clr__import_csl(clr__builder *b, const char *path, char *buf, size_t len)
{
    clr__csv c;
    clr__csv_init(&c, buf, len, ',');
    char *f[CLR__CSV_MAXF];
    size_t nf;
    int col[C_NCOLS];
    int r = clr__csv_next(&c, f, CLR__CSV_MAXF, &nf);
    if (r <= 0) {
        clr__b_problem(b, path, 1, 0, "the header row is missing");
        return CLR_ELIST;
    }
    for (int k = 0; k < C_NCOLS; k++) {
        col[k] = -1;
        for (size_t i = 0; i < nf && i < CLR__CSV_MAXF; i++)
            if (!strcmp(f[i], col_names[k]))
                col[k] = (int)i;
    }
    if (col[C_SOURCE] < 0 || col[C_NAME] < 0 || col[C_ID] < 0) {
        clr__b_problem(b, path, 1, 0, "the header lacks _id, source or name");
        return CLR_ELIST;
    }
    size_t ncols = nf;
    int rc = 0;
    while ((r = clr__csv_next(&c, f, CLR__CSV_MAXF, &nf)) != 0) {
        if (r < 0) {
            clr__b_problem(b, path, c.rec_line, 1, "unterminated quoted field");
            break;
        }
        if (nf != ncols) {
            clr__b_problem(b, path, c.rec_line, 1, "expected %zu fields, found %zu", ncols, nf);
            continue;
        }
        if (!strcmp(f[col[C_ID]], "_id"))
            continue; /* a repeated header */
        const char *name = f[col[C_NAME]];
        const char *source = f[col[C_SOURCE]];
        if (!*name || !*source) {
            clr__b_problem(b, path, c.rec_line, 1, "the row has no %s", *name ? "source" : "name");
            continue;
        }
        const char *id = col[C_ENTNUM] >= 0 && *f[col[C_ENTNUM]] ? f[col[C_ENTNUM]] : f[col[C_ID]];
        if (!*id) {
            clr__b_problem(b, path, c.rec_line, 1, "the row has no id");
            continue;
        }
        clr_entity_type t = CLR_ENTITY_UNKNOWN;
        const char *ts = col[C_TYPE] >= 0 ? f[col[C_TYPE]] : "";
        if (!strcmp(ts, "Individual"))
            t = CLR_ENTITY_PERSON;
        else if (!strcmp(ts, "Entity"))
            t = CLR_ENTITY_ORG;
        else if (!strcmp(ts, "Vessel"))
            t = CLR_ENTITY_VESSEL;
        else if (!strcmp(ts, "Aircraft"))
            t = CLR_ENTITY_AIRCRAFT;
        char lid[CLR_LIST_ID_MAX];
        source_list(lid, sizeof lid, source);
        int list = clr__b_list(b, lid);
        if (list < 0) {
            rc = list;
            break;
        }
        uint32_t e;
        if ((rc = clr__b_entry(b, &e, list, id, name, t,
                               col[C_PROGRAMS] >= 0 ? f[col[C_PROGRAMS]] : "")))
            break;
        if (col[C_ALT] >= 0)
            each_part(f[col[C_ALT]], add_alias, b, e);
        if (col[C_ADDRESSES] >= 0)
            each_part(f[col[C_ADDRESSES]], add_address_country, b, e);
        if (col[C_CITIZEN] >= 0)
            each_part(f[col[C_CITIZEN]], add_country, b, e);
        if (col[C_NATIONALITY] >= 0)
            each_part(f[col[C_NATIONALITY]], add_country, b, e);
        if (col[C_DOB] >= 0)
            each_part(f[col[C_DOB]], add_dob, b, e);
    }
    return rc;
}
