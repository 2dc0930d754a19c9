/* Export licences: parsing them, and lifting the license_required decisions
 * they cover while drawing down their quantities. */
#include "licence.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef clr__strlist strlist;
typedef clr__licence licence;

static int fail(char *err, size_t cap, const char *name, size_t line, const char *path,
                const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static int fail(char *err, size_t cap, const char *name, size_t line, const char *path,
                const char *fmt, ...)
{
    if (err && cap) {
        char msg[256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        snprintf(err, cap, "%s:%zu: %s: %s", name, line, path, msg);
    }
    return CLR_EINVAL;
}

typedef struct line_ctx {
    clr_licences *l;
    const char *name;
    size_t line;
    char *err;
    size_t cap;
    licence **out;
} line_ctx;

static int get_str(line_ctx *c, const cJSON *o, const char *key, int required, const char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    char path[64];
    snprintf(path, sizeof path, "$.%s", key);
    *out = NULL;
    if (!v || cJSON_IsNull(v))
        return required ? fail(c->err, c->cap, c->name, c->line, path, "required field is missing")
                        : 0;
    if (!cJSON_IsString(v) || !v->valuestring[0] || strlen(v->valuestring) >= CLR_ID_MAX)
        return fail(c->err, c->cap, c->name, c->line, path, "must be a string of 1 to %d bytes",
                    CLR_ID_MAX - 1);
    *out = clr__arena_strdup(&c->l->arena, v->valuestring);
    return *out ? 0 : CLR_ENOMEM;
}

static int get_list(line_ctx *c, const cJSON *o, const char *key, strlist *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    out->v = NULL;
    out->n = 0;
    if (!v || cJSON_IsNull(v))
        return 0;
    char path[64];
    snprintf(path, sizeof path, "$.%s", key);
    if (!cJSON_IsArray(v))
        return fail(c->err, c->cap, c->name, c->line, path, "must be an array of strings");
    size_t n = (size_t)cJSON_GetArraySize(v);
    out->v = clr__arena_alloc(&c->l->arena, (n ? n : 1) * sizeof(*out->v));
    if (!out->v)
        return CLR_ENOMEM;
    for (const cJSON *e = v->child; e; e = e->next) {
        if (!cJSON_IsString(e) || !e->valuestring[0]) {
            snprintf(path, sizeof path, "$.%s[%zu]", key, out->n);
            return fail(c->err, c->cap, c->name, c->line, path, "must be a non-empty string");
        }
        if (!(out->v[out->n++] = clr__arena_strdup(&c->l->arena, e->valuestring)))
            return CLR_ENOMEM;
    }
    return 0;
}

static int get_time(line_ctx *c, const cJSON *o, const char *key, clr_time dflt, clr_time *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    *out = dflt;
    if (!v || cJSON_IsNull(v))
        return 0;
    char path[64];
    snprintf(path, sizeof path, "$.%s", key);
    if (!cJSON_IsString(v) || clr_time_parse(out, v->valuestring, strlen(v->valuestring)))
        return fail(c->err, c->cap, c->name, c->line, path,
                    "must be an RFC 3339 timestamp or a date");
    return 0;
}

static int parse_line(line_ctx *c, const char *text, size_t len)
{
    static const char *const keys[] = {
        "id",   "rulebook", "licensee", "models", "classes", "destinations", "uses", "integrations",
        "from", "until",    "quantity", "unit",   NULL};
    cJSON *o = cJSON_ParseWithLength(text, len);
    int rc = 0;
    if (!o || !cJSON_IsObject(o)) {
        rc = fail(c->err, c->cap, c->name, c->line, "$", "a licence is a JSON object");
        goto done;
    }
    for (const cJSON *k = o->child; k; k = k->next) {
        int known = 0;
        for (int i = 0; keys[i] && !known; i++)
            known = k->string && strcmp(k->string, keys[i]) == 0;
        if (!known) {
            char path[96];
            snprintf(path, sizeof path, "$.%.60s", k->string ? k->string : "");
            for (char *p = path; *p; p++)
                if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
                    *p = '?';
            rc = fail(c->err, c->cap, c->name, c->line, path, "unknown field");
            goto done;
        }
    }
    clr_licences *l = c->l;
    licence *x = clr__arena_alloc(&l->arena, sizeof *x);
    if (!x) {
        rc = CLR_ENOMEM;
        goto done;
    }
    if ((rc = get_str(c, o, "id", 1, &x->id)) ||
        (rc = get_str(c, o, "rulebook", 1, &x->rulebook)) ||
        (rc = get_str(c, o, "licensee", 1, &x->licensee)) ||
        (rc = get_list(c, o, "models", &x->models)) ||
        (rc = get_list(c, o, "classes", &x->classes)) ||
        (rc = get_list(c, o, "destinations", &x->destinations)) ||
        (rc = get_list(c, o, "uses", &x->uses)) ||
        (rc = get_list(c, o, "integrations", &x->integrations)) ||
        (rc = get_time(c, o, "from", CLR_TIME_MIN, &x->from)) ||
        (rc = get_time(c, o, "until", CLR_TIME_MAX, &x->until)))
        goto done;
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i]->id, x->id) == 0) {
            rc = fail(c->err, c->cap, c->name, c->line, "$.id", "licence '%s' is given twice",
                      x->id);
            goto done;
        }
    const cJSON *q = cJSON_GetObjectItemCaseSensitive(o, "quantity");
    x->remaining = -1;
    if (q && !cJSON_IsNull(q)) {
        if (!cJSON_IsNumber(q) || !isfinite(q->valuedouble) || q->valuedouble < 0 ||
            q->valuedouble > 9007199254740992.0 || q->valuedouble != floor(q->valuedouble)) {
            rc = fail(c->err, c->cap, c->name, c->line, "$.quantity",
                      "must be a non-negative whole number");
            goto done;
        }
        x->remaining = (int64_t)q->valuedouble;
    }
    x->quantity = x->remaining;
    const cJSON *u = cJSON_GetObjectItemCaseSensitive(o, "unit");
    if (u && !cJSON_IsNull(u)) {
        if (!cJSON_IsString(u) ||
            (strcmp(u->valuestring, "units") != 0 && strcmp(u->valuestring, "requests") != 0)) {
            rc = fail(c->err, c->cap, c->name, c->line, "$.unit",
                      "must be \"units\" or \"requests\"");
            goto done;
        }
        x->per_request = strcmp(u->valuestring, "requests") == 0;
    }
    if (x->from >= x->until) {
        rc = fail(c->err, c->cap, c->name, c->line, "$.until", "must come after \"from\"");
        goto done;
    }
    *c->out = x;
