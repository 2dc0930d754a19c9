/* The registry on the decision path: fills N requests from a snapshot of
 * USERS users (USERS / 10 organisations) and flags their contradictions, and
 * finds keys' users. Meant for instruction counts (valgrind --tool=callgrind
 * --toggle-collect=clr_registry_fill, see bench/README.md); it also prints the
 * time to load the snapshot.
 * Usage: registry_bench [USERS=10000] [N=1000] */
#include "clearance.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    long users = argc > 1 ? atol(argv[1]) : 10000, n = argc > 2 ? atol(argv[2]) : 1000;
    char dir[] = "/tmp/clr-registry-bench-XXXXXX", db[96], err[256], secret[CLR_KEY_SECRET_MAX];
    clr_store *s = NULL;
    clr_registry *r = NULL;
    int rc = 1;
    if (!mkdtemp(dir))
        return 1;
    snprintf(db, sizeof db, "%s/store.db", dir);
    if (clr_store_open(&s, db, NULL, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        goto done;
    }
    for (long i = 0; i < users / 10 + 1; i++) {
        clr_org o;
        memset(&o, 0, sizeof o);
        snprintf(o.id, sizeof o.id, "org-%06ld", i);
        snprintf(o.legal_name, sizeof o.legal_name, "Organisation %ld Limited", i);
        memcpy(o.hq, "DE", 3);
        if (clr_registry_org_put(s, &o, 1, NULL, NULL))
            goto done;
    }
    for (long i = 0; i < users; i++) {
        clr_user u;
        memset(&u, 0, sizeof u);
        snprintf(u.id, sizeof u.id, "user-%06ld", i);
        snprintf(u.name, sizeof u.name, "Person %ld", i);
        snprintf(u.org, sizeof u.org, "org-%06ld", i / 10);
        memcpy(u.nationality, "FR", 3);
        memcpy(u.country, "DE", 3);
        if (clr_registry_user_put(s, &u, 1, NULL, NULL))
            goto done;
    }
    if (clr_registry_key_create(secret, NULL, s, "user-000000", NULL))
        goto done;
    double t0 = now_s();
    if (clr_registry_load(&r, s, NULL))
        goto done;
    printf("snapshot of %ld users loaded in %.1f ms\n", users, (now_s() - t0) * 1e3);
    clr_request req;
    clr_registry_check chk;
    clr_decision d;
    size_t flags = 0, found = 0;
    for (long i = 0; i < n; i++) {
        memset(&req.principal, 0, sizeof req.principal);
        req.destination[0] = '\0';
        snprintf(req.principal.id, sizeof req.principal.id, "user-%06ld", (i * 7919) % users);
        if (i % 2 && getenv("CONTRADICT"))
            memcpy(req.principal.nationality, "US", 3); /* a contradiction */
        clr_registry_fill(r, &req, &chk);
        d.outcome = CLR_ALLOW;
        d.nreasons = d.reasons_dropped = 0;
        flags += clr_registry_flag(&chk, &d);
        char uid[CLR_ID_MAX];
        found += clr_registry_key_user(uid, r, secret, strlen(secret)) == 0;
    }
    printf("%ld fills, %zu flags, %zu keys found\n", n, flags, found);
    rc = 0;
done:
    clr_registry_unref(r);
    clr_store_close(s);
    snprintf(err, sizeof err, "rm -rf '%s'", dir);
    if (system(err) != 0)
        rc = 1;
    return rc;
}
