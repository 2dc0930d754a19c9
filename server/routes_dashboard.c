/* What the dashboard (/ui) reads besides the other endpoints:
 *
 *   GET /v1/rules/timeline      every rulebook, rule and exemption of the active
 *                               set with its window, citation, message and
 *                               condition, every group with the windows of its
 *                               members, and with a store the rules of the
 *                               latest stored versions (each rule's history)
 *   GET /v1/audit/stats         decisions of the audit log counted by outcome,
 *                               per day, destination, model, organisation or
 *                               rule (admin)
 *   GET /v1/admin/screening     the registry's stored screening results, each
 *                               beside the list entry it matched and the
 *                               verdict recorded on it (admin)
 *   GET /ui, /ui/...            the dashboard's files, embedded at build time */
#include "server.h"
#include "ui_assets.h"

#include "clearance_registry.h"
#include "clearance_rules_info.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ------------------------------------------------------------- */

static void put_str(srv_buf *b, const char *s)
{
    srv_buf_json_str(b, s ? s : "", s ? strlen(s) : 0);
}

/* An instant as an RFC 3339 string, or null when open (MIN or MAX). */
static void put_time(srv_buf *b, clr_time t)
{
    char buf[32];
    if (t == CLR_TIME_MIN || t == CLR_TIME_MAX || clr_time_format(buf, sizeof buf, t) < 0)
        srv_buf_puts(b, "null");
    else
        srv_buf_printf(b, "\"%s\"", buf);
}

/* A rule's ",effect,from,until" members (effect null for an exemption). */
static void put_effect_window(srv_buf *b, const clr_rule_info *ri)
{
    srv_buf_puts(b, ",\"effect\":");
    if (ri->is_exemption)
        srv_buf_puts(b, "null");
    else
        put_str(b, clr_effect_name(ri->effect));
    srv_buf_puts(b, ",\"from\":");
    put_time(b, ri->from);
    srv_buf_puts(b, ",\"until\":");
    put_time(b, ri->until);
}

/* ---- GET /v1/rules/timeline ------------------------------------------------ */

#define HISTORY_MAX 20 /* the latest stored versions described */

typedef struct versions_ctx {
    clr_rules_version v[HISTORY_MAX];
    size_t n, seen;
} versions_ctx;

static int keep_version(void *arg, const clr_rules_version *v)
{
    versions_ctx *c = arg;
    c->v[c->seen++ % HISTORY_MAX] = *v; /* oldest first: the last HISTORY_MAX stay */
    c->n = c->seen < HISTORY_MAX ? c->seen : HISTORY_MAX;
    return 0;
}

/* With a store: the latest stored rulebook versions, oldest first, each with
 * who stored it, when and why, and the windows and conditions of its rules,
 * from which the page tells each rule's history. */
static void put_versions(srv_req *r, srv_buf *b)
{
    static _Thread_local versions_ctx c;
    memset(&c, 0, sizeof c);
    pthread_mutex_lock(&r->st->store_lock);
    int rc = clr_rules_version_list(r->st->store, keep_version, &c);
    srv_buf_puts(b, ",\"versions\":[");
    size_t first = c.seen > HISTORY_MAX ? c.seen % HISTORY_MAX : 0;
    for (size_t k = 0, shown = 0; rc == 0 && k < c.n; k++) {
        const clr_rules_version *v = &c.v[(first + k) % HISTORY_MAX];
        clr_ruleset *rs = NULL;
        if (clr_rules_version_load(&rs, NULL, r->st->store, 0, v->version, NULL) != 0)
            continue; /* a version that no longer compiles has no rules to show */
        srv_buf_printf(b, "%s{\"version\":%lld,\"created_at\":", shown++ ? "," : "",
                       (long long)v->version);
        put_time(b, v->created_at);
        srv_buf_puts(b, ",\"by\":");
        put_str(b, v->created_by);
        srv_buf_puts(b, ",\"reason\":");
        put_str(b, v->reason);
        srv_buf_puts(b, ",\"digest\":");
        put_str(b, v->digest);
        srv_buf_puts(b, ",\"rules\":[");
        clr_rule_info ri;
        for (size_t i = 0; clr_ruleset_rule_info(&ri, rs, i) == 0; i++) {
            srv_buf_puts(b, i ? ",{\"id\":" : "{\"id\":");
            put_str(b, ri.id);
            srv_buf_puts(b, ",\"rulebook\":");
            put_str(b, ri.rulebook);
            put_effect_window(b, &ri);
            srv_buf_puts(b, ",\"condition\":");
            put_str(b, ri.condition);
            srv_buf_puts(b, "}");
        }
        srv_buf_puts(b, "]}");
        clr_ruleset_unref(rs);
    }
    pthread_mutex_unlock(&r->st->store_lock);
    srv_buf_puts(b, "]");
}

