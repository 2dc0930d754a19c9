/* Usage metering: decisions and units aggregated in memory by organisation,
 * user, model, destination and UTC day, flushed to the store's usage_daily
 * table by a thread of its own; the trailing totals a usage condition reads;
 * and reports over what was flushed (docs/store.md, "Usage"). */
#include "background.h"
#include "store.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SHARDS 64 /* a power of two; a shard is one lock and one hash table */
#define DAY_SECONDS 86400
#define KEY_MAX (4 * CLR_ID_MAX + 8)

/* One aggregate: a key (its bytes, hash and day) and its counts. */
typedef struct slot {
    char *key; /* NULL: the slot is empty */
    uint32_t klen;
    uint64_t h; /* hash of the key's bytes, without the day */
    int64_t day;
    int64_t units, decisions;
} slot;

typedef struct shard {
    _Alignas(64) pthread_mutex_t mu;
    slot *v;
    size_t cap, n; /* cap a power of two; n <= 3/4 cap */
} shard;

typedef struct table {
    shard sh[SHARDS];
} table;

typedef struct pending {
    const char *key;
    uint32_t klen;
    int64_t day, units, decisions;
} pending;

struct clr_usage {
    clr_store *store;
    table detail; /* (org, user, model, destination, day): what is not yet flushed */
    table totals; /* (O|o|U|u who, model, day): units, for clr_usage_source */
    clr_usage_source source;
    int days;
    int64_t first_day; /* atomic: the totals hold the days from this one on */
    unsigned flush_ms;
    pthread_mutex_t flush_mu; /* one flush at a time; guards the fields below */
    pending *buf;
    size_t nbuf, capbuf;
    char err[512];
    int64_t evicted_day; /* the day of the last eviction */
    /* the flushing thread */
    pthread_t thread;
    int started;
    pthread_mutex_t stop_mu;
    pthread_cond_t stop_cond;
    int stop;
};

static const char SQL_UPSERT[] =
    "INSERT INTO usage_daily (org, user_id, model, destination, day, units, decisions)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (org, user_id, model, destination, day)"
    " DO UPDATE SET units = usage_daily.units + excluded.units,"
    " decisions = usage_daily.decisions + excluded.decisions";
static const char SQL_LOAD[] = "SELECT org, user_id, model, day, SUM(units) FROM usage_daily"
                               " WHERE day >= $1 GROUP BY org, user_id, model, day";

static int64_t day_of(clr_time t)
{
    int64_t d = t / DAY_SECONDS;
    return t % DAY_SECONDS < 0 ? d - 1 : d;
}

static uint64_t hash_bytes(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 1099511628211ull;
    }
    return h;
}

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    return x ^ (x >> 33);
}

static size_t home(uint64_t h, int64_t day, size_t mask)
{
    return (size_t)mix(h ^ ((uint64_t)day * 0x9E3779B97F4A7C15ull)) & mask;
}

static shard *shard_of(table *t, uint64_t h)
{
    return &t->sh[h >> 58];
}

static int table_init(table *t, size_t slots)
{
    size_t cap = 8;
    while (cap * SHARDS < slots)
        cap <<= 1;
    for (int i = 0; i < SHARDS; i++) {
        shard *s = &t->sh[i];
        pthread_mutex_init(&s->mu, NULL);
        s->cap = cap;
        s->n = 0;
        if (!(s->v = calloc(cap, sizeof *s->v)))
            return CLR_ENOMEM;
    }
    return 0;
}

static void table_free(table *t)
{
    for (int i = 0; i < SHARDS; i++) {
        shard *s = &t->sh[i];
        for (size_t k = 0; s->v && k < s->cap; k++)
            free(s->v[k].key);
        free(s->v);
        pthread_mutex_destroy(&s->mu);
    }
}

/* The slot of (key, day) in s, or the empty slot where it would go. */
static slot *probe(shard *s, const char *key, uint32_t klen, uint64_t h, int64_t day)
{
    size_t mask = s->cap - 1, i = home(h, day, mask);
    for (;;) {
        slot *x = &s->v[i];
        if (!x->key ||
            (x->h == h && x->day == day && x->klen == klen && memcmp(x->key, key, klen) == 0))
            return x;
        i = (i + 1) & mask;
    }
}

