/* Restricted-party list versions in the store: the files imported, each
 * file's content kept once (by digest, base64 so that any bytes survive any
 * backend), and the version in force at an instant loaded again through a
 * private temporary folder, so that it reads exactly as the files did. Written
 * once for every backend, through clr__store_query. */
#include "screen_internal.h" /* clr__read_file */
#include "versions.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FILES_MAX 256
#define DIGEST_HEX (2 * 16 + 1)

typedef struct lfile {
    char *name; /* relative to the folder it was found in, or the file's base name */
    char digest[DIGEST_HEX];
    char *data;
    size_t len;
} lfile;

typedef struct lset {
    lfile v[FILES_MAX];
    size_t n;
} lset;

static void lset_free(lset *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->v[i].name);
        free(s->v[i].data);
    }
    s->n = 0;
}

/* Adds the file at path, named name in the version. */
static int add_file(clr_store *st, lset *s, const char *path, const char *name)
{
    if (s->n == FILES_MAX)
        return clr__store_fail(st, "more than %d list files", FILES_MAX), CLR_EINVAL;
    lfile *f = &s->v[s->n];
    int rc = clr__read_file(path, &f->data, &f->len);
    if (rc) {
        clr__store_fail(st, "cannot read %s: %s", path,
                        rc == CLR_ENOMEM ? "out of memory" : strerror(errno));
        return rc;
    }
    if (!(f->name = strdup(name))) {
        free(f->data);
        return CLR_ENOMEM;
    }
    unsigned char h[16];
    crypto_generichash(h, sizeof h, (const unsigned char *)f->data, f->len, NULL, 0);
    clr__hex(f->digest, h, sizeof h);
    s->n++;
    return 0;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds the regular files of folder dir (prefix names them), two levels deep. */
static int add_dir(clr_store *st, lset *s, const char *dir, const char *prefix, int depth)
{
    DIR *d = opendir(dir);
    if (!d) {
        clr__store_fail(st, "cannot read %s: %s", dir, strerror(errno));
        return CLR_EIO;
    }
    char *names[FILES_MAX];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < FILES_MAX)
        if (e->d_name[0] != '.' && (names[n] = strdup(e->d_name)))
            n++;
    closedir(d);
    qsort(names, n, sizeof *names, name_cmp);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        char path[PATH_MAX], name[PATH_MAX];
        struct stat sb;
        int long_name =
            (size_t)snprintf(path, sizeof path, "%s/%s", dir, names[i]) >= sizeof path ||
            (size_t)snprintf(name, sizeof name, "%s%s%s", prefix, *prefix ? "/" : "", names[i]) >=
                sizeof name;
        if (!rc && !long_name && stat(path, &sb) == 0) {
            if (S_ISDIR(sb.st_mode) && depth < 2)
                rc = add_dir(st, s, path, name, depth + 1);
            else if (S_ISREG(sb.st_mode))
                rc = add_file(st, s, path, name);
        }
        free(names[i]);
    }
    return rc;
}

/* The version's digest: over the files' names and digests, in order. */
static void set_digest(const lset *s, char out[DIGEST_HEX])
{
    crypto_generichash_state h;
    unsigned char d[16];
    crypto_generichash_init(&h, NULL, 0, sizeof d);
    for (size_t i = 0; i < s->n; i++) {
        crypto_generichash_update(&h, (const unsigned char *)s->v[i].name,
                                  strlen(s->v[i].name) + 1);
        crypto_generichash_update(&h, (const unsigned char *)s->v[i].digest, DIGEST_HEX);
    }
    crypto_generichash_final(&h, d, sizeof d);
    clr__hex(out, d, sizeof d);
}

int clr_lists_version_latest(clr_lists_version *out, clr_store *s)
{
    return clr__version_latest(s, "list_versions", out);
}

