/* POST /v1/screen: a name screened against the restricted-party lists,
 * {"name": ..., "type": ..., "country": ..., "birth_year": ..., "lists": [...],
 * "min_score": ..., "limit": ...} in, {"query": ..., "matches": [...]} out
 * (the shape of `clearance screen`). */
#include "clearance_screen.h"
#include "server.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MATCH_CAP 50
#define LIST_IDS_MAX 32

/* Loads the configured lists, or the default ones. Returns 0 with *out set
 * (NULL: no default lists), or a CLR_E* code with the reason in msg. */
static int load_lists(srv_state *st, clr_lists **out, char *msg, size_t cap)
{
    const srv_config *c = st->cfg;
    clr_list_report *report = calloc(1, sizeof *report);
    *out = NULL;
    if (!report)
        return CLR_ENOMEM;
    int rc;
    if (c->nlists) {
        rc = clr_lists_load(out, (const char *const *)c->lists, c->nlists, report);
        if (rc) {
            size_t n = (size_t)snprintf(msg, cap, "cannot load the lists: %s", clr_strerror(rc));
            for (size_t i = 0; i < report->nproblems && n < cap; i++)
                n += (size_t)snprintf(msg + n, cap - n, "; %s:%zu: %s", report->problems[i].file,
                                      report->problems[i].row, report->problems[i].message);
        }
    } else if ((rc = clr_lists_load_defaults(out, NULL, report)) != 0) {
        snprintf(msg, cap, "no default restricted-party lists (%s)", clr_strerror(rc));
        *out = NULL;
        rc = 0;
    }
    free(report);
    return rc;
}

typedef struct srv_lists_history {
    clr_time from, until;
    clr_lists *lists;
} srv_lists_history;

/* With a store: records the lists as loaded (their files) as the next lists
 * version, unless they equal the latest. Prints why on failure. */
static int record_lists(srv_state *st, const char *by, const char *reason)
{
    if (!st->store || !st->lists)
        return 0;
    const srv_config *c = st->cfg;
    const char *def = clr_lists_default_dir();
    const char *const *paths = c->nlists ? (const char *const *)c->lists : &def;
    size_t n = c->nlists ? c->nlists : 1;
    if (!c->nlists && !def)
        return 0;
    clr_lists_version v;
    pthread_mutex_lock(&st->store_lock);
    int rc = clr_lists_version_store(&v, st->store, paths, n, by, reason, clr_time_now());
    if (rc)
        fprintf(stderr, "clearance serve: cannot store the lists version: %s\n",
                rc == CLR_ENOMEM ? clr_strerror(rc) : clr_store_errmsg(st->store));
    pthread_mutex_unlock(&st->store_lock);
    if (!rc) {
        atomic_store(&st->lists_from, v.created_at);
        atomic_store(&st->lists_version, v.version);
    }
    return rc;
}

const clr_lists *srv_lists_for(srv_req *r, clr_time at)
{
    srv_state *st = r->st;
    if (!st->store || at >= atomic_load_explicit(&st->lists_from, memory_order_relaxed) ||
        atomic_load_explicit(&st->lists_version, memory_order_relaxed) <= 1)
        return srv_worker_lists(r->w);
    const clr_lists *found = NULL;
    pthread_mutex_lock(&st->history_lock);
    for (size_t i = 0; i < st->nlists_history && !found; i++)
        if (st->lists_history[i].from <= at && at < st->lists_history[i].until)
            found = st->lists_history[i].lists;
    if (!found && st->nlists_history == st->caplists_history) {
        size_t cap = st->caplists_history ? st->caplists_history * 2 : 4;
        srv_lists_history *h = realloc(st->lists_history, cap * sizeof *h);
        if (h) {
            st->lists_history = h;
            st->caplists_history = cap;
        }
    }
    if (!found && st->nlists_history < st->caplists_history) {
        clr_lists_version v;
        clr_lists *l = NULL;
        pthread_mutex_lock(&st->store_lock);
        int rc = clr_lists_version_load(&l, &v, st->store, at, 0, NULL);
        pthread_mutex_unlock(&st->store_lock);
        if (rc == 0) {
            srv_lists_history *h = &st->lists_history[st->nlists_history++];
            h->from = v.version == 1 ? CLR_TIME_MIN : v.created_at;
            h->until = v.until;
            h->lists = l;
            found = l;
        }
    }
    pthread_mutex_unlock(&st->history_lock);
    /* a version that cannot be loaded: screening fails closed */
    return found;
}