void srv_route_rules_timeline(srv_req *r)
{
    clr_ruleset *rs = clr_engine_acquire(r->st->engine);
    if (!rs) {
        srv_reply_error(r, 503, SRV_ERR_INTERNAL, "no rules are loaded", NULL);
        return;
    }
    srv_buf *b = r->out;
    srv_buf_puts(b, "{\"version\":");
    put_str(b, clr_ruleset_version(rs));
    srv_buf_puts(b, ",\"now\":");
    put_time(b, clr_time_now());
    srv_buf_puts(b, ",\"rulebooks\":[");
    clr_rulebook_info rb;
    for (size_t i = 0; clr_ruleset_rulebook_info(&rb, rs, i) == 0; i++) {
        srv_buf_puts(b, i ? ",{\"id\":" : "{\"id\":");
        put_str(b, rb.id);
        srv_buf_puts(b, ",\"title\":");
        put_str(b, rb.title);
        srv_buf_puts(b, ",\"jurisdiction\":");
        put_str(b, rb.jurisdiction);
        srv_buf_puts(b, ",\"scope\":");
        put_str(b, rb.scope);
        srv_buf_puts(b, "}");
    }
    srv_buf_puts(b, "],\"rules\":[");
    clr_rule_info ri;
    for (size_t i = 0; clr_ruleset_rule_info(&ri, rs, i) == 0; i++) {
        srv_buf_puts(b, i ? ",{\"id\":" : "{\"id\":");
        put_str(b, ri.id);
        srv_buf_puts(b, ",\"kind\":");
        put_str(b, ri.is_exemption ? "exemption" : "rule");
        srv_buf_puts(b, ",\"rulebook\":");
        put_str(b, ri.rulebook);
        srv_buf_puts(b, ",\"jurisdiction\":");
        put_str(b, ri.jurisdiction);
        put_effect_window(b, &ri);
        srv_buf_puts(b, ",\"citation\":");
        put_str(b, ri.citation);
        srv_buf_puts(b, ",\"message\":");
        put_str(b, ri.message);
        srv_buf_puts(b, ",\"condition\":");
        put_str(b, ri.condition);
        srv_buf_puts(b, ",\"file\":");
        put_str(b, ri.file);
        srv_buf_printf(b, ",\"line\":%d,\"%s\":[", ri.line,
                       ri.is_exemption ? "exempts" : "exempted_by");
        for (size_t j = 0; j < ri.nlinks; j++) {
            if (j)
                srv_buf_puts(b, ",");
            put_str(b, clr_ruleset_rule_link(rs, i, j));
        }
        srv_buf_puts(b, "]}");
    }
    srv_buf_puts(b, "],\"groups\":[");
    clr_group_info g;
    for (size_t i = 0; clr_ruleset_group_info(&g, rs, i) == 0; i++) {
        srv_buf_puts(b, i ? ",{\"name\":" : "{\"name\":");
        put_str(b, g.name);
        srv_buf_printf(b, ",\"dated\":%s,\"members\":[", g.dated ? "true" : "false");
        clr_group_member m;
        for (size_t j = 0; clr_ruleset_group_member(&m, rs, i, j) == 0; j++) {
            srv_buf_puts(b, j ? ",{\"value\":" : "{\"value\":");
            put_str(b, m.value);
            srv_buf_puts(b, ",\"from\":");
            put_time(b, m.from);
            srv_buf_puts(b, ",\"until\":");
            put_time(b, m.until);
            srv_buf_puts(b, "}");
        }
        srv_buf_puts(b, "]}");
    }
    srv_buf_puts(b, "]");
    if (r->st->store)
        put_versions(r, b);
    srv_buf_puts(b, "}\n");
    clr_ruleset_unref(rs);
    if (b->oom) {
        srv_buf_reset(b);
        srv_reply_error(r, 500, SRV_ERR_INTERNAL, "out of memory", NULL);
        return;
    }
    r->status = 200;
    r->content_type = "application/json";
}

