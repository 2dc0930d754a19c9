/* Licences in the store: adding, listing and revoking them, and the
 * store-backed licence set whose drawdown is exact across every process that
 * shares the store, through leases (docs/store.md, "Licences"). All SQL runs
 * through clr__store_query in the dialect every backend accepts. */
#include "licence.h"
#include "store.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LEASE_TRIES 16 /* conditional updates lost to other nodes before giving up */

static const char SQL_INSERT[] =
    "INSERT INTO licences (id, rulebook, licensee, doc, valid_from, valid_until, quantity,"
    " per_request, used, revoked, created) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, NULL, $9)";
static const char SQL_LIST[] =
    "SELECT id, rulebook, licensee, doc, valid_from, valid_until, quantity, per_request, used,"
    " revoked, created FROM licences ORDER BY id";
static const char SQL_GET[] =
    "SELECT id, rulebook, licensee, doc, valid_from, valid_until, quantity, per_request, used,"
    " revoked, created FROM licences WHERE id = $1";
static const char SQL_REVOKE[] =
    "UPDATE licences SET revoked = $2 WHERE id = $1 AND revoked IS NULL";
static const char SQL_ACTIVE[] = "SELECT id, doc, revoked, quantity FROM licences"
                                 " WHERE valid_until > $1 ORDER BY id";
static const char SQL_STATE[] = "SELECT quantity, used, revoked FROM licences WHERE id = $1";
static const char SQL_LEASE[] = "UPDATE licences SET used = used + $2"
                                " WHERE id = $1 AND revoked IS NULL AND used + $2 <= quantity";
static const char SQL_RETURN[] =
    "UPDATE licences SET used = used - $2 WHERE id = $1 AND used >= $2";

/* A set of one licence, to validate with the parser of clr_licences_parse. */
static clr_licences *scratch_set(void)
{
    clr_licences *l = calloc(1, sizeof *l);
    if (l)
        clr__arena_init(&l->arena);
    return l;
}

static void copy_id(char *dst, const clr__value *v)
{
    size_t n = v->type == CLR__TEXT ? v->n : 0;
    if (n >= CLR_ID_MAX)
        n = CLR_ID_MAX - 1;
    memcpy(dst, n ? v->s : "", n);
    dst[n] = '\0';
}

int clr_licence_store_add(clr_store *s, const char *json, size_t len, clr_time now, char *id,
                          char *err, size_t cap)
{
    clr_licences *l = NULL;
    char *line = NULL, msg[512];
    cJSON *o = NULL;
    int rc = CLR_ENOMEM;
    if (err && cap)
        err[0] = '\0';
    if (!(o = cJSON_ParseWithLength(json, len)) || !cJSON_IsObject(o)) {
        rc = CLR_EINVAL;
        if (err && cap)
            snprintf(err, cap, "$: a licence is a JSON object");
        goto done;
    }
    if (!(line = cJSON_PrintUnformatted(o)) || !(l = scratch_set()))
        goto done;
    clr__licence *x;
    if ((rc = clr__licence_parse(l, line, strlen(line), "", 0, msg, sizeof msg, &x))) {
        /* "NAME:LINE: PATH: message" without the name and line */
        if (err && cap)
            snprintf(err, cap, "%s", strncmp(msg, ":0: ", 4) == 0 ? msg + 4 : msg);
        goto done;
    }
    clr__value p[] = {
        CLR__V_TEXT(x->id),
        CLR__V_TEXT(x->rulebook),
        CLR__V_TEXT(x->licensee),
        CLR__V_TEXT(line),
        CLR__V_INT(x->from),
        CLR__V_INT(x->until),
        x->quantity < 0 ? CLR__V_NULL : CLR__V_INT(x->quantity),
        CLR__V_INT(x->per_request),
        CLR__V_INT(now),
    };
    rc = clr__store_query(s, SQL_INSERT, p, 9, NULL, NULL, NULL);
    if (rc == CLR_EEXIST && err && cap)
        snprintf(err, cap, "$.id: licence '%s' exists already", x->id);
    else if (rc && err && cap)
        snprintf(err, cap, "%s", clr_store_errmsg(s));
    if (rc == 0 && id)
        snprintf(id, CLR_ID_MAX, "%s", x->id);
done:
    clr_licences_free(l);
    cJSON_free(line);
    cJSON_Delete(o);
    return rc;
}

