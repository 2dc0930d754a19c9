/* libFuzzer target for the header-to-request mapping of /v1/authz
 * (server/authz_headers.c) and the {"input": ...} scanner of the OPA-shaped
 * endpoint (server/json_scan.c). Fuzz targets link only clearance_lib, so
 * the two server files are compiled in here.
 *
 * Input: header lines "Name: value" separated by '\n' (an untrusted gateway's
 * headers); the whole input is also scanned as a JSON object. */
#include "../server/authz_headers.c"
#include "../server/json_scan.c"

#include <stdint.h>
#include <stdlib.h>
#include <strings.h>

#define MAX_HEADERS 64

typedef struct header_list {
    size_t n;
    const char *name[MAX_HEADERS];
    const char *value[MAX_HEADERS];
} header_list;

static const char *get(void *ctx, const char *name)
{
    const header_list *h = ctx;
    for (size_t i = 0; i < h->n; i++)
        if (strcasecmp(h->name[i], name) == 0)
            return h->value[i];
    return NULL;
}

static clr_ruleset *rules;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!rules && clr_ruleset_load_defaults(&rules, NULL))
        abort();
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    const char *val;
    size_t vlen;
    if (srv_json_member(text, size, "input", &val, &vlen) == 0 &&
        (val < text || val + vlen > text + size))
        abort();

    header_list h = {0};
    for (char *line = text; line && h.n < MAX_HEADERS;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        char *colon = strchr(line, ':');
        if (colon) {
            *colon = '\0';
            h.name[h.n] = line;
            h.value[h.n++] = colon + 1;
        }
        line = nl ? nl + 1 : NULL;
    }
    clr_request req;
    clr_request_error err;
    clr_decision d;
    int rc = srv_authz_request_from_headers(&req, get, &h, 1781913600, &err);
    if (rc == 0) {
        /* what the mapping accepts is a well-formed request */
        if (!req.model[0] || !req.principal.id[0] || !req.use[0] || !req.integration[0] ||
            !clr_country_valid(req.destination, 2) ||
            memchr(req.model, '\0', sizeof req.model) == NULL)
            abort();
        clr_decide(rules, &req, &d, &err);
        char json[8192];
        clr_request_to_json(&req, json, sizeof json);
    } else if (rc != CLR_EREQUEST || strncmp(err.path, "X-Clearance-", 12) != 0) {
        abort();
    }
    free(text);
    return 0;
}
