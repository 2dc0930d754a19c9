/* The audit log's writer: hash-chained records, a queue with one writer thread
 * that commits batches (group commit), and Ed25519-signed checkpoints. */
#include "background.h"
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RECORD_MAX (1u << 20) /* bytes of a record's JSON */
#define META_PUBLIC_KEY "audit_public_key"

/* ------------------------------------------------------------------------- */
/* Hex                                                                        */
/* ------------------------------------------------------------------------- */

void clr__hex(char *out, const unsigned char *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int clr__unhex(unsigned char *out, size_t n, const char *hex, size_t len)
{
    if (len != 2 * n)
        return CLR_EINVAL;
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return CLR_EINVAL;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return 0;
}

/* ------------------------------------------------------------------------- */
/* Keys                                                                       */
/* ------------------------------------------------------------------------- */

/* Writes a message into buf (may be NULL) and returns rc. */
static int errf(char *buf, size_t cap, int rc, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static int errf(char *buf, size_t cap, int rc, const char *fmt, ...)
{
    va_list ap;
    if (buf && cap) {
        va_start(ap, fmt);
        vsnprintf(buf, cap, fmt, ap);
        va_end(ap);
    }
    return rc;
}

/* Reads exactly the hex text of n bytes (and an optional newline) from path. */
static int read_hex_file(unsigned char *out, size_t n, const char *path)
{
    char text[256];
    FILE *f = fopen(path, "r");
    if (!f)
        return CLR_EIO;
    size_t len = fread(text, 1, sizeof text - 1, f);
    int err = ferror(f);
    fclose(f);
    if (err)
        return CLR_EIO;
    while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
        len--;
    return clr__unhex(out, n, text, len);
}

/* Writes p as hex to a new file at path, all at once: the text goes to a
 * private temporary file that is then linked into place, so that a process
 * reading path sees the whole file or none. Returns 0, CLR_EEXIST when path
 * exists already (another process made it first), or CLR_EIO. */
static int write_hex_file(const char *path, const unsigned char *p, size_t n, mode_t mode)
{
    char hex[2 * 64 + 2], tmp[4200];
    clr__hex(hex, p, n);
    strcat(hex, "\n");
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp.%ld.%08x", path, (long)getpid(),
                         (unsigned)randombytes_random()) >= sizeof tmp)
        return CLR_EIO;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, mode);
    if (fd < 0)
        return CLR_EIO;
    size_t len = strlen(hex);
    int ok = write(fd, hex, len) == (ssize_t)len && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    int rc = ok ? 0 : CLR_EIO;
    if (ok && link(tmp, path) != 0)
        rc = errno == EEXIST ? CLR_EEXIST : CLR_EIO;
    unlink(tmp);
    return rc;
}

/* Loads the key pair from the seed in path, generating it when absent. */
static int load_key(unsigned char pk[crypto_sign_PUBLICKEYBYTES],
                    unsigned char sk[crypto_sign_SECRETKEYBYTES], const char *path, char *errbuf,
                    size_t errcap)
{
    unsigned char seed[crypto_sign_SEEDBYTES];
    struct stat st;
    int rc;
    if (stat(path, &st) != 0) {
        if (errno != ENOENT)
            return errf(errbuf, errcap, CLR_EIO, "cannot read the key file %s", path);
        randombytes_buf(seed, sizeof seed);
        int wrc = write_hex_file(path, seed, sizeof seed, 0600);
        if (wrc == CLR_EEXIST) { /* another process made it meanwhile: use theirs */
            sodium_memzero(seed, sizeof seed);
            return load_key(pk, sk, path, errbuf, errcap);
        }
        if (wrc) {
            sodium_memzero(seed, sizeof seed);
            return errf(errbuf, errcap, CLR_EIO, "cannot create the key file %s", path);
        }
        crypto_sign_seed_keypair(pk, sk, seed);
        /* the public half beside it, for verifiers; best effort */
        char pub[4096];
        if ((size_t)snprintf(pub, sizeof pub, "%s.pub", path) < sizeof pub)
            write_hex_file(pub, pk, crypto_sign_PUBLICKEYBYTES, 0644);
        sodium_memzero(seed, sizeof seed);
        return 0;
    }
    if (st.st_mode & 077)
        return errf(errbuf, errcap, CLR_EIO,
                    "the key file %s is open to others (mode %03o); chmod 600 it", path,
                    (unsigned)(st.st_mode & 0777));
    if ((rc = read_hex_file(seed, sizeof seed, path))) {
        sodium_memzero(seed, sizeof seed);
        return errf(errbuf, errcap, rc, "the key file %s does not hold a 64-hex-digit seed", path);
    }
    crypto_sign_seed_keypair(pk, sk, seed);
    sodium_memzero(seed, sizeof seed);
    return 0;
}

