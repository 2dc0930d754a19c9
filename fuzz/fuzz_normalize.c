/* libFuzzer target for the name normaliser and the scorer: the input, cut at
 * the first NUL, is normalised, and its two halves are scored against each
 * other as query and name. */
#include <stdint.h>
#include <string.h>

#include "clearance.h"
#include "clearance_screen.h"
#include "screen_index.h"
#include "screen_normalize.h"

static float sim(void *ctx, size_t i, size_t j)
{
    const clr__norm *const *n = ctx;
    const clr__norm *a = n[0], *b = n[1];
    return clr__token_sim(a->text + a->tok[i].off, a->tok[i].len, b->text + b->tok[j].off,
                          b->tok[j].len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char buf[4096];
    size_t n = size < sizeof buf - 1 ? size : sizeof buf - 1;
    memcpy(buf, data, n);
    buf[n] = 0;
    char out[1024];
    clr_screen_normalize(out, sizeof out, buf);
    clr_screen_normalize(out, 8, buf);
    clr__norm a, b;
    size_t half = n / 2;
    clr__normalize(&a, buf, half, 1);
    clr__normalize(&b, buf + half, n - half, 0);
    clr__stok qa[CLR_SCREEN_MAX_TOKENS], qb[CLR_SCREEN_MAX_TOKENS];
    for (size_t i = 0; i < a.ntok; i++)
        qa[i] = (clr__stok){a.text + a.tok[i].off, a.tok[i].len, a.tok[i].legal, 1.f + (float)i};
    for (size_t i = 0; i < b.ntok; i++)
        qb[i] = (clr__stok){b.text + b.tok[i].off, b.tok[i].len, b.tok[i].legal, 2.f};
    const clr__norm *ctx[2] = {&a, &b};
    clr_match_align al[2 * CLR_SCREEN_MAX_TOKENS];
    size_t nal = 0;
    double s = clr__score_name(qa, a.ntok, qb, b.ntok, sim, ctx, 1, 0x6, al, &nal);
    if (!(s >= 0 && s <= 1.0000001) || nal > 2 * CLR_SCREEN_MAX_TOKENS)
        __builtin_trap();
    return 0;
}