/* Stores the content of f unless its digest is stored already. */
static int put_content(clr_store *s, const lfile *f)
{
    size_t cap = sodium_base64_encoded_len(f->len, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = malloc(cap);
    if (!b64)
        return CLR_ENOMEM;
    sodium_bin2base64(b64, cap, (const unsigned char *)f->data, f->len,
                      sodium_base64_VARIANT_ORIGINAL);
    clr__value p[2] = {CLR__V_TEXT(f->digest), CLR__V_TEXT(b64)};
    int rc = clr__store_query(s,
                              "INSERT INTO list_files (digest, content) VALUES ($1, $2) "
                              "ON CONFLICT (digest) DO NOTHING",
                              p, 2, NULL, NULL, NULL);
    free(b64);
    return rc;
}

int clr_lists_version_store(clr_lists_version *out, clr_store *s, const char *const *paths,
                            size_t npaths, const char *by, const char *reason, clr_time at)
{
    lset *set = calloc(1, sizeof *set);
    char *files = NULL;
    int rc = 0;
    if (!set)
        return CLR_ENOMEM;
    for (size_t i = 0; i < npaths && !rc; i++) {
        struct stat sb;
        if (stat(paths[i], &sb) != 0) {
            rc = clr__store_fail(s, "cannot read %s: %s", paths[i], strerror(errno));
            rc = CLR_EIO;
        } else if (S_ISDIR(sb.st_mode)) {
            rc = add_dir(s, set, paths[i], "", 0);
        } else {
            const char *base = strrchr(paths[i], '/');
            rc = add_file(s, set, paths[i], base ? base + 1 : paths[i]);
        }
    }
    if (rc)
        goto out;
    clr_lists_version v = {0};
    set_digest(set, v.digest);
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < set->n; i++) {
        cJSON *o = cJSON_CreateObject();
        if (!o || !cJSON_AddStringToObject(o, "name", set->v[i].name) ||
            !cJSON_AddStringToObject(o, "digest", set->v[i].digest)) {
            cJSON_Delete(o);
            cJSON_Delete(a);
            a = NULL;
            break;
        }
        cJSON_AddItemToArray(a, o);
    }
    files = a ? cJSON_PrintUnformatted(a) : NULL;
    cJSON_Delete(a);
    if (!files) {
        rc = CLR_ENOMEM;
        goto out;
    }
    if ((rc = s->ops->begin(s, 1)))
        goto out;
    clr_lists_version last;
    int lrc = clr_lists_version_latest(&last, s);
    if (lrc && lrc != CLR_ENOTFOUND) {
        rc = lrc;
        goto fail;
    }
    if (!lrc && strcmp(last.digest, v.digest) == 0) {
        s->ops->rollback(s);
        last.nfiles = set->n;
        if (out)
            *out = last;
        goto out; /* the same files: the latest version stays */
    }
    if (!lrc && at < last.created_at) {
        clr__store_fail(s, "a version cannot start before the latest one (version %lld)",
                        (long long)last.version);
        rc = CLR_EINVAL;
        goto fail;
    }
    for (size_t i = 0; i < set->n && !rc; i++)
        rc = put_content(s, &set->v[i]);
    if (rc)
        goto fail;
    v.version = lrc ? 1 : last.version + 1;
    v.created_at = at;
    v.until = CLR_TIME_MAX;
    v.nfiles = set->n;
    snprintf(v.created_by, sizeof v.created_by, "%s", by && *by ? by : "unknown");
    snprintf(v.reason, sizeof v.reason, "%s", reason ? reason : "");
    rc = clr__version_insert(s, "list_versions", &v, files);
    if (rc == CLR_EEXIST)
        rc = clr__store_fail(s, "version %lld was stored meanwhile", (long long)v.version);
    if (rc || (rc = s->ops->commit(s)))
        goto fail;
    if (out)
        *out = v;
    goto out;
fail:
    s->ops->rollback(s);
out:
    free(files);
    lset_free(set);
    free(set);
    return rc;
}

int clr_lists_version_list(clr_store *s, int (*fn)(void *arg, const clr_lists_version *v),
                           void *arg)
{
    return clr__version_list(s, "list_versions", fn, arg);
}

typedef struct content_ctx {
    const char *path;
    int written;
    int rc;
} content_ctx;

