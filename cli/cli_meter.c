/* Licences and usage metering over a store for the CLI and the server. */
#include "cli_meter.h"
#include "cli_util.h"
#include "commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct import_ctx {
    clr_store *s;
    const char *path, *who;
    int bad;
} import_ctx;

static int import_line(void *arg, char *text, size_t len, size_t line)
{
    import_ctx *c = arg;
    char err[512];
    int rc = clr_licence_store_add(c->s, text, len, clr_time_now(), NULL, err, sizeof err);
    if (rc && rc != CLR_EEXIST) {
        fprintf(stderr, "%s: %s:%zu: %s\n", c->who, c->path, line,
                rc == CLR_ENOMEM ? "out of memory" : err);
        c->bad = 1;
        return 1;
    }
    return 0;
}

int cli_meter_open(cli_meter *m, const char *db, const char *licences_path, const char *who)
{
    char err[512];
    memset(m, 0, sizeof *m);
    if (clr_store_open(&m->licence_store, db, NULL, err, sizeof err) ||
        clr_store_open(&m->usage_store, db, NULL, err, sizeof err)) {
        fprintf(stderr, "%s: --store %s: %s\n", who, db, err);
        goto fail;
    }
    if (licences_path) {
        size_t len = 0;
        char *text = cli_read_all(licences_path, &len);
        import_ctx c = {m->licence_store, licences_path, who, 0};
        if (!text)
            goto fail;
        cli_each_line(text, len, import_line, &c);
        free(text);
        if (c.bad)
            goto fail;
    }
    int rc =
        clr_licences_open(&m->licences, m->licence_store, NULL, clr_time_now(), err, sizeof err);
    if (!rc)
        rc = clr_usage_open(&m->usage, m->usage_store, NULL, clr_time_now(), err, sizeof err);
    if (rc) {
        fprintf(stderr, "%s: --store %s: %s\n", who, db, err[0] ? err : clr_strerror(rc));
        goto fail;
    }
    return 0;
fail:
    cli_meter_close(m, who);
    return CLR_EXIT_BADINPUT;
}

int cli_meter_close(cli_meter *m, const char *who)
{
    int rc = 0;
    clr_licences_free(m->licences);
    if (m->usage && clr_usage_close(m->usage)) {
        fprintf(stderr, "%s: usage could not be written: %s\n", who,
                clr_store_errmsg(m->usage_store));
        rc = CLR_EXIT_FAILED;
    }
    clr_store_close(m->licence_store);
    clr_store_close(m->usage_store);
    memset(m, 0, sizeof *m);
    return rc;
}
