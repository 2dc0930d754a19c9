/* Usage metering against real SQLite files: aggregation by organisation,
 * user, model, destination and day; flushing with upserts; reports; the
 * trailing-window totals of the usage source across day boundaries; reopening
 * and reloading; many threads recording at once. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clearance.h"
#include "clearance_store.h"
#include "lib/test_store.h"

static char dir[64];
static char db[512];

#define DAY 86400
/* 2026-06-20T00:00:00Z */
#define D0 ((clr_time)1781913600)

static int setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/clr-usage-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    return test_store_path(db, sizeof db, dir, "store.db");
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd);
}

static clr_store *open_store(void)
{
    clr_store *s = NULL;
    char err[256];
    if (clr_store_open(&s, db, NULL, err, sizeof err))
        fail_msg("cannot open the store: %s", err);
    return s;
}

static clr_usage *open_meter(clr_store *s, clr_time now, int days)
{
    clr_usage_options o = CLR_USAGE_OPTIONS_INIT;
    clr_usage *u = NULL;
    char err[256];
    o.days = days;
    o.flush_ms = 3600 * 1000; /* the tests flush themselves */
    o.slots = 64;             /* small: the tables must grow */
    if (clr_usage_open(&u, s, &o, now, err, sizeof err))
        fail_msg("cannot open the meter: %s", err);
    return u;
}

/* Records one decision of outcome o for user (of org) using units of model
 * to dest at time t. */
static void record(clr_usage *u, const char *org, const char *user, const char *model,
                   const char *dest, clr_time t, int64_t units, clr_outcome o)
{
    clr_request q;
    clr_decision d;
    memset(&q, 0, sizeof q);
    memset(&d, 0, sizeof d);
    snprintf(q.principal.org, sizeof q.principal.org, "%s", org);
    snprintf(q.principal.id, sizeof q.principal.id, "%s", user);
    snprintf(q.model, sizeof q.model, "%s", model);
    snprintf(q.destination, sizeof q.destination, "%s", dest);
    q.time = t;
    q.units = units;
    d.outcome = o;
    d.at = t;
    assert_int_equal(clr_usage_record(u, &q, &d), 0);
}

typedef struct report {
    int n;
    char line[32][160];
} report;

static int collect(void *arg, const clr_usage_row *r)
{
    report *rp = arg;
    char day[32] = "-";
    if (r->day >= 0)
        clr_time_format(day, sizeof day, r->day);
    if (rp->n < 32)
        snprintf(rp->line[rp->n], sizeof rp->line[0], "%s %s %s %s %.10s %lld %lld",
                 r->org ? r->org : "*", r->user ? r->user : "*", r->model ? r->model : "*",
                 r->destination ? r->destination : "*", day, (long long)r->units,
                 (long long)r->decisions);
    rp->n++;
    return 0;
}

static report run_report(clr_store *s, const char *by, const char *org, clr_time from,
                         clr_time until)
{
    report rp = {0};
    clr_usage_query q = {0};
    q.org = org;
    q.from = from;
    q.until = until;
    assert_int_equal(clr_usage_by_parse(&q.by, by), 0);
    assert_int_equal(clr_usage_report(s, &q, collect, &rp), 0);
    return rp;
}

