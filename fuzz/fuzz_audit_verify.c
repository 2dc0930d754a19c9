/* libFuzzer target: the audit verifier, proofs and export over hostile rows.
 *
 * The first byte sets how many genuine records (and a signed checkpoint every
 * four) an in-memory store starts with. The rest is a program of edits made
 * directly with SQL: set a column of a record or checkpoint to arbitrary
 * bytes, an integer, or NULL; delete, renumber or insert rows. Then the
 * verifier runs (with the right key, and with the key in the store), a proof
 * is asked for each decision id, and the log is exported. None may crash or
 * leak, and an untouched log must verify. */
#include "clearance.h"
#include "clearance_store.h"
#include "store.h"

#include <sodium.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    unsigned char seed[crypto_sign_SEEDBYTES] = {1, 2, 3};
    if (sodium_init() < 0)
        return 1;
    crypto_sign_seed_keypair(pk, sk, seed);
    return 0;
}

typedef struct input {
    const uint8_t *p;
    size_t n;
} input;

static unsigned byte(input *in)
{
    if (!in->n)
        return 0;
    in->n--;
    return *in->p++;
}

/* Writes n genuine records, hashed under scheme, and their checkpoints through
 * the store interface. */
static void genuine(clr_store *s, int n, int scheme)
{
    unsigned char chain[CLR_AUDIT_HASH_BYTES] = {0};
    clr__audit_hasher hs;
    clr__audit_hasher_init(&hs, scheme);
    s->ops->begin(s, 1);
    for (int i = 1; i <= n; i++) {
        char id[40], req[80];
        snprintf(id, sizeof id, "0190a0b0-0000-7000-8000-%012d", i);
        snprintf(req, sizeof req, "{\"model\":\"m%d\",\"principal\":{\"id\":\"u\"}}", i);
        clr__audit_row r = {.seq = i,
                            .decision_id = {id, strlen(id)},
                            .time = 1781222400 + i,
                            .outcome = {"deny", 4},
                            .rules_version = {"v1", 2},
                            .request = {req, strlen(req)},
                            .decision = {"{\"decision\":\"deny\"}", 19}};
        unsigned char leaf[CLR_AUDIT_HASH_BYTES];
        clr__audit_leaf(&hs, leaf, &r);
        clr__audit_link(&hs, chain, chain, i, leaf);
        r.hash = (clr__bytes){(const char *)chain, sizeof chain};
        s->ops->audit_insert(s, &r);
        if (i % 4 == 0 || i == n) {
            unsigned char msg[CLR__CHECKPOINT_MSG], sig[crypto_sign_BYTES];
            clr__checkpoint_message(msg, i, chain, 1781222400 + i);
            crypto_sign_detached(sig, NULL, msg, sizeof msg, sk);
            clr__checkpoint_row c = {.seq = i,
                                     .hash = {(const char *)chain, sizeof chain},
                                     .time = 1781222400 + i,
                                     .signature = {(const char *)sig, sizeof sig}};
            s->ops->checkpoint_insert(s, &c);
        }
    }
    char hex[2 * CLR_AUDIT_PK_BYTES + 1];
    clr__hex(hex, pk, sizeof pk);
    s->ops->meta_set(s, "audit_public_key", hex);
    s->ops->meta_set(s, "audit_scheme", scheme == CLR_AUDIT_SCHEME_SHA256 ? "2" : "1");
    s->ops->commit(s);
    clr__audit_hasher_free(&hs);
}

static const char *const record_cols[] = {"seq",           "decision_id", "time",     "outcome",
                                          "rules_version", "request",     "decision", "hash"};
static const char *const cp_cols[] = {"seq", "hash", "time", "signature"};