int clr_audit_public_key(unsigned char out[CLR_AUDIT_PK_BYTES], clr_store *s)
{
    char hex[2 * CLR_AUDIT_PK_BYTES + 1];
    int rc = s->ops->meta_get(s, META_PUBLIC_KEY, hex, sizeof hex);
    if (rc == CLR_ELIMIT)
        return clr__store_fail(s, "the stored public key is malformed");
    if (rc)
        return rc;
    if (clr__unhex(out, CLR_AUDIT_PK_BYTES, hex, strlen(hex)))
        return clr__store_fail(s, "the stored public key is malformed");
    return 0;
}

int clr_audit_public_key_read(unsigned char out[CLR_AUDIT_PK_BYTES], const char *path)
{
    return read_hex_file(out, CLR_AUDIT_PK_BYTES, path);
}

/* ------------------------------------------------------------------------- */
/* The writer                                                                 */
/* ------------------------------------------------------------------------- */

/* A queued record: its fields, then the bytes they point at. */
#define FAILED_RANGES 64

typedef struct rec {
    struct rec *next;
    uint64_t ticket;
    int64_t time;
    unsigned char leaf[CLR_AUDIT_HASH_BYTES]; /* computed by a sync appender, else the writer */
    int leaf_done;
    clr_audit_done_fn done; /* or NULL */
    void *done_arg;
    size_t id_n, outcome_n, rv_n, req_n, dec_n;
    char data[];
} rec;

struct clr_audit {
    clr_store *store;
    clr_audit_mode mode;
    size_t queue_cap, batch_max;
    uint64_t cp_every;
    unsigned cp_seconds;
    unsigned linger_ms; /* async: how long a batch may gather */
    int scheme;         /* the log's record scheme */
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];
    unsigned char sk[crypto_sign_SECRETKEYBYTES];

    pthread_mutex_t mu;
    pthread_cond_t nonempty; /* the writer waits for records */
    pthread_cond_t room;     /* appenders wait for space */
    pthread_cond_t durable;  /* appenders wait for their commit */
    rec *head, *tail;
    size_t queued;
    uint64_t next_ticket; /* tickets handed out */
    uint64_t done_ticket; /* tickets committed */
    int error;            /* the store failed while closing: nothing more is accepted */
    int stop;
    int flush_wanted; /* clr_audit_flush waits: commit without lingering */
    /* a store that fails: sync batches are reported failed and the writer goes
     * on; async batches are kept and written again after a back-off */
    unsigned backoff_ms; /* 0 while healthy */
    int close_attempts;  /* writes tried since stop while failing */
    uint64_t failed_lo[64], failed_hi[64];
    size_t nfailed;
    clr_audit_stats stats;
    pthread_t thread;

    /* the writer thread's own */
    clr__audit_hasher hasher;
    int64_t last_cp_seq;
    clr_time last_cp_time;
    uint64_t signed_count; /* published to stats under mu */
};

static int sign_checkpoint(clr_audit *a, int64_t seq, const unsigned char hash[32])
{
    unsigned char msg[CLR__CHECKPOINT_MSG], sig[crypto_sign_BYTES];
    clr_time now = clr_time_now();
    clr__checkpoint_message(msg, seq, hash, now);
    crypto_sign_detached(sig, NULL, msg, sizeof msg, a->sk);
    clr__checkpoint_row cp = {.seq = seq,
                              .hash = {(const char *)hash, CLR_AUDIT_HASH_BYTES},
                              .time = now,
                              .signature = {(const char *)sig, sizeof sig}};
    int rc = a->store->ops->checkpoint_insert(a->store, &cp);
    if (!rc) {
        a->last_cp_seq = seq;
        a->last_cp_time = now;
        a->signed_count++;
    }
    return rc;
}

/* Writes the batch (and the checkpoints it reaches) in one transaction. When
 * final, or when checkpoint_seconds have passed, the tail gets a checkpoint. */
