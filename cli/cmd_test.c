/* clearance test: rulebook tests, each a request with the decision expected.
 *
 * A test file (*.tests.jsonl) holds one test per line:
 *   {"name": "...", "at": "2026-06-20", "request": {...},
 *    "expect": {"decision": "deny", "rules": ["embargo"], "obligations": [...],
 *               "classes": [...], "rulebooks": {"us-ear": "deny"}, "exempted": [...]}}
 * or, for a request that must be refused, "expect_error": "$.path".
 * Only the keys given under "expect" are checked; lists compare as sets. */
#include "cli_util.h"
#include "commands.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct test_run {
    const clr_ruleset *rs;
    const char *file;
    size_t passed, failed;
    int verbose;
} test_run;

static int has_suffix(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

/* Compares an expected JSON array of strings with actual names, as sets. */
static int same_set(const cJSON *want, const char *const *got, size_t ngot, char *why, size_t cap,
                    const char *what)
{
    if (!cJSON_IsArray(want)) {
        snprintf(why, cap, "expect.%s must be an array of strings", what);
        return 0;
    }
    size_t nwant = 0;
    for (const cJSON *w = want->child; w; w = w->next, nwant++) {
        int found = 0;
        for (size_t i = 0; i < ngot && !found; i++)
            found = cJSON_IsString(w) && strcmp(w->valuestring, got[i]) == 0;
        if (!found) {
            snprintf(why, cap, "expected %s to include '%s'", what,
                     cJSON_IsString(w) ? w->valuestring : "?");
            return 0;
        }
    }
    for (size_t i = 0; i < ngot; i++) {
        int found = 0;
        for (const cJSON *w = want->child; w && !found; w = w->next)
            found = cJSON_IsString(w) && strcmp(w->valuestring, got[i]) == 0;
        if (!found) {
            snprintf(why, cap, "%s has '%s', which the test does not expect", what, got[i]);
            return 0;
        }
    }
    return 1;
}

static int check(const test_run *t, const cJSON *test, char *why, size_t cap)
{
    const cJSON *reqj = cJSON_GetObjectItemCaseSensitive(test, "request");
    const cJSON *expect = cJSON_GetObjectItemCaseSensitive(test, "expect");
    const cJSON *expect_error = cJSON_GetObjectItemCaseSensitive(test, "expect_error");
    const cJSON *at = cJSON_GetObjectItemCaseSensitive(test, "at");
    if (!cJSON_IsObject(reqj) || (!cJSON_IsObject(expect) && !cJSON_IsString(expect_error))) {
        snprintf(why, cap, "a test needs \"request\" and \"expect\" (or \"expect_error\")");
        return 0;
    }
    char *text = cJSON_PrintUnformatted(reqj);
    if (!text) {
        snprintf(why, cap, "out of memory");
        return 0;
    }
    clr_request req;
    clr_request_error err;
    int rc = clr_request_parse(&req, text, strlen(text), clr_time_now(), &err);
    free(text);
    clr_decision d;
    if (rc == 0 && cJSON_IsString(at) &&
        clr_time_parse(&req.time, at->valuestring, strlen(at->valuestring))) {
        snprintf(why, cap, "\"at\" is not a time");
        return 0;
    }
    if (rc == 0)
        rc = clr_decide(t->rs, &req, &d, &err);
    if (cJSON_IsString(expect_error)) {
        if (rc != CLR_EREQUEST) {
            snprintf(why, cap, "expected the request to be refused at %s, but it was decided",
                     expect_error->valuestring);
            return 0;
        }
        if (strcmp(err.path, expect_error->valuestring) != 0) {
            snprintf(why, cap, "expected an error at %s, got %s: %s", expect_error->valuestring,
                     err.path, err.message);
            return 0;
        }
        return 1;
    }
    if (rc) {
        snprintf(why, cap, "the request was refused at %s: %s", err.path, err.message);
        return 0;
    }
    const cJSON *want = cJSON_GetObjectItemCaseSensitive(expect, "decision");
    if (want &&
        (!cJSON_IsString(want) || strcmp(want->valuestring, clr_outcome_name(d.outcome)) != 0)) {
        snprintf(why, cap, "expected decision %s, got %s",
                 cJSON_IsString(want) ? want->valuestring : "?", clr_outcome_name(d.outcome));
        return 0;
    }
    const char *names[64];
    size_t n = 0;
    if ((want = cJSON_GetObjectItemCaseSensitive(expect, "rules"))) {
        for (n = 0; n < d.nreasons && n < 64; n++)
            names[n] = d.reasons[n].rule;
        if (!same_set(want, names, n, why, cap, "rules"))
            return 0;
    }
    if ((want = cJSON_GetObjectItemCaseSensitive(expect, "obligations"))) {
        for (n = 0; n < d.nobligations; n++)
            names[n] = d.obligations[n].id;
        if (!same_set(want, names, n, why, cap, "obligations"))
            return 0;
    }
    if ((want = cJSON_GetObjectItemCaseSensitive(expect, "exempted"))) {
        for (n = 0; n < d.nexempted; n++)
            names[n] = d.exempted[n].rule;
        if (!same_set(want, names, n, why, cap, "exempted"))
            return 0;
    }
    if ((want = cJSON_GetObjectItemCaseSensitive(expect, "classes"))) {
        for (n = 0; n < d.nclasses && n < 64; n++)
            names[n] = d.classes[n];
        if (!same_set(want, names, n, why, cap, "classes"))
            return 0;
    }
    if ((want = cJSON_GetObjectItemCaseSensitive(expect, "rulebooks"))) {
        for (const cJSON *w = want->child; w; w = w->next) {
            const char *got = NULL;
            for (size_t i = 0; i < d.nrulebooks; i++)
                if (strcmp(d.rulebooks[i].rulebook, w->string) == 0)
                    got = d.rulebooks[i].applicable ? clr_outcome_name(d.rulebooks[i].outcome)
                                                    : "not_applicable";
            if (!got || !cJSON_IsString(w) || strcmp(got, w->valuestring) != 0) {
                snprintf(why, cap, "expected rulebook %s to be %s, got %s", w->string,
                         cJSON_IsString(w) ? w->valuestring : "?", got ? got : "(absent)");
                return 0;
            }
        }
    }
    return 1;
}

static int run_line(void *arg, char *line, size_t len, size_t no)
{
    test_run *t = arg;
    char why[512] = "";
    cJSON *test = cJSON_ParseWithLength(line, len);
    const cJSON *name = test ? cJSON_GetObjectItemCaseSensitive(test, "name") : NULL;
    const char *nm = cJSON_IsString(name) ? name->valuestring : "(unnamed)";
    int ok = 0;
    if (!test)
        snprintf(why, sizeof why, "the line is not valid JSON");
    else
        ok = check(t, test, why, sizeof why);
    if (ok) {
        t->passed++;
        if (t->verbose)
            printf("ok    %s:%zu %s\n", t->file, no, nm);
    } else {
        t->failed++;
        printf("FAIL  %s:%zu %s: %s\n", t->file, no, nm, why);
    }
    cJSON_Delete(test);
    return 0;
}

static int collect(const char *path, cli_strv *rules, cli_strv *tests, char ***owned,
                   size_t *nowned)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "clearance: cannot read %s\n", path);
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        return has_suffix(path, ".tests.jsonl") ? cli_strv_push(tests, path)
                                                : cli_strv_push(rules, path);
    }
    DIR *d = opendir(path);
    if (!d)
        return -1;
    struct dirent *e;
    int has_rules = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        int is_test = has_suffix(e->d_name, ".tests.jsonl");
        if (!is_test && !has_suffix(e->d_name, ".rules"))
            continue;
        if (is_test) {
            char *full = malloc(strlen(path) + strlen(e->d_name) + 2);
            char **grown = realloc(*owned, (*nowned + 1) * sizeof(char *));
            if (!full || !grown) {
                free(full);
                closedir(d);
                return -1;
            }
            *owned = grown;
            sprintf(full, "%s/%s", path, e->d_name);
            (*owned)[(*nowned)++] = full;
            cli_strv_push(tests, full);
        } else {
            has_rules = 1;
        }
    }
    closedir(d);
    return has_rules ? cli_strv_push(rules, path) : 0;
}

