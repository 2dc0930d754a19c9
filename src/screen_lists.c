/* Loading restricted-party lists: format detection, the builder the importers
 * fill, the import report, reference counting and thresholds. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "screen_internal.h"

struct clr__builder {
    clr_lists *l;
    clr_list_report *report;
    size_t entries_cap, names_cap, ntoks_cap, tokens_cap;
    /* (list, id) -> entry + 1 */
    uint32_t *ent_hash;
    size_t ent_hash_cap;
    /* (entry, normalised name hash) set, for duplicate names */
    uint64_t *dup_hash;
    size_t dup_hash_cap, ndup;
    int oom;
};

/* ---------------------------------------------------------------- pool -- */

int clr__pool_add(clr__pool *p, const char *s, size_t n, uint32_t *off)
{
    if (n == 0) {
        *off = 0;
        return 0;
    }
    if (p->len + n + 1 > p->cap) {
        size_t cap = p->cap ? p->cap : 1 << 16;
        while (p->len + n + 1 > cap)
            cap *= 2;
        if (cap > UINT32_MAX)
            return CLR_ELIMIT;
        char *nb = realloc(p->buf, cap);
        if (!nb)
            return CLR_ENOMEM;
        p->buf = nb;
        p->cap = cap;
    }
    if (p->len == 0) {
        p->buf[0] = 0;
        p->len = 1;
    }
    *off = (uint32_t)p->len;
    memcpy(p->buf + p->len, s, n);
    p->buf[p->len + n] = 0;
    p->len += n + 1;
    return 0;
}

static uint32_t hash_str(const char *s, size_t n, uint32_t seed)
{
    uint32_t h = 2166136261u ^ seed;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t nc = *cap ? *cap * 2 : 1024;
    while (nc < need)
        nc *= 2;
    void *np = realloc(*p, nc * elem);
    if (!np)
        return CLR_ENOMEM;
    *p = np;
    *cap = nc;
    return 0;
}

/* ------------------------------------------------------------- report -- */

