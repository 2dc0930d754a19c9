/* Requests: parsing and validating the JSON contract, and writing it back. */
#include "clearance.h"
#include "jsonw.h"
#include "ruleset.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* cJSON allocates a node per value. While a request is parsed, its nodes come
 * from a buffer on the parsing thread's stack instead of malloc; outside a
 * parse, and for what does not fit, the hooks are plain malloc and free, so
 * other users of cJSON in the process are unaffected. */
#define PARSE_SCRATCH 16384

static _Thread_local struct {
    char *buf;
    size_t used;
    int spilled; /* some node of this parse came from malloc */
} scratch;

static void *hook_malloc(size_t n)
{
    if (scratch.buf) {
        size_t at = (scratch.used + 15) & ~(size_t)15;
        if (n <= PARSE_SCRATCH && at <= PARSE_SCRATCH - n) {
            scratch.used = at + n;
            return scratch.buf + at;
        }
        scratch.spilled = 1;
    }
    return malloc(n);
}

static void hook_free(void *p)
{
    char *c = p;
    if (scratch.buf && c >= scratch.buf && c < scratch.buf + PARSE_SCRATCH)
        return;
    free(p);
}

static pthread_once_t hooks_once = PTHREAD_ONCE_INIT;

static void install_hooks(void)
{
    cJSON_Hooks hooks = {hook_malloc, hook_free};
    cJSON_InitHooks(&hooks);
}

