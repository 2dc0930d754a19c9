/* The customer registry over HTTP: the admin endpoints under /v1/admin
 * (organisations, users, API keys, adjudications, rescreening; bearer token),
 * and the snapshot the decision routes read, reloaded after every change. */
#include "server.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the snapshot ---------------------------------------------------------- */

int srv_registry_reload(srv_state *st)
{
    clr_registry *reg = NULL;
    pthread_mutex_lock(&st->lists_lock);
    clr_lists *lists = st->lists ? clr_lists_ref(st->lists) : NULL;
    pthread_mutex_unlock(&st->lists_lock);
    int64_t gen = 0;
    int rc = clr_registry_generation(st->store, &gen);
    if (!rc)
        rc = clr_registry_load(&reg, st->store, lists);
    clr_lists_unref(lists);
    if (rc) {
        fprintf(stderr, "clearance serve: cannot load the registry: %s\n",
                rc == CLR_ESTORE ? clr_store_errmsg(st->store) : clr_strerror(rc));
        return rc;
    }
    clr_registry_cell_swap(st->registry, reg);
    clr_registry_unref(reg);
    st->registry_generation = gen;
    return 0;
}

void srv_registry_sync(srv_state *st)
{
    if (!st->store || !st->registry)
        return;
    int64_t gen = 0;
    pthread_mutex_lock(&st->store_lock);
    if (clr_registry_generation(st->store, &gen) == 0 && gen != st->registry_generation &&
        srv_registry_reload(st) == 0)
        fprintf(stderr, "clearance serve: registry reloaded (changed in the store)\n");
    pthread_mutex_unlock(&st->store_lock);
}

int srv_registry_init(srv_state *st)
{
    if (!st->store)
        return 0;
    if (clr_registry_cell_new(&st->registry, NULL))
        return CLR_ENOMEM;
    return srv_registry_reload(st);
}

void srv_registry_free(srv_state *st)
{
    clr_registry_cell_free(st->registry);
    st->registry = NULL;
}

const clr_registry *srv_worker_registry(srv_worker *w)
{
    if (!w->st->registry)
        return NULL;
    return clr_registry_cell_current(w->st->registry, &w->reg_cached, &w->reg_gen);
}

/* ---- JSON out --------------------------------------------------------------------- */

static void put_member(srv_buf *b, const char *name, const char *value, int first)
{
    srv_buf_printf(b, "%s\"%s\":", first ? "" : ",", name);
    srv_buf_json_str(b, value, strlen(value));
}

static void put_time(srv_buf *b, const char *name, clr_time t)
{
    char buf[32];
    srv_buf_printf(b, ",\"%s\":", name);
    if (t > 0 && clr_time_format(buf, sizeof buf, t) > 0)
        srv_buf_json_str(b, buf, strlen(buf));
    else
        srv_buf_puts(b, "null");
}

typedef struct out_ctx {
    srv_buf *b;
    clr_store *s;
    int n;
} out_ctx;

static int put_result(void *arg, const clr_screen_result *x)
{
    out_ctx *o = arg;
    srv_buf_puts(o->b, o->n++ ? ",{" : "{");
    put_member(o->b, "list", x->list, 1);
    put_member(o->b, "entry", x->entry, 0);
    put_member(o->b, "name", x->entry_name, 0);
    srv_buf_printf(o->b, ",\"score\":%.3f,\"status\":\"%s\"", x->score,
                   x->possible ? "possible" : "hit");
    put_member(o->b, "digest", x->digest, 0);
    put_time(o->b, "screened_at", x->screened_at);
    srv_buf_puts(o->b, "}");
    return 0;
}

static int put_screening(out_ctx *o, const char *party)
{
    out_ctx inner = {o->b, o->s, 0};
    srv_buf_puts(o->b, ",\"screening\":[");
    int rc = clr_registry_results_list(o->s, party, put_result, &inner);
    srv_buf_puts(o->b, "]");
    return rc;
}