static int write_batch(clr_audit *a, rec *batch, int final)
{
    clr_store *s = a->store;
    unsigned char hash[CLR_AUDIT_HASH_BYTES];
    int64_t seq;
    int rc;
    /* a failed transaction leaves no checkpoint: undo what signing noted */
    int64_t cp_seq = a->last_cp_seq;
    clr_time cp_time = a->last_cp_time;
    uint64_t signed_count = a->signed_count;
    if ((rc = s->ops->begin(s, 1)))
        return rc;
    /* the tail as stored, so that another process appending too cannot fork the chain */
    if ((rc = s->ops->audit_tail(s, &seq, hash)))
        goto fail;
    for (rec *r = batch; r; r = r->next) {
        clr__audit_row row;
        const char *p = r->data;
        row.seq = ++seq;
        row.time = r->time;
        row.decision_id = (clr__bytes){p, r->id_n};
        p += r->id_n;
        row.outcome = (clr__bytes){p, r->outcome_n};
        p += r->outcome_n;
        row.rules_version = (clr__bytes){p, r->rv_n};
        p += r->rv_n;
        row.request = (clr__bytes){p, r->req_n};
        p += r->req_n;
        row.decision = (clr__bytes){p, r->dec_n};
        if (!r->leaf_done) {
            clr__audit_leaf(&a->hasher, r->leaf, &row);
            r->leaf_done = 1; /* kept for a retry */
        }
        clr__audit_link(&a->hasher, hash, hash, row.seq, r->leaf);
        row.hash = (clr__bytes){(const char *)hash, sizeof hash};
        if ((rc = s->ops->audit_insert(s, &row)))
            goto fail;
        if ((uint64_t)(seq - a->last_cp_seq) >= a->cp_every && (rc = sign_checkpoint(a, seq, hash)))
            goto fail;
    }
    if (seq > a->last_cp_seq &&
        (final || clr_time_now() - a->last_cp_time >= (clr_time)a->cp_seconds) &&
        (rc = sign_checkpoint(a, seq, hash)))
        goto fail;
    if ((rc = s->ops->commit(s)))
        goto fail;
    return 0;
fail:
    s->ops->rollback(s);
    a->last_cp_seq = cp_seq;
    a->last_cp_time = cp_time;
    a->signed_count = signed_count;
    return rc;
}

/* Notes that tickets [lo, hi] will never be durable (wait_durable). */
static void note_failed(clr_audit *a, uint64_t lo, uint64_t hi)
{
    size_t i = a->nfailed++ % FAILED_RANGES;
    a->failed_lo[i] = lo;
    a->failed_hi[i] = hi;
}

static int ticket_failed(const clr_audit *a, uint64_t t)
{
    size_t n = a->nfailed < FAILED_RANGES ? a->nfailed : FAILED_RANGES;
    for (size_t i = 0; i < n; i++)
        if (a->failed_lo[i] <= t && t <= a->failed_hi[i])
            return 1;
    return 0;
}

/* Sleeps for the writer's back-off after a failure, or until asked to stop
 * or flush; called and returns with mu held. */
static void back_off(clr_audit *a)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += (long)a->backoff_ms * 1000000L;
    until.tv_sec += until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    while (!a->stop && pthread_cond_timedwait(&a->nonempty, &a->mu, &until) != ETIMEDOUT)
        ;
    a->backoff_ms = a->backoff_ms * 2 > 2000 ? 2000 : a->backoff_ms * 2;
}

