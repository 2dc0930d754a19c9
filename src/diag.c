/* Rulebook diagnostics: a growable list of positioned messages. */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct clr_diags {
    clr_diag *items;
    size_t n, cap, errors;
    int oom;
};

int clr_diags_new(clr_diags **out)
{
    *out = calloc(1, sizeof(**out));
    return *out ? 0 : CLR_ENOMEM;
}

void clr_diags_free(clr_diags *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++) {
        free((char *)d->items[i].file);
        free((char *)d->items[i].message);
        free((char *)d->items[i].source_line);
    }
    free(d->items);
    free(d);
}

size_t clr_diags_count(const clr_diags *d)
{
    return d ? d->n : 0;
}

size_t clr_diags_errors(const clr_diags *d)
{
    return d ? d->errors : 0;
}

const clr_diag *clr_diags_get(const clr_diags *d, size_t i)
{
    return d && i < d->n ? &d->items[i] : NULL;
}

int clr__diags_oom(const clr_diags *d)
{
    return d ? d->oom : 0;
}

void clr__diags_add(clr_diags *d, clr_diag_severity sev, const char *file, int line, int col,
                    int len, const char *src_line, size_t src_len, const char *fmt, ...)
{
    if (!d)
        return;
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        clr_diag *items = realloc(d->items, cap * sizeof(*items));
        if (!items) {
            d->oom = 1;
            return;
        }
        d->items = items;
        d->cap = cap;
    }
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    clr_diag *g = &d->items[d->n];
    g->severity = sev;
    g->line = line;
    g->column = col;
    g->length = len > 0 ? len : 1;
    g->file = strdup(file ? file : "");
    g->message = strdup(msg);
    char *sl = malloc(src_line ? src_len + 1 : 1);
    if (sl) {
        if (src_line)
            memcpy(sl, src_line, src_len);
        sl[src_line ? src_len : 0] = '\0';
    }
    g->source_line = sl;
    if (!g->file || !g->message || !sl) {
        free((char *)g->file);
        free((char *)g->message);
        free(sl);
        d->oom = 1;
        return;
    }
    d->n++;
    if (sev == CLR_DIAG_ERROR)
        d->errors++;
}

void clr_diags_print(const clr_diags *d, FILE *f)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++) {
        const clr_diag *g = &d->items[i];
        const char *sev = g->severity == CLR_DIAG_ERROR ? "error" : "warning";
        if (g->line > 0)
            fprintf(f, "%s:%d:%d: %s: %s\n", g->file, g->line, g->column, sev, g->message);
        else
            fprintf(f, "%s: %s: %s\n", g->file, sev, g->message);
        if (g->line > 0 && g->source_line[0]) {
            fprintf(f, "  %s\n  ", g->source_line);
            size_t sl = strlen(g->source_line);
            for (int c = 1; c < g->column && (size_t)c <= sl; c++)
                fputc(g->source_line[c - 1] == '\t' ? '\t' : ' ', f);
            for (int c = 0; c < g->length; c++)
                fputc(c == 0 ? '^' : '~', f);
            fputc('\n', f);
        }
    }
    if (d->oom)
        fprintf(f, "clearance: out of memory; some diagnostics were lost\n");
}