static int put_org(void *arg, const clr_org *x)
{
    out_ctx *o = arg;
    char party[CLR_PARTY_MAX];
    srv_buf_puts(o->b, o->n++ ? ",{" : "{");
    put_member(o->b, "id", x->id, 1);
    put_member(o->b, "legal_name", x->legal_name, 0);
    srv_buf_puts(o->b, ",\"aliases\":[");
    for (size_t i = 0; i < x->naliases; i++) {
        if (i)
            srv_buf_puts(o->b, ",");
        srv_buf_json_str(o->b, x->aliases[i], strlen(x->aliases[i]));
    }
    srv_buf_puts(o->b, "]");
    put_member(o->b, "country", x->country, 0);
    put_member(o->b, "hq", x->hq, 0);
    put_member(o->b, "parent", x->parent, 0);
    snprintf(party, sizeof party, "org:%s", x->id);
    int rc = put_screening(o, party);
    srv_buf_puts(o->b, "}");
    return rc;
}

static int put_user(void *arg, const clr_user *x)
{
    out_ctx *o = arg;
    char party[CLR_PARTY_MAX];
    srv_buf_puts(o->b, o->n++ ? ",{" : "{");
    put_member(o->b, "id", x->id, 1);
    put_member(o->b, "name", x->name, 0);
    put_member(o->b, "org", x->org, 0);
    put_member(o->b, "nationality", x->nationality, 0);
    put_member(o->b, "country", x->country, 0);
    snprintf(party, sizeof party, "user:%s", x->id);
    int rc = put_screening(o, party);
    srv_buf_puts(o->b, "}");
    return rc;
}

static int put_key(void *arg, const clr_api_key *k)
{
    out_ctx *o = arg;
    srv_buf_puts(o->b, o->n++ ? ",{" : "{");
    put_member(o->b, "id", k->id, 1);
    put_member(o->b, "user", k->user, 0);
    put_time(o->b, "created", k->created);
    put_time(o->b, "revoked", k->revoked);
    srv_buf_puts(o->b, "}");
    return 0;
}

static int put_adjudication(void *arg, const clr_adjudication *a)
{
    out_ctx *o = arg;
    srv_buf_puts(o->b, o->n++ ? ",{" : "{");
    put_member(o->b, "party", a->party, 1);
    put_member(o->b, "list", a->list, 0);
    put_member(o->b, "entry", a->entry, 0);
    put_member(o->b, "digest", a->digest, 0);
    put_member(o->b, "verdict", clr_verdict_name(a->verdict), 0);
    put_member(o->b, "reviewer", a->reviewer, 0);
    put_member(o->b, "reason", a->reason, 0);
    put_time(o->b, "created", a->created);
    put_time(o->b, "expires", a->expires);
    srv_buf_puts(o->b, "}");
    return 0;
}

static int put_change(void *arg, const clr_screen_change *c)
{
    out_ctx *o = arg;
    srv_buf_puts(o->b, o->n++ ? ",{" : "{");
    put_member(o->b, "change", clr_screen_change_name(c->kind), 1);
    put_member(o->b, "party", c->result.party, 0);
    put_member(o->b, "list", c->result.list, 0);
    put_member(o->b, "entry", c->result.entry, 0);
    put_member(o->b, "name", c->result.entry_name, 0);
    srv_buf_printf(o->b, ",\"score\":%.3f,\"status\":\"%s\"}", c->result.score,
                   c->result.possible ? "possible" : "hit");
    return 0;
}

/* ---- JSON in ------------------------------------------------------------------------ */

/* Copies string member name of obj into dst (cap bytes). 0 when absent and
 * not required; -1 after replying 400. */
static int get_str(srv_req *r, const cJSON *obj, const char *name, char *dst, size_t cap,
                   int required)
{
    char path[64];
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, name);
    snprintf(path, sizeof path, "$.%s", name);
    if (!m || cJSON_IsNull(m)) {
        if (!required)
            return 0;
        srv_reply_error(r, 400, SRV_ERR_BAD_REQUEST, "required field is missing", path);
        return -1;
    }
    if (!cJSON_IsString(m)) {
        srv_reply_error(r, 400, SRV_ERR_BAD_REQUEST, "must be a string", path);
        return -1;
    }
    if (strlen(m->valuestring) >= cap) {
        srv_reply_error(r, 400, SRV_ERR_BAD_REQUEST, "is too long", path);
        return -1;
    }
    memcpy(dst, m->valuestring, strlen(m->valuestring) + 1);
    return 0;
}

static cJSON *parse_body(srv_req *r)
{
    cJSON *root = cJSON_ParseWithLength(r->body, r->body_len);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        srv_reply_error(r, 400, SRV_ERR_BAD_REQUEST, "expected a JSON object", "$");
        return NULL;
    }
    return root;
}

