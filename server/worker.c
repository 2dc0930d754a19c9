/* Per-thread worker state: a cached reference to the active rule set (one
 * atomic load per request when nothing changed) and a metrics shard. */
#include "server.h"

#include <stdlib.h>
#include <time.h>

static _Thread_local srv_worker *current;

static pthread_mutex_t all_lock = PTHREAD_MUTEX_INITIALIZER;
static srv_worker **all;
static size_t nall, capall;

srv_worker *srv_worker_get(srv_state *st)
{
    if (current)
        return current;
    srv_worker *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->st = st;
    w->metrics = srv_metrics_shard_new(st->metrics);
    pthread_mutex_lock(&all_lock);
    if (nall == capall) {
        size_t cap = capall ? capall * 2 : 16;
        srv_worker **p = realloc(all, cap * sizeof *p);
        if (!p) {
            pthread_mutex_unlock(&all_lock);
            free(w);
            return NULL;
        }
        all = p;
        capall = cap;
    }
    all[nall++] = w;
    pthread_mutex_unlock(&all_lock);
    current = w;
    return w;
}

void srv_workers_free(void)
{
    pthread_mutex_lock(&all_lock);
    for (size_t i = 0; i < nall; i++) {
        clr_ruleset_unref(all[i]->cached);
        clr_registry_unref(all[i]->reg_cached);
        clr_lists_unref(all[i]->lists);
        free(all[i]);
    }
    free(all);
    all = NULL;
    nall = capall = 0;
    pthread_mutex_unlock(&all_lock);
    current = NULL;
}

const clr_lists *srv_worker_lists(srv_worker *w)
{
    srv_state *st = w->st;
    uint64_t gen = atomic_load_explicit(&st->lists_gen, memory_order_acquire);
    if (gen != w->lists_gen) {
        pthread_mutex_lock(&st->lists_lock);
        clr_lists *l = st->lists ? clr_lists_ref(st->lists) : NULL;
        w->lists_gen = atomic_load(&st->lists_gen);
        pthread_mutex_unlock(&st->lists_lock);
        clr_lists_unref(w->lists);
        w->lists = l;
    }
    return w->lists;
}

const clr_ruleset *srv_worker_rules(srv_worker *w)
{
    return clr_engine_current(w->st->engine, &w->cached, &w->gen);
}

uint64_t srv_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