void clr__b_problem(clr__builder *b, const char *file, size_t row, int skipped, const char *fmt,
                    ...)
{
    clr_list_report *r = b->report;
    if (!r)
        return;
    if (skipped)
        r->rows_skipped++;
    if (r->nproblems >= CLR_LIST_REPORT_PROBLEMS) {
        r->problems_dropped++;
        return;
    }
    clr_list_problem *pr = &r->problems[r->nproblems++];
    snprintf(pr->file, sizeof pr->file, "%s", file);
    pr->row = row;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pr->message, sizeof pr->message, fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------------ builder -- */

int clr__b_list(clr__builder *b, const char *id)
{
    clr_lists *l = b->l;
    for (size_t i = 0; i < l->nlists; i++)
        if (!strcmp(l->lists[i].id, id))
            return (int)i;
    if (l->nlists >= CLR__MAX_LISTS)
        return CLR_ELIMIT;
    clr__list_info *li = &l->lists[l->nlists];
    memset(li, 0, sizeof *li);
    snprintf(li->id, sizeof li->id, "%s", id);
    li->hit = CLR_SCREEN_HIT_DEFAULT;
    li->review = CLR_SCREEN_REVIEW_DEFAULT;
    return (int)l->nlists++;
}

static int ent_rehash(clr__builder *b)
{
    size_t cap = b->ent_hash_cap ? b->ent_hash_cap * 2 : 1 << 14;
    uint32_t *h = calloc(cap, sizeof *h);
    if (!h)
        return CLR_ENOMEM;
    clr_lists *l = b->l;
    for (size_t e = 0; e < l->nentries; e++) {
        const char *id = clr__str(l, l->entries[e].id);
        uint32_t k = hash_str(id, strlen(id), l->entries[e].list);
        size_t i = k & (cap - 1);
        while (h[i])
            i = (i + 1) & (cap - 1);
        h[i] = (uint32_t)e + 1;
    }
    free(b->ent_hash);
    b->ent_hash = h;
    b->ent_hash_cap = cap;
    return 0;
}

static int dup_seen(clr__builder *b, uint32_t entry, const clr__norm *n)
{
    uint64_t k = ((uint64_t)entry << 32) | (uint64_t)(uint32_t)n->ntok;
    uint32_t h = (uint32_t)n->ntok;
    for (size_t t = 0; t < n->ntok; t++)
        h = hash_str(n->text + n->tok[t].off, n->tok[t].len, h);
    k = (((uint64_t)entry) << 32) ^ h;
    k = k ? k : 1;
    if ((b->ndup + 1) * 2 > b->dup_hash_cap) {
        size_t cap = b->dup_hash_cap ? b->dup_hash_cap * 2 : 1 << 15;
        uint64_t *nh = calloc(cap, sizeof *nh);
        if (!nh) {
            b->oom = 1;
            return 0;
        }
        for (size_t i = 0; i < b->dup_hash_cap; i++) {
            if (!b->dup_hash[i])
                continue;
            uint64_t v = b->dup_hash[i];
            size_t j = (size_t)(v * 0x9E3779B97F4A7C15ull >> 20) & (cap - 1);
            while (nh[j])
                j = (j + 1) & (cap - 1);
            nh[j] = v;
        }
        free(b->dup_hash);
        b->dup_hash = nh;
        b->dup_hash_cap = cap;
    }
    size_t j = (size_t)(k * 0x9E3779B97F4A7C15ull >> 20) & (b->dup_hash_cap - 1);
    while (b->dup_hash[j]) {
        if (b->dup_hash[j] == k)
            return 1;
        j = (j + 1) & (b->dup_hash_cap - 1);
    }
    b->dup_hash[j] = k;
    b->ndup++;
    return 0;
}

static int token_id(clr__builder *b, const char *s, size_t n, int legal, uint32_t *out)
{
    clr_lists *l = b->l;
    if ((l->ntokens + 1) * 2 > l->tok_hash_cap) {
        size_t cap = l->tok_hash_cap ? l->tok_hash_cap * 2 : 1 << 15;
        uint32_t *h = calloc(cap, sizeof *h);
        if (!h)
            return CLR_ENOMEM;
        for (size_t t = 0; t < l->ntokens; t++) {
            const clr__token *tk = &l->tokens[t];
            size_t i = hash_str(clr__str(l, tk->text), tk->len, 0) & (cap - 1);
            while (h[i])
                i = (i + 1) & (cap - 1);
            h[i] = (uint32_t)t + 1;
        }
        free(l->tok_hash);
        l->tok_hash = h;
        l->tok_hash_cap = cap;
    }
    size_t i = hash_str(s, n, 0) & (l->tok_hash_cap - 1);
    while (l->tok_hash[i]) {
        const clr__token *tk = &l->tokens[l->tok_hash[i] - 1];
        if (tk->len == n && !memcmp(clr__str(l, tk->text), s, n)) {
            *out = l->tok_hash[i] - 1;
            return 0;
        }
        i = (i + 1) & (l->tok_hash_cap - 1);
    }
    if (grow((void **)&l->tokens, &b->tokens_cap, l->ntokens + 1, sizeof *l->tokens))
        return CLR_ENOMEM;
    clr__token *tk = &l->tokens[l->ntokens];
    memset(tk, 0, sizeof *tk);
    if (clr__pool_add(&l->strings, s, n, &tk->text))
        return CLR_ENOMEM;
    tk->len = (uint8_t)n;
    tk->legal = (uint8_t)legal;
    l->tok_hash[i] = (uint32_t)l->ntokens + 1;
    *out = (uint32_t)l->ntokens++;
    return 0;
}

/* Which tokens of a person's name may be left out cheaply: in natural order
 * ("Given Middle Surname1 Surname2") every token but the first and the last.
 * For "SURNAME1 SURNAME2, Given Middle" those are the first given name and the
 * last token of the surname. */
static uint16_t middle_mask(const char *raw, const clr__norm *n, int type)
{
    if (type != CLR_ENTITY_PERSON && type != CLR_ENTITY_UNKNOWN)
        return 0;
    size_t keep1 = 0, keep2 = n->ntok ? n->ntok - 1 : 0;
    const char *comma = strchr(raw, ',');
    if (comma) {
        clr__norm sur;
        clr__normalize(&sur, raw, (size_t)(comma - raw), 1);
        if (sur.ntok > 0 && sur.ntok < n->ntok) {
            keep1 = sur.ntok;
            keep2 = sur.ntok - 1;
        }
    }
    uint16_t m = 0;
    for (size_t i = 0; i < n->ntok && i < 16; i++)
        if (i != keep1 && i != keep2)
            m |= (uint16_t)(1u << i);
    return m;
}

static int add_name(clr__builder *b, uint32_t entry, const char *name, int alias)
{
    clr_lists *l = b->l;
    clr__norm n;
    clr__normalize(&n, name, strlen(name), 1);
    if (n.ntok == 0 || dup_seen(b, entry, &n))
        return 0;
    if (grow((void **)&l->names, &b->names_cap, l->nnames + 1, sizeof *l->names) ||
        grow((void **)&l->name_tokens, &b->ntoks_cap, l->nname_tokens + n.ntok,
             sizeof *l->name_tokens))
        return CLR_ENOMEM;
    clr__name *nm = &l->names[l->nnames];
    memset(nm, 0, sizeof *nm);
    nm->entry = entry;
    nm->alias = (uint8_t)(alias != 0);
    nm->tok = (uint32_t)l->nname_tokens;
    nm->ntok = (uint8_t)n.ntok;
    if (clr__pool_add(&l->strings, name, strlen(name), &nm->text))
        return CLR_ENOMEM;
    nm->middle = middle_mask(name, &n, l->entries[entry].type);
    for (size_t t = 0; t < n.ntok; t++) {
        uint32_t id;
        int rc = token_id(b, n.text + n.tok[t].off, n.tok[t].len, n.tok[t].legal, &id);
        if (rc)
            return rc;
        l->name_tokens[l->nname_tokens++] = id;
    }
    l->nnames++;
    clr__list_info *li = &l->lists[l->entries[entry].list];
    if (alias)
        li->aliases++;
    else
        li->names++;
    return 0;
}

int clr__b_entry(clr__builder *b, uint32_t *entry, int list, const char *id, const char *name,
                 clr_entity_type type, const char *programs)
{
    clr_lists *l = b->l;
    int rc;
    if (list < 0 || (size_t)list >= l->nlists || !id || !name)
        return CLR_EINVAL;
    if ((l->nentries + 1) * 2 > b->ent_hash_cap && (rc = ent_rehash(b)))
        return rc;
    uint32_t k = hash_str(id, strlen(id), (uint32_t)list);
    size_t i = k & (b->ent_hash_cap - 1);
    while (b->ent_hash[i]) {
        uint32_t e = b->ent_hash[i] - 1;
        if (l->entries[e].list == (uint32_t)list && !strcmp(clr__str(l, l->entries[e].id), id)) {
            *entry = e;
            if (l->entries[e].type == CLR_ENTITY_UNKNOWN)
                l->entries[e].type = (uint8_t)type;
            return add_name(b, e, name, 1);
        }
        i = (i + 1) & (b->ent_hash_cap - 1);
    }
    if (grow((void **)&l->entries, &b->entries_cap, l->nentries + 1, sizeof *l->entries))
        return CLR_ENOMEM;
    clr__entry *en = &l->entries[l->nentries];
    memset(en, 0, sizeof *en);
    en->list = (uint32_t)list;
    en->type = (uint8_t)type;
    if (clr__pool_add(&l->strings, id, strlen(id), &en->id) ||
        clr__pool_add(&l->strings, name, strlen(name), &en->name) ||
        clr__pool_add(&l->strings, programs ? programs : "", programs ? strlen(programs) : 0,
                      &en->programs))
        return CLR_ENOMEM;
    b->ent_hash[i] = (uint32_t)l->nentries + 1;
    *entry = (uint32_t)l->nentries++;
    l->lists[list].entities++;
    return add_name(b, *entry, name, 0);
}

int clr__b_name(clr__builder *b, uint32_t entry, const char *name, int alias)
{
    if (entry >= b->l->nentries || !name)
        return CLR_EINVAL;
    return add_name(b, entry, name, alias);
}

void clr__b_country(clr__builder *b, uint32_t entry, const char *country)
{
    char cc[3];
    if (entry >= b->l->nentries || !country || clr__country_code(cc, country))
        return;
    clr__entry *e = &b->l->entries[entry];
    for (size_t i = 0; i < e->ncountries; i++)
        if (!memcmp(e->countries[i], cc, 2))
            return;
    if (e->ncountries < CLR__ENTRY_COUNTRIES)
        memcpy(e->countries[e->ncountries++], cc, 2);
}

void clr__b_birth_year(clr__builder *b, uint32_t entry, int y)
{
    if (entry < b->l->nentries && y >= 1850 && y <= 2100 && !b->l->entries[entry].birth_year)
        b->l->entries[entry].birth_year = (uint16_t)y;
}

/* ------------------------------------------------------------- files -- */

int clr__read_file(const char *path, char **buf, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return CLR_EIO;
    int rc = CLR_EIO;
    char *b = NULL;
    if (fseek(f, 0, SEEK_END))
        goto done;
    long n = ftell(f);
    if (n < 0 || fseek(f, 0, SEEK_SET))
        goto done;
    b = malloc((size_t)n + 1);
    if (!b) {
        rc = CLR_ENOMEM;
        goto done;
    }
    if (fread(b, 1, (size_t)n, f) != (size_t)n)
        goto done;
    b[n] = 0;
    *buf = b;
    *len = (size_t)n;
    b = NULL;
    rc = 0;
done:
    free(b);
    fclose(f);
    return rc;
}

typedef enum { FMT_NONE, FMT_OFAC, FMT_OFAC_SIBLING, FMT_CSL, FMT_DPL, FMT_UN } list_format;

static list_format detect(const char *buf, size_t len)
{
    const char *p = buf;
    if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
        p += 3;
    while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
        p++;
    if (!strncmp(p, "<?xml", 5) || !strncmp(p, "<CONSOLIDATED_LIST", 18))
        return strstr(p, "<CONSOLIDATED_LIST") ? FMT_UN : FMT_NONE;
    if (!strncmp(p, "_id,source,", 11))
        return FMT_CSL;
    if (!strncmp(p, "\"Name\"\t\"Street_Address\"", 23) || !strncmp(p, "Name\tStreet_Address", 19))
        return FMT_DPL;
    if (*p >= '0' && *p <= '9') {
        /* OFAC legacy CSV: count the fields of the first line outside quotes */
        size_t nf = 1;
        int q = 0;
        for (const char *s = p; *s && *s != '\n'; s++) {
            if (*s == '"')
                q = !q;
            else if (*s == ',' && !q)
                nf++;
        }
        if (nf == 12)
            return FMT_OFAC;
        if (nf >= 2 && nf <= 6)
            return FMT_OFAC_SIBLING;
    }
    return FMT_NONE;
}

static int load_file(clr__builder *b, const char *path, int named)
{
    char *buf = NULL;
    size_t len = 0;
    int rc = clr__read_file(path, &buf, &len);
    if (rc) {
        clr__b_problem(b, path, 0, 0, "cannot read the file: %s",
                       rc == CLR_ENOMEM ? "out of memory" : strerror(errno));
        return rc;
    }
    list_format f = detect(buf, len);
    switch (f) {
    case FMT_OFAC: rc = clr__import_ofac(b, path, buf, len); break;
    case FMT_CSL: rc = clr__import_csl(b, path, buf, len); break;
    case FMT_DPL: rc = clr__import_dpl(b, path, buf, len); break;
    case FMT_UN: rc = clr__import_un(b, path, buf, len); break;
    case FMT_OFAC_SIBLING:
        rc = 0; /* read with its main file */
        break;
    default:
        if (named) {
            clr__b_problem(b, path, 0, 0, "not a list file in a known format");
            rc = CLR_ELIST;
        }
        break;
    }
    if (b->report && (f != FMT_NONE && f != FMT_OFAC_SIBLING))
        b->report->nfiles++;
    free(buf);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_path(clr__builder *b, const char *path, int named, int depth)
{
    struct stat st;
    if (stat(path, &st)) {
        clr__b_problem(b, path, 0, 0, "cannot open: %s", strerror(errno));
        return CLR_EIO;
    }
    if (!S_ISDIR(st.st_mode))
        return load_file(b, path, named);
    if (depth > 2)
        return 0;
    DIR *d = opendir(path);
    if (!d) {
        clr__b_problem(b, path, 0, 0, "cannot open the directory: %s", strerror(errno));
        return CLR_EIO;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        size_t nl = strlen(de->d_name);
        if (nl > 3 && !strcasecmp(de->d_name + nl - 3, ".md"))
            continue;
        if (grow((void **)&names, &cap, n + 1, sizeof *names) ||
            !(names[n] = malloc(strlen(path) + nl + 2))) {
            rc = CLR_ENOMEM;
            goto done;
        }
        sprintf(names[n++], "%s/%s", path, de->d_name);
    }
    qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n && rc != CLR_ENOMEM; i++) {
        int r = load_path(b, names[i], 0, depth + 1);
        if (r && !rc)
            rc = r;
    }
done:
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    closedir(d);
    return rc;
}

void clr__lists_free(clr_lists *l)
{
    if (!l)
        return;
    free(l->strings.buf);
    free(l->entries);
    free(l->names);
    free(l->name_tokens);
    free(l->tokens);
    free(l->postings);
    free(l->tok_hash);
    free(l->del_keys);
    free(l->del_bucket);
    free(l->skel_keys);
    free(l);
}

int clr_lists_load(clr_lists **out, const char *const *paths, size_t npaths,
                   clr_list_report *report)
{
    if (!out || (!paths && npaths))
        return CLR_EINVAL;
    *out = NULL;
    if (report)
        memset(report, 0, sizeof *report);
    clr__builder b;
    memset(&b, 0, sizeof b);
    b.report = report;
    int rc = 0;
    b.l = calloc(1, sizeof *b.l);
    if (!b.l)
        return CLR_ENOMEM;
    atomic_init(&b.l->refs, 1);
    uint32_t zero;
    if ((rc = clr__pool_add(&b.l->strings, "", 0, &zero)))
        goto done;
    for (size_t i = 0; i < npaths; i++) {
        if (!paths[i]) {
            rc = CLR_EINVAL;
            goto done;
        }
        int r = load_path(&b, paths[i], 1, 0);
        if (r == CLR_ENOMEM) {
            rc = r;
            goto done;
        }
        if (r && !rc)
            rc = r;
    }
    if (b.oom) {
        rc = CLR_ENOMEM;
        goto done;
    }
    if (rc)
        goto done;
    if (b.l->nentries == 0) {
        clr__b_problem(&b, npaths ? paths[0] : "", 0, 0, "no list entries were loaded");
        rc = CLR_ELIST;
        goto done;
    }
    if ((rc = clr__index_build(b.l)))
        goto done;
    if (report) {
        report->nlists = b.l->nlists;
        for (size_t i = 0; i < b.l->nlists; i++) {
            clr_list_stats *s = &report->lists[i];
            const clr__list_info *li = &b.l->lists[i];
            memcpy(s->list, li->id, sizeof s->list);
            s->entities = li->entities;
            s->names = li->names;
            s->aliases = li->aliases;
            s->hit_threshold = li->hit;
            s->review_threshold = li->review;
        }
    }
    *out = b.l;
    b.l = NULL;
done:
    free(b.ent_hash);
    free(b.dup_hash);
    clr__lists_free(b.l);
    return rc;
}

int clr_lists_load_defaults(clr_lists **out, const char *data_dir, clr_list_report *report)
{
    if (!out)
        return CLR_EINVAL;
#ifdef CLR_DATA_DIR
    if (!data_dir)
        data_dir = CLR_DATA_DIR;
#endif
    if (!data_dir) {
        *out = NULL;
        return CLR_EINVAL;
    }
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/lists", data_dir) >= sizeof path)
        return CLR_EINVAL;
    const char *paths[1] = {path};
    return clr_lists_load(out, paths, 1, report);
}

const char *clr_lists_default_dir(void)
{
#ifdef CLR_DATA_DIR
    return CLR_DATA_DIR "/lists";
#else
    return NULL;
#endif
}

clr_lists *clr_lists_ref(clr_lists *l)
{
    if (l)
        atomic_fetch_add_explicit(&l->refs, 1, memory_order_relaxed);
    return l;
}

void clr_lists_unref(clr_lists *l)
{
    if (l && atomic_fetch_sub_explicit(&l->refs, 1, memory_order_acq_rel) == 1)
        clr__lists_free(l);
}

size_t clr_lists_count(const clr_lists *l)
{
    return l ? l->nlists : 0;
}

const char *clr_lists_id(const clr_lists *l, size_t i)
{
    return l && i < l->nlists ? l->lists[i].id : NULL;
}

size_t clr_lists_entity_count(const clr_lists *l)
{
    return l ? l->nentries : 0;
}

size_t clr_lists_name_count(const clr_lists *l)
{
    return l ? l->nnames : 0;
}

int clr_lists_set_thresholds(clr_lists *l, const char *list, double hit, double review)
{
    if (!l || !(review >= 0 && review <= hit && hit <= 1))
        return CLR_EINVAL;
    int found = 0;
    for (size_t i = 0; i < l->nlists; i++) {
        if (list && strcmp(list, l->lists[i].id))
            continue;
        l->lists[i].hit = hit;
        l->lists[i].review = review;
        found = 1;
    }
    return found ? 0 : CLR_ENOTFOUND;
}

int clr_lists_get_thresholds(const clr_lists *l, const char *list, double *hit, double *review)
{
    if (!l || !list)
        return CLR_EINVAL;
    for (size_t i = 0; i < l->nlists; i++) {
        if (!strcmp(list, l->lists[i].id)) {
            if (hit)
                *hit = l->lists[i].hit;
            if (review)
                *review = l->lists[i].review;
            return 0;
        }
    }
    return CLR_ENOTFOUND;
}

const char *clr_entity_type_name(clr_entity_type t)
{
    switch (t) {
    case CLR_ENTITY_PERSON: return "person";
    case CLR_ENTITY_ORG: return "org";
    case CLR_ENTITY_VESSEL: return "vessel";
    case CLR_ENTITY_AIRCRAFT: return "aircraft";
    default: return "unknown";
    }
}

int clr_entity_type_parse(clr_entity_type *out, const char *s)
{
    static const struct {
        const char *name;
        clr_entity_type t;
    } names[] = {{"person", CLR_ENTITY_PERSON},     {"individual", CLR_ENTITY_PERSON},
                 {"org", CLR_ENTITY_ORG},           {"organization", CLR_ENTITY_ORG},
                 {"organisation", CLR_ENTITY_ORG},  {"entity", CLR_ENTITY_ORG},
                 {"company", CLR_ENTITY_ORG},       {"vessel", CLR_ENTITY_VESSEL},
                 {"aircraft", CLR_ENTITY_AIRCRAFT}, {"unknown", CLR_ENTITY_UNKNOWN}};
    if (!out || !s)
        return CLR_EINVAL;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!strcasecmp(s, names[i].name)) {
            *out = names[i].t;
            return 0;
        }
    }
    return CLR_EINVAL;
}

const char *clr_match_status_name(clr_match_status s)
{
    return s == CLR_MATCH_HIT ? "hit" : "possible";
}