/* Rebuilds s with cap slots, keeping the entries keep() accepts (NULL: all)
 * and freeing the others' keys. Returns 0 or CLR_ENOMEM (s unchanged). */
static int rebuild(shard *s, size_t cap, int (*keep)(const slot *x, int64_t arg), int64_t arg)
{
    slot *old = s->v, *v = calloc(cap, sizeof *v);
    size_t ocap = s->cap;
    if (!v)
        return CLR_ENOMEM;
    s->v = v;
    s->cap = cap;
    s->n = 0;
    for (size_t i = 0; i < ocap; i++) {
        slot *x = &old[i];
        if (!x->key)
            continue;
        if (keep && !keep(x, arg)) {
            free(x->key);
            continue;
        }
        *probe(s, x->key, x->klen, x->h, x->day) = *x;
        s->n++;
    }
    free(old);
    return 0;
}

static int table_add(table *t, const char *key, uint32_t klen, int64_t day, int64_t units,
                     int64_t decisions)
{
    uint64_t h = hash_bytes(key, klen);
    shard *s = shard_of(t, h);
    int rc = 0;
    pthread_mutex_lock(&s->mu);
    slot *x = probe(s, key, klen, h, day);
    if (!x->key) {
        if ((s->n + 1) * 4 > s->cap * 3) {
            if ((rc = rebuild(s, s->cap * 2, NULL, 0)))
                goto done;
            x = probe(s, key, klen, h, day);
        }
        char *k = malloc(klen ? klen : 1);
        if (!k) {
            rc = CLR_ENOMEM;
            goto done;
        }
        memcpy(k, key, klen);
        x->key = k;
        x->klen = klen;
        x->h = h;
        x->day = day;
        x->units = x->decisions = 0;
        s->n++;
    }
    x->units += units;
    x->decisions += decisions;
done:
    pthread_mutex_unlock(&s->mu);
    return rc;
}

/* Units of key summed over the days [from, to]. */
static int64_t table_sum(table *t, const char *key, uint32_t klen, int64_t from, int64_t to)
{
    uint64_t h = hash_bytes(key, klen);
    shard *s = shard_of(t, h);
    int64_t sum = 0;
    pthread_mutex_lock(&s->mu);
    for (int64_t d = from; d <= to; d++) {
        const slot *x = probe(s, key, klen, h, d);
        if (x->key)
            sum += x->units;
    }
    pthread_mutex_unlock(&s->mu);
    return sum;
}

/* Appends s to buf with a NUL; returns the new length, or 0 when it does not
 * fit. */
static size_t put(char *buf, size_t n, const char *s, size_t len)
{
    if (n + len + 1 > KEY_MAX)
        return 0;
    memcpy(buf + n, s, len);
    buf[n + len] = '\0';
    return n + len + 1;
}

/* The totals key: kind ('O' an organisation and a model, 'o' an organisation
 * and every model, 'U' and 'u' the same for a user), who and model. */
static uint32_t totals_key(char *buf, char kind, const char *who, const char *model)
{
    buf[0] = kind;
    size_t n = put(buf, 1, who, strlen(who));
    return n ? (uint32_t)put(buf, n, model, strlen(model)) : 0;
}

static int add_totals(clr_usage *u, const char *org, const char *user, const char *model,
                      int64_t day, int64_t units)
{
    char key[KEY_MAX];
    uint32_t n;
    int rc = 0;
    if (org[0]) {
        if ((n = totals_key(key, 'O', org, model)))
            rc |= table_add(&u->totals, key, n, day, units, 0);
        if ((n = totals_key(key, 'o', org, "")))
            rc |= table_add(&u->totals, key, n, day, units, 0);
    }
    if (user[0]) {
        if ((n = totals_key(key, 'U', user, model)))
            rc |= table_add(&u->totals, key, n, day, units, 0);
        if ((n = totals_key(key, 'u', user, "")))
            rc |= table_add(&u->totals, key, n, day, units, 0);
    }
    return rc ? CLR_ENOMEM : 0;
}