typedef struct list_ctx {
    clr_licence_fn fn;
    void *arg;
    int found;
} list_ctx;

static int list_row(void *arg, const clr__value *c, int n)
{
    list_ctx *lc = arg;
    clr_licence_info info;
    if (n < 11)
        return CLR_ESTORE;
    memset(&info, 0, sizeof info);
    copy_id(info.id, &c[0]);
    copy_id(info.rulebook, &c[1]);
    copy_id(info.licensee, &c[2]);
    info.json = c[3].type == CLR__TEXT ? c[3].s : "{}";
    info.json_len = c[3].type == CLR__TEXT ? c[3].n : 2;
    info.from = c[4].i;
    info.until = c[5].i;
    info.quantity = c[6].type == CLR__NULL ? -1 : c[6].i;
    info.per_request = c[7].i != 0;
    info.used = c[8].i;
    info.revoked = c[9].type == CLR__NULL ? 0 : c[9].i;
    info.created = c[10].i;
    lc->found = 1;
    return lc->fn(lc->arg, &info);
}

int clr_licence_store_list(clr_store *s, const char *id, clr_licence_fn fn, void *arg)
{
    list_ctx lc = {fn, arg, 0};
    clr__value p[] = {CLR__V_TEXT(id)};
    int rc = clr__store_query(s, id ? SQL_GET : SQL_LIST, p, id ? 1 : 0, list_row, &lc, NULL);
    if (rc == 0 && id && !lc.found)
        return CLR_ENOTFOUND;
    return rc;
}

static int found_row(void *arg, const clr__value *c, int n)
{
    (void)c;
    (void)n;
    *(int *)arg = 1;
    return 0;
}

int clr_licence_store_revoke(clr_store *s, const char *id, clr_time now)
{
    clr__value p[] = {CLR__V_TEXT(id), CLR__V_INT(now)};
    int64_t changes = 0;
    int rc = clr__store_query(s, SQL_REVOKE, p, 2, NULL, NULL, &changes);
    if (rc || changes)
        return rc;
    int found = 0;
    if ((rc = clr__store_query(s, SQL_STATE, p, 1, found_row, &found, NULL)))
        return rc;
    return found ? 0 : CLR_ENOTFOUND;
}

static int add_time(cJSON *o, const char *key, clr_time t)
{
    char buf[32];
    if (clr_time_format(buf, sizeof buf, t) < 0)
        return cJSON_AddNullToObject(o, key) != NULL;
    return cJSON_AddStringToObject(o, key, buf) != NULL;
}

int clr_licence_info_json(char **out, const clr_licence_info *x, int64_t held)
{
    cJSON *o = cJSON_ParseWithLength(x->json, x->json_len);
    int ok;
    *out = NULL;
    if (!o || !cJSON_IsObject(o)) {
        cJSON_Delete(o);
        if (!(o = cJSON_CreateObject()))
            return CLR_ENOMEM;
        cJSON_AddStringToObject(o, "id", x->id);
    }
    int64_t used = x->used - (held > 0 ? held : 0);
    ok = cJSON_AddNumberToObject(o, "used", (double)used) != NULL;
    if (x->quantity < 0)
        ok = ok && cJSON_AddNullToObject(o, "remaining");
    else
        ok = ok && cJSON_AddNumberToObject(o, "remaining", (double)(x->quantity - used));
    ok = ok && add_time(o, "created", x->created);
    if (x->revoked)
        ok = ok && add_time(o, "revoked", x->revoked);
    else
        ok = ok && cJSON_AddNullToObject(o, "revoked");
    *out = ok ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    return *out ? 0 : CLR_ENOMEM;
}

