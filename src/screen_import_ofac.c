/* OFAC legacy CSV: the SDN file (sdn.csv) or the consolidated non-SDN file
 * (cons_prim.csv), with aliases from the sibling alt file and countries from
 * the sibling add file. */
#include <stdlib.h>
#include <string.h>

#include "screen_internal.h"

typedef struct ent_map {
    long ent_num;
    uint32_t entry;
} ent_map;

static int cmp_ent(const void *a, const void *b)
{
    long x = ((const ent_map *)a)->ent_num, y = ((const ent_map *)b)->ent_num;
    return x < y ? -1 : x > y;
}

static int parse_ent_num(const char *s, long *out)
{
    char *e;
    if (!*s)
        return -1;
    long v = strtol(s, &e, 10);
    if (*e || v < 0)
        return -1;
    *out = v;
    return 0;
}

/* The list id of a non-SDN entry, from its programme, as the CSL names it. */
static const char *cons_list(const char *programs)
{
    if (strstr(programs, "NS-PLC"))
        return "ns-plc";
    if (strstr(programs, "CMIC"))
        return "cmic";
    if (strstr(programs, "UKRAINE-EO13662"))
        return "ssi";
    if (strstr(programs, "FSE"))
        return "fse";
    if (strstr(programs, "CAPTA"))
        return "capta";
    if (strstr(programs, "RUSSIA-EO14024") || strstr(programs, "MBS"))
        return "ns-mbs";
    return "ofac-cons";
}

/* Finds a birth year in remarks such as "DOB 10 Dec 1948; POB ...". */
static int remarks_birth_year(const char *r)
{
    const char *p = strstr(r, "DOB ");
    if (!p)
        return 0;
    p += 4;
    int year = 0;
    for (; *p && *p != ';'; p++) {
        if (p[0] >= '1' && p[0] <= '2' && p[1] >= '0' && p[1] <= '9' && p[2] >= '0' &&
            p[2] <= '9' && p[3] >= '0' && p[3] <= '9' && !(p[4] >= '0' && p[4] <= '9')) {
            year = atoi(p);
            break;
        }
    }
    return year;
}

