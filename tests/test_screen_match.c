/* Golden screening cases (tests/golden/screen/cases.tsv) against the default
 * lists, and properties of the matcher: alignment, entity type, country,
 * list selection, determinism across threads. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "clearance.h"
#include "clearance_screen.h"

static clr_lists *lists;

static int setup(void **state)
{
    (void)state;
    return clr_lists_load_defaults(&lists, CLR_SOURCE_DIR "/data", NULL);
}

static int teardown(void **state)
{
    (void)state;
    clr_lists_unref(lists);
    clr_screen_thread_cleanup();
    return 0;
}

static void test_golden(void **state)
{
    (void)state;
    FILE *f = fopen(CLR_SOURCE_DIR "/tests/golden/screen/cases.tsv", "r");
    assert_non_null(f);
    char line[1024];
    int cases = 0, failed = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        if (!line[0] || line[0] == '#')
            continue;
        char *type = strchr(line, '\t');
        char *want = type ? strchr(type + 1, '\t') : NULL;
        assert_non_null(want);
        *type++ = 0;
        *want++ = 0;
        clr_screen_query q = CLR_SCREEN_QUERY_INIT;
        q.name = line;
        if (strcmp(type, "-"))
            assert_int_equal(clr_entity_type_parse(&q.type, type), 0);
        clr_match m[5];
        size_t n = 0;
        assert_int_equal(clr_screen_run(lists, &q, m, 5, &n), 0);
        char got[128] = "none";
        if (n > 0 && m[0].status == CLR_MATCH_HIT)
            snprintf(got, sizeof got, "%s:%s", m[0].list, m[0].id);
        cases++;
        if (strcmp(got, want)) {
            failed++;
            print_error("%s: want %s, got %s (%s %.3f)\n", line, want, got,
                        n ? m[0].matched_name : "-", n ? m[0].score : 0.0);
        }
    }
    fclose(f);
    assert_true(cases >= 20);
    assert_int_equal(failed, 0);
}

static void test_alignment(void **state)
{
    (void)state;
    clr_screen_query q = CLR_SCREEN_QUERY_INIT;
    clr_match m[3];
    size_t n = 0;
    q.name = "NAVA Guillermo NIEBLS";
    assert_int_equal(clr_screen_run(lists, &q, m, 3, &n), 0);
    assert_true(n >= 1);
    assert_string_equal(m[0].id, "15254");
    assert_true(m[0].score > 0.8 && m[0].score <= 1.0);
    int exact = 0, fuzzy = 0;
    for (size_t i = 0; i < m[0].nalign; i++) {
        const clr_match_align *a = &m[0].align[i];
        if (a->kind == 'e')
            exact++;
        if (a->kind == 'f') {
            fuzzy++;
            assert_int_equal(a->query, 2);
            assert_string_equal(a->entry_token, "nieblas");
            assert_true(a->score > 0.8f && a->score < 1.f);
        }
    }
    assert_int_equal(exact, 2);
    assert_int_equal(fuzzy, 1);
    /* one-letter tokens match themselves exactly (they are not looked up) */
    q.name = "Yu Chol U";
    assert_int_equal(clr_screen_run(lists, &q, m, 3, &n), 0);
    assert_true(n >= 1);
    assert_true(m[0].score > 0.999);
    assert_int_equal(m[0].nalign, 3);
    for (size_t i = 0; i < m[0].nalign; i++)
        assert_int_equal(m[0].align[i].kind, 'e');
    /* best first, scores in range */
    for (size_t i = 1; i < n; i++)
        assert_true(m[i - 1].score >= m[i].score);
}

static double top_score(const char *name, clr_entity_type t, const char *country, const char *id)
{
    clr_screen_query q = CLR_SCREEN_QUERY_INIT;
    clr_match m[10];
    size_t n = 0;
    q.name = name;
    q.type = t;
    q.min_score = 0.0;
    if (country)
        memcpy(q.country, country, 3);
    assert_int_equal(clr_screen_run(lists, &q, m, 10, &n), 0);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(m[i].id, id))
            return m[i].score;
    return 0;
}

