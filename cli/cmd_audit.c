/* clearance audit: verify the audit log, prove a decision is in it, export it,
 * print its public key. Exit 0 ok, 1 verification failed, 2 bad input. */
#include "clearance_store.h"
#include "cli_audit.h"
#include "cli_util.h"
#include "commands.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct cli_audit {
    clr_store *store;
    clr_audit *audit;
    int failed;
};

static const char *default_db(void)
{
    const char *env = getenv("CLEARANCE_DB");
    return env && *env ? env : "clearance.db";
}

int cli_audit_open(cli_audit **out, const char *db_path)
{
    clr_audit_options o = CLR_AUDIT_OPTIONS_INIT;
    char err[512];
    cli_audit *a = calloc(1, sizeof *a);
    *out = NULL;
    if (!a) {
        fprintf(stderr, "clearance: out of memory\n");
        return CLR_EXIT_BADINPUT;
    }
    o.mode = CLR_AUDIT_ASYNC; /* one commit per batch; close waits for them all */
    o.key_path = getenv("CLEARANCE_AUDIT_KEY");
    if (o.key_path && !*o.key_path)
        o.key_path = NULL;
    if (clr_store_open(&a->store, db_path, NULL, err, sizeof err) ||
        clr_audit_open(&a->audit, a->store, db_path, &o, err, sizeof err)) {
        fprintf(stderr, "clearance: --audit %s: %s\n", db_path, err);
        clr_store_close(a->store);
        free(a);
        return CLR_EXIT_BADINPUT;
    }
    *out = a;
    return 0;
}

int cli_audit_append(cli_audit *a, const clr_request *req, const clr_decision *d)
{
    int rc = clr_audit_append(a->audit, req, d);
    if (rc) {
        fprintf(stderr, "clearance: decision %s was not logged: %s\n", d->decision_id,
                clr_strerror(rc));
        a->failed = 1;
    }
    return rc;
}

int cli_audit_close(cli_audit *a)
{
    if (!a)
        return 0;
    int rc = clr_audit_close(a->audit);
    if (rc)
        fprintf(stderr, "clearance: the audit log failed: %s\n", clr_store_errmsg(a->store));
    clr_store_close(a->store);
    int failed = rc || a->failed;
    free(a);
    return failed ? CLR_EXIT_FAILED : 0;
}

/* ------------------------------------------------------------------------- */

static void usage(FILE *f)
{
    fprintf(f, "usage: clearance audit verify [--db PATH] [--key PUB]\n"
               "       clearance audit proof  [--db PATH] [--key PUB] DECISION_ID\n"
               "       clearance audit export [--db PATH] [--from TIME] [--until TIME]\n"
               "       clearance audit pubkey [--db PATH]\n"
               "  verify  recomputes the hash chain and checks every signed checkpoint; names the\n"
               "          first changed, deleted, inserted or reordered record\n"
               "  proof   shows that a decision is covered by a signed checkpoint (JSON)\n"
               "  export  writes the records as JSON Lines, those with from <= time < until\n"
               "  pubkey  prints the public key that verifies the checkpoints (hex)\n"
               "  --db PATH   the store (default: $CLEARANCE_DB, or clearance.db): a SQLite\n"
               "              file or a postgresql:// URL; --store is the same\n"
               "  --key PUB   a public key file (64 hex digits) held apart from the store;\n"
               "              default: the key recorded in the store\n"
               "  Exit codes: 0 ok, 1 verification failed, 2 bad input.\n");
}

/* Opens db read-only; prints why and returns non-zero when it cannot. */
static int open_ro(clr_store **s, const char *db)
{
    clr_store_options o = CLR_STORE_OPTIONS_INIT;
    char err[512];
    o.read_only = 1;
    if (!strstr(db, "://") && access(db, R_OK) != 0) {
        fprintf(stderr, "clearance: cannot open the store %s\n", db);
        return CLR_EXIT_BADINPUT;
    }
    if (clr_store_open(s, db, &o, err, sizeof err)) {
        fprintf(stderr, "clearance: %s\n", err);
        return CLR_EXIT_BADINPUT;
    }
    return 0;
}