static void programs_text(char *dst, size_t cap, const char *src)
{
    size_t n = 0;
    for (const char *s = src; *s && n + 3 < cap; s++) {
        if (!strncmp(s, "] [", 3)) {
            dst[n++] = ';';
            dst[n++] = ' ';
            s += 2;
        } else if (*s != '[' && *s != ']') {
            dst[n++] = *s;
        }
    }
    dst[n] = 0;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* The path of a sibling file: "cons_prim.csv" -> "cons_alt.csv", else
 * "<dir>/alt.csv". */
static void sibling(char *out, size_t cap, const char *path, const char *kind)
{
    const char *base = base_name(path);
    const char *prim = strstr(base, "prim");
    if (prim) {
        snprintf(out, cap, "%.*s%s%s", (int)(prim - path), path, kind, prim + 4);
    } else {
        snprintf(out, cap, "%.*s%s.csv", (int)(base - path), path, kind);
    }
}

static uint32_t *find_entry(ent_map *map, size_t n, long ent_num)
{
    ent_map key = {ent_num, 0};
    ent_map *m = bsearch(&key, map, n, sizeof *map, cmp_ent);
    return m ? &m->entry : NULL;
}

static void read_alt(clr__builder *b, const char *path, ent_map *map, size_t nmap)
{
    char *buf;
    size_t len;
    if (clr__read_file(path, &buf, &len))
        return;
    clr__csv c;
    clr__csv_init(&c, buf, len, ',');
    char *f[CLR__CSV_MAXF];
    size_t nf;
    size_t orphans = 0;
    int r;
    while ((r = clr__csv_next(&c, f, CLR__CSV_MAXF, &nf)) != 0) {
        long ent;
        if (r < 0 || nf < 4 || parse_ent_num(f[0], &ent) || !*f[3]) {
            clr__b_problem(b, path, c.rec_line, 1,
                           r < 0 ? "unterminated quoted field"
                                 : "malformed alias row: expected ent_num, alt_num, type, name");
            continue;
        }
        uint32_t *e = find_entry(map, nmap, ent);
        if (!e) {
            orphans++;
            continue;
        }
        if (clr__b_name(b, *e, f[3], 1) == CLR_ENOMEM)
            break;
    }
    if (orphans)
        clr__b_problem(b, path, 0, 0, "%zu aliases refer to entries the main file lacks", orphans);
    free(buf);
}

static void read_add(clr__builder *b, const char *path, ent_map *map, size_t nmap)
{
    char *buf;
    size_t len;
    if (clr__read_file(path, &buf, &len))
        return;
    clr__csv c;
    clr__csv_init(&c, buf, len, ',');
    char *f[CLR__CSV_MAXF];
    size_t nf;
    int r;
    while ((r = clr__csv_next(&c, f, CLR__CSV_MAXF, &nf)) != 0) {
        long ent;
        if (r < 0 || nf < 5 || parse_ent_num(f[0], &ent)) {
            clr__b_problem(b, path, c.rec_line, 1,
                           r < 0 ? "unterminated quoted field" : "malformed address row");
            continue;
        }
        uint32_t *e = find_entry(map, nmap, ent);
        if (e && *f[4])
            clr__b_country(b, *e, f[4]);
    }
    free(buf);
}

int clr__import_ofac(clr__builder *b, const char *path, char *buf, size_t len)
{
    int cons = !strncmp(base_name(path), "cons", 4);
    int sdn_list = cons ? -1 : clr__b_list(b, "sdn");
    if (sdn_list < 0 && !cons)
        return sdn_list;
    clr__csv c;
    clr__csv_init(&c, buf, len, ',');
    char *f[CLR__CSV_MAXF];
    size_t nf;
    ent_map *map = NULL;
    size_t nmap = 0, cap = 0;
    int rc = 0, r;
    while ((r = clr__csv_next(&c, f, CLR__CSV_MAXF, &nf)) != 0) {
        long ent;
        if (r < 0) {
            clr__b_problem(b, path, c.rec_line, 1, "unterminated quoted field");
            break;
        }
        if (nf != 12) {
            clr__b_problem(b, path, c.rec_line, 1, "expected 12 fields, found %zu", nf);
            continue;
        }
        if (parse_ent_num(f[0], &ent)) {
            clr__b_problem(b, path, c.rec_line, 1, "the entry number \"%.40s\" is not a number",
                           f[0]);
            continue;
        }
        if (!*f[1]) {
            clr__b_problem(b, path, c.rec_line, 1, "the entry has no name");
            continue;
        }
        clr_entity_type t = CLR_ENTITY_ORG;
        if (!strcmp(f[2], "individual"))
            t = CLR_ENTITY_PERSON;
        else if (!strcmp(f[2], "vessel"))
            t = CLR_ENTITY_VESSEL;
        else if (!strcmp(f[2], "aircraft"))
            t = CLR_ENTITY_AIRCRAFT;
        else if (*f[2]) {
            clr__b_problem(b, path, c.rec_line, 1, "unknown entry type \"%.40s\"", f[2]);
            continue;
        }
        char programs[256];
        programs_text(programs, sizeof programs, f[3]);
        int list = cons ? clr__b_list(b, cons_list(programs)) : sdn_list;
        if (list < 0) {
            rc = list;
            break;
        }
        uint32_t e;
        if ((rc = clr__b_entry(b, &e, list, f[0], f[1], t, programs)))
            break;
        clr__b_birth_year(b, e, remarks_birth_year(f[11]));
        if (nmap + 1 > cap) {
            size_t nc = cap ? cap * 2 : 4096;
            ent_map *nm = realloc(map, nc * sizeof *nm);
            if (!nm) {
                rc = CLR_ENOMEM;
                break;
            }
            map = nm;
            cap = nc;
        }
        map[nmap].ent_num = ent;
        map[nmap].entry = e;
        nmap++;
    }
    if (!rc && nmap > 0) {
        char sib[4096];
        qsort(map, nmap, sizeof *map, cmp_ent);
        sibling(sib, sizeof sib, path, "alt");
        read_alt(b, sib, map, nmap);
        sibling(sib, sizeof sib, path, "add");
        read_add(b, sib, map, nmap);
    }
    free(map);
    return rc;
}