static void test_type_and_country(void **state)
{
    (void)state;
    double plain = top_score("Banco Nacinal de Cuba", CLR_ENTITY_UNKNOWN, NULL, "306");
    double as_person = top_score("Banco Nacinal de Cuba", CLR_ENTITY_PERSON, NULL, "306");
    double cu = top_score("Banco Nacinal de Cuba", CLR_ENTITY_UNKNOWN, "CH", "306");
    double fr = top_score("Banco Nacinal de Cuba", CLR_ENTITY_UNKNOWN, "FR", "306");
    assert_true(plain > 0.8);
    assert_true(as_person < plain);
    assert_true(cu > plain); /* the entry has an address in Switzerland */
    assert_true(fr < plain);
}

static void test_list_selection(void **state)
{
    (void)state;
    clr_screen_query q = CLR_SCREEN_QUERY_INIT;
    const char *only[] = {"entity-list"};
    clr_match m[5];
    size_t n = 9;
    q.name = "BANCO NACIONAL DE CUBA";
    q.lists = only;
    q.nlists = 1;
    assert_int_equal(clr_screen_run(lists, &q, m, 5, &n), 0);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(m[i].list, "entity-list");
    assert_int_equal(clr_screen_run(lists, &q, m, 0, &n), 0);
    assert_int_equal(n, 0);
}

static void *screen_many(void *arg)
{
    double *out = arg;
    for (int i = 0; i < 200; i++)
        out[i] = top_score(i % 2 ? "Vladimir Putn" : "Mohammadreza JAFARIBANDARAABDI",
                           CLR_ENTITY_UNKNOWN, NULL, i % 2 ? "35096" : "29817");
    clr_screen_thread_cleanup();
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    static double a[200], b[200];
    pthread_t t1, t2;
    assert_int_equal(pthread_create(&t1, NULL, screen_many, a), 0);
    assert_int_equal(pthread_create(&t2, NULL, screen_many, b), 0);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    for (int i = 0; i < 200; i++) {
        assert_true(a[i] > 0.85);
        assert_true(a[i] == b[i]);
    }
}

/* Names in other scripts against their Latin forms (Watchman's cross-script
 * pairs): the Latin names are loaded as a list, the other scripts queried. */
static void test_cross_script(void **state)
{
    (void)state;
    FILE *in = fopen(CLR_SHARED_DATA "/labelled/watchman_cross_script_pairs.csv", "r");
    assert_non_null(in);
    char qs[64][512], want[64][512], line[512];
    size_t n = 0;
    char path[] = "/tmp/clr_screen_xsXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *out = fdopen(fd, "w");
    assert_non_null(out);
    fputs("_id,source,entity_number,type,programs,name,alt_names\n", out);
    while (fgets(line, sizeof line, in) && n < 64) {
        char *c1 = strchr(line, ',');
        char *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
        if (line[0] == '#' || !c2)
            continue;
        *c1 = *c2 = 0;
        snprintf(qs[n], sizeof qs[n], "%s", line);
        snprintf(want[n], sizeof want[n], "%s", c1 + 1);
        fprintf(out, "x%zu,Entity List (EL) - Bureau of Industry and Security,,,,\"%s\",\n", n,
                want[n]);
        n++;
    }
    fclose(in);
    fclose(out);
    clr_lists *xs = NULL;
    const char *p[] = {path};
    assert_int_equal(clr_lists_load(&xs, p, 1, NULL), 0);
    size_t found = 0;
    int ahmed = 0, putin = 0, xi = 0;
    for (size_t i = 0; i < n; i++) {
        clr_screen_query q = CLR_SCREEN_QUERY_INIT;
        clr_match m[3];
        size_t nm = 0;
        q.name = qs[i];
        q.min_score = 0.5;
        assert_int_equal(clr_screen_run(xs, &q, m, 3, &nm), 0);
        if (nm && !strcmp(m[0].name, want[i])) {
            found++;
            ahmed |= !strcmp(want[i], "Ahmed Hassan") && m[0].status == CLR_MATCH_HIT;
            putin |= !strcmp(want[i], "Vladimir Putin") && m[0].status == CLR_MATCH_HIT;
            xi |= !strcmp(want[i], "Xi Jinping") && m[0].status == CLR_MATCH_HIT;
        }
    }
    assert_int_equal(n, 22);
    assert_true(found >= 12);
    assert_true(ahmed && putin && xi);
    clr_lists_unref(xs);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden),           cmocka_unit_test(test_alignment),
        cmocka_unit_test(test_type_and_country), cmocka_unit_test(test_list_selection),
        cmocka_unit_test(test_threads),          cmocka_unit_test(test_cross_script),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