/* ------------------------------------------------------------------------- */
/* The store-backed set                                                       */
/* ------------------------------------------------------------------------- */

static clr__licence *find(clr_licences *l, const char *id, size_t len)
{
    for (size_t i = 0; i < l->n; i++)
        if (strlen(l->v[i]->id) == len && memcmp(l->v[i]->id, id, len) == 0)
            return l->v[i];
    return NULL;
}

typedef struct sync_ctx {
    clr_licences *l;
    int changed;
    int rc;
    char *err;
    size_t cap;
} sync_ctx;

/* One row of SQL_ACTIVE: a licence the set lacks joins it; a revoked one it
 * holds stops covering. Called with l->mu held (or before the set is
 * shared). */
static int sync_row(void *arg, const clr__value *c, int n)
{
    sync_ctx *sc = arg;
    clr_licences *l = sc->l;
    if (n < 4 || c[0].type != CLR__TEXT || c[1].type != CLR__TEXT)
        return 0;
    clr__licence *x = find(l, c[0].s, c[0].n);
    int revoked = c[2].type != CLR__NULL;
    if (x) {
        if (revoked && !__atomic_exchange_n(&x->revoked, 1, __ATOMIC_ACQ_REL))
            sc->changed++;
        return 0;
    }
    if (revoked)
        return 0;
    if (l->n == l->cap)
        return sc->rc = CLR_ELIMIT;
    char msg[512];
    int rc = clr__licence_parse(l, c[1].s, c[1].n, "store", 0, msg, sizeof msg, &x);
    if (rc) {
        if (sc->err && sc->cap)
            snprintf(sc->err, sc->cap, "licence %.*s in the store: %s", (int)c[0].n, c[0].s, msg);
        return sc->rc = rc;
    }
    /* a finite licence starts with no lease: its first draw leases a block */
    x->remaining = x->quantity < 0 ? -1 : 0;
    __atomic_store_n(&l->v[l->n], x, __ATOMIC_RELEASE);
    __atomic_store_n(&l->n, l->n + 1, __ATOMIC_RELEASE);
    sc->changed++;
    return 0;
}

static int sync_locked(clr_licences *l, clr_time now, char *err, size_t cap)
{
    sync_ctx sc = {l, 0, 0, err, cap};
    clr__value p[] = {CLR__V_INT(now)};
    int rc = clr__store_query(l->store, SQL_ACTIVE, p, 1, sync_row, &sc, NULL);
    if (rc == CLR_ESTORE && err && cap)
        snprintf(err, cap, "%s", clr_store_errmsg(l->store));
    return rc ? rc : sc.changed;
}

int clr_licences_open(clr_licences **out, clr_store *store, const clr_licences_options *opts,
                      clr_time now, char *err, size_t cap)
{
    clr_licences_options dflt = CLR_LICENCES_OPTIONS_INIT;
    clr_licences *l = NULL;
    int rc = CLR_EINVAL;
    *out = NULL;
    if (err && cap)
        err[0] = '\0';
    if (!opts)
        opts = &dflt;
    if (!store || opts->version != CLR_LICENCES_OPTIONS_VERSION)
        goto done;
    rc = CLR_ENOMEM;
    if (!(l = scratch_set()))
        goto done;
    l->cap = opts->max ? opts->max : 65536;
    l->lease_max = opts->lease_max > 0 ? opts->lease_max : 1000000;
    if (!(l->v = calloc(l->cap, sizeof *l->v)))
        goto done;
    pthread_mutex_init(&l->mu, NULL);
    l->has_mu = 1;
    l->store = store;
    rc = sync_locked(l, now, err, cap);
    if (rc == CLR_ELIMIT && err && cap)
        snprintf(err, cap, "the store holds more than %zu licences", l->cap);
    if (rc < 0)
        goto done;
    *out = l;
    l = NULL;
    rc = 0;
done:
    if (l)
        l->store = NULL; /* nothing leased yet */
    clr_licences_free(l);
    return rc;
}

