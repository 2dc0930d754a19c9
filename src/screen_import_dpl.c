/* The BIS Denied Persons List, tab-separated text with a header row. The list
 * has no ids of its own; an entry's id is a digest of its name, street address
 * and effective date ("dpl-1a2b3c4d"), stable when rows move. */
#include <stdio.h>
#include <string.h>

#include "screen_internal.h"

static uint32_t digest(const char *const *parts, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        for (const char *s = parts[i]; *s; s++) {
            h ^= (unsigned char)*s;
            h *= 16777619u;
        }
        h ^= 0x1F;
        h *= 16777619u;
    }
    return h;
}

int clr__import_dpl(clr__builder *b, const char *path, char *buf, size_t len)
{
    clr__csv c;
    clr__csv_init(&c, buf, len, '\t');
    char *f[CLR__CSV_MAXF];
    size_t nf;
    int r = clr__csv_next(&c, f, CLR__CSV_MAXF, &nf);
    if (r <= 0 || nf < 12) {
        clr__b_problem(b, path, 1, 0, "the header row is missing or short");
        return CLR_ELIST;
    }
    int list = clr__b_list(b, "dpl");
    if (list < 0)
        return list;
    int rc = 0;
    while ((r = clr__csv_next(&c, f, CLR__CSV_MAXF, &nf)) != 0) {
        if (r < 0) {
            clr__b_problem(b, path, c.rec_line, 1, "unterminated quoted field");
            break;
        }
        if (nf != 12) {
            clr__b_problem(b, path, c.rec_line, 1, "expected 12 fields, found %zu", nf);
            continue;
        }
        if (!*f[0]) {
            clr__b_problem(b, path, c.rec_line, 1, "the row has no name");
            continue;
        }
        const char *parts[3] = {f[0], f[1], f[6]};
        char id[24];
        snprintf(id, sizeof id, "dpl-%08x", digest(parts, 3));
        uint32_t e;
        if ((rc = clr__b_entry(b, &e, list, id, f[0], CLR_ENTITY_UNKNOWN, f[11])))
            break;
        if (*f[4])
            clr__b_country(b, e, f[4]);
    }
    return rc;
}