int clr_usage_record(clr_usage *u, const clr_request *req, const clr_decision *d)
{
    char key[KEY_MAX];
    size_t n = 0;
    int64_t day = day_of(d->at);
    int64_t units = d->outcome == CLR_ALLOW && req->units > 0 ? req->units : 0;
    n = put(key, n, req->principal.org, strlen(req->principal.org));
    n = n ? put(key, n, req->principal.id, strlen(req->principal.id)) : 0;
    n = n ? put(key, n, req->model, strlen(req->model)) : 0;
    n = n ? put(key, n, req->destination, strlen(req->destination)) : 0;
    if (!n)
        return CLR_EINVAL;
    int rc = table_add(&u->detail, key, (uint32_t)n, day, units, 1);
    if (rc == 0 && units)
        rc = add_totals(u, req->principal.org, req->principal.id, req->model, day, units);
    return rc;
}

static int64_t source_units(void *arg, int by_user, const char *who, const char *model, int days,
                            clr_time at)
{
    clr_usage *u = arg;
    char key[KEY_MAX];
    if (!who || days < 1 || days > u->days)
        return -1;
    int64_t to = day_of(at), from = to - days + 1;
    if (from < __atomic_load_n(&u->first_day, __ATOMIC_ACQUIRE))
        return -1; /* older than what is kept in memory */
    if (!who[0])
        return 0;
    char kind = by_user ? (model ? 'U' : 'u') : (model ? 'O' : 'o');
    uint32_t n = totals_key(key, kind, who, model ? model : "");
    if (!n)
        return -1;
    return table_sum(&u->totals, key, n, from, to);
}

const clr_usage_source *clr_usage_as_source(clr_usage *u)
{
    return &u->source;
}

/* ------------------------------------------------------------------------- */
/* Flushing                                                                   */
/* ------------------------------------------------------------------------- */

static int push_pending(clr_usage *u, const slot *x)
{
    if (u->nbuf == u->capbuf) {
        size_t cap = u->capbuf ? u->capbuf * 2 : 1024;
        pending *b = realloc(u->buf, cap * sizeof *b);
        if (!b)
            return CLR_ENOMEM;
        u->buf = b;
        u->capbuf = cap;
    }
    u->buf[u->nbuf++] = (pending){x->key, x->klen, x->day, x->units, x->decisions};
    return 0;
}

/* The i-th NUL-terminated part of a detail key. */
static clr__value key_part(const char *key, uint32_t klen, int i)
{
    const char *p = key, *end = key + klen;
    for (; i > 0 && p < end; i--)
        p += strlen(p) + 1;
    clr__value v = {CLR__TEXT, 0, 0, p < end ? p : "", p < end ? strlen(p) : 0};
    return v;
}

static int write_pending(clr_usage *u)
{
    clr_store *s = u->store;
    int rc = s->ops->begin(s, 1);
    for (size_t i = 0; rc == 0 && i < u->nbuf; i++) {
        const pending *p = &u->buf[i];
        clr__value v[] = {key_part(p->key, p->klen, 0), key_part(p->key, p->klen, 1),
                          key_part(p->key, p->klen, 2), key_part(p->key, p->klen, 3),
                          CLR__V_INT(p->day),           CLR__V_INT(p->units),
                          CLR__V_INT(p->decisions)};
        rc = clr__store_query(s, SQL_UPSERT, v, 7, NULL, NULL, NULL);
    }
    if (rc == 0 && (rc = s->ops->commit(s)) == 0)
        return 0;
    snprintf(u->err, sizeof u->err, "%s", clr_store_errmsg(s));
    s->ops->rollback(s);
    return CLR_ESTORE;
}

static int keep_detail(const slot *x, int64_t min_day)
{
    return x->units || x->decisions || x->day >= min_day;
}

static int keep_totals(const slot *x, int64_t min_day)
{
    return x->day >= min_day;
}

