/* Audit rows held back inside a transaction, to go to the store many at a
 * time: the SQLite and PostgreSQL backends share this buffer. */
#include "store.h"

#include <stdlib.h>
#include <string.h>

int clr__pending_add(clr__pending_rows *q, const clr__audit_row *row)
{
    const clr__bytes f[CLR__PENDING_FIELDS] = {row->decision_id, row->outcome,  row->rules_version,
                                               row->request,     row->decision, row->hash};
    size_t need = 0;
    for (int j = 0; j < CLR__PENDING_FIELDS; j++)
        need += f[j].n;
    if (q->n == q->cap) {
        size_t cap = q->cap ? 2 * q->cap : 64;
        clr__pending_row *rows = realloc(q->rows, cap * sizeof *rows);
        if (!rows)
            return CLR_ENOMEM;
        q->rows = rows;
        q->cap = cap;
    }
    if (q->nbytes + need > q->bytes_cap) {
        size_t cap = q->bytes_cap ? q->bytes_cap : 65536;
        while (cap < q->nbytes + need)
            cap *= 2;
        char *bytes = realloc(q->bytes, cap);
        if (!bytes)
            return CLR_ENOMEM;
        q->bytes = bytes;
        q->bytes_cap = cap;
    }
    clr__pending_row *r = &q->rows[q->n++];
    r->seq = row->seq;
    r->time = row->time;
    for (int j = 0; j < CLR__PENDING_FIELDS; j++) {
        r->off[j] = q->nbytes;
        r->len[j] = f[j].n;
        if (f[j].n)
            memcpy(q->bytes + q->nbytes, f[j].p, f[j].n);
        q->nbytes += f[j].n;
    }
    return 0;
}

void clr__pending_free(clr__pending_rows *q)
{
    free(q->rows);
    free(q->bytes);
    memset(q, 0, sizeof *q);
}