static int parse_org(srv_req *r, const cJSON *root, clr_org *o)
{
    memset(o, 0, sizeof *o);
    if (get_str(r, root, "id", o->id, sizeof o->id, 1) ||
        get_str(r, root, "legal_name", o->legal_name, sizeof o->legal_name, 1) ||
        get_str(r, root, "country", o->country, sizeof o->country, 0) ||
        get_str(r, root, "hq", o->hq, sizeof o->hq, 0) ||
        get_str(r, root, "parent", o->parent, sizeof o->parent, 0))
        return -1;
    const cJSON *al = cJSON_GetObjectItemCaseSensitive(root, "aliases");
    if (al && !cJSON_IsNull(al)) {
        if (!cJSON_IsArray(al) || cJSON_GetArraySize(al) > CLR_ORG_ALIASES_MAX) {
            srv_reply_error(r, 400, SRV_ERR_BAD_REQUEST, "must be an array of at most 8 names",
                            "$.aliases");
            return -1;
        }
        for (const cJSON *e = al->child; e; e = e->next) {
            if (!cJSON_IsString(e) || strlen(e->valuestring) >= CLR_NAME_MAX) {
                srv_reply_error(r, 400, SRV_ERR_BAD_REQUEST,
                                "must be an array of names of at most 255 bytes", "$.aliases");
                return -1;
            }
            memcpy(o->aliases[o->naliases++], e->valuestring, strlen(e->valuestring) + 1);
        }
    }
    return 0;
}

static int parse_user(srv_req *r, const cJSON *root, clr_user *u)
{
    memset(u, 0, sizeof *u);
    if (get_str(r, root, "id", u->id, sizeof u->id, 1) ||
        get_str(r, root, "name", u->name, sizeof u->name, 0) ||
        get_str(r, root, "org", u->org, sizeof u->org, 0) ||
        get_str(r, root, "nationality", u->nationality, sizeof u->nationality, 0) ||
        get_str(r, root, "country", u->country, sizeof u->country, 0))
        return -1;
    return 0;
}

/* ---- replies ------------------------------------------------------------------------ */

/* Replies for a library error; the field of *err becomes the path. */
static void reply_rc(srv_req *r, int rc, const clr_registry_error *err)
{
    char path[64];
    const char *p = NULL;
    if (err && err->field[0]) {
        snprintf(path, sizeof path, "$.%s", err->field);
        p = path;
    }
    switch (rc) {
    case CLR_EINVAL:
        srv_reply_error(r, 400, SRV_ERR_BAD_REQUEST,
                        err && err->message[0] ? err->message : "invalid", p);
        break;
    case CLR_EEXIST:
        srv_reply_error(r, 409, SRV_ERR_BAD_REQUEST,
                        err && err->message[0] ? err->message : "already exists", p);
        break;
    case CLR_ENOTFOUND:
        srv_reply_error(r, 404, SRV_ERR_NOT_FOUND,
                        err && err->message[0] ? err->message : "not found", p);
        break;
    case CLR_ESTORE:
        srv_reply_error(r, 500, SRV_ERR_INTERNAL, clr_store_errmsg(r->st->store), NULL);
        break;
    default: srv_reply_error(r, 500, SRV_ERR_INTERNAL, clr_strerror(rc), NULL); break;
    }
}

static void reply_json(srv_req *r, int status)
{
    srv_buf_puts(r->out, "\n");
    if (r->out->oom) {
        srv_reply_error(r, 500, SRV_ERR_INTERNAL, "out of memory", NULL);
        return;
    }
    r->status = status;
    r->content_type = "application/json";
}

/* ---- the nouns ------------------------------------------------------------------------ */

static void method_not_allowed(srv_req *r, const char *allow)
{
    srv_reply_error(r, 405, SRV_ERR_METHOD, "method not allowed on this endpoint", NULL);
    srv_req_header(r, "Allow", allow);
}

