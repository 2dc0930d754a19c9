/* The audit log as the CLI's commands use it (clearance check --audit DB). */
#ifndef CLR_CLI_AUDIT_H
#define CLR_CLI_AUDIT_H

#include "clearance.h"

typedef struct cli_audit cli_audit;

/* Opens the store at db_path (created when absent) and an async audit writer
 * over it, signing with the key at $CLEARANCE_AUDIT_KEY or "<db_path>.key"
 * (generated on first use). Returns 0 with *out set, or CLR_EXIT_BADINPUT
 * after printing why. */
int cli_audit_open(cli_audit **out, const char *db_path);

/* Queues the record of decision d about req. Prints why on failure and
 * returns non-zero; cli_audit_close then fails too. */
int cli_audit_append(cli_audit *a, const clr_request *req, const clr_decision *d);

/* Commits everything queued, signs a final checkpoint and closes the store.
 * Returns 0, or CLR_EXIT_FAILED (after printing) when a record was not
 * logged. NULL is allowed. */
int cli_audit_close(cli_audit *a);

#endif