/* ---- GET /v1/audit/stats --------------------------------------------------- */

#define STATS_PAGE 1000
#define STATS_KEYS_MAX 20000
#define STATS_KEY_MAX 64

enum { BY_DAY, BY_DESTINATION, BY_MODEL, BY_ORG, BY_RULE };
static const char *const by_names[] = {"day", "destination", "model", "org", "rule"};

typedef struct stats_row {
    char key[STATS_KEY_MAX];
    uint64_t n[4]; /* by clr_outcome */
} stats_row;

typedef struct stats {
    int by;
    const char *model, *rule, *rulebook; /* filters on what the records hold */
    stats_row *rows;
    size_t nrows, cap;
    uint64_t total, scanned;
    int overflow; /* more distinct keys than STATS_KEYS_MAX: the rest went uncounted */
} stats;

static int outcome_index(const char *s)
{
    for (int o = CLR_ALLOW; o <= CLR_DENY; o++)
        if (strcmp(s, clr_outcome_name((clr_outcome)o)) == 0)
            return o;
    return CLR_DENY;
}

static int count_key(stats *st, const char *key, int outcome)
{
    for (size_t i = 0; i < st->nrows; i++)
        if (strcmp(st->rows[i].key, key) == 0) {
            st->rows[i].n[outcome]++;
            return 0;
        }
    if (st->nrows >= STATS_KEYS_MAX) {
        st->overflow = 1;
        return 0;
    }
    if (st->nrows == st->cap) {
        size_t cap = st->cap ? 2 * st->cap : 64;
        stats_row *rows = realloc(st->rows, cap * sizeof *rows);
        if (!rows)
            return CLR_ENOMEM;
        st->rows = rows;
        st->cap = cap;
    }
    stats_row *row = &st->rows[st->nrows++];
    memset(row, 0, sizeof *row);
    snprintf(row->key, sizeof row->key, "%s", key);
    row->n[outcome] = 1;
    return 0;
}

static const char *str_member(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : "";
}

/* Counts one JSON Lines record. */
static int count_record(stats *st, const char *line, size_t len)
{
    cJSON *rec = cJSON_ParseWithLength(line, len);
    if (!rec)
        return 0; /* not a record: nothing to count */
    int rc = 0;
    const cJSON *req = cJSON_GetObjectItemCaseSensitive(rec, "request");
    const cJSON *dec = cJSON_GetObjectItemCaseSensitive(rec, "decision");
    const cJSON *reasons = cJSON_GetObjectItemCaseSensitive(dec, "reasons");
    const cJSON *principal = cJSON_GetObjectItemCaseSensitive(req, "principal");
    int outcome = outcome_index(str_member(rec, "outcome"));
    st->scanned++;
    if (st->model && strcmp(str_member(req, "model"), st->model) != 0)
        goto done;
    if (st->rule || st->rulebook) {
        int hit = 0;
        const cJSON *x;
        cJSON_ArrayForEach(x, reasons)
        {
            if ((!st->rule || strcmp(str_member(x, "rule"), st->rule) == 0) &&
                (!st->rulebook || strcmp(str_member(x, "rulebook"), st->rulebook) == 0))
                hit = 1;
        }
        if (!hit)
            goto done;
    }
    st->total++;
    char day[11];
    switch (st->by) {
    case BY_DAY:
        snprintf(day, sizeof day, "%s", str_member(rec, "time"));
        rc = count_key(st, day, outcome);
        break;
    case BY_DESTINATION: rc = count_key(st, str_member(req, "destination"), outcome); break;
    case BY_MODEL: rc = count_key(st, str_member(req, "model"), outcome); break;
    case BY_ORG: rc = count_key(st, str_member(principal, "org"), outcome); break;
    case BY_RULE: {
        const cJSON *x;
        int any = 0;
        cJSON_ArrayForEach(x, reasons)
        {
            char key[STATS_KEY_MAX];
            snprintf(key, sizeof key, "%s/%s", str_member(x, "rulebook"), str_member(x, "rule"));
            if (!rc)
                rc = count_key(st, key, outcome);
            any = 1;
        }
        if (!any && !rc)
            rc = count_key(st, "", outcome);
        break;
    }
    }
done:
    cJSON_Delete(rec);
    return rc;
}