static int verify(clr_store *s, const unsigned char *pk)
{
    clr_audit_report r;
    int rc = clr_audit_verify(&r, s, pk);
    if (rc == CLR_ENOTFOUND) {
        fprintf(stderr, "clearance: no public key: pass --key\n");
        return CLR_EXIT_BADINPUT;
    }
    if (rc) {
        fprintf(stderr, "clearance: cannot verify: %s\n", clr_store_errmsg(s));
        return CLR_EXIT_BADINPUT;
    }
    if (!r.ok) {
        printf("FAILED at record %lld", (long long)r.bad_seq);
        if (r.bad_decision_id[0])
            printf(" (decision %s)", r.bad_decision_id);
        printf(": %s\n", r.problem);
        printf("checked %llu records and %llu checkpoints before it\n",
               (unsigned long long)r.records, (unsigned long long)r.checkpoints);
        return CLR_EXIT_FAILED;
    }
    printf("ok: %llu records, %llu signed checkpoints", (unsigned long long)r.records,
           (unsigned long long)r.checkpoints);
    if (r.checkpoints)
        printf(" (the last covers record %lld)", (long long)r.last_checkpoint);
    printf("; %llu records not yet covered by a checkpoint; hashed with %s (record scheme %d)%s\n",
           (unsigned long long)r.unsigned_records,
           r.record_scheme == CLR_AUDIT_SCHEME_SHA256 ? "SHA-256" : "BLAKE2b-256", r.record_scheme,
           pk ? ""
              : "\nnote: checked with the key recorded in the store; pass --key for a check "
                "independent of it");
    return CLR_EXIT_OK;
}

static int proof(clr_store *s, const unsigned char *pk, const char *id)
{
    int rc = clr_audit_proof(s, id, pk, stdout);
    if (rc == 0)
        return CLR_EXIT_OK;
    if (rc == CLR_ENOTFOUND && !clr_store_errmsg(s)[0]) {
        fprintf(stderr, "clearance: decision %s is not in the audit log\n", id);
        return CLR_EXIT_BADINPUT;
    }
    fprintf(stderr, "clearance: %s\n",
            clr_store_errmsg(s)[0] ? clr_store_errmsg(s) : clr_strerror(rc));
    return rc == CLR_ESTORE ? CLR_EXIT_BADINPUT : CLR_EXIT_FAILED;
}

int clr_cmd_audit(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"store", required_argument, NULL, 'd'},
                                         {"key", required_argument, NULL, 'k'},
                                         {"from", required_argument, NULL, 'f'},
                                         {"until", required_argument, NULL, 'u'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *db = default_db(), *keyfile = NULL, *what;
    clr_time from = CLR_TIME_MIN, until = CLR_TIME_MAX;
    unsigned char pk[CLR_AUDIT_PK_BYTES];
    clr_store *s = NULL;
    int rc = CLR_EXIT_BADINPUT, opt;
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLR_EXIT_BADINPUT : CLR_EXIT_OK;
    }
    what = argv[1];
    optind = 1;
    argc--;
    argv++;
    while ((opt = getopt_long(argc, argv, "d:k:f:u:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'd': db = optarg; break;
        case 'k': keyfile = optarg; break;
        case 'f':
            if (cli_parse_time(&from, "--from", optarg))
                return CLR_EXIT_BADINPUT;
            break;
        case 'u':
            if (cli_parse_time(&until, "--until", optarg))
                return CLR_EXIT_BADINPUT;
            break;
        case 'h': usage(stdout); return CLR_EXIT_OK;
        default: usage(stderr); return CLR_EXIT_BADINPUT;
        }
    }
    int nargs = strcmp(what, "proof") == 0 ? 1 : 0;
    if (argc - optind != nargs || (strcmp(what, "verify") && strcmp(what, "proof") &&
                                   strcmp(what, "export") && strcmp(what, "pubkey"))) {
        usage(stderr);
        return CLR_EXIT_BADINPUT;
    }
    if (keyfile && clr_audit_public_key_read(pk, keyfile)) {
        fprintf(stderr, "clearance: --key %s is not a readable file of 64 hex digits\n", keyfile);
        return CLR_EXIT_BADINPUT;
    }
    if ((rc = open_ro(&s, db)))
        return rc;
    if (strcmp(what, "verify") == 0) {
        rc = verify(s, keyfile ? pk : NULL);
    } else if (strcmp(what, "proof") == 0) {
        rc = proof(s, keyfile ? pk : NULL, argv[optind]);
    } else if (strcmp(what, "export") == 0) {
        if (clr_audit_export(s, from, until, stdout)) {
            fprintf(stderr, "clearance: cannot export: %s\n", clr_store_errmsg(s));
            rc = CLR_EXIT_BADINPUT;
        }
    } else {
        char hex[2 * CLR_AUDIT_PK_BYTES + 1];
        if (clr_audit_public_key(pk, s)) {
            fprintf(stderr, "clearance: the store %s records no public key\n", db);
            rc = CLR_EXIT_BADINPUT;
        } else {
            for (int i = 0; i < CLR_AUDIT_PK_BYTES; i++)
                snprintf(hex + 2 * i, 3, "%02x", pk[i]);
            printf("%s\n", hex);
        }
    }
    clr_store_close(s);
    return rc;
}