static void test_aggregate_flush_report(void **state)
{
    (void)state;
    clr_store *s = open_store();
    clr_usage *u = open_meter(s, D0, 30);
    record(u, "org:acme", "ana", "mythos-5", "DE", D0 + 10, 100, CLR_ALLOW);
    record(u, "org:acme", "ana", "mythos-5", "DE", D0 + 20, 50, CLR_ALLOW);
    record(u, "org:acme", "ana", "mythos-5", "DE", D0 + 30, 999, CLR_DENY); /* not used */
    record(u, "org:acme", "bob", "mythos-5", "FR", D0 + DAY, 7, CLR_ALLOW);
    record(u, "org:acme", "bob", "lumen-3", "FR", D0 + DAY, 3, CLR_ALLOW);
    record(u, "org:beta", "cy", "mythos-5", "US", D0 - 1, 1000, CLR_ALLOW);
    /* nothing reaches the store before a flush */
    report r = run_report(s, "", NULL, CLR_TIME_MIN, CLR_TIME_MAX);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.line[0], "* * * * - 0 0");
    assert_int_equal(clr_usage_flush(u), 0);
    r = run_report(s, "", NULL, CLR_TIME_MIN, CLR_TIME_MAX);
    assert_string_equal(r.line[0], "* * * * - 1160 6");
    r = run_report(s, "org,day", NULL, CLR_TIME_MIN, CLR_TIME_MAX);
    assert_int_equal(r.n, 3);
    assert_string_equal(r.line[0], "org:acme * * * 2026-06-20 150 3");
    assert_string_equal(r.line[1], "org:acme * * * 2026-06-21 10 2");
    assert_string_equal(r.line[2], "org:beta * * * 2026-06-19 1000 1");
    r = run_report(s, "user,model,destination", "org:acme", CLR_TIME_MIN, CLR_TIME_MAX);
    assert_int_equal(r.n, 3);
    assert_string_equal(r.line[0], "* ana mythos-5 DE - 150 3");
    assert_string_equal(r.line[1], "* bob lumen-3 FR - 3 1");
    assert_string_equal(r.line[2], "* bob mythos-5 FR - 7 1");
    /* the period: whole days, both ends included */
    r = run_report(s, "model", NULL, D0 + DAY + 5, D0 + DAY + 5);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.line[0], "* * lumen-3 * - 3 1");
    r = run_report(s, "org", NULL, D0 - DAY, D0);
    assert_int_equal(r.n, 2);
    /* a second flush adds to what is stored (upsert) */
    record(u, "org:acme", "ana", "mythos-5", "DE", D0 + 40, 1, CLR_ALLOW);
    assert_int_equal(clr_usage_flush(u), 0);
    assert_int_equal(clr_usage_flush(u), 0); /* nothing pending: nothing changes */
    r = run_report(s, "user", "org:acme", D0, D0);
    assert_string_equal(r.line[0], "* ana * * - 151 4");
    /* what is pending is flushed at close */
    record(u, "org:acme", "ana", "mythos-5", "DE", D0 + 50, 2, CLR_ALLOW);
    assert_int_equal(clr_usage_close(u), 0);
    r = run_report(s, "user", "org:acme", D0, D0);
    assert_string_equal(r.line[0], "* ana * * - 153 5");
    unsigned by;
    assert_int_equal(clr_usage_by_parse(&by, "org,colour"), CLR_EINVAL);
    clr_store_close(s);
}

static int64_t units(clr_usage *u, int by_user, const char *who, const char *model, int days,
                     clr_time at)
{
    const clr_usage_source *src = clr_usage_as_source(u);
    return src->units(src->arg, by_user, who, model, days, at);
}