static int cmp_rows(const void *a, const void *b)
{
    return strcmp(((const stats_row *)a)->key, ((const stats_row *)b)->key);
}

static const char *query_arg(srv_req *r, const char *name)
{
    const char *v = r->query(r->header_ctx, name);
    return v && *v ? v : NULL;
}

static int time_arg(srv_req *r, const char *name, clr_time *out)
{
    const char *v = query_arg(r, name);
    if (!v || clr_time_parse(out, v, strlen(v)) == 0)
        return 0;
    char path[64];
    snprintf(path, sizeof path, "?%s", name);
    srv_reply_error(r, 400, SRV_ERR_BAD_REQUEST, "not an RFC 3339 time or a date", path);
    return -1;
}

void srv_route_audit_stats(srv_req *r)
{
    if (!srv_require_admin(r))
        return;
    if (!r->st->store) {
        srv_reply_error(r, 404, SRV_ERR_NOT_FOUND,
                        "there is no audit log: the server runs without --store", NULL);
        return;
    }
    stats st = {0};
    clr_audit_query q = {0};
    char *mem = NULL;
    size_t len = 0;
    int rc = 0;
    q.from = CLR_TIME_MIN;
    q.until = CLR_TIME_MAX;
    q.limit = STATS_PAGE;
    if (time_arg(r, "from", &q.from) || time_arg(r, "until", &q.until))
        return;
    const char *by = query_arg(r, "by");
    st.by = -1;
    for (int i = 0; i < (int)(sizeof by_names / sizeof by_names[0]); i++)
        if (!by || strcmp(by, by_names[i]) == 0) {
            st.by = i;
            break;
        }
    if (st.by < 0) {
        srv_reply_error(r, 400, SRV_ERR_BAD_REQUEST, "must be day, destination, model, org or rule",
                        "?by");
        return;
    }
    q.org = query_arg(r, "org");
    q.outcome = query_arg(r, "outcome");
    st.model = query_arg(r, "model");
    st.rule = query_arg(r, "rule");
    st.rulebook = query_arg(r, "rulebook");

    /* page through the log, one snapshot per page, the store lock held per page */
    for (;;) {
        FILE *f = open_memstream(&mem, &len);
        if (!f) {
            rc = CLR_ENOMEM;
            goto done;
        }
        size_t count = 0;
        int64_t last = 0;
        pthread_mutex_lock(&r->st->store_lock);
        rc = clr_audit_query_run(r->st->store, &q, f, &count, &last);
        pthread_mutex_unlock(&r->st->store_lock);
        if (fclose(f) != 0 && !rc)
            rc = CLR_ENOMEM;
        for (size_t at = 0; !rc && at < len;) {
            const char *nl = memchr(mem + at, '\n', len - at);
            size_t n = nl ? (size_t)(nl - (mem + at)) : len - at;
            rc = count_record(&st, mem + at, n);
            at += n + 1;
        }
        free(mem);
        mem = NULL;
        if (rc || count < q.limit || last <= q.after_seq)
            break;
        q.after_seq = last;
    }
done:
    free(mem);
    if (rc) {
        free(st.rows);
        srv_reply_error(r, 500, SRV_ERR_INTERNAL,
                        rc == CLR_ESTORE ? clr_store_errmsg(r->st->store) : clr_strerror(rc), NULL);
        return;
    }
    qsort(st.rows, st.nrows, sizeof *st.rows, cmp_rows);
    srv_buf *b = r->out;
    srv_buf_printf(b, "{\"by\":\"%s\",\"total\":%llu,\"truncated\":%s,\"rows\":[", by_names[st.by],
                   (unsigned long long)st.total, st.overflow ? "true" : "false");
    for (size_t i = 0; i < st.nrows; i++) {
        const stats_row *row = &st.rows[i];
        srv_buf_puts(b, i ? ",{\"key\":" : "{\"key\":");
        put_str(b, row->key);
        uint64_t sum = 0;
        for (int o = CLR_ALLOW; o <= CLR_DENY; o++) {
            srv_buf_printf(b, ",\"%s\":%llu", clr_outcome_name((clr_outcome)o),
                           (unsigned long long)row->n[o]);
            sum += row->n[o];
        }
        srv_buf_printf(b, ",\"total\":%llu}", (unsigned long long)sum);
    }
    srv_buf_puts(b, "]}\n");
    free(st.rows);
    if (b->oom) {
        srv_buf_reset(b);
        srv_reply_error(r, 500, SRV_ERR_INTERNAL, "out of memory", NULL);
        return;
    }
    r->status = 200;
    r->content_type = "application/json";
}

