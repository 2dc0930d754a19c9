/* Screening registered parties: on registration, and again over every party
 * when the lists change (continuous screening), with the results and what
 * changed since the last time kept in the store. */
#include "registry_internal.h"
#include "screen_internal.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RESULTS 64 /* results kept per party */
#define MATCHES_PER_NAME 32

const char *clr_screen_change_name(clr_screen_change_kind k)
{
    return k == CLR_SCREEN_NEW ? "new" : k == CLR_SCREEN_CLEARED ? "cleared" : "changed";
}

static void hash_str(crypto_generichash_state *h, const char *s)
{
    size_t n = strlen(s) + 1; /* with the NUL: fields cannot run into each other */
    crypto_generichash_update(h, (const unsigned char *)s, n);
}

int clr_registry_entry_digest(char out[CLR_DIGEST_HEX], const clr_lists *l, const char *list,
                              const char *entry)
{
    size_t li = 0;
    while (li < l->nlists && strcmp(l->lists[li].id, list) != 0)
        li++;
    if (li == l->nlists)
        return CLR_ENOTFOUND;
    crypto_generichash_state h;
    unsigned char d[16];
    int found = 0;
    crypto_generichash_init(&h, NULL, 0, sizeof d);
    for (size_t e = 0; e < l->nentries; e++) {
        const clr__entry *x = &l->entries[e];
        if (x->list != li || strcmp(clr__str(l, x->id), entry) != 0)
            continue;
        char meta[64];
        found = 1;
        hash_str(&h, list);
        hash_str(&h, entry);
        hash_str(&h, clr__str(l, x->name));
        hash_str(&h, clr__str(l, x->programs));
        snprintf(meta, sizeof meta, "%u %u %.*s", (unsigned)x->type, (unsigned)x->birth_year,
                 2 * x->ncountries, &x->countries[0][0]);
        hash_str(&h, meta);
        for (size_t n = 0; n < l->nnames; n++)
            if (l->names[n].entry == e) {
                hash_str(&h, l->names[n].alias ? "a" : "n");
                hash_str(&h, clr__str(l, l->names[n].text));
            }
    }
    if (!found)
        return CLR_ENOTFOUND;
    crypto_generichash_final(&h, d, sizeof d);
    clr__hex(out, d, sizeof d);
    return 0;
}

/* ---- a party's names --------------------------------------------------------- */

typedef struct party_names {
    int found;
    clr_entity_type type;
    char country[3];
    size_t n;
    char names[CLR_ORG_ALIASES_MAX + 1][CLR_NAME_MAX];
} party_names;

static int party_load(party_names *pn, clr_store *s, const char *party)
{
    int is_org, rc;
    const char *id;
    memset(pn, 0, sizeof *pn);
    if (clr__registry_party_parse(party, &is_org, &id))
        return CLR_EINVAL;
    if (is_org) {
        clr_org o;
        if ((rc = clr_registry_org_get(&o, s, id)))
            return rc;
        pn->type = CLR_ENTITY_ORG;
        memcpy(pn->country, o.hq[0] ? o.hq : o.country, 3);
        memcpy(pn->names[pn->n++], o.legal_name, CLR_NAME_MAX);
        for (size_t i = 0; i < o.naliases; i++)
            memcpy(pn->names[pn->n++], o.aliases[i], CLR_NAME_MAX);
    } else {
        clr_user u;
        if ((rc = clr_registry_user_get(&u, s, id)))
            return rc;
        pn->type = CLR_ENTITY_PERSON;
        memcpy(pn->country, u.nationality, 3);
        if (u.name[0])
            memcpy(pn->names[pn->n++], u.name, CLR_NAME_MAX);
    }
    pn->found = 1;
    return 0;
}

/* ---- screening one party ----------------------------------------------------- */

typedef struct result_set {
    size_t n;
    clr_screen_result v[MAX_RESULTS];
} result_set;

static clr_screen_result *find(result_set *rs, const char *list, const char *entry)
{
    for (size_t i = 0; i < rs->n; i++)
        if (strcmp(rs->v[i].list, list) == 0 && strcmp(rs->v[i].entry, entry) == 0)
            return &rs->v[i];
    return NULL;
}