done:
    cJSON_Delete(o);
    return rc;
}

int clr__licence_parse(clr_licences *l, const char *text, size_t len, const char *name, size_t line,
                       char *err, size_t cap, clr__licence **out)
{
    line_ctx c = {l, name ? name : "<licence>", line, err, cap, out};
    *out = NULL;
    return parse_line(&c, text, len);
}

int clr_licences_parse(clr_licences **out, const char *text, size_t len, const char *name,
                       char *err, size_t cap)
{
    *out = NULL;
    if (err && cap)
        err[0] = '\0';
    clr_licences *l = calloc(1, sizeof(*l));
    if (!l)
        return CLR_ENOMEM;
    clr__arena_init(&l->arena);
    licence *x = NULL;
    line_ctx c = {l, name ? name : "<licences>", 0, err, cap, &x};
    const char *p = text, *end = text + len;
    int rc = 0;
    while (p < end && rc == 0) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        c.line++;
        const char *q = p;
        while (q < e && (*q == ' ' || *q == '\t' || *q == '\r'))
            q++;
        if (q < e && *q != '#' && (rc = parse_line(&c, p, (size_t)(e - p))) == 0) {
            if (l->n == l->cap) {
                size_t ncap = l->cap ? l->cap * 2 : 16;
                licence **v = realloc(l->v, ncap * sizeof(*v));
                if (!v) {
                    rc = CLR_ENOMEM;
                    break;
                }
                l->v = v;
                l->cap = ncap;
            }
            l->v[l->n++] = x;
        }
        p = nl ? nl + 1 : end;
    }
    if (rc) {
        clr_licences_free(l);
        return rc;
    }
    *out = l;
    return 0;
}

void clr_licences_free(clr_licences *l)
{
    if (!l)
        return;
    if (l->store)
        clr__licences_return_leases(l);
    if (l->has_mu)
        pthread_mutex_destroy(&l->mu);
    clr__arena_free(&l->arena);
    free(l->v);
    free(l);
}

static int admits(const strlist *s, const char *v)
{
    if (s->n == 0)
        return 1;
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i], v) == 0)
            return 1;
    return 0;
}

static int covers(const licence *x, const char *rulebook, const clr_request *req,
                  const clr_decision *d)
{
    if (strcmp(x->rulebook, rulebook) != 0 || req->time < x->from || req->time >= x->until)
        return 0;
    if (__atomic_load_n(&x->revoked, __ATOMIC_ACQUIRE))
        return 0;
    if (strcmp(x->licensee, req->principal.id) != 0 &&
        (!req->principal.org[0] || strcmp(x->licensee, req->principal.org) != 0))
        return 0;
    if (x->models.n || x->classes.n) {
        int in = x->models.n && admits(&x->models, req->model);
        for (size_t i = 0; i < d->nclasses && !in && x->classes.n; i++)
            in = admits(&x->classes, d->classes[i]);
        if (!in)
            return 0;
    }
    return admits(&x->destinations, req->destination) && admits(&x->uses, req->use) &&
           admits(&x->integrations, req->integration);
}