/* orgs and users: POST (create), GET (list), GET|PUT|DELETE /{id} */
static void parties(srv_req *r, int is_org, const char *id)
{
    srv_state *st = r->st;
    out_ctx o = {r->out, st->store, 0};
    clr_registry_error err = {"", ""};
    int put = strcmp(r->method, "PUT") == 0, post = strcmp(r->method, "POST") == 0;
    int get = strcmp(r->method, "GET") == 0, del = strcmp(r->method, "DELETE") == 0;
    if (id ? !(put || get || del) : !(post || get)) {
        method_not_allowed(r, id ? "GET, PUT, DELETE" : "GET, POST");
        return;
    }
    if (post || put) {
        cJSON *root = parse_body(r);
        if (!root)
            return;
        clr_org *org = NULL;
        clr_user user;
        int bad = 0;
        if (is_org) {
            if (!(org = malloc(sizeof *org))) {
                cJSON_Delete(root);
                srv_reply_error(r, 500, SRV_ERR_INTERNAL, "out of memory", NULL);
                return;
            }
            bad = parse_org(r, root, org);
        } else {
            bad = parse_user(r, root, &user);
        }
        cJSON_Delete(root);
        const char *body_id = is_org ? (org ? org->id : "") : user.id;
        if (!bad && put && strcmp(body_id, id) != 0) {
            srv_reply_error(r, 400, SRV_ERR_BAD_REQUEST, "the id differs from the path's", "$.id");
            bad = 1;
        }
        if (!bad) {
            pthread_mutex_lock(&st->store_lock);
            int rc =
                is_org
                    ? clr_registry_org_put(st->store, org, post, srv_worker_lists(r->w), &err)
                    : clr_registry_user_put(st->store, &user, post, srv_worker_lists(r->w), &err);
            if (!rc)
                srv_registry_reload(st);
            if (rc)
                reply_rc(r, rc, &err);
            else if ((rc = is_org ? put_org(&o, org) : put_user(&o, &user)))
                reply_rc(r, rc, NULL);
            else
                reply_json(r, post ? 201 : 200);
            pthread_mutex_unlock(&st->store_lock);
        }
        free(org);
        return;
    }
    pthread_mutex_lock(&st->store_lock);
    int rc;
    if (get && !id) {
        srv_buf_puts(r->out, is_org ? "{\"orgs\":[" : "{\"users\":[");
        rc = is_org ? clr_registry_org_list(st->store, put_org, &o)
                    : clr_registry_user_list(st->store, put_user, &o);
        srv_buf_puts(r->out, "]}");
    } else if (get) {
        clr_org *org = is_org ? malloc(sizeof *org) : NULL;
        clr_user user;
        rc = is_org ? (org ? clr_registry_org_get(org, st->store, id) : CLR_ENOMEM)
                    : clr_registry_user_get(&user, st->store, id);
        if (!rc)
            rc = is_org ? put_org(&o, org) : put_user(&o, &user);
        free(org);
    } else {
        rc = is_org ? clr_registry_org_remove(st->store, id, &err)
                    : clr_registry_user_remove(st->store, id);
        if (rc == CLR_EINVAL)
            rc = CLR_EEXIST; /* still named by others: a conflict */
        if (!rc) {
            srv_registry_reload(st);
            srv_buf_puts(r->out, "{\"removed\":");
            srv_buf_json_str(r->out, id, strlen(id));
            srv_buf_puts(r->out, "}");
        }
    }
    if (rc)
        reply_rc(r, rc, &err);
    else
        reply_json(r, 200);
    pthread_mutex_unlock(&st->store_lock);
}

/* keys: POST {"user"} (create; the secret is in this reply only), GET (list),
 * DELETE /{id} (revoke) */