static void *writer_main(void *arg)
{
    clr_audit *a = arg;
    /* a sync writer's callers wait on each commit; an async one's never do */
    clr__background_thread("clr-audit", a->mode == CLR_AUDIT_ASYNC);
    pthread_mutex_lock(&a->mu);
    for (;;) {
        while (!a->head && !a->stop && !a->error) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += a->cp_seconds;
            if (pthread_cond_timedwait(&a->nonempty, &a->mu, &until) == ETIMEDOUT)
                break; /* time for a checkpoint, perhaps */
        }
        if (a->error)
            break;
        /* async: let a batch gather for up to linger, so that one commit (and
         * one fsync) carries many records rather than a few */
        if (a->mode == CLR_AUDIT_ASYNC && a->head && a->linger_ms && !a->stop &&
            a->queued < a->batch_max) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_nsec += (long)a->linger_ms * 1000000L;
            until.tv_sec += until.tv_nsec / 1000000000L;
            until.tv_nsec %= 1000000000L;
            while (a->queued < a->batch_max && !a->stop && !a->error && !a->flush_wanted &&
                   pthread_cond_timedwait(&a->nonempty, &a->mu, &until) != ETIMEDOUT)
                ;
        }
        a->flush_wanted = 0;
        if (a->error)
            break;
        rec *batch = a->head, *last = NULL;
        size_t k = 0;
        if (a->queued <= a->batch_max) {
            /* the whole queue: taken as it is, without walking its records
               (cold, and the appenders wait on mu meanwhile) */
            last = a->tail;
            k = a->queued;
        } else {
            for (rec *r = batch; r && k < a->batch_max; r = r->next, k++)
                last = r;
        }
        if (last) {
            a->head = last->next;
            if (!a->head)
                a->tail = NULL;
            last->next = NULL;
            a->queued -= k;
            pthread_cond_broadcast(&a->room);
        }
        int final = a->stop && !a->head;
        uint64_t last_ticket = last ? last->ticket : 0;
        pthread_mutex_unlock(&a->mu);
        int rc = 0;
        uint64_t first_ticket = 0;
        if (batch || final || clr_time_now() - a->last_cp_time >= (clr_time)a->cp_seconds)
            rc = write_batch(a, batch, final);
        if (rc && a->mode == CLR_AUDIT_ASYNC && batch && !(a->stop && a->close_attempts >= 2)) {
            /* async: the callers were answered; the records are kept, in
               order, at the head of the queue, and written again */
            pthread_mutex_lock(&a->mu);
            last->next = a->head;
            a->head = batch;
            if (!a->tail)
                a->tail = last;
            a->queued += k;
            a->stats.failures++;
            a->backoff_ms = a->backoff_ms ? a->backoff_ms : 50;
            if (a->stop)
                a->close_attempts++;
            back_off(a);
            continue; /* with mu held, as at the top of the loop */
        }
        if (rc && batch)
            first_ticket = batch->ticket;
        while (batch) {
            rec *next = batch->next;
            if (batch->done)
                batch->done(batch->done_arg, rc);
            free(batch);
            batch = next;
        }
        pthread_mutex_lock(&a->mu);
        if (rc) {
            a->stats.failures++;
            a->backoff_ms = a->backoff_ms ? a->backoff_ms : 50;
            if (first_ticket)
                note_failed(a, first_ticket, last_ticket);
            if (last)
                a->done_ticket = last_ticket; /* settled: failed, see note_failed */
            if (a->stop && ++a->close_attempts >= 3)
                a->error = rc; /* closing, and the store still fails: give up */
        } else {
            a->backoff_ms = 0;
            if (last) {
                a->done_ticket = last_ticket;
                a->stats.committed += k;
                a->stats.transactions++;
            }
        }
        a->stats.checkpoints = a->signed_count;
        pthread_cond_broadcast(&a->durable);
        if ((final && !rc) || a->error)
            break;
        if (rc)
            back_off(a);
    }
    /* wake anyone still waiting: nothing more will be committed */
    pthread_cond_broadcast(&a->durable);
    pthread_cond_broadcast(&a->room);
    pthread_mutex_unlock(&a->mu);
    return NULL;
}

static int last_checkpoint(void *arg, const clr__checkpoint_row *row)
{
    *(int64_t *)arg = row->seq;
    return 0;
}