int clr_licences_sync(clr_licences *l, clr_time now)
{
    if (!l || !l->store)
        return CLR_EINVAL;
    pthread_mutex_lock(&l->mu);
    int rc = sync_locked(l, now, NULL, 0);
    pthread_mutex_unlock(&l->mu);
    return rc;
}

typedef struct state {
    int found;
    int64_t quantity, used;
    int revoked;
} state;

static int state_row(void *arg, const clr__value *c, int n)
{
    state *st = arg;
    if (n < 3)
        return 0;
    st->found = 1;
    st->quantity = c[0].type == CLR__NULL ? -1 : c[0].i;
    st->used = c[1].i;
    st->revoked = c[2].type != CLR__NULL;
    return 0;
}

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int clr__licence_lease(clr_licences *l, clr__licence *x, int64_t need)
{
    if (need < 1)
        need = 1;
    /* the block adapts to the rate of drawing: a lease a second at most while
       the licence is busy, so that the store is rarely waited for */
    uint64_t t = mono_ns();
    if (!x->block)
        x->block = l->lease_max;
    else if (t - x->leased_ns < 1000000000u && x->block < ((int64_t)1 << 50))
        x->block *= 2;
    else if (t - x->leased_ns > 10000000000u && x->block > l->lease_max)
        x->block /= 2;
    x->leased_ns = t;
    for (int tries = 0; tries < LEASE_TRIES; tries++) {
        state st = {0, 0, 0, 0};
        clr__value p[] = {CLR__V_TEXT(x->id), CLR__V_INT(0)};
        if (clr__store_query(l->store, SQL_STATE, p, 1, state_row, &st, NULL) || !st.found)
            return 0; /* fail closed: the licence covers nothing now */
        if (st.revoked) {
            __atomic_store_n(&x->revoked, 1, __ATOMIC_RELEASE);
            return 0;
        }
        int64_t left = st.quantity - st.used;
        if (st.quantity < 0 || left < need)
            return 0;
        /* a block, smaller as less is left, so that the last units are not
           stranded in one node's lease */
        int64_t want = left / 16;
        if (want > x->block)
            want = x->block;
        if (want < need)
            want = need;
        p[1] = CLR__V_INT(want);
        int64_t changes = 0;
        if (clr__store_query(l->store, SQL_LEASE, p, 2, NULL, NULL, &changes))
            return 0;
        if (changes == 1) {
            __atomic_add_fetch(&x->remaining, want, __ATOMIC_ACQ_REL);
            return 1;
        }
        /* another node leased in between: read again */
    }
    return 0;
}

void clr__licences_return_leases(clr_licences *l)
{
    pthread_mutex_lock(&l->mu);
    for (size_t i = 0; i < l->n; i++) {
        clr__licence *x = l->v[i];
        if (x->quantity < 0)
            continue;
        int64_t left = __atomic_exchange_n(&x->remaining, 0, __ATOMIC_ACQ_REL);
        if (left <= 0)
            continue;
        clr__value p[] = {CLR__V_TEXT(x->id), CLR__V_INT(left)};
        clr__store_query(l->store, SQL_RETURN, p, 2, NULL, NULL, NULL);
    }
    pthread_mutex_unlock(&l->mu);
}

int64_t clr_licences_held(const clr_licences *l, const char *id)
{
    if (!l || !l->store)
        return 0;
    size_t n = __atomic_load_n(&l->n, __ATOMIC_ACQUIRE);
    for (size_t i = 0; i < n; i++) {
        const clr__licence *x = __atomic_load_n(&l->v[i], __ATOMIC_ACQUIRE);
        if (strcmp(x->id, id) == 0) {
            int64_t left = __atomic_load_n(&x->remaining, __ATOMIC_RELAXED);
            return x->quantity >= 0 && left > 0 ? left : 0;
        }
    }
    return 0;
}