static void keys(srv_req *r, const char *id)
{
    srv_state *st = r->st;
    out_ctx o = {r->out, st->store, 0};
    clr_registry_error err = {"", ""};
    int rc;
    if (id ? strcmp(r->method, "DELETE") != 0
           : strcmp(r->method, "POST") != 0 && strcmp(r->method, "GET") != 0) {
        method_not_allowed(r, id ? "DELETE" : "GET, POST");
        return;
    }
    if (!id && strcmp(r->method, "POST") == 0) {
        char user[CLR_ID_MAX], secret[CLR_KEY_SECRET_MAX];
        clr_api_key k;
        cJSON *root = parse_body(r);
        if (!root)
            return;
        int bad = get_str(r, root, "user", user, sizeof user, 1);
        cJSON_Delete(root);
        if (bad)
            return;
        pthread_mutex_lock(&st->store_lock);
        if (!(rc = clr_registry_key_create(secret, &k, st->store, user, &err)))
            srv_registry_reload(st);
        pthread_mutex_unlock(&st->store_lock);
        if (rc) {
            reply_rc(r, rc, &err);
            return;
        }
        srv_buf_puts(r->out, "{");
        put_member(r->out, "id", k.id, 1);
        put_member(r->out, "user", k.user, 0);
        put_member(r->out, "secret", secret, 0);
        srv_buf_puts(r->out, "}");
        srv_req_header(r, "Cache-Control", "no-store");
        reply_json(r, 201);
        return;
    }
    pthread_mutex_lock(&st->store_lock);
    if (!id) {
        srv_buf_puts(r->out, "{\"keys\":[");
        rc = clr_registry_key_list(st->store, put_key, &o);
        srv_buf_puts(r->out, "]}");
    } else if (!(rc = clr_registry_key_revoke(st->store, id))) {
        srv_registry_reload(st);
        srv_buf_puts(r->out, "{\"revoked\":");
        srv_buf_json_str(r->out, id, strlen(id));
        srv_buf_puts(r->out, "}");
    }
    pthread_mutex_unlock(&st->store_lock);
    if (rc)
        reply_rc(r, rc, NULL);
    else
        reply_json(r, 200);
}

/* adjudications: POST (record), GET (list), DELETE /{party}/{list}/{entry} */
static void adjudications(srv_req *r, const char *rest)
{
    srv_state *st = r->st;
    out_ctx o = {r->out, st->store, 0};
    clr_registry_error err = {"", ""};
    int rc;
    if (rest ? strcmp(r->method, "DELETE") != 0
             : strcmp(r->method, "POST") != 0 && strcmp(r->method, "GET") != 0) {
        method_not_allowed(r, rest ? "DELETE" : "GET, POST");
        return;
    }
    if (rest) {
        char party[CLR_PARTY_MAX], list[CLR_LIST_ID_MAX], entry[CLR_ID_MAX];
        const char *a = strchr(rest, '/'), *b = a ? strchr(a + 1, '/') : NULL;
        if (!b || (size_t)(a - rest) >= sizeof party || (size_t)(b - a - 1) >= sizeof list ||
            strlen(b + 1) >= sizeof entry || strchr(b + 1, '/')) {
            srv_reply_error(r, 404, SRV_ERR_NOT_FOUND,
                            "expected /v1/admin/adjudications/PARTY/LIST/ENTRY", NULL);
            return;
        }
        snprintf(party, sizeof party, "%.*s", (int)(a - rest), rest);
        snprintf(list, sizeof list, "%.*s", (int)(b - a - 1), a + 1);
        snprintf(entry, sizeof entry, "%s", b + 1);
        pthread_mutex_lock(&st->store_lock);
        if (!(rc = clr_registry_adjudication_remove(st->store, party, list, entry)))
            srv_registry_reload(st);
        pthread_mutex_unlock(&st->store_lock);
        if (rc) {
            reply_rc(r, rc, NULL);
            return;
        }
        srv_buf_puts(r->out, "{\"removed\":true}");
        reply_json(r, 200);
        return;
    }
    if (strcmp(r->method, "GET") == 0) {
        pthread_mutex_lock(&st->store_lock);
        srv_buf_puts(r->out, "{\"adjudications\":[");
        rc = clr_registry_adjudication_list(st->store, put_adjudication, &o);
        srv_buf_puts(r->out, "]}");
        pthread_mutex_unlock(&st->store_lock);
        if (rc)
            reply_rc(r, rc, NULL);
        else
            reply_json(r, 200);
        return;
    }
    clr_adjudication a;
    char verdict[32] = "", expires[64] = "";
    memset(&a, 0, sizeof a);
    cJSON *root = parse_body(r);
    if (!root)
        return;
    int bad = get_str(r, root, "party", a.party, sizeof a.party, 1) ||
              get_str(r, root, "list", a.list, sizeof a.list, 1) ||
              get_str(r, root, "entry", a.entry, sizeof a.entry, 1) ||
              get_str(r, root, "verdict", verdict, sizeof verdict, 1) ||
              get_str(r, root, "reviewer", a.reviewer, sizeof a.reviewer, 1) ||
              get_str(r, root, "reason", a.reason, sizeof a.reason, 1) ||
              get_str(r, root, "expires", expires, sizeof expires, 1);
    cJSON_Delete(root);
    if (bad)
        return;
    if (clr_verdict_parse(&a.verdict, verdict)) {
        srv_reply_error(r, 400, SRV_ERR_BAD_REQUEST, "must be false_positive or true_hit",
                        "$.verdict");
        return;
    }
    if (clr_time_parse(&a.expires, expires, strlen(expires))) {
        srv_reply_error(r, 400, SRV_ERR_BAD_REQUEST, "must be an RFC 3339 time or a date",
                        "$.expires");
        return;
    }
    pthread_mutex_lock(&st->store_lock);
    if (!(rc = clr_registry_adjudicate(st->store, srv_worker_lists(r->w), &a, &err)))
        srv_registry_reload(st);
    pthread_mutex_unlock(&st->store_lock);
    if (rc) {
        reply_rc(r, rc, &err);
        return;
    }
    srv_buf_puts(r->out, "{");
    put_member(r->out, "party", a.party, 1);
    put_member(r->out, "list", a.list, 0);
    put_member(r->out, "entry", a.entry, 0);
    put_member(r->out, "verdict", clr_verdict_name(a.verdict), 0);
    put_time(r->out, "expires", a.expires);
    srv_buf_puts(r->out, "}");
    reply_json(r, 201);
}