static int fail(clr_request_error *err, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(clr_request_error *err, const char *path, const char *fmt, ...)
{
    if (err) {
        snprintf(err->path, sizeof err->path, "%s", path);
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
        /* messages quote what the request said: keep them printable */
        clr__text_scrub(err->path);
        clr__text_scrub(err->message);
    }
    return CLR_EREQUEST;
}

static int is_absent(const cJSON *v)
{
    return !v || cJSON_IsNull(v);
}

static int get_string(const cJSON *v, const char *path, char *out, size_t cap, int required,
                      clr_request_error *err)
{
    out[0] = '\0';
    if (is_absent(v))
        return required ? fail(err, path, "required field is missing") : 0;
    if (!cJSON_IsString(v))
        return fail(err, path, "must be a string");
    const unsigned char *s = (const unsigned char *)v->valuestring;
    /* printable ASCII, the common case, needs no decoding: one pass finds
       its end; the first other byte hands over to the UTF-8 check */
    size_t len = 0;
    while (s[len] >= 0x20 && s[len] < 0x7f)
        len++;
    for (size_t i = len; s[i]; i = len) {
        if (s[i] < 0x20 || s[i] == 0x7f)
            return fail(err, path, "contains a control character");
        size_t n = clr__utf8_len(s + i);
        if (n == 0)
            return fail(err, path, "is not valid UTF-8");
        len = i + n;
        while (s[len] >= 0x20 && s[len] < 0x7f)
            len++;
    }
    if (len == 0)
        return required ? fail(err, path, "must not be empty") : 0;
    if (len >= cap)
        return fail(err, path, "longer than %zu bytes", cap - 1);
    memcpy(out, s, len);
    clr__field_pad(out, len, cap);
    return 0;
}

static int get_country(const cJSON *v, const char *path, char out[3], clr_request_error *err)
{
    out[0] = '\0';
    if (is_absent(v))
        return 0;
    if (!cJSON_IsString(v))
        return fail(err, path, "must be a string holding an ISO 3166-1 alpha-2 country code");
    const char *s = v->valuestring;
    if (strlen(s) != 2)
        return fail(err, path, "'%.16s' is not an ISO 3166-1 alpha-2 country code", s);
    char up[3] = {(char)toupper((unsigned char)s[0]), (char)toupper((unsigned char)s[1]), 0};
    if (!clr_country_valid(up, 2))
        return fail(err, path, "'%s' is not an assigned ISO 3166-1 alpha-2 country code%s", up,
                    strcmp(up, "UK") == 0 ? " (the United Kingdom is GB)" : "");
    memcpy(out, up, 3);
    return 0;
}

/* Sorts obj's members into vals[i] by keys[i] (NULL when absent); refuses a
 * key not in keys, or one given twice. One pass over the members. */
static int collect_keys(const cJSON *obj, const char *const *keys, const cJSON **vals,
                        const char *prefix, clr_request_error *err)
{
    size_t nkeys = 0;
    while (keys[nkeys])
        vals[nkeys++] = NULL;
    for (const cJSON *c = obj->child; c; c = c->next) {
        size_t found = nkeys;
        for (size_t i = 0; i < nkeys; i++)
            if (c->string && c->string[0] == keys[i][0] && strcmp(c->string, keys[i]) == 0) {
                found = i;
                break;
            }
        if (found == nkeys || vals[found]) {
            char path[128];
            snprintf(path, sizeof path, "%s.%.60s", prefix, c->string ? c->string : "");
            return fail(err, path, found == nkeys ? "unknown field" : "field appears twice");
        }
        vals[found] = c;
    }
    return 0;
}

static int parse_principal(const cJSON *p, clr_principal *out, clr_request_error *err)
{
    static const char *const keys[] = {"id", "org",  "nationality", "country",
                                       "hq", "name", "org_name",    NULL};
    if (is_absent(p))
        return fail(err, "$.principal", "required field is missing");
    if (!cJSON_IsObject(p))
        return fail(err, "$.principal", "must be an object");
    const cJSON *v[7];
    int rc;
    if ((rc = collect_keys(p, keys, v, "$.principal", err)))
        return rc;
    if ((rc = get_string(v[0], "$.principal.id", out->id, sizeof out->id, 1, err)) ||
        (rc = get_string(v[1], "$.principal.org", out->org, sizeof out->org, 0, err)) ||
        (rc = get_country(v[2], "$.principal.nationality", out->nationality, err)) ||
        (rc = get_country(v[3], "$.principal.country", out->country, err)) ||
        (rc = get_country(v[4], "$.principal.hq", out->hq, err)) ||
        (rc = get_string(v[5], "$.principal.name", out->name, sizeof out->name, 0, err)) ||
        (rc =
             get_string(v[6], "$.principal.org_name", out->org_name, sizeof out->org_name, 0, err)))
        return rc;
    return 0;
}

static int parse_model_attrs(const cJSON *m, clr_model_attrs *out, clr_request_error *err)
{
    static const char *const keys[] = {"origin",       "provider", "training_ops",
                                       "open_weights", "tags",     NULL};
    out->present = 0;
    out->training_ops = -1;
    out->open_weights = -1;
    out->ntags = 0;
    out->origin[0] = out->provider[0] = '\0';
    if (is_absent(m))
        return 0;
    if (!cJSON_IsObject(m))
        return fail(err, "$.model_attributes", "must be an object");
    const cJSON *v[5];
    int rc;
    if ((rc = collect_keys(m, keys, v, "$.model_attributes", err)))
        return rc;
    out->present = 1;
    if ((rc = get_country(v[0], "$.model_attributes.origin", out->origin, err)) ||
        (rc = get_string(v[1], "$.model_attributes.provider", out->provider, sizeof out->provider,
                         0, err)))
        return rc;
    const cJSON *ops = v[2];
    if (!is_absent(ops)) {
        if (!cJSON_IsNumber(ops) || !isfinite(ops->valuedouble) || ops->valuedouble < 0)
            return fail(err, "$.model_attributes.training_ops", "must be a non-negative number");
        out->training_ops = ops->valuedouble;
    }
    const cJSON *ow = v[3];
    if (!is_absent(ow)) {
        if (!cJSON_IsBool(ow))
            return fail(err, "$.model_attributes.open_weights", "must be true or false");
        out->open_weights = cJSON_IsTrue(ow);
    }
    const cJSON *tags = v[4];
    if (!is_absent(tags)) {
        if (!cJSON_IsArray(tags))
            return fail(err, "$.model_attributes.tags", "must be an array of strings");
        size_t i = 0;
        for (const cJSON *t = tags->child; t; t = t->next, i++) {
            char path[64];
            snprintf(path, sizeof path, "$.model_attributes.tags[%zu]", i);
            if (i >= CLR_TAGS_MAX)
                return fail(err, path, "more than %d tags", CLR_TAGS_MAX);
            if ((rc = get_string(t, path, out->tags[i], sizeof out->tags[i], 1, err)))
                return rc;
        }
        out->ntags = i;
    }
    return 0;
}

static int parse_object(const cJSON *root, clr_request *out, clr_time now, clr_request_error *err)
{
    static const char *const keys[] = {
        "model", "principal", "destination",      "use",       "integration", "app",
        "time",  "units",     "model_attributes", "source_ip", NULL};
    if (!cJSON_IsObject(root))
        return fail(err, "$", "a request is a JSON object");
    const cJSON *v[10];
    int rc;
    if ((rc = collect_keys(root, keys, v, "$", err)))
        return rc;
    if ((rc = get_string(v[0], "$.model", out->model, sizeof out->model, 1, err)) ||
        (rc = parse_principal(v[1], &out->principal, err)) ||
        (rc = get_country(v[2], "$.destination", out->destination, err)) ||
        (rc = get_string(v[3], "$.use", out->use, sizeof out->use, 1, err)) ||
        (rc = get_string(v[4], "$.integration", out->integration, sizeof out->integration, 1,
                         err)) ||
        (rc = get_string(v[5], "$.app", out->app, sizeof out->app, 0, err)) ||
        (rc = get_string(v[9], "$.source_ip", out->source_ip, sizeof out->source_ip, 0, err)) ||
        (rc = parse_model_attrs(v[8], &out->model_attributes, err)))
        return rc;
    if (!out->destination[0]) {
        if (!out->principal.country[0])
            return fail(err, "$.destination",
                        "required when principal.country is absent (it defaults to it)");
        memcpy(out->destination, out->principal.country, 3);
    }
    if (out->source_ip[0]) {
        unsigned char buf[16];
        if (inet_pton(AF_INET, out->source_ip, buf) != 1 &&
            inet_pton(AF_INET6, out->source_ip, buf) != 1)
            return fail(err, "$.source_ip", "'%s' is not an IPv4 or IPv6 address", out->source_ip);
    }
    const cJSON *t = v[6];
    out->time = now;
    if (!is_absent(t)) {
        if (!cJSON_IsString(t))
            return fail(err, "$.time", "must be an RFC 3339 timestamp string");
        if (clr_time_parse(&out->time, t->valuestring, strlen(t->valuestring)))
            return fail(err, "$.time",
                        "'%.40s' is not an RFC 3339 timestamp (2026-06-20T12:00:00Z) or a date",
                        t->valuestring);
    }
    const cJSON *u = v[7];
    out->units = 0;
    if (!is_absent(u)) {
        if (!cJSON_IsNumber(u) || !isfinite(u->valuedouble) || u->valuedouble < 0 ||
            u->valuedouble > 9007199254740992.0 || u->valuedouble != floor(u->valuedouble))
            return fail(err, "$.units", "must be a non-negative whole number");
        out->units = (int64_t)u->valuedouble;
    }
    return 0;
}

int clr_request_parse(clr_request *out, const char *json, size_t len, clr_time now,
                      clr_request_error *err)
{
    if (err)
        err->path[0] = err->message[0] = '\0';
    if (!json)
        return fail(err, "$", "no request");
    pthread_once(&hooks_once, install_hooks);
    _Alignas(16) char buf[PARSE_SCRATCH];
    scratch.buf = buf;
    scratch.used = 0;
    scratch.spilled = 0;
    const char *end = NULL;
    int rc;
    cJSON *root = cJSON_ParseWithLengthOpts(json, len, &end, 0);
    if (!root) {
        size_t at = end && end >= json ? (size_t)(end - json) : 0;
        rc = fail(err, "$", "invalid JSON near byte %zu", at);
        goto done;
    }
    for (const char *q = end; q && q < json + len; q++) {
        if (*q != ' ' && *q != '\t' && *q != '\n' && *q != '\r') {
            rc = fail(err, "$", "text after the JSON value at byte %zu", (size_t)(q - json));
            goto done;
        }
    }
    rc = parse_object(root, out, now, err);
done:
    /* a tree wholly in the scratch buffer goes with it: walking it to free
       nothing is skipped */
    if (scratch.spilled)
        cJSON_Delete(root);
    scratch.buf = NULL;
    return rc;
}

size_t clr_request_to_json(const clr_request *r, char *buf, size_t cap)
{
    clr__jsonw w;
    clr__jsonw_init(&w, buf, cap);
    clr__jsonw_raw(&w, "{\"model\":");
    clr__jsonw_str(&w, r->model);
    clr__jsonw_raw(&w, ",\"principal\":{\"id\":");
    clr__jsonw_str(&w, r->principal.id);
    const struct {
        const char *key, *val;
    } popt[] = {{"org", r->principal.org},         {"nationality", r->principal.nationality},
                {"country", r->principal.country}, {"hq", r->principal.hq},
                {"name", r->principal.name},       {"org_name", r->principal.org_name}};
    for (size_t i = 0; i < sizeof popt / sizeof popt[0]; i++) {
        if (!popt[i].val[0])
            continue;
        clr__jsonw_raw(&w, ",\"");
        clr__jsonw_raw(&w, popt[i].key);
        clr__jsonw_raw(&w, "\":");
        clr__jsonw_str(&w, popt[i].val);
    }
    clr__jsonw_raw(&w, "},\"destination\":");
    clr__jsonw_str(&w, r->destination);
    clr__jsonw_raw(&w, ",\"use\":");
    clr__jsonw_str(&w, r->use);
    clr__jsonw_raw(&w, ",\"integration\":");
    clr__jsonw_str(&w, r->integration);
    if (r->app[0]) {
        clr__jsonw_raw(&w, ",\"app\":");
        clr__jsonw_str(&w, r->app);
    }
    char ts[32];
    if (clr_time_format(ts, sizeof ts, r->time) > 0) {
        clr__jsonw_raw(&w, ",\"time\":");
        clr__jsonw_str(&w, ts);
    }
    clr__jsonw_raw(&w, ",\"units\":");
    clr__jsonw_int(&w, r->units);
    if (r->source_ip[0]) {
        clr__jsonw_raw(&w, ",\"source_ip\":");
        clr__jsonw_str(&w, r->source_ip);
    }
    const clr_model_attrs *m = &r->model_attributes;
    if (m->present) {
        clr__jsonw_raw(&w, ",\"model_attributes\":{");
        int first = 1;
        if (m->origin[0]) {
            clr__jsonw_raw(&w, "\"origin\":");
            clr__jsonw_str(&w, m->origin);
            first = 0;
        }
        if (m->provider[0]) {
            clr__jsonw_raw(&w, first ? "\"provider\":" : ",\"provider\":");
            clr__jsonw_str(&w, m->provider);
            first = 0;
        }
        if (m->training_ops >= 0) {
            clr__jsonw_raw(&w, first ? "\"training_ops\":" : ",\"training_ops\":");
            clr__jsonw_num(&w, m->training_ops);
            first = 0;
        }
        if (m->open_weights >= 0) {
            clr__jsonw_raw(&w, first ? "\"open_weights\":" : ",\"open_weights\":");
            clr__jsonw_raw(&w, m->open_weights ? "true" : "false");
            first = 0;
        }
        if (m->ntags) {
            clr__jsonw_raw(&w, first ? "\"tags\":[" : ",\"tags\":[");
            for (size_t i = 0; i < m->ntags; i++) {
                if (i)
                    clr__jsonw_raw(&w, ",");
                clr__jsonw_str(&w, m->tags[i]);
            }
            clr__jsonw_raw(&w, "]");
        }
        clr__jsonw_raw(&w, "}");
    }
    clr__jsonw_raw(&w, "}");
    return clr__jsonw_finish(&w);
}
