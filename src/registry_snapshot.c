/* The registry snapshot the decision path reads: loaded from the store,
 * immutable, reference-counted, swapped atomically; filling a request,
 * flagging contradictions, applying adjudications and finding a key's user
 * allocate nothing. */
#include "registry_internal.h"
#include "ruleset.h"
#include "screen_internal.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct snap_key {
    char id[17];
    unsigned char hash[32];
    char user[CLR_ID_MAX];
} snap_key;

typedef struct snap_adj {
    char party[CLR_PARTY_MAX];
    char list[CLR_LIST_ID_MAX];
    char entry[CLR_ID_MAX];
    clr_verdict verdict;
    clr_time expires;
    int current; /* the entry still has the digest the verdict was made on */
} snap_adj;

struct clr_registry {
    atomic_long refs;
    size_t norgs, nusers, nkeys, nadj;
    clr_org *orgs;   /* by id */
    clr_user *users; /* by id */
    snap_key *keys;  /* valid keys, by id */
    snap_adj *adj;   /* by party, list, entry */
};

/* ---- loading ------------------------------------------------------------------ */

/* A growable array of elements of size sz. */
typedef struct vec {
    void *v;
    size_t n, cap, sz;
} vec;

static void *vec_push(vec *x)
{
    if (x->n == x->cap) {
        size_t cap = x->cap ? 2 * x->cap : 16;
        void *v = realloc(x->v, cap * x->sz);
        if (!v)
            return NULL;
        x->v = v;
        x->cap = cap;
    }
    return (char *)x->v + x->n++ * x->sz;
}

static int push_org(void *arg, const clr_org *o)
{
    clr_org *d = vec_push(arg);
    if (!d)
        return CLR_ENOMEM;
    *d = *o;
    return 0;
}

static int push_user(void *arg, const clr_user *u)
{
    clr_user *d = vec_push(arg);
    if (!d)
        return CLR_ENOMEM;
    *d = *u;
    return 0;
}

static int key_row(void *arg, const clr__value *c, int n)
{
    (void)n;
    snap_key *k = vec_push(arg);
    char hex[65];
    if (!k)
        return CLR_ENOMEM;
    memset(k, 0, sizeof *k);
    clr__value_text(k->id, sizeof k->id, &c[0]);
    clr__value_text(k->user, sizeof k->user, &c[1]);
    clr__value_text(hex, sizeof hex, &c[2]);
    if (clr__unhex(k->hash, sizeof k->hash, hex, strlen(hex)))
        ((vec *)arg)->n--; /* unreadable: the key does not open anything */
    return 0;
}

typedef struct adj_load {
    vec v;
    const clr_lists *lists;
} adj_load;

static int adj_row(void *arg, const clr__value *c, int n)
{
    (void)n;
    adj_load *al = arg;
    clr_adjudication a;
    clr__registry_adjudication_from_row(&a, c);
    snap_adj *d = vec_push(&al->v);
    if (!d)
        return CLR_ENOMEM;
    memset(d, 0, sizeof *d);
    memcpy(d->party, a.party, sizeof d->party);
    memcpy(d->list, a.list, sizeof d->list);
    memcpy(d->entry, a.entry, sizeof d->entry);
    d->verdict = a.verdict;
    d->expires = a.expires;
    d->current = 1;
    if (al->lists) {
        char digest[CLR_DIGEST_HEX];
        d->current = clr_registry_entry_digest(digest, al->lists, a.list, a.entry) == 0 &&
                     strcmp(digest, a.digest) == 0;
    }
    return 0;
}

static int cmp_org(const void *a, const void *b)
{
    return strcmp(((const clr_org *)a)->id, ((const clr_org *)b)->id);
}

static int cmp_user(const void *a, const void *b)
{
    return strcmp(((const clr_user *)a)->id, ((const clr_user *)b)->id);
}

static int cmp_key(const void *a, const void *b)
{
    return strcmp(((const snap_key *)a)->id, ((const snap_key *)b)->id);
}

static int cmp_adj(const void *a, const void *b)
{
    const snap_adj *x = a, *y = b;
    int c = strcmp(x->party, y->party);
    if (!c)
        c = strcmp(x->list, y->list);
    return c ? c : strcmp(x->entry, y->entry);
}

static void snapshot_free(clr_registry *r)
{
    free(r->orgs);
    free(r->users);
    if (r->keys)
        sodium_memzero(r->keys, r->nkeys * sizeof *r->keys);
    free(r->keys);
    free(r->adj);
    free(r);
}

