/* Licences inside the library: the in-memory set (licence.c) and its
 * store-backed variant (licence_store.c), which leases units from the store.
 * Library-internal. */
#ifndef CLR_LICENCE_H
#define CLR_LICENCE_H

#include "arena.h"
#include "clearance.h"

#include <pthread.h>

typedef struct clr__strlist {
    const char **v;
    size_t n;
} clr__strlist;

typedef struct clr__licence {
    const char *id, *rulebook, *licensee;
    clr__strlist models, classes, destinations, uses, integrations;
    clr_time from, until;
    int64_t quantity;  /* as given; -1: unlimited */
    int64_t remaining; /* atomic; -1: unlimited. In memory: what is left. Store-backed:
                          what is left of this set's lease. */
    int per_request;   /* counted in requests, not units */
    int revoked;       /* atomic; a revoked licence covers nothing */
    /* store-backed, guarded by the set's mu: the lease block, doubled while
       leases come faster than one a second, and when the last was taken */
    int64_t block;
    uint64_t leased_ns;
} clr__licence;

struct clr_licences {
    clr__arena arena;
    clr__licence **v; /* store-backed: cap slots allocated once; n grows atomically */
    size_t n, cap;
    /* store-backed sets (clr_licences_open); NULL store: in memory only */
    clr_store *store;
    pthread_mutex_t mu; /* guards store, arena and additions */
    int64_t lease_max;
    int has_mu;
};

/* Parses one licence (a JSON object of len bytes, on one line) into a new
 * element of l, appended only when l has room (l->n < l->cap, the caller
 * grows v). name and line are for messages. Returns 0, CLR_EINVAL (message in
 * err) or CLR_ENOMEM; on success *out is the licence, not yet counted in
 * l->n. */
int clr__licence_parse(clr_licences *l, const char *text, size_t len, const char *name, size_t line,
                       char *err, size_t cap, clr__licence **out);

/* Store-backed refill: leases at least need more units of x from the store
 * into x->remaining. Called with l->mu held. Returns 1 when granted, 0 when
 * the store has not that many left (or fails: fail closed). */
int clr__licence_lease(clr_licences *l, clr__licence *x, int64_t need);

/* Returns the unused leases of a store-backed set to the store (best
 * effort: a lease not returned stays counted as used). */
void clr__licences_return_leases(clr_licences *l);

#endif
