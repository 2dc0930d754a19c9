/* Export licences: parsing them, and lifting the license_required decisions
 * they cover while drawing down their quantities. */
#include "arena.h"
#include "clearance.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef struct strlist {
    const char **v;
    size_t n;
} strlist;

typedef struct licence {
    const char *id, *rulebook, *licensee;
    strlist models, classes, destinations, uses, integrations;
    clr_time from, until;
    int64_t remaining; /* atomic; -1: unlimited */
    int per_request;   /* counted in requests, not units */
} licence;

struct clr_licences {
    clr__arena arena;
    licence *v;
    size_t n, cap;
};

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
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        licence *v = realloc(l->v, cap * sizeof(*v));
        if (!v) {
            rc = CLR_ENOMEM;
            goto done;
        }
        l->v = v;
        l->cap = cap;
    }
    licence *x = &l->v[l->n];
    memset(x, 0, sizeof *x);
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
        if (strcmp(l->v[i].id, x->id) == 0) {
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
    l->n++;
done:
    cJSON_Delete(o);
    return rc;
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
    line_ctx c = {l, name ? name : "<licences>", 0, err, cap};
    const char *p = text, *end = text + len;
    int rc = 0;
    while (p < end && rc == 0) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        c.line++;
        const char *q = p;
        while (q < e && (*q == ' ' || *q == '\t' || *q == '\r'))
            q++;
        if (q < e && *q != '#')
            rc = parse_line(&c, p, (size_t)(e - p));
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

/* Takes amount from x; 0 when it has not enough left. */
static int draw(licence *x, int64_t amount)
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
    size_t nused = 0;
    for (size_t i = 0; i < d->nreasons; i++) {
        const clr_reason *r = &d->reasons[i];
        if (r->effect != CLR_EFFECT_LICENSE_REQUIRED)
            continue;
        for (size_t k = 0; k < l->n && !cover[i]; k++)
            if (covers(&l->v[k], r->rulebook, req, d))
                cover[i] = &l->v[k];
        if (!cover[i])
            return 0;
        int seen = 0;
        for (size_t k = 0; k < nused; k++)
            seen |= used[k] == cover[i];
        if (!seen)
            used[nused++] = cover[i];
    }
    for (size_t k = 0; k < nused; k++) {
        int64_t amount = used[k]->per_request ? 1 : req->units;
        if (!draw(used[k], amount)) {
            while (k-- > 0)
                give_back(used[k], used[k]->per_request ? 1 : req->units);
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
    for (size_t i = 0; l && i < l->n; i++)
        if (strcmp(l->v[i].id, id) == 0) {
            *left = __atomic_load_n(&l->v[i].remaining, __ATOMIC_RELAXED);
            return 0;
        }
    return CLR_ENOTFOUND;
}
