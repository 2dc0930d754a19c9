/* clearance serve's settings: flags and config file. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

void srv_config_init(srv_config *c)
{
    memset(c, 0, sizeof *c);
    strcpy(c->host, "127.0.0.1");
    c->port = 8181;
    c->max_body = 1024 * 1024;
    c->idle_timeout = 30;
    c->request_timeout = 10;
    c->drain_timeout = 10;
    c->spike_minimum = 100000;
}

static void clear_paths(char **v, size_t *n)
{
    for (size_t i = 0; i < *n; i++)
        free(v[i]);
    *n = 0;
}

void srv_config_free(srv_config *c)
{
    clear_paths(c->rules, &c->nrules);
    clear_paths(c->lists, &c->nlists);
    free(c->admin_token_file);
    free(c->licences);
    c->licences = NULL;
    free(c->store);
    c->store = NULL;
    free(c->port_file);
    c->admin_token_file = c->port_file = NULL;
    free(c->geoip);
    c->geoip = NULL;
}

void srv_config_usage(FILE *f)
{
    fprintf(
        f,
        "usage: clearance serve [options]\n"
        "  Serves decisions over HTTP (docs/http-api.md).\n"
        "  --listen HOST:PORT       address to listen on (127.0.0.1:8181; [::1]:PORT for "
        "IPv6; port 0 picks one)\n"
        "  --rules PATH             rulebook file or directory, repeatable (default: the "
        "built-in rulebooks)\n"
        "  --lists PATH             restricted-party list file or directory for /v1/screen, "
        "repeatable\n"
        "                           (default: the lists shipped with clearance, if any)\n"
        "  --threads N              worker threads (default: one per core)\n"
        "  --store DB               the store (SQLite file): registry, licences, usage and the\n"
        "                           audit log, to which every decision is appended\n"
        "  --audit DB               the same as --store DB\n"
        "  --demo                   demo data for the dashboard (/ui): a store (default\n"
        "                           clearance-demo.db) filled by 'clearance demo' when new, and\n"
        "                           an admin token printed when none is configured\n"
        "  --audit-mode MODE        async (default: a bounded queue; callers wait when it is\n"
        "                           full), sync (answer once the record is durable) or off\n"
        "  --licences FILE          licences (JSON Lines) that lift the license_required they\n"
        "                           cover, drawn down in memory as requests are decided\n"
        "  --geoip FILE             red flags from a MaxMind DB country database: a source IP\n"
        "                           in another country than the destination is review, one\n"
        "                           in E:1 or E:2 deny (docs/redflags.md)\n"
        "  --usage-spike FACTOR     with --store: review an organisation whose units today\n"
        "                           exceed FACTOR (e.g. 5) times its 30-day daily average\n"
        "  --spike-minimum UNITS    units today below which there is no spike (100000)\n"
        "  --admin-token-file PATH  bearer token for PUT /v1/rules (else "
        "$CLEARANCE_ADMIN_TOKEN; none: admin refused)\n"
        "  --max-body BYTES         request body limit, suffixes k and m allowed (1m)\n"
        "  --idle-timeout SECONDS   close connections silent this long (30)\n"
        "  --request-timeout SECONDS  refuse request bodies taking longer (10)\n"
        "  --drain-timeout SECONDS  on SIGTERM, wait this long for requests in flight (10)\n"
        "  --max-connections N      connections served at once (default: the library's)\n"
        "  --port-file PATH         write the bound port to PATH once listening\n"
        "  --config FILE            read these settings from FILE, one 'key = value' a line\n"
        "  Signals: SIGHUP reloads the rulebooks from disk; SIGTERM and SIGINT drain and "
        "exit.\n");
}

static int parse_uint(const char *s, unsigned long long max, unsigned long long *out, int sizes)
{
    char *end;
    errno = 0;
    if (!*s || !isdigit((unsigned char)*s))
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno)
        return -1;
    if (sizes && (*end == 'k' || *end == 'K')) {
        v *= 1024;
        end++;
    } else if (sizes && (*end == 'm' || *end == 'M')) {
        v *= 1024 * 1024;
        end++;
    }
    if (*end || v > max)
        return -1;
    *out = v;
    return 0;
}

static int parse_listen(srv_config *c, const char *s)
{
    const char *colon;
    size_t hlen;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':')
            return -1;
        colon = close + 1;
        s++;
        hlen = (size_t)(close - s);
    } else {
        colon = strrchr(s, ':');
        if (!colon)
            return -1;
        hlen = (size_t)(colon - s);
    }
    unsigned long long port;
    if (hlen == 0 || hlen >= sizeof c->host || parse_uint(colon + 1, 65535, &port, 0))
        return -1;
    memcpy(c->host, s, hlen);
    c->host[hlen] = '\0';
    c->port = (unsigned)port;
    return 0;
}

enum {
    O_LISTEN = 256,
    O_RULES,
    O_LISTS,
    O_THREADS,
    O_TOKEN,
    O_MAXBODY,
    O_IDLE,
    O_REQUEST,
    O_DRAIN,
    O_MAXCONN,
    O_PORTFILE,
    O_CONFIG,
    O_LICENCES,
    O_AUDIT,
    O_AUDIT_MODE,
    O_GEOIP,
    O_SPIKE,
    O_SPIKE_MIN,
    O_DEMO,
    O_HELP
};

static const struct option long_opts[] = {{"listen", required_argument, NULL, O_LISTEN},
                                          {"rules", required_argument, NULL, O_RULES},
                                          {"lists", required_argument, NULL, O_LISTS},
                                          {"threads", required_argument, NULL, O_THREADS},
                                          {"admin-token-file", required_argument, NULL, O_TOKEN},
                                          {"max-body", required_argument, NULL, O_MAXBODY},
                                          {"idle-timeout", required_argument, NULL, O_IDLE},
                                          {"request-timeout", required_argument, NULL, O_REQUEST},
                                          {"drain-timeout", required_argument, NULL, O_DRAIN},
                                          {"max-connections", required_argument, NULL, O_MAXCONN},
                                          {"port-file", required_argument, NULL, O_PORTFILE},
                                          {"config", required_argument, NULL, O_CONFIG},
                                          {"licences", required_argument, NULL, O_LICENCES},
                                          {"audit", required_argument, NULL, O_AUDIT},
                                          {"store", required_argument, NULL, O_AUDIT},
                                          {"audit-mode", required_argument, NULL, O_AUDIT_MODE},
                                          {"geoip", required_argument, NULL, O_GEOIP},
                                          {"usage-spike", required_argument, NULL, O_SPIKE},
                                          {"spike-minimum", required_argument, NULL, O_SPIKE_MIN},
                                          {"demo", no_argument, NULL, O_DEMO},
                                          {"help", no_argument, NULL, O_HELP},
                                          {NULL, 0, NULL, 0}};

static int push_path(char **v, size_t *n, const char *p)
{
    if (*n >= SRV_MAX_PATHS)
        return -1;
    if (!(v[*n] = strdup(p)))
        return -1;
    (*n)++;
    return 0;
}

static int set_string(char **dst, const char *s)
{
    free(*dst);
    return (*dst = strdup(s)) ? 0 : -1;
}

/* Applies one setting; returns 0 or -1 after printing why to err. */
static int apply(srv_config *c, int opt, const char *name, const char *val, FILE *err)
{
    unsigned long long v;
    int bad = 0;
    switch (opt) {
    case O_LISTEN: bad = parse_listen(c, val); break;
    case O_RULES: bad = push_path(c->rules, &c->nrules, val); break;
    case O_LISTS: bad = push_path(c->lists, &c->nlists, val); break;
    case O_THREADS:
        if (!(bad = parse_uint(val, 256, &v, 0)))
            c->threads = (unsigned)v;
        break;
    case O_TOKEN: bad = set_string(&c->admin_token_file, val); break;
    case O_DEMO: c->demo = !val || strcmp(val, "true") == 0 || strcmp(val, "1") == 0; break;
    case O_LICENCES: bad = set_string(&c->licences, val); break;
    case O_AUDIT: bad = set_string(&c->store, val); break;
    case O_AUDIT_MODE:
        bad = strcmp(val, "sync") != 0 && strcmp(val, "async") != 0 && strcmp(val, "off") != 0;
        c->audit_sync = strcmp(val, "sync") == 0;
        c->audit_off = strcmp(val, "off") == 0;
        break;
    case O_MAXBODY:
        if (!(bad = parse_uint(val, 1ull << 30, &v, 1)) && !(bad = v == 0))
            c->max_body = (size_t)v;
        break;
    case O_IDLE:
    case O_REQUEST:
    case O_DRAIN:
        if (!(bad = parse_uint(val, 86400, &v, 0)) && !(bad = v == 0 && opt != O_DRAIN))
            *(opt == O_IDLE      ? &c->idle_timeout
              : opt == O_REQUEST ? &c->request_timeout
                                 : &c->drain_timeout) = (unsigned)v;
        break;
    case O_MAXCONN:
        if (!(bad = parse_uint(val, 1000000, &v, 0)))
            c->max_connections = (unsigned)v;
        break;
    case O_PORTFILE: bad = set_string(&c->port_file, val); break;
    case O_GEOIP: bad = set_string(&c->geoip, val); break;
    case O_SPIKE: {
        char *end;
        errno = 0;
        double f = strtod(val, &end);
        if (!(bad = errno || end == val || *end || !(f > 1 && f < 1e9)))
            c->spike_factor = f;
        break;
    }
    case O_SPIKE_MIN:
        if (!(bad = parse_uint(val, 1ull << 62, &v, 0)))
            c->spike_minimum = (long long)v;
        break;
    default: bad = 1;
    }
    if (bad)
        fprintf(err, "clearance serve: bad value for %s: '%s'\n", name, val ? val : "");
    return bad ? -1 : 0;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

static int load_file(srv_config *c, const char *path, FILE *err)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(err, "clearance serve: cannot read %s: %s\n", path, strerror(errno));
        return -1;
    }
    char line[4096];
    int lineno = 0, rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *s = trim(line);
        if (!*s)
            continue;
        char *eq = strchr(s, '=');
        char *key = s, *val = NULL;
        if (eq) {
            *eq = '\0';
            key = trim(s);
            val = trim(eq + 1);
        }
        int opt = 0;
        for (const struct option *o = long_opts; o->name; o++)
            if (strcmp(o->name, key) == 0 && o->val != O_CONFIG && o->val != O_HELP)
                opt = o->val;
        if (!opt || !val) {
            fprintf(err, "clearance serve: %s:%d: unknown setting '%s'\n", path, lineno, key);
            rc = -1;
        } else if (apply(c, opt, key, val, err)) {
            fprintf(err, "clearance serve: in %s:%d\n", path, lineno);
            rc = -1;
        }
    }
    fclose(f);
    return rc;
}

int srv_config_parse(srv_config *c, int argc, char **argv, FILE *err)
{
    int opt, seen_rules = 0, seen_lists = 0;
    /* first pass: the config file, so that flags override it */
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "", long_opts, NULL)) != -1)
        if (opt == O_CONFIG && load_file(c, optarg, err))
            return -1;
    optind = 1;
    opterr = 1;
    while ((opt = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
        if (opt == O_HELP) {
            srv_config_usage(stdout);
            return 1;
        }
        if (opt == O_CONFIG)
            continue;
        if (opt == '?') {
            srv_config_usage(err);
            return -1;
        }
        if (opt == O_RULES && !seen_rules++)
            clear_paths(c->rules, &c->nrules);
        if (opt == O_LISTS && !seen_lists++)
            clear_paths(c->lists, &c->nlists);
        const char *name = "";
        for (const struct option *o = long_opts; o->name; o++)
            if (o->val == opt)
                name = o->name;
        if (apply(c, opt, name, optarg, err))
            return -1;
    }
    if (optind < argc) {
        fprintf(err, "clearance serve: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    return 0;
}