int srv_lists_init(srv_state *st)
{
    char msg[1024] = "";
    clr_lists *l = NULL;
    pthread_mutex_init(&st->lists_lock, NULL);
    atomic_store(&st->lists_from, CLR_TIME_MIN);
    if (st->store && st->cfg->nlists == 0) {
        /* without --lists, the store's latest version, as every node on it has */
        clr_lists_version v;
        int rc = clr_lists_version_latest(&v, st->store);
        if (rc == 0)
            rc = clr_lists_version_load(&l, &v, st->store, 0, v.version, NULL);
        if (rc == 0) {
            fprintf(stderr,
                    "clearance serve: screening against the store's lists version %lld: %zu "
                    "lists, %zu entities\n",
                    (long long)v.version, clr_lists_count(l), clr_lists_entity_count(l));
            st->lists = l;
            atomic_store(&st->lists_gen, 1);
            atomic_store(&st->lists_from, v.created_at);
            atomic_store(&st->lists_version, v.version);
            return 0;
        }
        if (rc != CLR_ENOTFOUND) {
            fprintf(stderr, "clearance serve: cannot load the store's lists version: %s\n",
                    rc == CLR_ESTORE || rc == CLR_EIO ? clr_store_errmsg(st->store)
                                                      : clr_strerror(rc));
            return -1;
        }
    }
    if (load_lists(st, &l, msg, sizeof msg)) {
        fprintf(stderr, "clearance serve: %s\n", msg);
        return -1;
    }
    if (l)
        fprintf(stderr, "clearance serve: screening against %zu lists, %zu entities\n",
                clr_lists_count(l), clr_lists_entity_count(l));
    else
        fprintf(stderr, "clearance serve: %s; /v1/screen answers 503\n", msg);
    st->lists = l;
    atomic_store(&st->lists_gen, 1);
    return record_lists(st, "clearance serve", "loaded at start") ? -1 : 0;
}

int srv_lists_reload(srv_state *st, char *msg, size_t cap)
{
    clr_lists *l = NULL;
    msg[0] = '\0';
    int rc = load_lists(st, &l, msg, cap);
    if (rc)
        return rc;
    if (!l) {
        snprintf(msg, cap, "no lists to load");
        return CLR_ENOTFOUND;
    }
    pthread_mutex_lock(&st->lists_lock);
    clr_lists *old = st->lists;
    st->lists = l;
    atomic_fetch_add(&st->lists_gen, 1);
    pthread_mutex_unlock(&st->lists_lock);
    clr_lists_unref(old); /* workers holding it keep their own references */
    if (record_lists(st, "admin", "imported again (POST /v1/admin/lists)")) {
        snprintf(msg, cap, "the lists are in force but could not be recorded as a version: %s",
                 clr_store_errmsg(st->store));
        return CLR_ESTORE;
    }
    fprintf(stderr, "clearance serve: lists reloaded: %zu lists, %zu entities\n",
            clr_lists_count(l), clr_lists_entity_count(l));
    return 0;
}

void srv_lists_sync(srv_state *st)
{
    if (!st->store)
        return;
    clr_lists_version v;
    clr_lists *l = NULL;
    pthread_mutex_lock(&st->store_lock);
    int rc = clr_lists_version_latest(&v, st->store);
    if (rc == 0 && v.version > atomic_load(&st->lists_version))
        rc = clr_lists_version_load(&l, &v, st->store, 0, v.version, NULL);
    pthread_mutex_unlock(&st->store_lock);
    if (rc || !l)
        return;
    pthread_mutex_lock(&st->lists_lock);
    clr_lists *old = st->lists;
    st->lists = l;
    atomic_fetch_add(&st->lists_gen, 1);
    pthread_mutex_unlock(&st->lists_lock);
    clr_lists_unref(old);
    atomic_store(&st->lists_from, v.created_at);
    atomic_store(&st->lists_version, v.version);
    fprintf(stderr, "clearance serve: lists version %lld from the store (by %s)\n",
            (long long)v.version, v.created_by);
    pthread_mutex_lock(&st->store_lock);
    if (st->registry)
        srv_registry_reload(st); /* adjudications on entries that changed lapse */
    pthread_mutex_unlock(&st->store_lock);
}

void srv_lists_free(srv_state *st)
{
    for (size_t i = 0; i < st->nlists_history; i++)
        clr_lists_unref(st->lists_history[i].lists);
    free(st->lists_history);
    st->lists_history = NULL;
    st->nlists_history = st->caplists_history = 0;
    clr_lists_unref(st->lists);
    st->lists = NULL;
    pthread_mutex_destroy(&st->lists_lock);
}

static void put_str(srv_buf *b, const char *s)
{
    srv_buf_json_str(b, s ? s : "", s ? strlen(s) : 0);
}

static int bad(srv_req *r, const char *msg, const char *path)
{
    srv_reply_error(r, 400, SRV_ERR_BAD_REQUEST, msg, path);
    return -1;
}