/* rescreen: POST, every party against the server's lists */
static void rescreen(srv_req *r)
{
    srv_state *st = r->st;
    out_ctx o = {r->out, st->store, 0};
    size_t parties = 0;
    if (strcmp(r->method, "POST") != 0) {
        method_not_allowed(r, "POST");
        return;
    }
    if (strcmp(r->path, "/v1/admin/lists") == 0) {
        /* the lists imported again: load them, then screen every party */
        char msg[1024];
        int lrc = srv_lists_reload(st, msg, sizeof msg);
        if (lrc) {
            srv_reply_error(r, lrc == CLR_ENOTFOUND ? 404 : 500,
                            lrc == CLR_ENOTFOUND ? SRV_ERR_NOT_FOUND : SRV_ERR_INTERNAL, msg, NULL);
            return;
        }
    }
    const clr_lists *lists = srv_worker_lists(r->w);
    if (!lists) {
        srv_reply_error(r, 503, SRV_ERR_INTERNAL, "no restricted-party lists are loaded", NULL);
        return;
    }
    pthread_mutex_lock(&st->store_lock);
    srv_buf_puts(r->out, "{\"changes\":[");
    int rc = clr_registry_rescreen(st->store, lists, put_change, &o, &parties);
    srv_buf_printf(r->out, "],\"parties\":%zu}", parties);
    if (rc == 0)
        rc = srv_registry_reload(st); /* adjudications on entries that changed lapse */
    pthread_mutex_unlock(&st->store_lock);
    if (rc)
        reply_rc(r, rc, NULL);
    else
        reply_json(r, 200);
}

void srv_route_admin_registry(srv_req *r)
{
    static const char prefix[] = "/v1/admin/";
    if (!srv_require_admin(r))
        return;
    if (!r->st->store) {
        srv_reply_error(r, 404, SRV_ERR_NOT_FOUND,
                        "the registry needs a store: start the server with --store DB", NULL);
        return;
    }
    const char *path =
        r->path +
        (strncmp(r->path, prefix, sizeof prefix - 1) == 0 ? sizeof prefix - 1 : strlen(r->path));
    char noun[32];
    const char *slash = strchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) : strlen(path);
    const char *rest = slash && slash[1] ? slash + 1 : NULL;
    snprintf(noun, sizeof noun, "%.*s", (int)(n < sizeof noun ? n : 0), path);
    if (strcmp(noun, "orgs") == 0 && (!rest || !strchr(rest, '/')))
        parties(r, 1, rest);
    else if (strcmp(noun, "users") == 0 && (!rest || !strchr(rest, '/')))
        parties(r, 0, rest);
    else if (strcmp(noun, "keys") == 0 && (!rest || !strchr(rest, '/')))
        keys(r, rest);
    else if (strcmp(noun, "adjudications") == 0)
        adjudications(r, rest);
    else if ((strcmp(noun, "rescreen") == 0 || strcmp(noun, "lists") == 0) && !rest)
        rescreen(r);
    else
        srv_reply_error(r, 404, SRV_ERR_NOT_FOUND, "no such endpoint", NULL);
}