/* Screens the names into *out (best score per entry). */
static int screen_names(result_set *out, const clr_lists *l, const party_names *pn,
                        const char *party, clr_time now)
{
    clr_match *m = malloc(sizeof *m * MATCHES_PER_NAME);
    if (!m)
        return CLR_ENOMEM;
    out->n = 0;
    for (size_t i = 0; i < pn->n; i++) {
        clr_screen_query q = CLR_SCREEN_QUERY_INIT;
        size_t nm = 0;
        q.name = pn->names[i];
        q.type = pn->type;
        memcpy(q.country, pn->country, 3);
        if (clr_screen_run(l, &q, m, MATCHES_PER_NAME, &nm) != 0)
            continue;
        for (size_t k = 0; k < nm; k++) {
            clr_screen_result *r = find(out, m[k].list, m[k].id);
            if (!r) {
                if (out->n == MAX_RESULTS)
                    continue;
                r = &out->v[out->n++];
                memset(r, 0, sizeof *r);
                snprintf(r->party, sizeof r->party, "%s", party);
                snprintf(r->list, sizeof r->list, "%s", m[k].list);
                snprintf(r->entry, sizeof r->entry, "%s", m[k].id);
                snprintf(r->entry_name, sizeof r->entry_name, "%s", m[k].name);
                if (clr_registry_entry_digest(r->digest, l, r->list, r->entry))
                    r->digest[0] = '\0';
                r->score = -1;
                r->screened_at = now;
            }
            if (m[k].score > r->score) {
                r->score = m[k].score;
                r->possible = m[k].status != CLR_MATCH_HIT;
            }
        }
    }
    free(m);
    return 0;
}

static void result_from_row(clr_screen_result *r, const clr__value *c)
{
    memset(r, 0, sizeof *r);
    clr__value_text(r->party, sizeof r->party, &c[0]);
    clr__value_text(r->list, sizeof r->list, &c[1]);
    clr__value_text(r->entry, sizeof r->entry, &c[2]);
    clr__value_text(r->entry_name, sizeof r->entry_name, &c[3]);
    clr__value_text(r->digest, sizeof r->digest, &c[4]);
    r->score = c[5].d;
    r->possible = c[6].type == CLR__TEXT && c[6].n == 8 && memcmp(c[6].s, "possible", 8) == 0;
    r->screened_at = c[7].i;
}

static int collect_row(void *arg, const clr__value *c, int n)
{
    result_set *rs = arg;
    (void)n;
    if (rs->n < MAX_RESULTS)
        result_from_row(&rs->v[rs->n++], c);
    return 0;
}

static const char RESULTS_OF[] =
    "SELECT party, list, entry, entry_name, digest, score, status, screened_at FROM "
    "registry_screening WHERE party = $1 ORDER BY list, entry";

/* Replaces the party's stored results with now's; fills changes. */
static int store_results(clr_store *s, const char *party, const result_set *now, result_set *old)
{
    clr__value p[1] = {TXT(party)};
    int rc = s->ops->begin(s, 1);
    if (rc)
        return rc;
    old->n = 0;
    if ((rc = clr__store_query(s, RESULTS_OF, p, 1, collect_row, old, NULL)) ||
        (rc = clr__store_query(s, "DELETE FROM registry_screening WHERE party = $1", p, 1, NULL,
                               NULL, NULL)))
        goto done;
    for (size_t i = 0; i < now->n && !rc; i++) {
        const clr_screen_result *r = &now->v[i];
        clr__value v[8] = {TXT(r->party),
                           TXT(r->list),
                           TXT(r->entry),
                           TXT(r->entry_name),
                           TXT(r->digest),
                           CLR__V_REAL(r->score),
                           TXT(r->possible ? "possible" : "hit"),
                           CLR__V_INT(r->screened_at)};
        rc = clr__store_query(s,
                              "INSERT INTO registry_screening (party, list, entry, entry_name, "
                              "digest, score, status, screened_at) VALUES ($1, $2, $3, $4, $5, "
                              "$6, $7, $8)",
                              v, 8, NULL, NULL, NULL);
    }
done:
    if (rc) {
        s->ops->rollback(s);
        return rc;
    }
    return s->ops->commit(s);
}