int clr_registry_load(clr_registry **out, clr_store *s, const clr_lists *lists)
{
    vec orgs = {NULL, 0, 0, sizeof(clr_org)}, users = {NULL, 0, 0, sizeof(clr_user)};
    vec keys = {NULL, 0, 0, sizeof(snap_key)};
    adj_load adj = {{NULL, 0, 0, sizeof(snap_adj)}, lists};
    clr_registry *r = NULL;
    int rc;
    *out = NULL;
    if ((rc = s->ops->begin(s, 0)))
        return rc;
    if (!(rc = clr_registry_org_list(s, push_org, &orgs)) &&
        !(rc = clr_registry_user_list(s, push_user, &users)) &&
        !(rc = clr__store_query(s,
                                "SELECT id, user_id, hash FROM registry_key WHERE revoked = 0 "
                                "ORDER BY id",
                                NULL, 0, key_row, &keys, NULL)))
        rc = clr__store_query(s, clr__registry_adjudication_select, NULL, 0, adj_row, &adj, NULL);
    s->ops->rollback(s); /* a read: nothing to keep */
    if (!rc && !(r = calloc(1, sizeof *r)))
        rc = CLR_ENOMEM;
    if (rc)
        goto done;
    atomic_init(&r->refs, 1);
    r->orgs = orgs.v;
    r->norgs = orgs.n;
    r->users = users.v;
    r->nusers = users.n;
    r->keys = keys.v;
    r->nkeys = keys.n;
    r->adj = adj.v.v;
    r->nadj = adj.v.n;
    orgs.v = users.v = keys.v = adj.v.v = NULL;
    if (r->norgs)
        qsort(r->orgs, r->norgs, sizeof *r->orgs, cmp_org);
    if (r->nusers)
        qsort(r->users, r->nusers, sizeof *r->users, cmp_user);
    if (r->nkeys)
        qsort(r->keys, r->nkeys, sizeof *r->keys, cmp_key);
    if (r->nadj)
        qsort(r->adj, r->nadj, sizeof *r->adj, cmp_adj);
    *out = r;
done:
    free(orgs.v);
    free(users.v);
    free(keys.v);
    free(adj.v.v);
    return rc;
}

clr_registry *clr_registry_ref(clr_registry *r)
{
    if (r)
        atomic_fetch_add_explicit(&r->refs, 1, memory_order_relaxed);
    return r;
}

void clr_registry_unref(clr_registry *r)
{
    if (r && atomic_fetch_sub_explicit(&r->refs, 1, memory_order_acq_rel) == 1)
        snapshot_free(r);
}

size_t clr_registry_org_count(const clr_registry *r)
{
    return r ? r->norgs : 0;
}

size_t clr_registry_user_count(const clr_registry *r)
{
    return r ? r->nusers : 0;
}

/* ---- lookups ---------------------------------------------------------------------- */