/* Fills q from the JSON object root; list ids point into root. */
static int parse_query(srv_req *r, const cJSON *root, clr_screen_query *q, const char **ids,
                       size_t *limit)
{
    if (!cJSON_IsObject(root))
        return bad(r, "a screening query is a JSON object", "$");
    for (const cJSON *m = root->child; m; m = m->next) {
        const char *k = m->string ? m->string : "";
        char path[96];
        snprintf(path, sizeof path, "$.%.60s", k);
        if (strcmp(k, "name") == 0) {
            if (!cJSON_IsString(m) || !m->valuestring[0])
                return bad(r, "must be a non-empty string", path);
            q->name = m->valuestring;
        } else if (strcmp(k, "type") == 0) {
            if (!cJSON_IsString(m) || clr_entity_type_parse(&q->type, m->valuestring))
                return bad(r, "must be person, org, vessel or aircraft", path);
        } else if (strcmp(k, "country") == 0) {
            if (!cJSON_IsString(m) || strlen(m->valuestring) != 2 ||
                !clr_country_valid(m->valuestring, 2))
                return bad(r, "must be an ISO 3166-1 alpha-2 country code", path);
            memcpy(q->country, m->valuestring, 3);
        } else if (strcmp(k, "birth_year") == 0) {
            if (!cJSON_IsNumber(m) || m->valuedouble < 1000 || m->valuedouble > 9999)
                return bad(r, "must be a year", path);
            q->birth_year = (int)m->valuedouble;
        } else if (strcmp(k, "min_score") == 0) {
            if (!cJSON_IsNumber(m) || m->valuedouble < 0 || m->valuedouble > 1)
                return bad(r, "must be a number from 0 to 1", path);
            q->min_score = m->valuedouble;
        } else if (strcmp(k, "limit") == 0) {
            if (!cJSON_IsNumber(m) || m->valuedouble < 1 || m->valuedouble > MATCH_CAP)
                return bad(r, "must be an integer from 1 to 50", path);
            *limit = (size_t)m->valuedouble;
        } else if (strcmp(k, "lists") == 0) {
            if (!cJSON_IsArray(m))
                return bad(r, "must be an array of list ids", path);
            size_t n = 0;
            for (const cJSON *e = m->child; e; e = e->next) {
                if (!cJSON_IsString(e) || n == LIST_IDS_MAX)
                    return bad(r, "must be an array of at most 32 list ids", path);
                ids[n++] = e->valuestring;
            }
            q->lists = ids;
            q->nlists = n;
        } else {
            return bad(r, "unknown field", path);
        }
    }
    if (!q->name)
        return bad(r, "required field is missing", "$.name");
    return 0;
}

void srv_route_screen(srv_req *r)
{
    const clr_lists *l = srv_worker_lists(r->w);
    if (!l) {
        srv_reply_error(r, 503, SRV_ERR_INTERNAL, "no restricted-party lists are loaded", NULL);
        return;
    }
    cJSON *root = cJSON_ParseWithLength(r->body, r->body_len);
    if (!root) {
        bad(r, "the body is not valid JSON", "$");
        return;
    }
    clr_screen_query q = CLR_SCREEN_QUERY_INIT;
    const char *ids[LIST_IDS_MAX];
    size_t limit = 10, n = 0;
    static _Thread_local clr_match m[MATCH_CAP];
    if (parse_query(r, root, &q, ids, &limit))
        goto done;
    int rc = clr_screen_run(l, &q, m, limit, &n);
    if (rc == CLR_ENOTFOUND) {
        bad(r, "names a list that is not loaded", "$.lists");
        goto done;
    }
    if (rc) {
        srv_reply_error(r, 500, SRV_ERR_INTERNAL, clr_strerror(rc), NULL);
        goto done;
    }
    srv_buf_puts(r->out, "{\"query\":");
    put_str(r->out, q.name);
    srv_buf_puts(r->out, ",\"matches\":[");
    for (size_t i = 0; i < n; i++) {
        srv_buf_puts(r->out, i ? ",{\"list\":" : "{\"list\":");
        put_str(r->out, m[i].list);
        srv_buf_puts(r->out, ",\"id\":");
        put_str(r->out, m[i].id);
        srv_buf_puts(r->out, ",\"name\":");
        put_str(r->out, m[i].name);
        srv_buf_puts(r->out, ",\"matched_name\":");
        put_str(r->out, m[i].matched_name);
        srv_buf_puts(r->out, ",\"alias\":");
        srv_buf_puts(r->out, m[i].alias ? "true" : "false");
        srv_buf_puts(r->out, ",\"type\":");
        put_str(r->out, clr_entity_type_name(m[i].type));
        srv_buf_printf(r->out, ",\"score\":%.3f,\"status\":", m[i].score);
        put_str(r->out, clr_match_status_name(m[i].status));
        srv_buf_puts(r->out, ",\"programs\":");
        put_str(r->out, m[i].programs);
        srv_buf_puts(r->out, "}");
    }
    srv_buf_puts(r->out, "]}\n");
    r->status = 200;
    r->content_type = "application/json";
done:
    cJSON_Delete(root);
}