static int report(const result_set *now, result_set *old, clr_screen_change_fn fn, void *arg)
{
    clr_screen_change c;
    int rc;
    for (size_t i = 0; i < now->n && fn; i++) {
        const clr_screen_result *r = &now->v[i];
        clr_screen_result *was = find(old, r->list, r->entry);
        if (was && strcmp(was->digest, r->digest) == 0 && was->possible == r->possible)
            continue;
        c.kind = was ? CLR_SCREEN_CHANGED : CLR_SCREEN_NEW;
        c.result = *r;
        if ((rc = fn(arg, &c)))
            return rc;
    }
    for (size_t i = 0; i < old->n && fn; i++) {
        result_set *cur = (result_set *)now;
        if (find(cur, old->v[i].list, old->v[i].entry))
            continue;
        c.kind = CLR_SCREEN_CLEARED;
        c.result = old->v[i];
        if ((rc = fn(arg, &c)))
            return rc;
    }
    return 0;
}

int clr_registry_screen_party(clr_store *s, const clr_lists *l, const char *party,
                              clr_screen_change_fn fn, void *arg)
{
    party_names *pn = malloc(sizeof *pn);
    result_set *now = malloc(sizeof *now), *old = malloc(sizeof *old);
    int rc = CLR_ENOMEM;
    if (!pn || !now || !old)
        goto done;
    if ((rc = party_load(pn, s, party)))
        goto done;
    if ((rc = screen_names(now, l, pn, party, clr_time_now())))
        goto done;
    if ((rc = store_results(s, party, now, old)))
        goto done;
    rc = report(now, old, fn, arg);
done:
    free(pn);
    free(now);
    free(old);
    return rc;
}

/* ---- every party ---------------------------------------------------------------- */

typedef struct ids {
    size_t n, cap;
    char (*v)[CLR_PARTY_MAX];
} ids;

static int ids_row(void *arg, const clr__value *c, int n)
{
    ids *x = arg;
    (void)n;
    if (x->n == x->cap) {
        size_t cap = x->cap ? 2 * x->cap : 64;
        void *v = realloc(x->v, cap * sizeof *x->v);
        if (!v)
            return CLR_ENOMEM;
        x->v = v;
        x->cap = cap;
    }
    clr__value_text(x->v[x->n++], CLR_PARTY_MAX, &c[0]);
    return 0;
}

int clr_registry_rescreen(clr_store *s, const clr_lists *l, clr_screen_change_fn fn, void *arg,
                          size_t *nparties)
{
    ids x = {0, 0, NULL};
    int rc = clr__store_query(s,
                              "SELECT 'org:' || id FROM registry_org UNION ALL SELECT 'user:' || "
                              "id FROM registry_user",
                              NULL, 0, ids_row, &x, NULL);
    if (nparties)
        *nparties = 0;
    for (size_t i = 0; i < x.n && !rc; i++) {
        rc = clr_registry_screen_party(s, l, x.v[i], fn, arg);
        if (rc == CLR_ENOTFOUND)
            rc = 0; /* removed meanwhile */
        else if (!rc && nparties)
            ++*nparties;
    }
    free(x.v);
    return rc;
}

typedef struct results_iter {
    int (*fn)(void *arg, const clr_screen_result *r);
    void *arg;
    clr_screen_result r;
} results_iter;

static int results_iter_row(void *arg, const clr__value *c, int n)
{
    results_iter *it = arg;
    (void)n;
    result_from_row(&it->r, c);
    return it->fn(it->arg, &it->r);
}

int clr_registry_results_list(clr_store *s, const char *party,
                              int (*fn)(void *arg, const clr_screen_result *r), void *arg)
{
    results_iter *it = malloc(sizeof *it);
    if (!it)
        return CLR_ENOMEM;
    it->fn = fn;
    it->arg = arg;
    clr__value p[1] = {TXT(party)};
    int rc = party ? clr__store_query(s, RESULTS_OF, p, 1, results_iter_row, it, NULL)
                   : clr__store_query(s,
                                      "SELECT party, list, entry, entry_name, digest, score, "
                                      "status, screened_at FROM registry_screening ORDER BY "
                                      "party, list, entry",
                                      NULL, 0, results_iter_row, it, NULL);
    free(it);
    return rc;
}