int clr_audit_open(clr_audit **out, clr_store *store, const char *store_path,
                   const clr_audit_options *opts, char *errbuf, size_t errcap)
{
    clr_audit_options defaults = CLR_AUDIT_OPTIONS_INIT;
    char keypath[4096], hex[2 * CLR_AUDIT_PK_BYTES + 1];
    clr_audit *a = NULL;
    int rc = CLR_EINVAL, have_key = 0;
    *out = NULL;
    if (errbuf && errcap)
        errbuf[0] = '\0';
    if (!opts)
        opts = &defaults;
    if (!store || opts->version != CLR_AUDIT_OPTIONS_VERSION ||
        (opts->mode != CLR_AUDIT_SYNC && opts->mode != CLR_AUDIT_ASYNC))
        return errf(errbuf, errcap, CLR_EINVAL, "invalid audit options");
    if (opts->key_path)
        snprintf(keypath, sizeof keypath, "%s", opts->key_path);
    else if (clr__store_is_pg(store_path))
        return errf(errbuf, errcap, CLR_EINVAL,
                    "a PostgreSQL store has no file to put the signing key beside: name the key "
                    "file (CLEARANCE_AUDIT_KEY)");
    else if (!store_path ||
             (size_t)snprintf(keypath, sizeof keypath, "%s.key", store_path) >= sizeof keypath)
        return errf(errbuf, errcap, CLR_EINVAL, "no key path");
    if (sodium_init() < 0)
        return errf(errbuf, errcap, CLR_ENOMEM, "libsodium failed to start");
    if (!(a = calloc(1, sizeof *a)))
        return CLR_ENOMEM;
    a->store = store;
    a->mode = opts->mode;
    a->queue_cap = opts->queue_cap ? opts->queue_cap : 65536;
    a->batch_max = opts->batch_max ? opts->batch_max : 8192;
    a->cp_every = opts->checkpoint_every ? opts->checkpoint_every : 1000;
    a->cp_seconds = opts->checkpoint_seconds ? opts->checkpoint_seconds : 10;
    a->linger_ms = opts->linger_ms;
    if (a->linger_ms == 0)
        a->linger_ms = 10;
    else if (a->linger_ms == CLR_AUDIT_NO_LINGER)
        a->linger_ms = 0;
    if ((rc = load_key(a->pk, a->sk, keypath, errbuf, errcap)))
        goto fail_free;
    /* the store remembers its key: refuse to sign its log with another */
    clr__hex(hex, a->pk, sizeof a->pk);
    char stored[2 * CLR_AUDIT_PK_BYTES + 1];
    rc = store->ops->meta_get(store, META_PUBLIC_KEY, stored, sizeof stored);
    if (rc == 0) {
        have_key = 1;
        if (strcmp(stored, hex) != 0) {
            rc = errf(errbuf, errcap, CLR_EINVAL,
                      "the store's audit log is signed by another key than %s", keypath);
            goto fail_free;
        }
    } else if (rc != CLR_ENOTFOUND) {
        errf(errbuf, errcap, rc, "%s", clr_store_errmsg(store));
        goto fail_free;
    }
    if (!have_key && (rc = store->ops->meta_set(store, META_PUBLIC_KEY, hex))) {
        errf(errbuf, errcap, rc, "%s", clr_store_errmsg(store));
        goto fail_free;
    }
    /* the log's record scheme: kept for life; an empty log takes the newest */
    if ((rc = store->ops->begin(store, 1)) == 0) {
        if ((rc = clr__audit_scheme_choose(store, &a->scheme)))
            store->ops->rollback(store);
        else
            rc = store->ops->commit(store);
    }
    if (rc) {
        errf(errbuf, errcap, rc, "%s", clr_store_errmsg(store));
        goto fail_free;
    }
    /* where the last checkpoint is, so that the first one comes on time */
    int64_t tail;
    unsigned char h[CLR_AUDIT_HASH_BYTES];
    if ((rc = store->ops->audit_tail(store, &tail, h))) {
        errf(errbuf, errcap, rc, "%s", clr_store_errmsg(store));
        goto fail_free;
    }
    if ((rc = store->ops->checkpoint_scan(store, INT64_MIN, last_checkpoint, &a->last_cp_seq)) <
        0) {
        errf(errbuf, errcap, rc, "%s", clr_store_errmsg(store));
        goto fail_free;
    }
    rc = 0;
    a->last_cp_time = clr_time_now();
    clr__audit_hasher_init(&a->hasher, a->scheme);
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->nonempty, NULL);
    pthread_cond_init(&a->room, NULL);
    pthread_cond_init(&a->durable, NULL);
    if (store->ops->background) /* before the writer uses the store */
        store->ops->background(store, 1);
    if (pthread_create(&a->thread, NULL, writer_main, a) != 0) {
        if (store->ops->background)
            store->ops->background(store, 0);
        rc = CLR_ENOMEM;
        goto fail_sync;
    }
    *out = a;
    return 0;
fail_sync:
    pthread_cond_destroy(&a->durable);
    pthread_cond_destroy(&a->room);
    pthread_cond_destroy(&a->nonempty);
    pthread_mutex_destroy(&a->mu);
    clr__audit_hasher_free(&a->hasher);
fail_free:
    sodium_memzero(a->sk, sizeof a->sk);
    free(a);
    return rc;
}