/* Drops what no longer counts once the day has changed: detail keys of days
 * before yesterday with nothing pending, and totals older than the window. */
static void evict(clr_usage *u, int64_t today)
{
    if (today == u->evicted_day)
        return;
    u->evicted_day = today;
    int64_t first = today - u->days + 1;
    if (first > __atomic_load_n(&u->first_day, __ATOMIC_RELAXED))
        __atomic_store_n(&u->first_day, first, __ATOMIC_RELEASE);
    for (int i = 0; i < SHARDS; i++) {
        shard *s = &u->detail.sh[i];
        pthread_mutex_lock(&s->mu);
        rebuild(s, s->cap, keep_detail, today - 1);
        pthread_mutex_unlock(&s->mu);
        s = &u->totals.sh[i];
        pthread_mutex_lock(&s->mu);
        rebuild(s, s->cap, keep_totals, first);
        pthread_mutex_unlock(&s->mu);
    }
}

static int flush_locked(clr_usage *u)
{
    int rc = 0;
    u->nbuf = 0;
    for (int i = 0; i < SHARDS && rc == 0; i++) {
        shard *s = &u->detail.sh[i];
        pthread_mutex_lock(&s->mu);
        for (size_t k = 0; k < s->cap && rc == 0; k++) {
            slot *x = &s->v[k];
            if (!x->key || (!x->units && !x->decisions))
                continue;
            if ((rc = push_pending(u, x)) == 0)
                x->units = x->decisions = 0;
        }
        pthread_mutex_unlock(&s->mu);
    }
    if (rc == 0 && u->nbuf)
        rc = write_pending(u);
    if (rc) {
        /* what was taken is pending again; the keys are still in the table
           (only evict, under flush_mu, removes them), so this allocates nothing */
        for (size_t i = 0; i < u->nbuf; i++)
            table_add(&u->detail, u->buf[i].key, u->buf[i].klen, u->buf[i].day, u->buf[i].units,
                      u->buf[i].decisions);
        if (rc == CLR_ENOMEM)
            snprintf(u->err, sizeof u->err, "out of memory");
        rc = CLR_ESTORE;
    }
    u->nbuf = 0;
    return rc;
}

/* ---- other processes' units ----------------------------------------------- */

/* The recent days' totals as the store has them (every process's flushed
 * units) plus this process's units not yet flushed: computed beside the live
 * totals, then written over them. A unit recorded while this runs may be
 * missed until the next refresh, never counted twice for long: the next
 * refresh reads it from the store. */
typedef struct fresh_ctx {
    table *t;
    int rc;
} fresh_ctx;

static int add_fresh(table *t, const char *org, const char *user, const char *model, int64_t day,
                     int64_t units)
{
    char key[KEY_MAX];
    uint32_t n;
    int rc = 0;
    if (org[0]) {
        if ((n = totals_key(key, 'O', org, model)))
            rc |= table_add(t, key, n, day, units, 0);
        if ((n = totals_key(key, 'o', org, "")))
            rc |= table_add(t, key, n, day, units, 0);
    }
    if (user[0]) {
        if ((n = totals_key(key, 'U', user, model)))
            rc |= table_add(t, key, n, day, units, 0);
        if ((n = totals_key(key, 'u', user, "")))
            rc |= table_add(t, key, n, day, units, 0);
    }
    return rc ? CLR_ENOMEM : 0;
}

static int fresh_row(void *arg, const clr__value *c, int n)
{
    fresh_ctx *f = arg;
    char org[CLR_ID_MAX], user[CLR_ID_MAX], model[CLR_ID_MAX];
    if (n < 5)
        return 0;
    snprintf(org, sizeof org, "%.*s", (int)c[0].n, c[0].type == CLR__TEXT ? c[0].s : "");
    snprintf(user, sizeof user, "%.*s", (int)c[1].n, c[1].type == CLR__TEXT ? c[1].s : "");
    snprintf(model, sizeof model, "%.*s", (int)c[2].n, c[2].type == CLR__TEXT ? c[2].s : "");
    return f->rc = add_fresh(f->t, org, user, model, c[3].i, c[4].i);
}

