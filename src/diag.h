/* Collecting rulebook diagnostics. */
#ifndef CLR_DIAG_H
#define CLR_DIAG_H

#include "clearance.h"

/* Appends a diagnostic; the list copies every string. src_line is the whole
 * source line (not NUL-terminated, src_len bytes) or NULL. Out of memory is
 * sticky on the list and reported by clr__diags_oom. d may be NULL. */
void clr__diags_add(clr_diags *d, clr_diag_severity sev, const char *file, int line, int col,
                    int len, const char *src_line, size_t src_len, const char *fmt, ...)
    __attribute__((format(printf, 9, 10)));

/* Non-zero when an allocation failed while adding. */
int clr__diags_oom(const clr_diags *d);

#endif
