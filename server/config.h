/* The settings of clearance serve: defaults, command-line flags and the
 * optional config file (one "key = value" per line, keys named as the long
 * flags; "#" starts a comment). */
#ifndef CLR_SERVER_CONFIG_H
#define CLR_SERVER_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#define SRV_MAX_PATHS 64

typedef struct srv_config {
    char host[256]; /* "127.0.0.1" */
    unsigned port;  /* 8181; 0 picks a free port */
    size_t nrules;  /* rulebook paths; none: the embedded defaults */
    char *rules[SRV_MAX_PATHS];
    size_t nlists; /* restricted-party list paths; none: the default lists */
    char *lists[SRV_MAX_PATHS];
    unsigned threads;         /* worker threads; 0: one per core */
    char *admin_token_file;   /* NULL: CLEARANCE_ADMIN_TOKEN, else admin disabled */
    size_t max_body;          /* bytes; 1 MiB */
    unsigned idle_timeout;    /* seconds a connection may stay silent; 30 */
    unsigned request_timeout; /* seconds a request body may take to arrive; 10 */
    unsigned drain_timeout;   /* seconds SIGTERM waits for requests in flight; 10 */
    unsigned max_connections; /* 0: the library's default */
    char *port_file;          /* write the bound port here once listening */
    char *licences;           /* licences (JSON Lines) applied to decisions; NULL: none */
    char *store;              /* the store (registry, licences, usage, audit log); NULL: none */
    int audit_off;            /* --audit-mode off: a store without the audit log */
    int demo;                 /* --demo: load demo data into the store first */
    int audit_sync;           /* answer only once the record is durable (group commit) */
    char *geoip;              /* --geoip: the country database of the IP red flags; NULL: none */
    double spike_factor;      /* --usage-spike (needs --store); 0: no usage-spike red flag */
    long long spike_minimum;  /* --spike-minimum: units today below which no spike; 100,000 */
} srv_config;

/* Fills *c with the defaults. */
void srv_config_init(srv_config *c);

/* Frees the strings in *c. */
void srv_config_free(srv_config *c);

/* Applies the command line (argv[0] is "serve"). A --config file is read
 * first, so flags override it; --rules and --lists given on the command line
 * replace the file's. Returns 0; 1 after printing the usage for --help; -1
 * after printing an error to err. */
int srv_config_parse(srv_config *c, int argc, char **argv, FILE *err);

/* Prints the usage text. */
void srv_config_usage(FILE *f);

#endif
