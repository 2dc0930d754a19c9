/* Licences and usage metering over a store, as clearance check --store and
 * clearance serve --store use them. */
#ifndef CLR_CLI_METER_H
#define CLR_CLI_METER_H

#include "clearance.h"

typedef struct cli_meter {
    clr_store *licence_store; /* the licence set's own connection */
    clr_store *usage_store;   /* the meter's own connection */
    clr_licences *licences;   /* the store's licences, drawn down through leases */
    clr_usage *usage;
} cli_meter;

/* Opens two connections to the store at db, imports the licences of
 * licences_path (JSON Lines; may be NULL; licences whose id the store holds
 * already are kept as stored) and opens the store-backed licence set and the
 * usage meter. who prefixes messages ("clearance serve"). Returns 0, or
 * CLR_EXIT_BADINPUT after printing why (m is then closed). */
int cli_meter_open(cli_meter *m, const char *db, const char *licences_path, const char *who);

/* Returns the leases, flushes the meter and closes the connections. Returns
 * 0, or CLR_EXIT_FAILED after printing why (usage was not all written).
 * Zeroed or closed m is allowed. */
int cli_meter_close(cli_meter *m, const char *who);

#endif