/* Refreshes the totals of the days from `from` on. Called under flush_mu,
 * after a flush. Returns 0, CLR_ENOMEM or CLR_ESTORE. */
static int refresh_recent(clr_usage *u, int64_t from)
{
    table *fresh = calloc(1, sizeof *fresh);
    if (!fresh || table_init(fresh, 1024)) {
        free(fresh);
        return CLR_ENOMEM;
    }
    fresh_ctx f = {fresh, 0};
    clr__value p[] = {CLR__V_INT(from)};
    int rc = clr__store_query(u->store, SQL_LOAD, p, 1, fresh_row, &f, NULL);
    /* this process's units not flushed yet */
    for (int i = 0; i < SHARDS && rc == 0; i++) {
        shard *s = &u->detail.sh[i];
        pthread_mutex_lock(&s->mu);
        for (size_t k = 0; k < s->cap && rc == 0; k++) {
            const slot *x = &s->v[k];
            if (!x->key || !x->units || x->day < from)
                continue;
            char org[CLR_ID_MAX], user[CLR_ID_MAX], model[CLR_ID_MAX];
            clr__value o = key_part(x->key, x->klen, 0), us = key_part(x->key, x->klen, 1),
                       m = key_part(x->key, x->klen, 2);
            snprintf(org, sizeof org, "%.*s", (int)o.n, o.s);
            snprintf(user, sizeof user, "%.*s", (int)us.n, us.s);
            snprintf(model, sizeof model, "%.*s", (int)m.n, m.s);
            rc = add_fresh(fresh, org, user, model, x->day, x->units);
        }
        pthread_mutex_unlock(&s->mu);
    }
    /* write over the live totals of those days */
    for (int i = 0; i < SHARDS && rc == 0; i++) {
        shard *s = &u->totals.sh[i];
        pthread_mutex_lock(&s->mu);
        for (size_t k = 0; k < s->cap; k++) {
            slot *x = &s->v[k];
            if (!x->key || x->day < from)
                continue;
            shard *fs = shard_of(fresh, x->h);
            const slot *y = probe(fs, x->key, x->klen, x->h, x->day);
            x->units = y->key ? y->units : 0;
        }
        pthread_mutex_unlock(&s->mu);
    }
    /* totals only the store had: other processes' customers */
    for (int i = 0; i < SHARDS && rc == 0; i++) {
        shard *fs = &fresh->sh[i];
        for (size_t k = 0; k < fs->cap && rc == 0; k++) {
            const slot *y = &fs->v[k];
            if (!y->key)
                continue;
            shard *s = shard_of(&u->totals, y->h);
            pthread_mutex_lock(&s->mu);
            int absent = !probe(s, y->key, y->klen, y->h, y->day)->key;
            pthread_mutex_unlock(&s->mu);
            if (absent)
                rc = table_add(&u->totals, y->key, y->klen, y->day, y->units, 0);
        }
    }
    table_free(fresh);
    free(fresh);
    return rc;
}

int clr_usage_flush(clr_usage *u)
{
    pthread_mutex_lock(&u->flush_mu);
    int rc = flush_locked(u);
    pthread_mutex_unlock(&u->flush_mu);
    return rc;
}

void clr_usage_errmsg(clr_usage *u, char *buf, size_t cap)
{
    pthread_mutex_lock(&u->flush_mu);
    snprintf(buf, cap, "%s", u->err);
    pthread_mutex_unlock(&u->flush_mu);
}