/* ---- GET /v1/admin/screening ----------------------------------------------- */

typedef struct screening_ctx {
    srv_req *r;
    const clr_lists *lists;
    clr_adjudication *adj;
    size_t nadj, capadj;
    const char *status; /* "possible", "hit" or NULL: both */
    size_t n;
    int rc;
} screening_ctx;

static int collect_adjudication(void *arg, const clr_adjudication *a)
{
    screening_ctx *c = arg;
    if (c->nadj == c->capadj) {
        size_t cap = c->capadj ? 2 * c->capadj : 16;
        clr_adjudication *p = realloc(c->adj, cap * sizeof *p);
        if (!p)
            return c->rc = CLR_ENOMEM;
        c->adj = p;
        c->capadj = cap;
    }
    c->adj[c->nadj++] = *a;
    return 0;
}

/* The list entry behind a stored result, screened again by the party's names
 * so that the matched name and the programmes can be shown. */
static int entry_match(const clr_lists *lists, const clr_screen_result *res, const char *name,
                       clr_match *out)
{
    if (!lists || !name || !*name)
        return 0;
    static _Thread_local clr_match matches[64];
    const char *list = res->list;
    clr_screen_query q = CLR_SCREEN_QUERY_INIT;
    size_t n = 0;
    q.name = name;
    q.lists = &list;
    q.nlists = 1;
    q.min_score = 0;
    if (clr_screen_run(lists, &q, matches, sizeof matches / sizeof matches[0], &n) != 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(matches[i].id, res->entry) == 0) {
            *out = matches[i];
            return 1;
        }
    return 0;
}

static int put_result(void *arg, const clr_screen_result *res)
{
    screening_ctx *c = arg;
    const char *status = res->possible ? "possible" : "hit";
    if (c->status && strcmp(c->status, status) != 0)
        return 0;
    srv_buf *b = c->r->out;
    clr_store *s = c->r->st->store;
    /* the party's names */
    char party_name[CLR_NAME_MAX] = "";
    const char *names[1 + CLR_ORG_ALIASES_MAX];
    size_t nnames = 0;
    clr_org org;
    clr_user user;
    if (strncmp(res->party, "org:", 4) == 0 && clr_registry_org_get(&org, s, res->party + 4) == 0) {
        snprintf(party_name, sizeof party_name, "%s", org.legal_name);
        names[nnames++] = org.legal_name;
        for (size_t i = 0; i < org.naliases; i++)
            names[nnames++] = org.aliases[i];
    } else if (strncmp(res->party, "user:", 5) == 0 &&
               clr_registry_user_get(&user, s, res->party + 5) == 0) {
        snprintf(party_name, sizeof party_name, "%s", user.name);
        names[nnames++] = user.name;
    }
    clr_match m;
    int have = 0;
    for (size_t i = 0; i < nnames && !have; i++)
        have = entry_match(c->lists, res, names[i], &m);

    srv_buf_puts(b, c->n++ ? ",{\"party\":" : "{\"party\":");
    put_str(b, res->party);
    srv_buf_puts(b, ",\"party_name\":");
    put_str(b, party_name);
    srv_buf_puts(b, ",\"list\":");
    put_str(b, res->list);
    srv_buf_puts(b, ",\"entry\":");
    put_str(b, res->entry);
    srv_buf_puts(b, ",\"entry_name\":");
    put_str(b, res->entry_name);
    srv_buf_puts(b, ",\"matched_name\":");
    put_str(b, have ? m.matched_name : "");
    srv_buf_printf(b, ",\"alias\":%s,\"type\":", have && m.alias ? "true" : "false");
    put_str(b, have ? clr_entity_type_name(m.type) : "");
    srv_buf_puts(b, ",\"programs\":");
    put_str(b, have ? m.programs : "");
    srv_buf_printf(b, ",\"score\":%.3f,\"status\":\"%s\",\"screened_at\":", res->score, status);
    put_time(b, res->screened_at);
    srv_buf_puts(b, ",\"adjudication\":");
    const clr_adjudication *a = NULL;
    for (size_t i = 0; i < c->nadj; i++)
        if (strcmp(c->adj[i].party, res->party) == 0 && strcmp(c->adj[i].list, res->list) == 0 &&
            strcmp(c->adj[i].entry, res->entry) == 0)
            a = &c->adj[i];
    if (!a) {
        srv_buf_puts(b, "null}");
        return 0;
    }
    srv_buf_puts(b, "{\"verdict\":");
    put_str(b, clr_verdict_name(a->verdict));
    srv_buf_puts(b, ",\"reviewer\":");
    put_str(b, a->reviewer);
    srv_buf_puts(b, ",\"reason\":");
    put_str(b, a->reason);
    srv_buf_puts(b, ",\"created\":");
    put_time(b, a->created);
    srv_buf_puts(b, ",\"expires\":");
    put_time(b, a->expires);
    srv_buf_printf(b, ",\"current\":%s}}",
                   strcmp(a->digest, res->digest) == 0 && a->expires > clr_time_now() ? "true"
                                                                                      : "false");
    return 0;
}

