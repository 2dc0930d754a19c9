/* The audit log's readers: verification of the chain and the signed
 * checkpoints, inclusion proofs, and export as JSON Lines. */
#include "store.h"

#include <cjson/cJSON.h>

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const column_names[] = {"seq",           "decision_id", "time",     "outcome",
                                           "rules_version", "request",     "decision", "hash"};

/* A checkpoint as read, checked for shape. */
typedef struct cp {
    int64_t seq;
    int64_t time;
    int shape_ok; /* types right, hash 32 bytes, signature 64 */
    unsigned char hash[CLR_AUDIT_HASH_BYTES];
    unsigned char sig[CLR_AUDIT_SIG_BYTES];
} cp;

typedef struct cps {
    cp *v;
    size_t n, cap;
} cps;

static int collect_cp(void *arg, const clr__checkpoint_row *r)
{
    cps *l = arg;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        cp *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return CLR_ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    cp *c = &l->v[l->n++];
    memset(c, 0, sizeof *c);
    c->seq = r->seq;
    c->time = r->time;
    c->shape_ok =
        !r->type_bad && r->hash.n == CLR_AUDIT_HASH_BYTES && r->signature.n == CLR_AUDIT_SIG_BYTES;
    if (c->shape_ok) {
        memcpy(c->hash, r->hash.p, CLR_AUDIT_HASH_BYTES);
        memcpy(c->sig, r->signature.p, CLR_AUDIT_SIG_BYTES);
    }
    return 0;
}

static int cp_signed(const cp *c, const unsigned char *pk)
{
    unsigned char msg[CLR__CHECKPOINT_MSG];
    if (!c->shape_ok || !pk)
        return 0;
    clr__checkpoint_message(msg, c->seq, c->hash, c->time);
    return crypto_sign_verify_detached(c->sig, msg, sizeof msg, pk) == 0;
}

typedef struct verify_ctx {
    clr_audit_report *rep;
    const unsigned char *pk;
    cps cps;
    size_t next_cp;
    int64_t prev_seq;
    unsigned char prev_hash[CLR_AUDIT_HASH_BYTES];
    int64_t last_good_cp; /* the last checkpoint that matched */
    clr__audit_hasher hasher;
} verify_ctx;

static int bad(verify_ctx *c, int64_t seq, clr__bytes id, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static int bad(verify_ctx *c, int64_t seq, clr__bytes id, const char *fmt, ...)
{
    va_list ap;
    clr_audit_report *r = c->rep;
    r->ok = 0;
    r->bad_seq = seq;
    size_t n = id.n < sizeof r->bad_decision_id ? id.n : sizeof r->bad_decision_id - 1;
    /* the id as printable text only: it came from a file that may be hostile */
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)id.p[i];
        r->bad_decision_id[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
    }
    r->bad_decision_id[n] = '\0';
    va_start(ap, fmt);
    vsnprintf(r->problem, sizeof r->problem, fmt, ap);
    va_end(ap);
    return 1; /* stop the scan */
}

/* Checks the checkpoint c covering record seq whose chain hash is hash. */
static int check_cp(verify_ctx *c, const cp *k, const unsigned char *hash, clr__bytes id)
{
    if (!k->shape_ok)
        return bad(c, k->seq, id,
                   "the checkpoint at record %lld is malformed (wrong types or sizes): it was "
                   "tampered with",
                   (long long)k->seq);
    if (!c->pk)
        return bad(c, k->seq, id,
                   "the checkpoint at record %lld cannot be checked: no public key is known",
                   (long long)k->seq);
    if (!cp_signed(k, c->pk))
        return bad(c, k->seq, id,
                   "the signature of the checkpoint at record %lld does not verify: the checkpoint "
                   "was altered, or it was signed by another key",
                   (long long)k->seq);
    if (hash && memcmp(k->hash, hash, CLR_AUDIT_HASH_BYTES) != 0)
        return bad(c, c->last_good_cp + 1, (clr__bytes){NULL, 0},
                   "the chain up to record %lld differs from the signed checkpoint: a record "
                   "from %lld to %lld was rewritten and the chain recomputed after it",
                   (long long)k->seq, (long long)c->last_good_cp + 1, (long long)k->seq);
    c->rep->checkpoints++;
    c->last_good_cp = k->seq;
    return 0;
}