static void test_trailing_window(void **state)
{
    (void)state;
    clr_store *s = open_store();
    clr_usage *u = open_meter(s, D0, 30);
    /* one unit on each of 40 days before D0, and 1000 on D0 itself */
    for (int i = 1; i <= 40; i++)
        record(u, "org:acme", "ana", "mythos-5", "DE", D0 - i * DAY + 3600, 1, CLR_ALLOW);
    record(u, "org:acme", "bob", "lumen-3", "DE", D0 + DAY - 1, 1000, CLR_ALLOW);
    /* by organisation, of one model and of all */
    assert_int_equal(units(u, 0, "org:acme", "mythos-5", 1, D0), 0);
    assert_int_equal(units(u, 0, "org:acme", NULL, 1, D0), 1000);
    assert_int_equal(units(u, 0, "org:acme", NULL, 1, D0 - 1), 1); /* the day before */
    assert_int_equal(units(u, 0, "org:acme", "mythos-5", 2, D0 + DAY - 1), 1);
    assert_int_equal(units(u, 0, "org:acme", "mythos-5", 7, D0), 6);
    assert_int_equal(units(u, 0, "org:acme", NULL, 7, D0), 1006);
    /* by user */
    assert_int_equal(units(u, 1, "ana", NULL, 7, D0), 6);
    assert_int_equal(units(u, 1, "bob", "lumen-3", 7, D0), 1000);
    assert_int_equal(units(u, 1, "bob", "mythos-5", 7, D0), 0);
    assert_int_equal(units(u, 1, "nobody", NULL, 7, D0), 0);
    /* the window moves with at: the next day holds none of D0's units */
    assert_int_equal(units(u, 0, "org:acme", NULL, 1, D0 + DAY), 0);
    /* beyond what the meter keeps, it cannot tell */
    assert_int_equal(units(u, 0, "org:acme", NULL, 31, D0), -1);
    assert_int_equal(units(u, 0, "org:acme", NULL, 30, D0 - 5 * DAY), -1);
    assert_int_equal(units(u, 0, "org:acme", NULL, 30, D0), 1029);
    assert_int_equal(units(u, 0, "org:acme", NULL, 0, D0), -1);
    assert_int_equal(clr_usage_close(u), 0);

    /* reopened, the totals are loaded from the store */
    u = open_meter(s, D0, 30);
    assert_int_equal(units(u, 0, "org:acme", NULL, 30, D0), 1029);
    assert_int_equal(units(u, 1, "ana", "mythos-5", 7, D0), 6);
    assert_int_equal(units(u, 1, "bob", NULL, 1, D0), 1000);
    /* and what is recorded since adds to them */
    record(u, "org:acme", "bob", "lumen-3", "FR", D0 + 5, 5, CLR_ALLOW);
    assert_int_equal(units(u, 0, "org:acme", "lumen-3", 1, D0), 1005);
    assert_int_equal(clr_usage_close(u), 0);
    /* opened later, only the trailing days are loaded */
    u = open_meter(s, D0 + 10 * DAY, 5);
    assert_int_equal(units(u, 0, "org:acme", NULL, 5, D0 + 10 * DAY), 0);
    assert_int_equal(units(u, 0, "org:acme", NULL, 5, D0 + 2 * DAY), -1);
    assert_int_equal(clr_usage_close(u), 0);
    clr_store_close(s);
}

typedef struct worker {
    clr_usage *u;
    int id;
} worker;

static void *record_thread(void *arg)
{
    worker *w = arg;
    char user[32], model[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(user, sizeof user, "user-%d", i % 50);
        snprintf(model, sizeof model, "model-%d", (i + w->id) % 3);
        record(w->u, "org:acme", user, model, "DE", D0 + (i % 3) * DAY, 2, CLR_ALLOW);
        if (i % 1000 == 0 && w->id == 0)
            assert_int_equal(clr_usage_flush(w->u), 0);
    }
    return NULL;
}

