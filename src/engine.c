/* The engine: the active rulebook set, swapped atomically. Readers keep a
 * cached reference and pay one atomic load per request while nothing changes. */
#include "clearance.h"

#include <pthread.h>
#include <stdlib.h>

struct clr_engine {
    pthread_mutex_t lock;
    clr_ruleset *active;
    uint64_t generation; /* atomic; bumped on every swap */
};

int clr_engine_new(clr_engine **out, clr_ruleset *rs)
{
    clr_engine *e = calloc(1, sizeof(*e));
    if (!e) {
        *out = NULL;
        return CLR_ENOMEM;
    }
    pthread_mutex_init(&e->lock, NULL);
    e->active = clr_ruleset_ref(rs);
    e->generation = 1;
    *out = e;
    return 0;
}

void clr_engine_free(clr_engine *e)
{
    if (!e)
        return;
    clr_ruleset_unref(e->active);
    pthread_mutex_destroy(&e->lock);
    free(e);
}

void clr_engine_swap(clr_engine *e, clr_ruleset *rs)
{
    clr_ruleset_ref(rs);
    pthread_mutex_lock(&e->lock);
    clr_ruleset *old = e->active;
    e->active = rs;
    __atomic_add_fetch(&e->generation, 1, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&e->lock);
    /* readers hold their own references; the set is freed by the last one */
    clr_ruleset_unref(old);
}

clr_ruleset *clr_engine_acquire(clr_engine *e)
{
    pthread_mutex_lock(&e->lock);
    clr_ruleset *rs = clr_ruleset_ref(e->active);
    pthread_mutex_unlock(&e->lock);
    return rs;
}

const clr_ruleset *clr_engine_current(clr_engine *e, clr_ruleset **cached, uint64_t *gen)
{
    uint64_t g = __atomic_load_n(&e->generation, __ATOMIC_ACQUIRE);
    if (g == *gen && *cached)
        return *cached;
    pthread_mutex_lock(&e->lock);
    clr_ruleset *rs = clr_ruleset_ref(e->active);
    g = __atomic_load_n(&e->generation, __ATOMIC_ACQUIRE);
    pthread_mutex_unlock(&e->lock);
    clr_ruleset_unref(*cached);
    *cached = rs;
    *gen = g;
    return rs;
}