int clr_cmd_test(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0) {
        fprintf(argc < 2 ? stderr : stdout,
                "usage: clearance test [-v] PATH...\n"
                "  Runs the rulebook tests (*.tests.jsonl) found in PATHs against the rulebooks\n"
                "  (*.rules) found there, or the built-in rulebooks when there are none.\n"
                "  Exit 0 when every test passes, 1 when one fails.\n");
        return argc < 2 ? CLR_EXIT_BADINPUT : CLR_EXIT_OK;
    }
    cli_strv rules = {0}, tests = {0};
    char **owned = NULL;
    size_t nowned = 0;
    int verbose = 0, rc = CLR_EXIT_BADINPUT;
    clr_ruleset *rs = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-v") == 0)
            verbose = 1;
        else if (collect(argv[i], &rules, &tests, &owned, &nowned))
            goto done;
    }
    if (tests.n == 0) {
        fprintf(stderr, "clearance: no *.tests.jsonl file found\n");
        goto done;
    }
    if ((rc = cli_load_rules(rules.v, rules.n, 0, &rs)))
        goto done;
    test_run t = {rs, NULL, 0, 0, verbose};
    for (size_t i = 0; i < tests.n; i++) {
        size_t len;
        char *text = cli_read_all(tests.v[i], &len);
        if (!text) {
            rc = CLR_EXIT_BADINPUT;
            goto done;
        }
        t.file = tests.v[i];
        cli_each_line(text, len, run_line, &t);
        free(text);
    }
    printf("%zu passed, %zu failed\n", t.passed, t.failed);
    rc = t.failed ? CLR_EXIT_FAILED : CLR_EXIT_OK;
done:
    clr_ruleset_unref(rs);
    for (size_t i = 0; i < nowned; i++)
        free(owned[i]);
    free(owned);
    cli_strv_free(&rules);
    cli_strv_free(&tests);
    return rc;
}