static void test_many_threads(void **state)
{
    (void)state;
    clr_store *s = open_store();
    clr_usage *u = open_meter(s, D0, 30);
    pthread_t t[8];
    worker w[8];
    for (int i = 0; i < 8; i++) {
        w[i] = (worker){u, i};
        assert_int_equal(pthread_create(&t[i], NULL, record_thread, &w[i]), 0);
    }
    for (int i = 0; i < 8; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(units(u, 0, "org:acme", NULL, 3, D0 + 2 * DAY), 8 * 5000 * 2);
    assert_int_equal(clr_usage_close(u), 0);
    report r = run_report(s, "", NULL, CLR_TIME_MIN, CLR_TIME_MAX);
    assert_string_equal(r.line[0], "* * * * - 80000 40000");
    /* one row per (user, model, day) that occurred */
    char seen[50][3][3] = {{{0}}};
    int combos = 0;
    for (int id = 0; id < 8; id++)
        for (int i = 0; i < 5000; i++)
            if (!seen[i % 50][(i + id) % 3][i % 3]++)
                combos++;
    r = run_report(s, "user,model,day", NULL, CLR_TIME_MIN, CLR_TIME_MAX);
    assert_int_equal(r.n, combos);
    clr_store_close(s);
}

static void test_background_flush(void **state)
{
    (void)state;
    clr_store *s = open_store();
    clr_usage_options o = CLR_USAGE_OPTIONS_INIT;
    clr_usage *u = NULL;
    o.flush_ms = 20;
    assert_int_equal(clr_usage_open(&u, s, &o, D0, NULL, 0), 0);
    record(u, "org:acme", "ana", "mythos-5", "DE", D0, 42, CLR_ALLOW);
    /* the meter's thread flushes on its own; poll the file from another handle */
    clr_store *reader = open_store();
    int64_t got = 0;
    for (int i = 0; i < 200 && got != 42; i++) {
        report r = run_report(reader, "", NULL, CLR_TIME_MIN, CLR_TIME_MAX);
        long long x = 0, y = 0;
        sscanf(r.line[0], "* * * * - %lld %lld", &x, &y);
        got = x;
        if (got != 42) {
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    assert_int_equal(got, 42);
    assert_int_equal(clr_usage_close(u), 0);
    clr_store_close(reader);
    clr_store_close(s);
}

/* Polls src until it reports want units of org over today, for up to 4 s. */
static int64_t wait_units(const clr_usage_source *src, const char *org, int64_t want)
{
    int64_t got = -2;
    for (int i = 0; i < 400 && got != want; i++) {
        got = src->units(src->arg, 0, org, NULL, 1, clr_time_now());
        if (got != want) {
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    return got;
}

/* Two processes on one store (two handles, two meters): each sees the
 * other's units of the current days within a flush or two, and its own at
 * once. */
static void test_two_meters_one_store(void **state)
{
    (void)state;
    clr_store *s1 = open_store(), *s2 = open_store();
    clr_usage_options o = CLR_USAGE_OPTIONS_INIT;
    clr_usage *u1 = NULL, *u2 = NULL;
    o.flush_ms = 20;
    clr_time now = clr_time_now();
    assert_int_equal(clr_usage_open(&u1, s1, &o, now, NULL, 0), 0);
    assert_int_equal(clr_usage_open(&u2, s2, &o, now, NULL, 0), 0);
    const clr_usage_source *src1 = clr_usage_as_source(u1), *src2 = clr_usage_as_source(u2);
    record(u1, "org:acme", "ana", "mythos-5", "DE", now, 100, CLR_ALLOW);
    assert_int_equal(src1->units(src1->arg, 0, "org:acme", NULL, 1, now), 100);
    assert_int_equal(wait_units(src2, "org:acme", 100), 100);
    record(u2, "org:acme", "bo", "fable-5", "FR", now, 50, CLR_ALLOW);
    assert_int_equal(src2->units(src2->arg, 0, "org:acme", NULL, 1, now), 150);
    assert_int_equal(wait_units(src1, "org:acme", 150), 150);
    /* and they stay right: the refreshes count nothing twice */
    struct timespec ts = {0, 100 * 1000 * 1000};
    nanosleep(&ts, NULL);
    assert_int_equal(wait_units(src1, "org:acme", 150), 150);
    assert_int_equal(wait_units(src2, "org:acme", 150), 150);
    assert_int_equal(clr_usage_close(u1), 0);
    assert_int_equal(clr_usage_close(u2), 0);
    clr_store_close(s1);
    clr_store_close(s2);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_aggregate_flush_report), T(test_trailing_window),      T(test_many_threads),
        T(test_background_flush),       T(test_two_meters_one_store),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
