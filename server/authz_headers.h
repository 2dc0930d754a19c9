/* Maps the X-Clearance-* headers of an authorization request (nginx
 * auth_request, Envoy ext_authz in HTTP mode) onto a clr_request. Knows
 * nothing of HTTP libraries, so the fuzzer links it alone. */
#ifndef CLR_SERVER_AUTHZ_HEADERS_H
#define CLR_SERVER_AUTHZ_HEADERS_H

#include "clearance.h"

/* Returns the value of header name (case-insensitive), or NULL when the
 * request lacks it. The string must stay valid until the mapping returns. */
typedef const char *(*srv_header_get_fn)(void *ctx, const char *name);

/* One header the mapping reads, for documentation and the fuzzer. */
typedef struct srv_authz_header {
    const char *name;  /* "X-Clearance-Model" */
    const char *field; /* the request field it fills, as a JSON path: "$.model" */
    int required;
} srv_authz_header;

/* The headers read, in order; *n receives their number. Static. */
const srv_authz_header *srv_authz_headers(size_t *n);

/* Fills *out from the headers that get returns: model, principal id (-User),
 * org, nationality, country, hq, destination (defaults to the country), use,
 * integration, app, time (RFC 3339 or a date; defaults to now) and units.
 * Surrounding blanks are ignored. On success returns 0. When a required header
 * is missing or a value is too long, holds a control character, is not an
 * assigned ISO 3166-1 alpha-2 code, a valid time or a non-negative integer,
 * returns CLR_EREQUEST and fills *err (which may be NULL) with the header name
 * as the path and a message. Allocates nothing. Thread-safe. */
int srv_authz_request_from_headers(clr_request *out, srv_header_get_fn get, void *ctx, clr_time now,
                                   clr_request_error *err);

#endif