static const clr_org *find_org(const clr_registry *r, const char *id)
{
    size_t lo = 0, hi = r->norgs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(id, r->orgs[mid].id);
        if (c == 0)
            return &r->orgs[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

static const clr_user *find_user(const clr_registry *r, const char *id)
{
    size_t lo = 0, hi = r->nusers;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(id, r->users[mid].id);
        if (c == 0)
            return &r->users[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

const clr_user *clr_registry_user_find(const clr_registry *r, const char *id)
{
    return r && id ? find_user(r, id) : NULL;
}

static const snap_adj *find_adj(const clr_registry *r, const char *party, const char *list,
                                const char *entry)
{
    size_t lo = 0, hi = r->nadj;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const snap_adj *a = &r->adj[mid];
        int c = strcmp(party, a->party);
        if (!c)
            c = strcmp(list, a->list);
        if (!c)
            c = strcmp(entry, a->entry);
        if (c == 0)
            return a;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

#define KEY_LEN (4 + 16 + 1 + 64)

int clr_registry_key_user(char user_id[CLR_ID_MAX], const clr_registry *r, const char *key,
                          size_t len)
{
    char id[17];
    unsigned char h[32];
    user_id[0] = '\0';
    if (!r || !key || len != KEY_LEN || memcmp(key, "clr_", 4) != 0 || key[20] != '_')
        return CLR_ENOTFOUND;
    memcpy(id, key + 4, 16);
    id[16] = '\0';
    crypto_generichash(h, sizeof h, (const unsigned char *)key, len, NULL, 0);
    size_t lo = 0, hi = r->nkeys;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(id, r->keys[mid].id);
        if (c == 0) {
            if (sodium_memcmp(h, r->keys[mid].hash, sizeof h) != 0)
                return CLR_ENOTFOUND;
            memcpy(user_id, r->keys[mid].user, CLR_ID_MAX);
            return 0;
        }
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return CLR_ENOTFOUND;
}

/* ---- filling a request ---------------------------------------------------------------- */

/* whose is "user" or "organisation", id its id. */
static void flag(clr_registry_check *chk, const char *field, const char *stated,
                 const char *registered, const char *whose, const char *id)
{
    if (chk->nflags == CLR_REGISTRY_MAX_FLAGS)
        return;
    chk->flags[chk->nflags].field = field;
    snprintf(chk->flags[chk->nflags].message, sizeof chk->flags[0].message,
             "the request states %s \"%.200s\" but the registry records \"%.200s\" for %s %.127s",
             field, stated, registered, whose, id);
    chk->nflags++;
}

/* Copies the NUL-terminated src into dst of cap bytes, truncating. */
static void copy(char *dst, size_t cap, const char *src)
{
    size_t n = strnlen(src, cap - 1);
    memcpy(dst, src, n);
    clr__field_pad(dst, n, cap);
}

/* Fills dst (cap bytes) from registered when empty; flags a contradiction. */
static void field(clr_registry_check *chk, const char *name, char *dst, size_t cap,
                  const char *registered, int fold, const char *whose, const char *id)
{
    if (!registered[0])
        return;
    if (!dst[0]) {
        copy(dst, cap, registered);
        return;
    }
    if (fold ? strcasecmp(dst, registered) != 0 : strcmp(dst, registered) != 0)
        flag(chk, name, dst, registered, whose, id);
}

void clr_registry_fill(const clr_registry *r, clr_request *req, clr_registry_check *chk)
{
    clr_principal *p = &req->principal;
    chk->in_use = r && r->nusers > 0;
    chk->registered = 0;
    chk->nflags = 0;
    if (!r)
        return;
    const clr_user *u = find_user(r, p->id);
    if (!u)
        return;
    chk->registered = 1;
    field(chk, "principal.org", p->org, sizeof p->org, u->org, 0, "user", u->id);
    field(chk, "principal.name", p->name, sizeof p->name, u->name, 1, "user", u->id);
    field(chk, "principal.nationality", p->nationality, sizeof p->nationality, u->nationality, 0,
          "user", u->id);
    field(chk, "principal.country", p->country, sizeof p->country, u->country, 0, "user", u->id);
    const clr_org *o = find_org(r, u->org[0] ? u->org : p->org);
    if (o) {
        field(chk, "principal.hq", p->hq, sizeof p->hq, o->hq, 0, "organisation", o->id);
        int known = !p->org_name[0] || strcasecmp(p->org_name, o->legal_name) == 0;
        for (size_t i = 0; i < o->naliases && !known; i++)
            known = strcasecmp(p->org_name, o->aliases[i]) == 0;
        if (!known)
            flag(chk, "principal.org_name", p->org_name, o->legal_name, "organisation", o->id);
        else if (!p->org_name[0])
            copy(p->org_name, sizeof p->org_name, o->legal_name);
    }
    if (!req->destination[0] && p->country[0])
        memcpy(req->destination, p->country, sizeof req->destination);
}

int clr_registry_request_parse(clr_request *out, const clr_registry *r, const char *json,
                               size_t len, clr_time now, clr_request_error *err)
{
    clr_request_error e;
    int rc = clr_request_parse(out, json, len, now, &e);
    if (rc != CLR_EREQUEST || !r || strcmp(e.path, "$.destination") != 0) {
        if (rc && err)
            *err = e;
        return rc;
    }
    /* no destination and no country: the registered country, when there is one */
    const clr_user *u = NULL;
    cJSON *root = cJSON_ParseWithLength(json, len);
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(root, "principal");
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(p, "id");
    if (cJSON_IsObject(root) && !cJSON_GetObjectItemCaseSensitive(root, "destination") &&
        cJSON_IsString(id))
        u = find_user(r, id->valuestring);
    cJSON_Delete(root);
    const char *brace = memchr(json, '{', len);
    char *text = NULL;
    if (u && u->country[0] && brace && (text = malloc(len + 32))) {
        /* the same object with "destination" first: it was absent */
        int n = snprintf(text, 32, "{\"destination\":\"%s\",", u->country);
        size_t rest = len - (size_t)(brace + 1 - json);
        memcpy(text + n, brace + 1, rest);
        rc = clr_request_parse(out, text, (size_t)n + rest, now, &e);
        free(text);
    }
    if (rc && err)
        *err = e;
    return rc;
}

static const char UNREGISTERED[] =
    "principal.id is not a registered user, and the registry is in use: a reviewer must "
    "establish who the customer is";

static void add_review(clr_decision *d, const char *rule, const char *message)
{
    if (d->outcome < CLR_REVIEW)
        d->outcome = CLR_REVIEW;
    if (d->nreasons == CLR_MAX_REASONS) {
        d->reasons_dropped++;
        return;
    }
    clr_reason *x = &d->reasons[d->nreasons++];
    memset(x, 0, sizeof *x);
    x->rulebook = "clearance";
    x->rule = rule;
    x->effect = CLR_EFFECT_REVIEW;
    x->citation = "";
    x->message = message;
}

size_t clr_registry_flag(const clr_registry_check *chk, clr_decision *d)
{
    size_t n = 0;
    if (chk->in_use && !chk->registered) {
        add_review(d, "unregistered-principal", UNREGISTERED);
        n++;
    }
    for (size_t i = 0; i < chk->nflags; i++, n++)
        add_review(d, "registry-mismatch", chk->flags[i].message);
    return n;
}

/* ---- adjudications -------------------------------------------------------------------- */

static const char TRUE_HIT[] =
    "Possible match on a restricted-party list that a reviewer has adjudicated as the listed "
    "party (true_hit): the request stays under review.";

size_t clr_registry_apply_adjudications(const clr_registry *r, const clr_request *req,
                                        clr_decision *d)
{
    size_t removed = 0, kept = 0;
    if (!r || !r->nadj || d->reasons_dropped)
        return 0;
    for (size_t i = 0; i < d->nreasons; i++) {
        clr_reason *x = &d->reasons[i];
        const snap_adj *a = NULL;
        if (x->match.list && x->match.possible && x->match.id && x->match.query) {
            char party[CLR_PARTY_MAX];
            int org = strcmp(x->match.query, "principal.org_name") == 0;
            const char *id = org ? req->principal.org : req->principal.id;
            if (id[0]) {
                snprintf(party, sizeof party, "%s%s", org ? "org:" : "user:", id);
                a = find_adj(r, party, x->match.list, x->match.id);
            }
            if (a && (!a->current || a->expires <= d->at))
                a = NULL;
        }
        if (a && a->verdict == CLR_VERDICT_FALSE_POSITIVE) {
            removed++;
            continue;
        }
        if (a && a->verdict == CLR_VERDICT_TRUE_HIT)
            x->message = TRUE_HIT;
        if (kept != i)
            d->reasons[kept] = *x;
        kept++;
    }
    if (!removed)
        return 0;
    d->nreasons = kept;
    d->outcome = CLR_ALLOW;
    for (size_t b = 0; b < d->nrulebooks; b++)
        d->rulebooks[b].outcome = CLR_ALLOW;
    for (size_t i = 0; i < d->nreasons; i++) {
        const clr_reason *x = &d->reasons[i];
        if (x->licence || x->effect == CLR_EFFECT_OBLIGATION)
            continue;
        clr_outcome oc = (clr_outcome)x->effect;
        if (oc > d->outcome)
            d->outcome = oc;
        for (size_t b = 0; b < d->nrulebooks; b++)
            if (strcmp(d->rulebooks[b].rulebook, x->rulebook) == 0 && oc > d->rulebooks[b].outcome)
                d->rulebooks[b].outcome = oc;
    }
    return removed;
}

/* ---- the active snapshot ---------------------------------------------------------------- */

struct clr_registry_cell {
    pthread_mutex_t lock;
    clr_registry *active;
    uint64_t generation; /* atomic; bumped on every swap */
};

const clr_user *clr__registry_user_at(const clr_registry *r, size_t i)
{
    return &r->users[i];
}

int clr_registry_cell_new(clr_registry_cell **out, clr_registry *r)
{
    clr_registry_cell *c = calloc(1, sizeof *c);
    *out = NULL;
    if (!c)
        return CLR_ENOMEM;
    pthread_mutex_init(&c->lock, NULL);
    c->active = clr_registry_ref(r);
    c->generation = 1;
    *out = c;
    return 0;
}

void clr_registry_cell_free(clr_registry_cell *c)
{
    if (!c)
        return;
    clr_registry_unref(c->active);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

void clr_registry_cell_swap(clr_registry_cell *c, clr_registry *r)
{
    clr_registry_ref(r);
    pthread_mutex_lock(&c->lock);
    clr_registry *old = c->active;
    c->active = r;
    __atomic_add_fetch(&c->generation, 1, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&c->lock);
    clr_registry_unref(old);
}

const clr_registry *clr_registry_cell_current(clr_registry_cell *c, clr_registry **cached,
                                              uint64_t *gen)
{
    uint64_t g = __atomic_load_n(&c->generation, __ATOMIC_ACQUIRE);
    if (g == *gen && *cached)
        return *cached;
    pthread_mutex_lock(&c->lock);
    clr_registry *r = clr_registry_ref(c->active);
    g = __atomic_load_n(&c->generation, __ATOMIC_ACQUIRE);
    pthread_mutex_unlock(&c->lock);
    clr_registry_unref(*cached);
    *cached = r;
    *gen = g;
    return r;
}
