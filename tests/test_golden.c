/* Golden tests for the rulebook language. Each folder under tests/golden/lang
 * holds rulebooks (*.rules, or a file named DEFAULTS for the built-in set),
 * optionally a file named LISTS (screen against the shipped lists), a file
 * named USAGE (the usage figures usage(...) conditions read: lines "org|user
 * WHO MODEL YYYY-MM-DD UNITS"; a line "unavailable" makes the source fail),
 * requests.jsonl and expected.jsonl: for each request, the decision as JSON
 * with its decision_id replaced by "-", or {"error": ..., "path": ...} for a
 * request that is refused. CLR_GOLDEN_UPDATE=1 rewrites expected.jsonl (then
 * review the diff). */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "clearance.h"

#define GOLDEN_DIR CLR_SOURCE_DIR "/tests/golden/lang"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (buf)
        buf[n] = '\0';
    fclose(f);
    return buf;
}

/* Replaces the value of "key":"..." with "-". */
static void blank(char *json, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":\"", key);
    char *p = strstr(json, pat);
    if (!p)
        return;
    p += strlen(pat);
    char *q = strchr(p, '"');
    if (!q)
        return;
    *p = '-';
    memmove(p + 1, q, strlen(q) + 1);
}

/* The decision id is new each time; the rules version changes with any edit
 * of the rulebooks, which the decisions themselves show. */
static void blank_id(char *json)
{
    blank(json, "decision_id");
    blank(json, "rules_version");
}

/* Runs one case; returns the number of mismatching lines. */
/* The usage figures of a case's USAGE file. */
typedef struct usage_row {
    int by_user;
    char who[64], model[64];
    clr_time day; /* midnight UTC */
    int64_t units;
} usage_row;

typedef struct usage_file {
    usage_row rows[64];
    size_t n;
    int unavailable;
} usage_file;

static int64_t usage_units(void *arg, int by_user, const char *who, const char *model, int days,
                           clr_time at)
{
    const usage_file *u = arg;
    if (u->unavailable)
        return -1;
    clr_time today = at - (at % 86400 + 86400) % 86400;
    int64_t sum = 0;
    for (size_t i = 0; i < u->n; i++) {
        const usage_row *r = &u->rows[i];
        if (r->by_user == by_user && strcmp(r->who, who) == 0 &&
            (!model || strcmp(r->model, model) == 0) && r->day <= today &&
            r->day > today - (clr_time)days * 86400)
            sum += r->units;
    }
    return sum;
}

static void load_usage(usage_file *u, char *text)
{
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char kind[8], day[16];
        usage_row *r = &u->rows[u->n];
        long long units;
        if (strcmp(line, "unavailable") == 0) {
            u->unavailable = 1;
            continue;
        }
        assert_int_equal(
            sscanf(line, "%7s %63s %63s %15s %lld", kind, r->who, r->model, day, &units), 5);
        assert_int_equal(clr_time_parse(&r->day, day, strlen(day)), 0);
        r->by_user = strcmp(kind, "user") == 0;
        r->units = units;
        assert_true(++u->n < sizeof u->rows / sizeof u->rows[0]);
    }
}

static int run_case(const char *dir)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/DEFAULTS", dir);
    struct stat st;
    int defaults = stat(path, &st) == 0;
    clr_diags *diags;
    assert_int_equal(clr_diags_new(&diags), 0);
    clr_ruleset *rs = NULL;
    const char *paths[] = {dir};
    int rc =
        defaults ? clr_ruleset_load_defaults(&rs, diags) : clr_ruleset_load(&rs, paths, 1, diags);
    if (rc) {
        clr_diags_print(diags, stderr);
        fail_msg("%s: rulebooks do not compile", dir);
    }
    clr_diags_free(diags);
    /* a file named LISTS: screen against the shipped default lists */
    clr_lists *lists = NULL;
    snprintf(path, sizeof path, "%s/LISTS", dir);
    if (stat(path, &st) == 0)
        assert_int_equal(clr_lists_load_defaults(&lists, CLR_SOURCE_DIR "/data", NULL), 0);
    usage_file usage = {0};
    clr_usage_source source = {usage_units, &usage};
    snprintf(path, sizeof path, "%s/USAGE", dir);
    char *usage_text = slurp(path);
    int have_usage = usage_text != NULL;
    if (have_usage)
        load_usage(&usage, usage_text);
    free(usage_text);
    clr_decide_env env = {lists, have_usage ? &source : NULL};
    snprintf(path, sizeof path, "%s/requests.jsonl", dir);
    char *requests = slurp(path);
    assert_non_null(requests);
    size_t cap = 1 << 20, len = 0;
    char *actual = malloc(cap);
    assert_non_null(actual);
    actual[0] = '\0';
    for (char *line = strtok(requests, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '\0' || line[0] == '#')
            continue;
        clr_request q;
        clr_request_error err;
        clr_decision d;
        char out[16384];
        rc = clr_request_parse(&q, line, strlen(line), 0, &err);
        if (rc == 0)
            rc = clr_decide_env_run(rs, &env, &q, &d, &err);
        if (rc == CLR_EREQUEST)
            snprintf(out, sizeof out, "{\"error\":\"%s\",\"path\":\"%s\"}", err.message, err.path);
        else
            assert_true(clr_decision_to_json(&d, out, sizeof out) < sizeof out);
        blank_id(out);
        len += (size_t)snprintf(actual + len, cap - len, "%s\n", out);
        assert_true(len < cap);
    }
    snprintf(path, sizeof path, "%s/expected.jsonl", dir);
    int bad = 0;
    if (getenv("CLR_GOLDEN_UPDATE")) {
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(actual, f);
        fclose(f);
    } else {
        char *expected = slurp(path);
        if (!expected)
            fail_msg("%s is missing (CLR_GOLDEN_UPDATE=1 writes it)", path);
        char *e = expected, *a = actual;
        for (int no = 1; *e || *a; no++) {
            char *en = strchr(e, '\n'), *an = strchr(a, '\n');
            size_t el = en ? (size_t)(en - e) : strlen(e), al = an ? (size_t)(an - a) : strlen(a);
            if (el != al || memcmp(e, a, el) != 0) {
                fprintf(stderr, "%s line %d\n  expected %.*s\n  actual   %.*s\n", path, no, (int)el,
                        e, (int)al, a);
                bad++;
            }
            e = en ? en + 1 : e + el;
            a = an ? an + 1 : a + al;
        }
        free(expected);
    }
    free(actual);
    free(requests);
    clr_ruleset_unref(rs);
    clr_lists_unref(lists);
    return bad;
}

static void test_golden_cases(void **state)
{
    (void)state;
    DIR *d = opendir(GOLDEN_DIR);
    assert_non_null(d);
    struct dirent *e;
    int cases = 0, bad = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char dir[1024];
        snprintf(dir, sizeof dir, "%s/%s", GOLDEN_DIR, e->d_name);
        int n = run_case(dir);
        if (n)
            fprintf(stderr, "golden case %s: %d mismatches\n", e->d_name, n);
        bad += n;
        cases++;
    }
    closedir(d);
    assert_true(cases >= 6);
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_cases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