static int verify_row(void *arg, const clr__audit_row *r)
{
    verify_ctx *c = arg;
    int64_t want = c->prev_seq + 1;
    c->rep->records++;
    /* checkpoints that name a record before this one that is not there */
    while (c->next_cp < c->cps.n && c->cps.v[c->next_cp].seq < r->seq) {
        const cp *k = &c->cps.v[c->next_cp];
        if (k->seq > c->prev_seq || k->seq < 1)
            return bad(c, k->seq, (clr__bytes){NULL, 0},
                       "a signed checkpoint covers record %lld, which is missing: it was deleted",
                       (long long)k->seq);
        c->next_cp++;
    }
    if (r->seq < want)
        return bad(c, r->seq, r->decision_id,
                   "record %lld precedes the first record (1): it was inserted", (long long)r->seq);
    if (r->seq > want)
        return bad(c, want, r->decision_id,
                   "record %lld is missing (the next record is %lld): it was deleted",
                   (long long)want, (long long)r->seq);
    if (r->type_bad) {
        int col = 0;
        while (!(r->type_bad & (1u << col)))
            col++;
        return bad(c, r->seq, r->decision_id,
                   "record %lld has a %s of the wrong type: it was changed", (long long)r->seq,
                   column_names[col]);
    }
    if (r->hash.n != CLR_AUDIT_HASH_BYTES)
        return bad(c, r->seq, r->decision_id,
                   "record %lld has a hash of %zu bytes, not %d: it was changed", (long long)r->seq,
                   r->hash.n, CLR_AUDIT_HASH_BYTES);
    unsigned char leaf[CLR_AUDIT_HASH_BYTES], chain[CLR_AUDIT_HASH_BYTES];
    clr__audit_leaf(&c->hasher, leaf, r);
    clr__audit_link(&c->hasher, chain, c->prev_hash, r->seq, leaf);
    if (memcmp(chain, r->hash.p, CLR_AUDIT_HASH_BYTES) != 0)
        return bad(c, r->seq, r->decision_id,
                   "record %lld does not match its hash: its contents were changed, or it was "
                   "inserted or moved here",
                   (long long)r->seq);
    memcpy(c->prev_hash, chain, sizeof chain);
    c->prev_seq = r->seq;
    if (c->next_cp < c->cps.n && c->cps.v[c->next_cp].seq == r->seq) {
        if (check_cp(c, &c->cps.v[c->next_cp], chain, r->decision_id))
            return 1;
        c->next_cp++;
    }
    return 0;
}

int clr_audit_verify(clr_audit_report *out, clr_store *s, const unsigned char *pk)
{
    unsigned char stored[CLR_AUDIT_PK_BYTES];
    verify_ctx c;
    int rc;
    memset(out, 0, sizeof *out);
    memset(&c, 0, sizeof c);
    out->ok = 1;
    c.rep = out;
    if (sodium_init() < 0)
        return CLR_ENOMEM;
    if ((rc = s->ops->begin(s, 0)))
        return rc;
    if (!pk) {
        rc = clr_audit_public_key(stored, s);
        if (rc && rc != CLR_ENOTFOUND)
            goto done;
        pk = rc ? NULL : stored;
    }
    c.pk = pk;
    int scheme;
    if ((rc = clr__audit_scheme_get(s, &scheme)))
        goto done;
    clr__audit_hasher_init(&c.hasher, scheme);
    out->record_scheme = scheme;
    if ((rc = s->ops->checkpoint_scan(s, INT64_MIN, collect_cp, &c.cps)))
        goto done;
    rc = s->ops->audit_scan(s, INT64_MIN, -1, CLR_TIME_MIN, CLR_TIME_MAX, verify_row, &c);
    if (rc < 0)
        goto done;
    rc = 0;
    if (out->ok && c.next_cp < c.cps.n) {
        /* checkpoints past the last record: the log was cut short */
        const cp *k = &c.cps.v[c.next_cp];
        bad(&c, c.prev_seq + 1, (clr__bytes){NULL, 0},
            "a signed checkpoint covers record %lld, but the log ends at record %lld: records "
            "were deleted from its end",
            (long long)k->seq, (long long)c.prev_seq);
    }
    out->last_checkpoint = c.last_good_cp;
    out->unsigned_records = (uint64_t)(c.prev_seq - c.last_good_cp);
done:
    s->ops->rollback(s); /* ends the read transaction */
    clr__audit_hasher_free(&c.hasher);
    free(c.cps.v);
    return rc;
}