/* Takes amount from what x has at hand; 0 when it has not enough. */
static int draw_local(licence *x, int64_t amount)
{
    int64_t cur = __atomic_load_n(&x->remaining, __ATOMIC_RELAXED);
    for (;;) {
        if (cur < 0)
            return 1; /* unlimited */
        if (cur < amount)
            return 0;
        if (__atomic_compare_exchange_n(&x->remaining, &cur, cur - amount, 0, __ATOMIC_ACQ_REL,
                                        __ATOMIC_RELAXED))
            return 1;
    }
}

/* Takes amount from x: from its lease, leasing more from the store when the
 * set is store-backed and the lease runs short (rarely: the lease is a
 * block). 0 when the licence has not enough left. */
static int draw(clr_licences *l, licence *x, int64_t amount)
{
    if (draw_local(x, amount))
        return 1;
    if (!l->store)
        return 0;
    int ok = 0;
    pthread_mutex_lock(&l->mu);
    for (;;) {
        if ((ok = draw_local(x, amount)) != 0)
            break;
        int64_t cur = __atomic_load_n(&x->remaining, __ATOMIC_RELAXED);
        if (!clr__licence_lease(l, x, amount - (cur > 0 ? cur : 0)))
            break;
    }
    pthread_mutex_unlock(&l->mu);
    return ok;
}

static void give_back(licence *x, int64_t amount)
{
    if (__atomic_load_n(&x->remaining, __ATOMIC_RELAXED) >= 0)
        __atomic_add_fetch(&x->remaining, amount, __ATOMIC_ACQ_REL);
}

int clr_licences_apply(clr_licences *l, const clr_request *req, clr_decision *d)
{
    /* a deny is never lifted; reasons that were not kept cannot be checked */
    if (!l || d->outcome != CLR_LICENSE_REQUIRED || d->reasons_dropped)
        return 0;
    licence *cover[CLR_MAX_REASONS] = {0};
    licence *used[CLR_MAX_REASONS];
    size_t nused = 0, n = __atomic_load_n(&l->n, __ATOMIC_ACQUIRE);
    for (size_t i = 0; i < d->nreasons; i++) {
        const clr_reason *r = &d->reasons[i];
        if (r->effect != CLR_EFFECT_LICENSE_REQUIRED)
            continue;
        /* the first licence that covers the reason and has enough left; one
           already drawn for this decision covers without drawing again */
        for (size_t k = 0; k < n && !cover[i]; k++) {
            licence *x = __atomic_load_n(&l->v[k], __ATOMIC_ACQUIRE);
            if (!covers(x, r->rulebook, req, d))
                continue;
            int seen = 0;
            for (size_t u = 0; u < nused && !seen; u++)
                seen = used[u] == x;
            if (seen || draw(l, x, x->per_request ? 1 : req->units)) {
                cover[i] = x;
                if (!seen)
                    used[nused++] = x;
            }
        }
        if (!cover[i]) {
            for (size_t u = 0; u < nused; u++)
                give_back(used[u], used[u]->per_request ? 1 : req->units);
            return 0;
        }
    }
    d->outcome = CLR_ALLOW;
    for (size_t b = 0; b < d->nrulebooks; b++)
        if (d->rulebooks[b].applicable)
            d->rulebooks[b].outcome = CLR_ALLOW;
    for (size_t i = 0; i < d->nreasons; i++) {
        clr_reason *r = &d->reasons[i];
        if (cover[i]) {
            r->licence = cover[i]->id;
            continue;
        }
        clr_outcome oc = (clr_outcome)r->effect;
        if (oc > d->outcome)
            d->outcome = oc;
        for (size_t b = 0; b < d->nrulebooks; b++)
            if (strcmp(d->rulebooks[b].rulebook, r->rulebook) == 0 && oc > d->rulebooks[b].outcome)
                d->rulebooks[b].outcome = oc;
    }
    return (int)nused;
}

int clr_licences_remaining(const clr_licences *l, const char *id, int64_t *left)
{
    size_t n = l ? __atomic_load_n(&l->n, __ATOMIC_ACQUIRE) : 0;
    for (size_t i = 0; i < n; i++) {
        const licence *x = __atomic_load_n(&l->v[i], __ATOMIC_ACQUIRE);
        if (strcmp(x->id, id) == 0) {
            *left = __atomic_load_n(&x->remaining, __ATOMIC_RELAXED);
            return 0;
        }
    }
    return CLR_ENOTFOUND;
}