/* One edit; returns 0 when the input is used up. */
static int edit(sqlite3 *db, input *in)
{
    char sql[200];
    sqlite3_stmt *st = NULL;
    if (!in->n)
        return 0;
    unsigned op = byte(in) % 6, row = byte(in) % 24;
    int cp = op >= 3;
    const char *table = cp ? "audit_checkpoint" : "audit_log";
    switch (op % 3) {
    case 0: { /* set a column: bytes (as text or blob), an integer, or NULL */
        unsigned col = byte(in), kind = byte(in) % 4, len = byte(in) % 64;
        const char *name = cp ? cp_cols[col % 4] : record_cols[col % 8];
        snprintf(sql, sizeof sql, "UPDATE %s SET %s = ? WHERE seq = ?", table, name);
        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
            return 1;
        if (len > in->n)
            len = (unsigned)in->n;
        if (kind == 0)
            sqlite3_bind_blob(st, 1, in->p, (int)len, SQLITE_TRANSIENT);
        else if (kind == 1)
            sqlite3_bind_text(st, 1, (const char *)in->p, (int)len, SQLITE_TRANSIENT);
        else if (kind == 2)
            sqlite3_bind_int64(st, 1, (int64_t)(int8_t)len);
        else
            sqlite3_bind_null(st, 1);
        in->p += len;
        in->n -= len;
        break;
    }
    case 1: /* delete */
        snprintf(sql, sizeof sql, "DELETE FROM %s WHERE seq = ?", table);
        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
            return 1;
        break;
    default: /* renumber (to a free number, perhaps 0 or negative) */
        snprintf(sql, sizeof sql, "UPDATE %s SET seq = %d WHERE seq = ?", table,
                 (int)(int8_t)byte(in));
        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
            return 1;
        break;
    }
    sqlite3_bind_int64(st, op % 3 == 0 ? 2 : 1, row);
    sqlite3_step(st); /* constraint failures are fine: the edit did not happen */
    sqlite3_finalize(st);
    /* now and then, copy a row to a free number */
    if (in->n && byte(in) % 4 == 0) {
        snprintf(sql, sizeof sql,
                 cp ? "INSERT OR IGNORE INTO audit_checkpoint SELECT seq + %d, hash, time, "
                      "signature FROM audit_checkpoint WHERE seq = %u"
                    : "INSERT OR IGNORE INTO audit_log SELECT seq + %d, decision_id, time, "
                      "outcome, rules_version, request, decision, hash FROM audit_log "
                      "WHERE seq = %u",
                 (int)(int8_t)byte(in), row);
        sqlite3_exec(db, sql, NULL, NULL, NULL);
    }
    return 1;
}

static int collect_id(void *arg, const clr__audit_row *r)
{
    FILE *devnull = arg;
    char id[80];
    size_t n = r->decision_id.n < sizeof id - 1 ? r->decision_id.n : sizeof id - 1;
    if (r->decision_id.p)
        memcpy(id, r->decision_id.p, n);
    id[r->decision_id.p ? n : 0] = '\0';
    return 0 * fprintf(devnull, "%s", id);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    input in = {data, size};
    clr_store *s = NULL;
    if (clr_store_open(&s, ":memory:", NULL, NULL, 0) != 0)
        return 0;
    unsigned first = byte(&in);
    int n = (int)(first % 20);
    genuine(s, n, (first / 20) % 2 ? CLR_AUDIT_SCHEME_SHA256 : CLR_AUDIT_SCHEME_BLAKE2B);
    sqlite3 *db = clr__store_sqlite_db(s);
    int edits = 0;
    while (edit(db, &in))
        edits++;
    clr_audit_report r;
    if (clr_audit_verify(&r, s, pk) == 0 && edits == 0 && !r.ok)
        __builtin_trap(); /* an untouched log must verify */
    clr_audit_verify(&r, s, NULL);
    FILE *devnull = fopen("/dev/null", "w");
    if (devnull) {
        for (int i = 1; i <= n; i++) {
            char id[40];
            snprintf(id, sizeof id, "0190a0b0-0000-7000-8000-%012d", i);
            clr_audit_proof(s, id, NULL, devnull);
        }
        clr_audit_export(s, CLR_TIME_MIN, CLR_TIME_MAX, devnull);
        s->ops->audit_scan(s, INT64_MIN, -1, CLR_TIME_MIN, CLR_TIME_MAX, collect_id, devnull);
        fclose(devnull);
    }
    clr_store_close(s);
    return 0;
}
