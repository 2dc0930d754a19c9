/* The header-to-request mapping of /v1/authz. */
#include "authz_headers.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

enum field {
    F_MODEL,
    F_USER,
    F_ORG,
    F_NAT,
    F_COUNTRY,
    F_HQ,
    F_DEST,
    F_USE,
    F_INTEG,
    F_APP,
    F_TIME,
    F_UNITS,
    F_NAME,
    F_ORG_NAME,
    F_SOURCE_IP,
    F_COUNT
};

static const srv_authz_header headers[F_COUNT] = {
    [F_MODEL] = {"X-Clearance-Model", "$.model", 1},
    [F_USER] = {"X-Clearance-User", "$.principal.id", 1},
    [F_ORG] = {"X-Clearance-Org", "$.principal.org", 0},
    [F_NAT] = {"X-Clearance-Nationality", "$.principal.nationality", 0},
    [F_COUNTRY] = {"X-Clearance-Country", "$.principal.country", 0},
    [F_HQ] = {"X-Clearance-Hq", "$.principal.hq", 0},
    [F_DEST] = {"X-Clearance-Destination", "$.destination", 0},
    [F_USE] = {"X-Clearance-Use", "$.use", 1},
    [F_INTEG] = {"X-Clearance-Integration", "$.integration", 1},
    [F_APP] = {"X-Clearance-App", "$.app", 0},
    [F_TIME] = {"X-Clearance-Time", "$.time", 0},
    [F_UNITS] = {"X-Clearance-Units", "$.units", 0},
    [F_NAME] = {"X-Clearance-Name", "$.principal.name", 0},
    [F_ORG_NAME] = {"X-Clearance-Org-Name", "$.principal.org_name", 0},
    [F_SOURCE_IP] = {"X-Clearance-Source-Ip", "$.source_ip", 0},
};

const srv_authz_header *srv_authz_headers(size_t *n)
{
    *n = F_COUNT;
    return headers;
}

static int fail(clr_request_error *err, enum field f, const char *msg)
{
    if (err) {
        snprintf(err->path, sizeof err->path, "%s", headers[f].name);
        snprintf(err->message, sizeof err->message, "%s", msg);
    }
    return CLR_EREQUEST;
}

/* Trims blanks around v; returns its length, or -1 when a control byte is in it. */
static long trimmed(const char **v)
{
    const char *s = *v;
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return -1;
    *v = s;
    return (long)n;
}

static int copy_id(char *dst, size_t cap, const char *v, long n, enum field f,
                   clr_request_error *err)
{
    if (n == 0)
        return fail(err, f, "the header is empty");
    if ((size_t)n >= cap)
        return fail(err, f, "the value is too long");
    memcpy(dst, v, (size_t)n);
    dst[n] = '\0';
    return 0;
}

static int copy_country(char dst[3], const char *v, long n, enum field f, clr_request_error *err)
{
    char up[3] = {0};
    if (n == 2) {
        up[0] = (char)toupper((unsigned char)v[0]);
        up[1] = (char)toupper((unsigned char)v[1]);
    }
    if (n != 2 || !clr_country_valid(up, 2))
        return fail(err, f, "not an assigned ISO 3166-1 alpha-2 country code");
    memcpy(dst, up, 3);
    return 0;
}

static int parse_units(int64_t *out, const char *v, long n, clr_request_error *err)
{
    int64_t x = 0;
    if (n == 0 || n > 18)
        return fail(err, F_UNITS, "expected a non-negative integer of at most 18 digits");
    for (long i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return fail(err, F_UNITS, "expected a non-negative integer of at most 18 digits");
        x = x * 10 + (v[i] - '0');
    }
    *out = x;
    return 0;
}

int srv_authz_request_from_headers(clr_request *out, srv_header_get_fn get, void *ctx, clr_time now,
                                   clr_request_error *err)
{
    const char *val[F_COUNT];
    long len[F_COUNT];
    memset(out, 0, sizeof *out);
    out->time = now;
    out->model_attributes.training_ops = -1;
    out->model_attributes.open_weights = -1;
    for (int f = 0; f < F_COUNT; f++) {
        val[f] = get(ctx, headers[f].name);
        len[f] = 0;
        if (val[f] && (len[f] = trimmed(&val[f])) < 0)
            return fail(err, (enum field)f, "the value holds a control character");
        if (val[f] && len[f] == 0 && !headers[f].required)
            val[f] = NULL;
        if (!val[f] && headers[f].required)
            return fail(err, (enum field)f, "the header is required");
    }
    int rc;
    if ((rc = copy_id(out->model, sizeof out->model, val[F_MODEL], len[F_MODEL], F_MODEL, err)) ||
        (rc = copy_id(out->principal.id, sizeof out->principal.id, val[F_USER], len[F_USER], F_USER,
                      err)) ||
        (rc = copy_id(out->use, sizeof out->use, val[F_USE], len[F_USE], F_USE, err)) ||
        (rc = copy_id(out->integration, sizeof out->integration, val[F_INTEG], len[F_INTEG],
                      F_INTEG, err)))
        return rc;
    if (val[F_ORG] && (rc = copy_id(out->principal.org, sizeof out->principal.org, val[F_ORG],
                                    len[F_ORG], F_ORG, err)))
        return rc;
    if (val[F_APP] && (rc = copy_id(out->app, sizeof out->app, val[F_APP], len[F_APP], F_APP, err)))
        return rc;
    if (val[F_NAME] && (rc = copy_id(out->principal.name, sizeof out->principal.name, val[F_NAME],
                                     len[F_NAME], F_NAME, err)))
        return rc;
    if (val[F_ORG_NAME] && (rc = copy_id(out->principal.org_name, sizeof out->principal.org_name,
                                         val[F_ORG_NAME], len[F_ORG_NAME], F_ORG_NAME, err)))
        return rc;
    if (val[F_NAT] &&
        (rc = copy_country(out->principal.nationality, val[F_NAT], len[F_NAT], F_NAT, err)))
        return rc;
    if (val[F_COUNTRY] &&
        (rc = copy_country(out->principal.country, val[F_COUNTRY], len[F_COUNTRY], F_COUNTRY, err)))
        return rc;
    if (val[F_HQ] && (rc = copy_country(out->principal.hq, val[F_HQ], len[F_HQ], F_HQ, err)))
        return rc;
    if (val[F_DEST]) {
        if ((rc = copy_country(out->destination, val[F_DEST], len[F_DEST], F_DEST, err)))
            return rc;
    } else if (out->principal.country[0]) {
        memcpy(out->destination, out->principal.country, sizeof out->destination);
    } else {
        return fail(err, F_DEST, "required when X-Clearance-Country is absent (it defaults to it)");
    }
    if (val[F_TIME] && clr_time_parse(&out->time, val[F_TIME], (size_t)len[F_TIME]))
        return fail(err, F_TIME, "expected an RFC 3339 UTC timestamp or a date (YYYY-MM-DD)");
    if (val[F_UNITS] && (rc = parse_units(&out->units, val[F_UNITS], len[F_UNITS], err)))
        return rc;
    if (val[F_SOURCE_IP]) {
        unsigned char addr[16];
        if ((rc = copy_id(out->source_ip, sizeof out->source_ip, val[F_SOURCE_IP], len[F_SOURCE_IP],
                          F_SOURCE_IP, err)))
            return rc;
        if (inet_pton(AF_INET, out->source_ip, addr) != 1 &&
            inet_pton(AF_INET6, out->source_ip, addr) != 1)
            return fail(err, F_SOURCE_IP, "not an IPv4 or IPv6 address");
    }
    return 0;
}