int clr_audit_close(clr_audit *a)
{
    if (!a)
        return 0;
    pthread_mutex_lock(&a->mu);
    a->stop = 1;
    pthread_cond_signal(&a->nonempty);
    pthread_mutex_unlock(&a->mu);
    pthread_join(a->thread, NULL);
    if (a->store->ops->background)
        a->store->ops->background(a->store, 0);
    int rc = a->error;
    while (a->head) { /* left over after a failure */
        rec *next = a->head->next;
        if (a->head->done)
            a->head->done(a->head->done_arg, rc);
        free(a->head);
        a->head = next;
    }
    pthread_cond_destroy(&a->durable);
    pthread_cond_destroy(&a->room);
    pthread_cond_destroy(&a->nonempty);
    pthread_mutex_destroy(&a->mu);
    clr__audit_hasher_free(&a->hasher);
    sodium_memzero(a->sk, sizeof a->sk);
    free(a);
    return rc;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Queues r, waiting for room; sets *ticket. Takes ownership of r. */
static int enqueue(clr_audit *a, rec *r, uint64_t *ticket)
{
    pthread_mutex_lock(&a->mu);
    if (a->queued >= a->queue_cap && !a->error && !a->stop) {
        uint64_t t0 = now_ns();
        a->stats.full_waits++;
        while (a->queued >= a->queue_cap && !a->error && !a->stop)
            pthread_cond_wait(&a->room, &a->mu);
        a->stats.full_wait_ns += now_ns() - t0;
    }
    if (a->error || a->stop) {
        int rc = a->error ? a->error : CLR_EINVAL;
        pthread_mutex_unlock(&a->mu);
        free(r);
        return rc;
    }
    r->ticket = *ticket = ++a->next_ticket;
    r->next = NULL;
    if (a->tail)
        a->tail->next = r;
    else
        a->head = r;
    a->tail = r;
    if (a->queued++ == 0 || a->queued == a->batch_max)
        pthread_cond_signal(&a->nonempty);
    a->stats.appended++;
    pthread_mutex_unlock(&a->mu);
    return 0;
}

static int wait_durable(clr_audit *a, uint64_t ticket)
{
    int rc = 0;
    pthread_mutex_lock(&a->mu);
    while (a->done_ticket < ticket && !a->error)
        pthread_cond_wait(&a->durable, &a->mu);
    if (a->done_ticket < ticket)
        rc = a->error;
    else if (ticket_failed(a, ticket))
        rc = CLR_ESTORE;
    pthread_mutex_unlock(&a->mu);
    return rc;
}

static rec *make_rec(const clr_audit *a, const char *id, clr_time at, clr_outcome outcome,
                     const char *rv, const char *req, size_t req_n, const char *dec, size_t dec_n)
{
    const char *oname = clr_outcome_name(outcome);
    size_t id_n = strlen(id), o_n = strlen(oname), rv_n = strlen(rv ? rv : "");
    rec *r = malloc(sizeof *r + id_n + o_n + rv_n + req_n + dec_n);
    if (!r)
        return NULL;
    r->time = at;
    r->id_n = id_n;
    r->outcome_n = o_n;
    r->rv_n = rv_n;
    r->req_n = req_n;
    r->dec_n = dec_n;
    char *p = r->data;
    memcpy(p, id, id_n);
    memcpy(p += id_n, oname, o_n);
    memcpy(p += o_n, rv ? rv : "", rv_n);
    memcpy(p += rv_n, req, req_n);
    memcpy(p += req_n, dec, dec_n);
    clr__audit_row row = {.time = at,
                          .decision_id = {r->data, id_n},
                          .outcome = {r->data + id_n, o_n},
                          .rules_version = {r->data + id_n + o_n, rv_n},
                          .request = {r->data + id_n + o_n + rv_n, req_n},
                          .decision = {r->data + id_n + o_n + rv_n + req_n, dec_n}};
    /* sync: here, on the appender's thread, so that many appenders hash at
     * once while the writer commits; async: on the writer's, off the path of
     * the caller, who does not wait for it */
    r->leaf_done = a->mode == CLR_AUDIT_SYNC;
    if (r->leaf_done) {
        clr__audit_hasher h;
        clr__audit_hasher_init(&h, a->scheme);
        clr__audit_leaf(&h, r->leaf, &row);
        clr__audit_hasher_free(&h);
    }
    r->done = NULL;
    r->done_arg = NULL;
    return r;
}

static int append_json(clr_audit *a, const char *decision_id, clr_time at, clr_outcome outcome,
                       const char *rules_version, const char *request_json, size_t request_len,
                       const char *decision_json, size_t decision_len, clr_audit_done_fn done,
                       void *arg, int wait)
{
    uint64_t ticket;
    if (!a || !decision_id || !request_json || !decision_json)
        return CLR_EINVAL;
    if (request_len > RECORD_MAX || decision_len > RECORD_MAX)
        return CLR_ELIMIT;
    rec *r = make_rec(a, decision_id, at, outcome, rules_version, request_json, request_len,
                      decision_json, decision_len);
    if (!r)
        return CLR_ENOMEM;
    r->done = done;
    r->done_arg = arg;
    int rc = enqueue(a, r, &ticket);
    if (!rc && wait)
        rc = wait_durable(a, ticket);
    return rc;
}

int clr_audit_append_json(clr_audit *a, const char *decision_id, clr_time at, clr_outcome outcome,
                          const char *rules_version, const char *request_json, size_t request_len,
                          const char *decision_json, size_t decision_len)
{
    return append_json(a, decision_id, at, outcome, rules_version, request_json, request_len,
                       decision_json, decision_len, NULL, NULL, a && a->mode == CLR_AUDIT_SYNC);
}

int clr_audit_append_json_notify(clr_audit *a, const char *decision_id, clr_time at,
                                 clr_outcome outcome, const char *rules_version,
                                 const char *request_json, size_t request_len,
                                 const char *decision_json, size_t decision_len,
                                 clr_audit_done_fn done, void *arg)
{
    return append_json(a, decision_id, at, outcome, rules_version, request_json, request_len,
                       decision_json, decision_len, done, arg, 0);
}

/* Serializes (req, d) into a record. */
static int build(const clr_audit *a, rec **out, const clr_request *req, const clr_decision *d)
{
    char reqbuf[4096], decbuf[16384];
    char *rq = reqbuf, *dc = decbuf;
    int rc = CLR_ENOMEM;
    size_t rn = clr_request_to_json(req, reqbuf, sizeof reqbuf);
    size_t dn = clr_decision_to_json(d, decbuf, sizeof decbuf);
    *out = NULL;
    if (rn > RECORD_MAX || dn > RECORD_MAX)
        return CLR_ELIMIT;
    if (rn >= sizeof reqbuf) {
        if (!(rq = malloc(rn + 1)))
            goto done;
        clr_request_to_json(req, rq, rn + 1);
    }
    if (dn >= sizeof decbuf) {
        if (!(dc = malloc(dn + 1)))
            goto done;
        clr_decision_to_json(d, dc, dn + 1);
    }
    *out =
        make_rec(a, d->decision_id, clr_time_now(), d->outcome, d->rules_version, rq, rn, dc, dn);
    rc = *out ? 0 : CLR_ENOMEM;
done:
    if (rq != reqbuf)
        free(rq);
    if (dc != decbuf)
        free(dc);
    return rc;
}

int clr_audit_append_batch(clr_audit *a, const clr_request *reqs, const clr_decision *ds, size_t n)
{
    uint64_t ticket = 0;
    int rc = 0;
    if (!a || (n && (!reqs || !ds)))
        return CLR_EINVAL;
    for (size_t i = 0; i < n && !rc; i++) {
        rec *r;
        if (!(rc = build(a, &r, &reqs[i], &ds[i])))
            rc = enqueue(a, r, &ticket);
    }
    if (a->mode == CLR_AUDIT_SYNC && ticket) {
        int wrc = wait_durable(a, ticket);
        if (!rc)
            rc = wrc;
    }
    return rc;
}

int clr_audit_append(clr_audit *a, const clr_request *req, const clr_decision *d)
{
    return clr_audit_append_batch(a, req, d, 1);
}

int clr_audit_flush(clr_audit *a)
{
    pthread_mutex_lock(&a->mu);
    uint64_t ticket = a->next_ticket;
    a->flush_wanted = 1;
    pthread_cond_signal(&a->nonempty);
    pthread_mutex_unlock(&a->mu);
    return wait_durable(a, ticket);
}

void clr_audit_stats_get(const clr_audit *a, clr_audit_stats *out)
{
    pthread_mutex_lock((pthread_mutex_t *)&a->mu);
    *out = a->stats;
    pthread_mutex_unlock((pthread_mutex_t *)&a->mu);
}
