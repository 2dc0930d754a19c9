/* libFuzzer target: what a gateway or an admin sends to the registry and the
 * store. The first byte picks the input: a request that the registry fills and
 * flags, then decided; an API key presented at /v1/authz; a licence added to
 * the store; or the usage report's --by list. The store is a private in-memory
 * SQLite store with a few organisations, users and a key. */
#include "clearance.h"
#include "clearance_store.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static clr_ruleset *rules;
static clr_store *store;
static clr_registry *registry;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char err[256];
    clr_registry_error rerr;
    if (clr_ruleset_load_defaults(&rules, NULL) ||
        clr_store_open(&store, ":memory:", NULL, err, sizeof err))
        return 1;
    clr_org acme = {
        .id = "acme", .legal_name = "Acme Widgets Limited", .country = "DE", .hq = "DE"};
    clr_user ana = {.id = "user:ana",
                    .name = "Ana Example",
                    .org = "acme",
                    .nationality = "DE",
                    .country = "DE"};
    clr_user bo = {.id = "user:bo", .org = "acme", .nationality = "US", .country = "US"};
    char secret[128];
    clr_api_key key;
    if (clr_registry_org_put(store, &acme, 1, NULL, &rerr) ||
        clr_registry_user_put(store, &ana, 1, NULL, &rerr) ||
        clr_registry_user_put(store, &bo, 1, NULL, &rerr) ||
        clr_registry_key_create(secret, &key, store, "user:ana", &rerr))
        return 1;
    return clr_registry_load(&registry, store, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    switch (data[0] % 4) {
    case 0: {
        clr_request req;
        clr_request_error err;
        clr_decision d;
        clr_registry_check chk;
        if (clr_registry_request_parse(&req, registry, text, len, 1780000000, &err) != 0)
            return 0;
        clr_registry_fill(registry, &req, &chk);
        clr_decide(rules, &req, &d, &err);
        clr_registry_apply_adjudications(registry, &req, &d);
        clr_registry_flag(&chk, &d);
        char out[65536];
        clr_decision_to_json(&d, out, sizeof out);
        break;
    }
    case 1: {
        char user[CLR_ID_MAX];
        clr_registry_key_user(user, registry, text, len);
        break;
    }
    case 2: {
        char err[512], id[CLR_ID_MAX];
        if (clr_licence_store_add(store, text, len, 1780000000, id, err, sizeof err) == 0)
            clr_licence_store_revoke(store, id, 1780000001);
        break;
    }
    default: {
        char by[256];
        unsigned cols;
        snprintf(by, sizeof by, "%.*s", (int)(len < 255 ? len : 255), text);
        clr_usage_by_parse(&cols, by);
        break;
    }
    }
    return 0;
}
