/* The licences in the store, for the admin (bearer token):
 *   GET    /v1/admin/licences        {"licences": [licence, ...]}
 *   POST   /v1/admin/licences        adds the licence in the body (201)
 *   GET    /v1/admin/licences/{id}   one licence, with what is used and left
 *   DELETE /v1/admin/licences/{id}   revokes it
 * A licence is shown as added, with "used", "remaining", "created" and
 * "revoked" (docs/http-api.md). */
#include "server.h"

#include <stdlib.h>
#include <string.h>

#define PREFIX "/v1/admin/licences"

/* Replies 401 unless the request carries the admin token, 404 without a
 * store. Returns non-zero when the route may go on. */
int srv_admin_store_ok(srv_req *r)
{
    r->content_type = "application/json";
    if (!srv_require_admin(r))
        return 0;
    if (!r->st->store) {
        srv_reply_error(r, 404, SRV_ERR_NOT_FOUND, "no store: start the server with --store DB",
                        NULL);
        return 0;
    }
    return 1;
}

static void store_failed(srv_req *r)
{
    srv_reply_error(r, 500, SRV_ERR_INTERNAL, clr_store_errmsg(r->st->store), NULL);
}

typedef struct list_ctx {
    srv_req *r;
    int n;
} list_ctx;

static int put_licence(void *arg, const clr_licence_info *x)
{
    list_ctx *c = arg;
    char *json = NULL;
    if (clr_licence_info_json(&json, x, clr_licences_held(c->r->st->licences, x->id)))
        return CLR_ENOMEM;
    if (c->n++)
        srv_buf_puts(c->r->out, ",");
    srv_buf_puts(c->r->out, json);
    free(json);
    return 0;
}

/* Picks up the change at once on this node (the others within a second). */
static void sync_licences(srv_state *st)
{
    if (st->licences)
        clr_licences_sync(st->licences, clr_time_now());
}

void srv_route_licences(srv_req *r)
{
    if (!srv_admin_store_ok(r))
        return;
    const char *id = r->path[strlen(PREFIX)] == '/' ? r->path + strlen(PREFIX) + 1 : NULL;
    int is_get = strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0;
    if (id && (!*id || strlen(id) >= CLR_ID_MAX)) {
        srv_reply_error(r, 404, SRV_ERR_NOT_FOUND, "no such licence", NULL);
        return;
    }
    if ((id && strcmp(r->method, "POST") == 0) || (!id && strcmp(r->method, "DELETE") == 0)) {
        srv_reply_error(r, 405, SRV_ERR_METHOD, "method not allowed on this endpoint", NULL);
        return;
    }
    list_ctx c = {r, 0};
    int rc;
    pthread_mutex_lock(&r->st->store_lock);
    if (is_get && !id) {
        srv_buf_puts(r->out, "{\"licences\":[");
        rc = clr_licence_store_list(r->st->store, NULL, put_licence, &c);
        srv_buf_puts(r->out, "]}\n");
    } else if (is_get) {
        rc = clr_licence_store_list(r->st->store, id, put_licence, &c);
        srv_buf_puts(r->out, "\n");
    } else if (!id) {
        char newid[CLR_ID_MAX], err[512];
        rc = clr_licence_store_add(r->st->store, r->body, r->body_len, clr_time_now(), newid, err,
                                   sizeof err);
        if (rc == 0)
            rc = clr_licence_store_list(r->st->store, newid, put_licence, &c);
        else if (rc == CLR_EINVAL || rc == CLR_EEXIST) {
            pthread_mutex_unlock(&r->st->store_lock);
            char *sp = strstr(err, ": ");
            if (sp)
                *sp = '\0';
            srv_reply_error(r, rc == CLR_EEXIST ? 409 : 400, SRV_ERR_BAD_REQUEST, sp ? sp + 2 : err,
                            sp ? err : NULL);
            return;
        }
        srv_buf_puts(r->out, "\n");
    } else {
        rc = clr_licence_store_revoke(r->st->store, id, clr_time_now());
        if (rc == 0)
            rc = clr_licence_store_list(r->st->store, id, put_licence, &c);
        srv_buf_puts(r->out, "\n");
    }
    pthread_mutex_unlock(&r->st->store_lock);
    if (rc == CLR_ENOTFOUND) {
        srv_reply_error(r, 404, SRV_ERR_NOT_FOUND, "no such licence", NULL);
        return;
    }
    if (rc) {
        store_failed(r);
        return;
    }
    if (!is_get)
        sync_licences(r->st);
    if (r->out->oom) {
        srv_reply_error(r, 500, SRV_ERR_INTERNAL, "out of memory", NULL);
        return;
    }
    r->status = !is_get && !id ? 201 : 200;
}
