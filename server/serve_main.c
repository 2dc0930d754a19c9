/* clearance serve: the HTTP decision service. Loads the rulebooks, starts the
 * HTTP workers, then waits for signals: SIGHUP reloads the rulebooks from
 * disk, SIGTERM or SIGINT drains requests in flight and exits 0. */
#include "cli_meter.h"
#include "cli_util.h"
#include "commands.h"
#include "http_server.h"
#include "server.h"

#include <errno.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Reads the admin token from the file or $CLEARANCE_ADMIN_TOKEN and keeps
 * only its digest. Returns 0, or -1 after printing why. */
/* --demo: a store filled with demo data (clearance demo) when it is new, and
 * an admin token for the dashboard when none is configured. Returns 0 or -1
 * after printing why. */
static int setup_demo(srv_state *st, srv_config *cfg)
{
    if (!cfg->store && !(cfg->store = strdup("clearance-demo.db")))
        return -1;
    struct stat sb;
    if (stat(cfg->store, &sb) != 0) {
        char *argv[] = {"demo", "--store", cfg->store, NULL};
        fprintf(stderr, "clearance serve: --demo: filling %s with demo data\n", cfg->store);
        if (clr_cmd_demo(3, argv) != 0)
            return -1;
    }
    if (cfg->admin_token_file || getenv("CLEARANCE_ADMIN_TOKEN"))
        return 0;
    unsigned char raw[16];
    char token[2 * sizeof raw + 1];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(token, sizeof token, raw, sizeof raw);
    crypto_generichash(st->admin_digest, sizeof st->admin_digest, (unsigned char *)token,
                       strlen(token), NULL, 0);
    st->admin_enabled = 1;
    fprintf(stderr, "clearance serve: --demo: the admin token for this run is %s\n", token);
    sodium_memzero(token, sizeof token);
    return 0;
}

static int setup_admin(srv_state *st, const srv_config *cfg)
{
    char token[4096];
    size_t n = 0;
    if (cfg->admin_token_file) {
        FILE *f = fopen(cfg->admin_token_file, "r");
        if (!f) {
            fprintf(stderr, "clearance serve: cannot read %s: %s\n", cfg->admin_token_file,
                    strerror(errno));
            return -1;
        }
        n = fread(token, 1, sizeof token - 1, f);
        fclose(f);
    } else {
        const char *env = getenv("CLEARANCE_ADMIN_TOKEN");
        if (!env)
            return 0;
        n = strlen(env);
        if (n >= sizeof token)
            n = sizeof token - 1;
        memcpy(token, env, n);
    }
    while (n > 0 && (token[n - 1] == '\n' || token[n - 1] == '\r' || token[n - 1] == ' '))
        n--;
    token[n] = '\0';
    if (n < 16) {
        fprintf(stderr, "clearance serve: the admin token must be at least 16 characters\n");
        sodium_memzero(token, sizeof token);
        return -1;
    }
    crypto_generichash(st->admin_digest, sizeof st->admin_digest, (unsigned char *)token, n, NULL,
                       0);
    sodium_memzero(token, sizeof token);
    st->admin_enabled = 1;
    return 0;
}

static int write_port_file(const char *path, unsigned port)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -1;
    fprintf(f, "%u\n", port);
    if (fclose(f) || rename(tmp, path))
        return -1;
    return 0;
}