void srv_route_admin_screening(srv_req *r)
{
    if (!srv_admin_store_ok(r))
        return;
    screening_ctx c = {0};
    c.r = r;
    c.status = query_arg(r, "status");
    pthread_mutex_lock(&r->st->lists_lock);
    clr_lists *lists = r->st->lists ? clr_lists_ref(r->st->lists) : NULL;
    pthread_mutex_unlock(&r->st->lists_lock);
    c.lists = lists;
    srv_buf_puts(r->out, "{\"results\":[");
    pthread_mutex_lock(&r->st->store_lock);
    int rc = clr_registry_adjudication_list(r->st->store, collect_adjudication, &c);
    if (!rc)
        rc = clr_registry_results_list(r->st->store, NULL, put_result, &c);
    pthread_mutex_unlock(&r->st->store_lock);
    clr_lists_unref(lists);
    free(c.adj);
    srv_buf_puts(r->out, "]}\n");
    if (rc || r->out->oom) {
        srv_buf_reset(r->out);
        srv_reply_error(r, 500, SRV_ERR_INTERNAL,
                        rc == CLR_ESTORE ? clr_store_errmsg(r->st->store)
                                         : clr_strerror(rc ? rc : CLR_ENOMEM),
                        NULL);
        return;
    }
    r->status = 200;
}

/* ---- GET /ui --------------------------------------------------------------- */

void srv_route_ui(srv_req *r)
{
    const char *rest = r->path + strlen("/ui");
    if (!srv_ui_assets[0].path) {
        srv_reply_error(r, 404, SRV_ERR_NOT_FOUND,
                        "the dashboard was not built into this server: build clearance with "
                        "Node.js and npm installed (scripts/deps.sh build) to serve it at /ui",
                        NULL);
        return;
    }
    if (*rest == '\0') {
        /* the page's files are named relative to /ui/ */
        srv_req_header(r, "Location", "/ui/");
        r->status = 308;
        r->content_type = "text/plain";
        srv_buf_puts(r->out, "/ui/\n");
        return;
    }
    if (strcmp(rest, "/") == 0)
        rest = "/index.html";
    for (const srv_ui_asset *a = srv_ui_assets; a->path; a++) {
        if (strcmp(a->path, rest) != 0)
            continue;
        if (srv_buf_append(r->out, a->data, a->size)) {
            srv_buf_reset(r->out);
            srv_reply_error(r, 500, SRV_ERR_INTERNAL, "out of memory", NULL);
            return;
        }
        r->status = 200;
        r->content_type = a->type;
        /* hashed file names never change; the page itself is asked for each time */
        srv_req_header(r, "Cache-Control",
                       strncmp(rest, "/assets/", 8) == 0 ? "public, max-age=31536000, immutable"
                                                         : "no-cache");
        srv_req_header(r, "X-Content-Type-Options", "nosniff");
        srv_req_header(
            r, "Content-Security-Policy",
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "frame-ancestors 'none'");
        return;
    }
    srv_reply_error(r, 404, SRV_ERR_NOT_FOUND, "no such file of the dashboard", NULL);
}
