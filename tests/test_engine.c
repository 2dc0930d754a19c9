/* The engine: atomic swaps while readers decide. */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "clearance.h"

static clr_ruleset *compile(const char *effect)
{
    char text[512];
    snprintf(text, sizeof text,
             "model m { origin US }\nrulebook r { }\nrule x { effect %s when destination == DE }\n",
             effect);
    clr_ruleset *rs = NULL;
    assert_int_equal(clr_ruleset_compile(&rs, "t.rules", text, strlen(text), NULL, NULL), 0);
    return rs;
}

typedef struct reader {
    clr_engine *e;
    volatile int *stop;
    uint64_t decisions; /* atomic: the writer watches it */
    uint64_t bad;
} reader;

static void *read_loop(void *arg)
{
    reader *r = arg;
    clr_request q;
    const char *j = "{\"model\":\"m\",\"principal\":{\"id\":\"u\",\"country\":\"DE\"},"
                    "\"use\":\"x\",\"integration\":\"y\"}";
    if (clr_request_parse(&q, j, strlen(j), 0, NULL))
        return NULL;
    clr_ruleset *cached = NULL;
    uint64_t gen = 0;
    while (!*r->stop) {
        const clr_ruleset *rs = clr_engine_current(r->e, &cached, &gen);
        clr_decision d;
        clr_decide(rs, &q, &d, NULL);
        /* every set in play decides review or deny; never a half-swapped allow */
        if (d.outcome != CLR_REVIEW && d.outcome != CLR_DENY)
            r->bad++;
        /* a thread now and then lets the others run: valgrind runs one
           thread at a time and may hand a spinning thread the processor
           again and again */
        if (__atomic_add_fetch(&r->decisions, 1, __ATOMIC_RELAXED) % 64 == 0)
            sched_yield();
    }
    clr_ruleset_unref(cached);
    return NULL;
}

static void test_swap_under_readers(void **state)
{
    (void)state;
    clr_ruleset *a = compile("review"), *b = compile("deny");
    clr_engine *e;
    assert_int_equal(clr_engine_new(&e, a), 0);
    volatile int stop = 0;
    reader rd[3];
    pthread_t t[3];
    for (int i = 0; i < 3; i++) {
        rd[i] = (reader){e, &stop, 0, 0};
        assert_int_equal(pthread_create(&t[i], NULL, read_loop, &rd[i]), 0);
    }
    /* at least 2,000 swaps, yielding now and then so that the readers decide
       between them; then wait (not swap) until every reader has decided a good
       many times: on a loaded machine, or under valgrind, which runs one thread
       at a time, readers may start late. A minute without that fails. */
    for (int i = 0; i < 2000; i++) {
        /* a fresh set each time, so freed sets would be noticed by ASan */
        clr_ruleset *fresh = compile(i % 2 ? "deny" : "review");
        clr_engine_swap(e, fresh);
        clr_ruleset_unref(fresh);
        if (i % 16 == 0)
            sched_yield();
    }
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        int slow = 0;
        for (int k = 0; k < 3; k++)
            slow |= __atomic_load_n(&rd[k].decisions, __ATOMIC_RELAXED) < 1000;
        if (!slow)
            break;
        clock_gettime(CLOCK_MONOTONIC, &now);
        assert_true(now.tv_sec - t0.tv_sec < 60);
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    }
    stop = 1;
    uint64_t total = 0;
    for (int i = 0; i < 3; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(rd[i].bad, 0);
        total += rd[i].decisions;
    }
    assert_true(total > 0);
    clr_ruleset *cur = clr_engine_acquire(e);
    assert_non_null(cur);
    clr_ruleset_unref(cur);
    clr_engine_swap(e, b);
    clr_engine_free(e);
    clr_ruleset_unref(a);
    clr_ruleset_unref(b);
}

static void test_empty_engine_denies(void **state)
{
    (void)state;
    clr_engine *e;
    assert_int_equal(clr_engine_new(&e, NULL), 0);
    clr_ruleset *cached = NULL;
    uint64_t gen = 0;
    const clr_ruleset *rs = clr_engine_current(e, &cached, &gen);
    assert_null(rs);
    clr_request q;
    memset(&q, 0, sizeof q);
    clr_decision d;
    assert_int_equal(clr_decide(rs, &q, &d, NULL), CLR_EINVAL);
    assert_int_equal(d.outcome, CLR_DENY);
    clr_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_swap_under_readers),
        cmocka_unit_test(test_empty_engine_denies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