static int write_content(void *arg, const clr__value *c, int n)
{
    content_ctx *w = arg;
    if (n < 1 || c[0].type != CLR__TEXT)
        return w->rc = CLR_ESTORE;
    unsigned char *bin = malloc(c[0].n + 1);
    size_t len = 0;
    if (!bin)
        return w->rc = CLR_ENOMEM;
    if (sodium_base642bin(bin, c[0].n + 1, c[0].s, c[0].n, NULL, &len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0) {
        free(bin);
        return w->rc = CLR_ESTORE;
    }
    FILE *f = fopen(w->path, "wb");
    int ok = f && fwrite(bin, 1, len, f) == len;
    if (f && fclose(f) != 0)
        ok = 0;
    free(bin);
    if (!ok)
        return w->rc = CLR_EIO;
    w->written = 1;
    return 0;
}

/* Creates the folders of relative name under root. */
static int make_parents(const char *root, const char *name)
{
    char path[PATH_MAX];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", root, name) >= sizeof path)
        return CLR_EIO;
    for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            return CLR_EIO;
        *p = '/';
    }
    return 0;
}

static void remove_tree(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char sub[PATH_MAX];
            struct stat sb;
            if ((size_t)snprintf(sub, sizeof sub, "%s/%s", path, e->d_name) >= sizeof sub)
                continue;
            if (lstat(sub, &sb) == 0 && S_ISDIR(sb.st_mode))
                remove_tree(sub);
            else
                unlink(sub);
        }
        closedir(d);
    }
    rmdir(path);
}

int clr_lists_version_load(clr_lists **out, clr_lists_version *info, clr_store *s, clr_time at,
                           int64_t version, clr_list_report *report)
{
    clr_lists_version v;
    char *files = NULL;
    *out = NULL;
    int rc = clr__version_find(s, "list_versions", at, version, &v, &files);
    if (rc)
        return rc;
    const char *tmpdir = getenv("TMPDIR");
    char root[PATH_MAX];
    /* the template mkdtemp replaces the six trailing X's of */
    static const char TEMPLATE[] = "clearance-lists-XXXXXX";
    const char *dir = tmpdir && *tmpdir ? tmpdir : "/tmp";
    if ((size_t)snprintf(root, sizeof root, "%s/%s", dir, TEMPLATE) >= sizeof root) {
        free(files);
        clr__store_fail(s, "the temporary folder's name under %s is too long", dir);
        return CLR_EIO;
    }
    if (!mkdtemp(root)) {
        free(files);
        clr__store_fail(s, "cannot create a temporary folder under %s: %s", dir, strerror(errno));
        return CLR_EIO;
    }
    cJSON *a = cJSON_Parse(files);
    free(files);
    int n = cJSON_IsArray(a) ? cJSON_GetArraySize(a) : -1;
    if (n <= 0)
        rc = clr__store_fail(s, "lists version %lld is damaged", (long long)v.version);
    for (int i = 0; i < n && !rc; i++) {
        const cJSON *o = cJSON_GetArrayItem(a, i);
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(o, "name");
        const cJSON *dg = cJSON_GetObjectItemCaseSensitive(o, "digest");
        if (!cJSON_IsString(name) || !cJSON_IsString(dg) || strstr(name->valuestring, "..") ||
            name->valuestring[0] == '/') {
            rc = clr__store_fail(s, "lists version %lld names a bad file", (long long)v.version);
            break;
        }
        char path[PATH_MAX];
        if ((size_t)snprintf(path, sizeof path, "%s/%s", root, name->valuestring) >= sizeof path) {
            rc = clr__store_fail(s, "a file name of lists version %lld is too long",
                                 (long long)v.version);
            break;
        }
        if ((rc = make_parents(root, name->valuestring)))
            break;
        content_ctx w = {path, 0, 0};
        clr__value q = CLR__V_TEXT(dg->valuestring);
        rc = clr__store_query(s, "SELECT content FROM list_files WHERE digest = $1", &q, 1,
                              write_content, &w, NULL);
        if (!rc && w.rc)
            rc = w.rc;
        if (!rc && !w.written)
            rc = clr__store_fail(s, "the content of %s is missing", name->valuestring);
    }
    cJSON_Delete(a);
    if (!rc) {
        const char *paths[] = {root};
        rc = clr_lists_load(out, paths, 1, report);
    }
    remove_tree(root);
    if (!rc && info)
        *info = v;
    return rc;
}