static void *flusher(void *arg)
{
    clr_usage *u = arg;
    clr__background_thread("clr-usage", 1);
    pthread_mutex_lock(&u->stop_mu);
    while (!u->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += u->flush_ms / 1000;
        ts.tv_nsec += (long)(u->flush_ms % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        int w = 0;
        while (!u->stop && w != ETIMEDOUT)
            w = pthread_cond_timedwait(&u->stop_cond, &u->stop_mu, &ts);
        if (u->stop)
            break;
        pthread_mutex_unlock(&u->stop_mu);
        pthread_mutex_lock(&u->flush_mu);
        if (flush_locked(u) == 0) { /* a failure stays pending and is retried */
            int64_t today = day_of(clr_time_now());
            evict(u, today);
            /* other processes on the store: their units of today and yesterday */
            refresh_recent(u, today - 1);
        }
        pthread_mutex_unlock(&u->flush_mu);
        pthread_mutex_lock(&u->stop_mu);
    }
    pthread_mutex_unlock(&u->stop_mu);
    return NULL;
}

/* ------------------------------------------------------------------------- */
/* Opening and closing                                                        */
/* ------------------------------------------------------------------------- */

static int load_row(void *arg, const clr__value *c, int n)
{
    clr_usage *u = arg;
    char org[CLR_ID_MAX], user[CLR_ID_MAX], model[CLR_ID_MAX];
    if (n < 5)
        return 0;
    snprintf(org, sizeof org, "%.*s", (int)c[0].n, c[0].type == CLR__TEXT ? c[0].s : "");
    snprintf(user, sizeof user, "%.*s", (int)c[1].n, c[1].type == CLR__TEXT ? c[1].s : "");
    snprintf(model, sizeof model, "%.*s", (int)c[2].n, c[2].type == CLR__TEXT ? c[2].s : "");
    return add_totals(u, org, user, model, c[3].i, c[4].i);
}

int clr_usage_open(clr_usage **out, clr_store *store, const clr_usage_options *opts, clr_time now,
                   char *err, size_t cap)
{
    clr_usage_options dflt = CLR_USAGE_OPTIONS_INIT;
    clr_usage *u = NULL;
    int rc = CLR_EINVAL;
    *out = NULL;
    if (err && cap)
        err[0] = '\0';
    if (!opts)
        opts = &dflt;
    if (!store || opts->version != CLR_USAGE_OPTIONS_VERSION || opts->days < 0)
        goto done;
    rc = CLR_ENOMEM;
    if (!(u = calloc(1, sizeof *u)))
        goto done;
    u->store = store;
    u->days = opts->days ? opts->days : 400;
    u->flush_ms = opts->flush_ms ? opts->flush_ms : 1000;
    u->source.units = source_units;
    u->source.arg = u;
    pthread_mutex_init(&u->flush_mu, NULL);
    pthread_mutex_init(&u->stop_mu, NULL);
    pthread_cond_init(&u->stop_cond, NULL);
    size_t slots = opts->slots ? opts->slots : 16384;
    if (table_init(&u->detail, slots) || table_init(&u->totals, slots))
        goto done;
    int64_t today = day_of(now);
    u->first_day = today - u->days + 1;
    u->evicted_day = today;
    clr__value p[] = {CLR__V_INT(u->first_day)};
    if ((rc = clr__store_query(store, SQL_LOAD, p, 1, load_row, u, NULL))) {
        if (err && cap)
            snprintf(err, cap, "%s", rc == CLR_ESTORE ? clr_store_errmsg(store) : clr_strerror(rc));
        goto done;
    }
    rc = CLR_ENOMEM;
    if (pthread_create(&u->thread, NULL, flusher, u) != 0)
        goto done;
    u->started = 1;
    *out = u;
    u = NULL;
    rc = 0;
done:
    if (u) {
        table_free(&u->detail);
        table_free(&u->totals);
        pthread_mutex_destroy(&u->flush_mu);
        pthread_mutex_destroy(&u->stop_mu);
        pthread_cond_destroy(&u->stop_cond);
        free(u);
    }
    return rc;
}

int clr_usage_close(clr_usage *u)
{
    if (!u)
        return 0;
    if (u->started) {
        pthread_mutex_lock(&u->stop_mu);
        u->stop = 1;
        pthread_cond_signal(&u->stop_cond);
        pthread_mutex_unlock(&u->stop_mu);
        pthread_join(u->thread, NULL);
    }
    pthread_mutex_lock(&u->flush_mu);
    int rc = flush_locked(u);
    pthread_mutex_unlock(&u->flush_mu);
    table_free(&u->detail);
    table_free(&u->totals);
    free(u->buf);
    pthread_mutex_destroy(&u->flush_mu);
    pthread_mutex_destroy(&u->stop_mu);
    pthread_cond_destroy(&u->stop_cond);
    free(u);
    return rc;
}

/* ------------------------------------------------------------------------- */
/* Reports                                                                    */
/* ------------------------------------------------------------------------- */

int clr_usage_by_parse(unsigned *out, const char *s)
{
    static const struct {
        const char *name;
        unsigned bit;
    } names[] = {{"org", CLR_USAGE_BY_ORG},
                 {"user", CLR_USAGE_BY_USER},
                 {"model", CLR_USAGE_BY_MODEL},
                 {"destination", CLR_USAGE_BY_DESTINATION},
                 {"day", CLR_USAGE_BY_DAY}};
    *out = 0;
    while (s && *s) {
        const char *e = strchr(s, ',');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        unsigned bit = 0;
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
            if (strlen(names[i].name) == n && memcmp(names[i].name, s, n) == 0)
                bit = names[i].bit;
        if (!bit)
            return CLR_EINVAL;
        *out |= bit;
        s = e ? e + 1 : s + n;
    }
    return 0;
}

typedef struct report_ctx {
    clr_usage_row_fn fn;
    void *arg;
} report_ctx;

static const char *text_or_null(const clr__value *v, char *buf)
{
    if (v->type != CLR__TEXT)
        return NULL;
    snprintf(buf, CLR_ID_MAX, "%.*s", (int)v->n, v->s);
    return buf;
}

static int report_row(void *arg, const clr__value *c, int n)
{
    report_ctx *rc = arg;
    char org[CLR_ID_MAX], user[CLR_ID_MAX], model[CLR_ID_MAX], dest[CLR_ID_MAX];
    if (n < 7)
        return CLR_ESTORE;
    clr_usage_row r = {text_or_null(&c[0], org),
                       text_or_null(&c[1], user),
                       text_or_null(&c[2], model),
                       text_or_null(&c[3], dest),
                       c[4].type == CLR__NULL ? -1 : c[4].i * DAY_SECONDS,
                       c[5].i,
                       c[6].i};
    return rc->fn(rc->arg, &r);
}

int clr_usage_report(clr_store *s, const clr_usage_query *q, clr_usage_row_fn fn, void *arg)
{
    static const char *const cols[] = {"org", "user_id", "model", "destination", "day"};
    char sql[1024], group[128] = "";
    size_t n = 0;
    if (!q || q->by > 31)
        return CLR_EINVAL;
    n += (size_t)snprintf(sql + n, sizeof sql - n, "SELECT ");
    for (int i = 0; i < 5; i++) {
        int on = (q->by >> i) & 1;
        n += (size_t)snprintf(sql + n, sizeof sql - n, "%s, ", on ? cols[i] : "NULL");
        if (on)
            snprintf(group + strlen(group), sizeof group - strlen(group), "%s%s",
                     group[0] ? ", " : "", cols[i]);
    }
    n += (size_t)snprintf(sql + n, sizeof sql - n,
                          "COALESCE(SUM(units), 0), COALESCE(SUM(decisions), 0) FROM usage_daily"
                          " WHERE ($1 = '' OR org = $1) AND ($2 = '' OR user_id = $2)"
                          " AND ($3 = '' OR model = $3) AND ($4 = '' OR destination = $4)"
                          " AND day >= $5 AND day <= $6");
    if (group[0])
        snprintf(sql + n, sizeof sql - n, " GROUP BY %s ORDER BY %s", group, group);
    clr__value p[] = {
        CLR__V_TEXT(q->org ? q->org : ""),     CLR__V_TEXT(q->user ? q->user : ""),
        CLR__V_TEXT(q->model ? q->model : ""), CLR__V_TEXT(q->destination ? q->destination : ""),
        CLR__V_INT(day_of(q->from)),           CLR__V_INT(day_of(q->until))};
    report_ctx rc = {fn, arg};
    return clr__store_query(s, sql, p, 6, report_row, &rc, NULL);
}