int clr_cmd_serve(int argc, char **argv)
{
    srv_config cfg;
    srv_state st;
    srv_http *http = NULL;
    cli_meter meter;
    sigset_t sigs, old_mask;
    int rc = CLR_EXIT_BADINPUT;

    /* first of all, before any library starts a thread: every thread inherits
     * this mask, so only this one takes the signals, in sigwait below */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &sigs, &old_mask);
    signal(SIGPIPE, SIG_IGN);

    memset(&st, 0, sizeof st);
    memset(&meter, 0, sizeof meter);
    srv_config_init(&cfg);
    pthread_mutex_init(&st.rules_lock, NULL);
    pthread_mutex_init(&st.history_lock, NULL);
    pthread_mutex_init(&st.store_lock, NULL);
    st.cfg = &cfg;
    int pr = srv_config_parse(&cfg, argc, argv, stderr);
    if (pr) {
        rc = pr > 0 ? CLR_EXIT_OK : CLR_EXIT_BADINPUT;
        goto done;
    }
    if (sodium_init() < 0) {
        fprintf(stderr, "clearance serve: libsodium failed to initialise\n");
        rc = CLR_EXIT_FAILED;
        goto done;
    }
    if (cfg.demo && setup_demo(&st, &cfg)) {
        rc = CLR_EXIT_FAILED;
        goto done;
    }
    if (!st.admin_enabled && setup_admin(&st, &cfg))
        goto done;
    if (srv_metrics_new(&st.metrics)) {
        rc = CLR_EXIT_FAILED;
        goto done;
    }
    if (cfg.store) {
        char aerr[512];
        if (clr_store_open(&st.store, cfg.store, NULL, aerr, sizeof aerr)) {
            fprintf(stderr, "clearance serve: --store %s: %s\n", cfg.store, aerr);
            rc = CLR_EXIT_BADINPUT;
            goto done;
        }
    }
    int lr = srv_rules_init(&st);
    if (lr) {
        fprintf(stderr, "clearance serve: cannot load the rulebooks: %s\n", clr_strerror(lr));
        rc = lr == CLR_ERULEBOOK ? CLR_EXIT_BADRULES : CLR_EXIT_BADINPUT;
        goto done;
    }
    if (srv_lists_init(&st))
        goto done;
    if (srv_registry_init(&st)) {
        fprintf(stderr, "clearance serve: --store %s: the registry cannot be loaded\n", cfg.store);
        rc = CLR_EXIT_BADINPUT;
        goto done;
    }
    if (cfg.store && !cfg.audit_off) {
        clr_audit_options ao = CLR_AUDIT_OPTIONS_INIT;
        char aerr[512];
        ao.mode = cfg.audit_sync ? CLR_AUDIT_SYNC : CLR_AUDIT_ASYNC;
        ao.key_path = getenv("CLEARANCE_AUDIT_KEY");
        if (ao.key_path && !*ao.key_path)
            ao.key_path = NULL;
        if (clr_store_open(&st.audit_store, cfg.store, NULL, aerr, sizeof aerr) ||
            clr_audit_open(&st.audit, st.audit_store, cfg.store, &ao, aerr, sizeof aerr)) {
            fprintf(stderr, "clearance serve: --store %s: %s\n", cfg.store, aerr);
            rc = CLR_EXIT_BADINPUT;
            goto done;
        }
    }
    if (cfg.store) {
        /* the store's licences (--licences FILE imported into it) and usage */
        if (cli_meter_open(&meter, cfg.store, cfg.licences, "clearance serve"))
            goto done;
        st.licences = meter.licences;
        st.usage = meter.usage;
    } else if (cfg.licences) {
        size_t len = 0;
        char *text = cli_read_all(cfg.licences, &len), err[512];
        int lrc = text ? clr_licences_parse(&st.licences, text, len, cfg.licences, err, sizeof err)
                       : CLR_EIO;
        free(text);
        if (lrc) {
            if (lrc != CLR_EIO) /* cli_read_all has said why it could not read */
                fprintf(stderr, "clearance serve: %s\n", lrc == CLR_EINVAL ? err : "out of memory");
            rc = CLR_EXIT_BADINPUT;
            goto done;
        }
    }

    st.redflags = (clr_redflags_options)CLR_REDFLAGS_OPTIONS_INIT;
    if (cfg.geoip) {
        char gerr[512];
        int grc = clr_geoip_open(&st.geoip, cfg.geoip, gerr, sizeof gerr);
        if (grc) {
            fprintf(stderr, "clearance serve: --geoip %s\n",
                    grc == CLR_ENOMEM ? "out of memory" : gerr);
            rc = CLR_EXIT_BADINPUT;
            goto done;
        }
        st.redflags.geoip = st.geoip;
    }
    if (cfg.spike_factor > 0) {
        if (!st.usage) {
            fprintf(stderr, "clearance serve: --usage-spike reads the usage metered in the "
                            "store: add --store\n");
            rc = CLR_EXIT_BADINPUT;
            goto done;
        }
        st.redflags.usage = clr_usage_as_source(st.usage);
        st.redflags.spike_factor = cfg.spike_factor;
        st.redflags.spike_minimum = cfg.spike_minimum;
    }

    if (srv_http_start(&http, &st)) {
        rc = CLR_EXIT_FAILED;
        goto done;
    }
    clr_ruleset *rs = clr_engine_acquire(st.engine);
    if (rs && !st.lists && clr_ruleset_uses_screening(rs))
        fprintf(stderr, "clearance serve: the rules screen names but no lists are loaded: "
                        "such decisions are deny (screening-unavailable)\n");
    fprintf(stderr,
            "clearance serve: listening on http://%s%s%s:%u (%zu rulebooks, %zu rules, %s)\n",
            strchr(cfg.host, ':') ? "[" : "", cfg.host, strchr(cfg.host, ':') ? "]" : "",
            srv_http_port(http), rs ? clr_ruleset_rulebook_count(rs) : 0,
            rs ? clr_ruleset_rule_count(rs) : 0, rs ? clr_ruleset_version(rs) : "no rules");
    clr_ruleset_unref(rs);
    if (cfg.port_file && write_port_file(cfg.port_file, srv_http_port(http))) {
        fprintf(stderr, "clearance serve: cannot write %s\n", cfg.port_file);
        rc = CLR_EXIT_FAILED;
        goto done;
    }
    for (unsigned tick = 0;; tick++) {
        int sig;
        if (meter.licences) {
            /* what other nodes sharing the store changed: rules, lists and the
               registry are looked for four times a second, so that a change
               reaches every node within a second; licences once a second */
            struct timespec quarter = {0, 250 * 1000 * 1000};
            if ((sig = sigtimedwait(&sigs, NULL, &quarter)) < 0) {
                if (tick % 4 == 0)
                    clr_licences_sync(meter.licences, clr_time_now());
                srv_rules_sync(&st);
                srv_registry_sync(&st);
                srv_lists_sync(&st);
                continue;
            }
        } else if (sigwait(&sigs, &sig)) {
            continue;
        }
        if (sig == SIGHUP) {
            srv_rules_reload(&st);
            continue;
        }
        fprintf(stderr, "clearance serve: %s: draining\n", sig == SIGTERM ? "SIGTERM" : "SIGINT");
        break;
    }
    rc = CLR_EXIT_OK;
done:
    srv_http_drain_and_stop(http, cfg.drain_timeout);
    if (http)
        fprintf(stderr, "clearance serve: stopped\n");
    srv_workers_free();
    srv_registry_free(&st);
    srv_lists_free(&st);
    if (meter.licences) {
        /* the unused leases go back to the store; pending usage is written */
        if (cli_meter_close(&meter, "clearance serve") && rc == CLR_EXIT_OK)
            rc = CLR_EXIT_FAILED;
    } else {
        clr_licences_free(st.licences);
    }
    if (st.audit && clr_audit_close(st.audit) != 0)
        fprintf(stderr, "clearance serve: the audit log could not be closed cleanly\n");
    clr_store_close(st.audit_store);
    srv_rules_history_free(&st);
    clr_store_close(st.store);
    clr_geoip_close(st.geoip);
    pthread_mutex_destroy(&st.store_lock);
    clr_engine_free(st.engine);
    srv_metrics_free(st.metrics);
    pthread_mutex_destroy(&st.rules_lock);
    pthread_mutex_destroy(&st.history_lock);
    srv_config_free(&cfg);
    pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
    return rc;
}