/* ------------------------------------------------------------------------- */
/* JSON output                                                                */
/* ------------------------------------------------------------------------- */

static void json_str(FILE *f, clr__bytes b)
{
    fputc('"', f);
    for (size_t i = 0; i < b.n; i++) {
        unsigned char ch = (unsigned char)b.p[i];
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

static void json_hex(FILE *f, const void *p, size_t n)
{
    char hex[2 * 64 + 1];
    clr__hex(hex, p, n > 64 ? 64 : n);
    fprintf(f, "\"%s\"", hex);
}

static void json_time(FILE *f, int64_t t)
{
    char buf[32];
    if (clr_time_format(buf, sizeof buf, t) > 0)
        fprintf(f, "\"%s\"", buf);
    else
        fprintf(f, "%lld", (long long)t);
}

/* The record as one JSON object (no newline). request and decision are the
 * stored JSON texts, written as they are. */
static void json_record(FILE *f, const clr__audit_row *r)
{
    fprintf(f, "{\"seq\":%lld,\"decision_id\":", (long long)r->seq);
    json_str(f, r->decision_id);
    fputs(",\"time\":", f);
    json_time(f, r->time);
    fputs(",\"outcome\":", f);
    json_str(f, r->outcome);
    fputs(",\"rules_version\":", f);
    json_str(f, r->rules_version);
    fputs(",\"request\":", f);
    fwrite(r->request.p ? r->request.p : "null", 1, r->request.p ? r->request.n : 4, f);
    fputs(",\"decision\":", f);
    fwrite(r->decision.p ? r->decision.p : "null", 1, r->decision.p ? r->decision.n : 4, f);
    fputs(",\"hash\":", f);
    json_hex(f, r->hash.p, r->hash.n);
    fputc('}', f);
}

typedef struct export_ctx {
    FILE *f;
} export_ctx;

static int export_row(void *arg, const clr__audit_row *r)
{
    export_ctx *c = arg;
    json_record(c->f, r);
    fputc('\n', c->f);
    return ferror(c->f) ? CLR_EIO : 0;
}

int clr_audit_export(clr_store *s, clr_time from, clr_time until, FILE *f)
{
    export_ctx c = {f};
    int rc;
    if ((rc = s->ops->begin(s, 0)))
        return rc;
    rc = s->ops->audit_scan(s, INT64_MIN, -1, from, until, export_row, &c);
    s->ops->rollback(s);
    if (!rc && fflush(f) != 0)
        rc = CLR_EIO;
    return rc;
}

typedef struct query_ctx {
    const clr_audit_query *q;
    FILE *f;
    size_t n;
    int64_t last;
} query_ctx;

static int bytes_eq(clr__bytes b, const char *s)
{
    size_t n = strlen(s);
    return b.p && b.n == n && memcmp(b.p, s, n) == 0;
}

/* The request's principal.org equals org. */
static int org_matches(clr__bytes request, const char *org)
{
    cJSON *j = request.p ? cJSON_ParseWithLength(request.p, request.n) : NULL;
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(j, "principal");
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(p, "org");
    int eq = cJSON_IsString(o) && strcmp(o->valuestring, org) == 0;
    cJSON_Delete(j);
    return eq;
}

static int query_row(void *arg, const clr__audit_row *r)
{
    query_ctx *c = arg;
    if (c->q->outcome && !bytes_eq(r->outcome, c->q->outcome))
        return 0;
    if (c->q->decision_id && !bytes_eq(r->decision_id, c->q->decision_id))
        return 0;
    if (c->q->org && !org_matches(r->request, c->q->org))
        return 0;
    json_record(c->f, r);
    fputc('\n', c->f);
    c->last = r->seq;
    if (++c->n >= c->q->limit)
        return 1;
    return ferror(c->f) ? CLR_EIO : 0;
}

int clr_audit_query_run(clr_store *s, const clr_audit_query *q, FILE *f, size_t *count,
                        int64_t *last_seq)
{
    query_ctx c = {q, f, 0, 0};
    int64_t from_seq = q->after_seq + 1;
    int rc;
    *count = 0;
    *last_seq = 0;
    if (q->limit == 0)
        return 0;
    if ((rc = s->ops->begin(s, 0)))
        return rc;
    if (q->decision_id) {
        int64_t seq;
        rc = s->ops->audit_find(s, q->decision_id, &seq);
        if (rc == 0)
            rc = s->ops->audit_scan(s, seq, seq, q->from, q->until, query_row, &c);
        else if (rc == CLR_ENOTFOUND)
            rc = 0;
    } else {
        rc = s->ops->audit_scan(s, from_seq, -1, q->from, q->until, query_row, &c);
    }
    s->ops->rollback(s);
    if (rc == 1)
        rc = 0;
    if (!rc && fflush(f) != 0)
        rc = CLR_EIO;
    *count = c.n;
    *last_seq = c.last;
    return rc;
}

/* ------------------------------------------------------------------------- */
/* Proofs                                                                     */
/* ------------------------------------------------------------------------- */

static int first_cp(void *arg, const clr__checkpoint_row *r)
{
    collect_cp(arg, r);
    return 1;
}

typedef struct proof_ctx {
    int64_t seq; /* the record's */
    FILE *f;     /* a memory stream for the record and the leaves */
    unsigned char chain[CLR_AUDIT_HASH_BYTES];
    int64_t last;
    int ok;
    clr__audit_hasher hasher;
} proof_ctx;

static int prev_hash(void *arg, const clr__audit_row *r)
{
    proof_ctx *c = arg;
    if (r->hash.n == CLR_AUDIT_HASH_BYTES) {
        memcpy(c->chain, r->hash.p, CLR_AUDIT_HASH_BYTES);
        c->ok = 1;
    }
    return 1;
}

static int proof_row(void *arg, const clr__audit_row *r)
{
    proof_ctx *c = arg;
    unsigned char leaf[CLR_AUDIT_HASH_BYTES];
    if (r->seq != c->last + 1)
        return CLR_EINVAL; /* a gap: the log is damaged */
    c->last = r->seq;
    clr__audit_leaf(&c->hasher, leaf, r);
    clr__audit_link(&c->hasher, c->chain, c->chain, r->seq, leaf);
    if (r->seq == c->seq) {
        fputs("\"record\":", c->f);
        json_record(c->f, r);
        /* the exact bytes the leaf covers, as JSON strings, for checking elsewhere */
        fprintf(c->f, ",\"canonical\":{\"time\":%lld,\"decision_id\":", (long long)r->time);
        json_str(c->f, r->decision_id);
        fputs(",\"outcome\":", c->f);
        json_str(c->f, r->outcome);
        fputs(",\"rules_version\":", c->f);
        json_str(c->f, r->rules_version);
        fputs(",\"request\":", c->f);
        json_str(c->f, r->request);
        fputs(",\"decision\":", c->f);
        json_str(c->f, r->decision);
        fputs("},\"leaf_hash\":", c->f);
        json_hex(c->f, leaf, sizeof leaf);
        fputs(",\"following_leaf_hashes\":[", c->f);
    } else {
        if (r->seq > c->seq + 1)
            fputc(',', c->f);
        json_hex(c->f, leaf, sizeof leaf);
    }
    return 0;
}

int clr_audit_proof(clr_store *s, const char *decision_id, const unsigned char *pk, FILE *f)
{
    unsigned char stored[CLR_AUDIT_PK_BYTES];
    proof_ctx c;
    cps found = {0};
    char *mem = NULL;
    size_t memlen = 0;
    int rc;
    memset(&c, 0, sizeof c);
    if (sodium_init() < 0)
        return CLR_ENOMEM;
    if ((rc = s->ops->begin(s, 0)))
        return rc;
    if (!pk) {
        if ((rc = clr_audit_public_key(stored, s)))
            goto done;
        pk = stored;
    }
    int scheme;
    if ((rc = clr__audit_scheme_get(s, &scheme)))
        goto done;
    clr__audit_hasher_init(&c.hasher, scheme);
    if ((rc = s->ops->audit_find(s, decision_id, &c.seq)))
        goto done;
    rc = s->ops->checkpoint_scan(s, c.seq, first_cp, &found);
    if (rc < 0)
        goto done;
    rc = CLR_ENOTFOUND;
    if (found.n == 0) {
        clr__store_fail(s, "decision %s (record %lld) is not yet covered by a checkpoint",
                        decision_id, (long long)c.seq);
        goto done;
    }
    const cp *k = &found.v[0];
    if (c.seq > 1) {
        c.ok = 0;
        rc = s->ops->audit_scan(s, c.seq - 1, c.seq - 1, CLR_TIME_MIN, CLR_TIME_MAX, prev_hash, &c);
        if (rc < 0)
            goto done;
        rc = CLR_EINVAL;
        if (!c.ok) {
            clr__store_fail(s, "record %lld, before the decision's, is missing or malformed",
                            (long long)c.seq - 1);
            goto done;
        }
    }
    unsigned char start[CLR_AUDIT_HASH_BYTES];
    memcpy(start, c.chain, sizeof start);
    rc = CLR_ENOMEM;
    if (!(c.f = open_memstream(&mem, &memlen)))
        goto done;
    c.last = c.seq - 1;
    rc = s->ops->audit_scan(s, c.seq, k->seq, CLR_TIME_MIN, CLR_TIME_MAX, proof_row, &c);
    fclose(c.f);
    if (rc == CLR_EINVAL)
        clr__store_fail(s,
                        "a record between %lld and %lld is missing: the log is damaged (run "
                        "clearance audit verify)",
                        (long long)c.seq, (long long)k->seq);
    if (rc < 0)
        goto done;
    rc = CLR_EINVAL;
    if (c.last != k->seq || memcmp(c.chain, k->hash, CLR_AUDIT_HASH_BYTES) != 0 ||
        !cp_signed(k, pk)) {
        clr__store_fail(s,
                        "the chain from record %lld does not reach the signed checkpoint at "
                        "%lld: the log is damaged (run clearance audit verify)",
                        (long long)c.seq, (long long)k->seq);
        goto done;
    }
    fputs("{\"decision_id\":", f);
    json_str(f, (clr__bytes){decision_id, strlen(decision_id)});
    fputs(",\"previous_hash\":", f);
    json_hex(f, start, sizeof start);
    fputc(',', f);
    fwrite(mem, 1, memlen, f);
    fprintf(f, "],\"checkpoint\":{\"seq\":%lld,\"hash\":", (long long)k->seq);
    json_hex(f, k->hash, sizeof k->hash);
    fputs(",\"time\":", f);
    json_time(f, k->time);
    fprintf(f, ",\"time_unix\":%lld,\"signature\":", (long long)k->time);
    json_hex(f, k->sig, sizeof k->sig);
    fputs(",\"public_key\":", f);
    json_hex(f, pk, CLR_AUDIT_PK_BYTES);
    const char *hash = scheme == CLR_AUDIT_SCHEME_SHA256 ? "SHA-256" : "BLAKE2b-256";
    fprintf(f,
            "},\"scheme\":\"leaf=%s('clearance.record.v%d' NUL, record canonical bytes); "
            "chain=%s(previous chain || seq || leaf); the checkpoint signs "
            "'clearance.checkpoint.v1' NUL, seq, chain, time (big-endian) with Ed25519\","
            "\"record_scheme\":%d}\n",
            hash, scheme, hash, scheme);
    rc = fflush(f) ? CLR_EIO : 0;
done:
    s->ops->rollback(s);
    clr__audit_hasher_free(&c.hasher);
    free(found.v);
    free(mem);
    return rc;
}
