/* Scoring: token similarity and the token alignment of a query against one
 * name. Order-free (surname-first matches), tolerant of typos, initials,
 * joined or split tokens, dropped middle names and legal-form changes. */
#include <pthread.h>
#include <string.h>

#include "screen_index.h"

/* Letter pairs that are confused by eye or by ear (rigour's compare.yml, plus
 * vowel and sibilant pairs of transliteration): substituting one for the other
 * costs half an edit. */
static const char confusable_pairs[][2] = {
    {'0', 'o'}, {'1', 'i'}, {'1', 'l'}, {'g', '9'}, {'q', '9'}, {'b', '6'},
    {'5', 's'}, {'e', 'i'}, {'o', 'u'}, {'i', 'j'}, {'i', 'y'}, {'c', 'k'},
    {'n', 'h'}, {'a', 'e'}, {'a', 'o'}, {'v', 'w'}, {'s', 'z'}};

static uint8_t confusable_table[128][128];
static pthread_once_t confusable_once = PTHREAD_ONCE_INIT;

static void confusable_init(void)
{
    for (size_t i = 0; i < sizeof confusable_pairs / sizeof confusable_pairs[0]; i++) {
        unsigned char a = (unsigned char)confusable_pairs[i][0];
        unsigned char b = (unsigned char)confusable_pairs[i][1];
        confusable_table[a][b] = confusable_table[b][a] = 1;
    }
}

static int confusable(char a, char b)
{
    return ((unsigned char)a | (unsigned char)b) < 128 &&
           confusable_table[(unsigned char)a][(unsigned char)b];
}

float clr__edit_distance(const char *a, size_t la, const char *b, size_t lb, float max)
{
    float rows[3][128];
    if (la > 126 || lb > 126)
        return max + 1;
    if ((float)(la > lb ? la - lb : lb - la) > max)
        return max + 1;
    pthread_once(&confusable_once, confusable_init);
    float *pp = rows[0], *p = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= lb; j++)
        p[j] = (float)j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = (float)i;
        float rowmin = cur[0];
        for (size_t j = 1; j <= lb; j++) {
            float cost = a[i - 1] == b[j - 1] ? 0.f : confusable(a[i - 1], b[j - 1]) ? 0.5f : 1.f;
            float v = p[j - 1] + cost;
            if (p[j] + 1 < v)
                v = p[j] + 1;
            if (cur[j - 1] + 1 < v)
                v = cur[j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && pp[j - 2] + 1 < v)
                v = pp[j - 2] + 1;
            cur[j] = v;
            if (v < rowmin)
                rowmin = v;
        }
        if (rowmin > max)
            return max + 1;
        float *t = pp;
        pp = p;
        p = cur;
        cur = t;
    }
    return p[lb];
}

float clr__token_sim(const char *a, size_t la, const char *b, size_t lb)
{
    if (la == lb && !memcmp(a, b, la))
        return 1.f;
    size_t mn = la < lb ? la : lb, mx = la < lb ? lb : la;
    if (mn < 2 || mx < 3 || mx - mn > 2)
        return 0.f;
    /* short tokens: one edit, same first letter */
    if (mn <= 3 && a[0] != b[0])
        return 0.f;
    float max = mx <= 5 ? 1.f : 2.f;
    float d = clr__edit_distance(a, la, b, lb, max);
    if (d > max)
        return 0.f;
    float s = 1.f - 0.65f * d / (float)mx;
    /* a different first letter is stronger evidence of a different name */
    if (a[0] != b[0] && !confusable(a[0], b[0]))
        s -= 0.1f;
    return s < 0 ? 0 : s;
}

#define MAXT CLR_SCREEN_MAX_TOKENS
#define LENIENT_FULL_WEIGHT 12.0
#define LENIENT_RAMP 6.0
#define SUBST_FLOOR 1.2
#define DISTINCT_SIM 0.8
#define DISTINCT_PENALTY 0.5

/* Similarity of the concatenation x + y against z, for joined/split tokens. */
static float joined_sim(const clr__stok *x, const clr__stok *y, const clr__stok *z)
{
    char buf[130];
    if ((size_t)x->len + y->len > 126)
        return 0;
    memcpy(buf, x->s, x->len);
    memcpy(buf + x->len, y->s, y->len);
    size_t n = (size_t)x->len + y->len;
    if (n == z->len && !memcmp(buf, z->s, n))
        return 1.f;
    size_t mx = n > z->len ? n : z->len;
    size_t mn = n > z->len ? z->len : n;
    if (mx - mn > 2 || mn < 5)
        return 0;
    float d = clr__edit_distance(buf, n, z->s, z->len, 2.f);
    return d > 2.f ? 0.f : 1.f - d / (float)mx;
}

double clr__score_name(const clr__stok *q, size_t nq, const clr__stok *c, size_t nc,
                       clr__sim_fn sim, void *ctx, int person_like, uint16_t middle,
                       clr_match_align *align, size_t *nalign)
{
    float m[MAXT][MAXT];
    uint8_t kind[MAXT][MAXT];
    int qa[MAXT], ca[MAXT]; /* assigned partner, -1 none */
    int qspan[MAXT];        /* entry tokens covered by the query token's match */
    float qs[MAXT], qw[MAXT];
    uint8_t qk[MAXT];
    if (nq > MAXT)
        nq = MAXT;
    if (nc > MAXT)
        nc = MAXT;
    for (size_t i = 0; i < nq; i++) {
        qa[i] = -1;
        qspan[i] = 0;
        for (size_t j = 0; j < nc; j++) {
            float s = sim(ctx, i, j);
            if (s == 0 && q[i].len == c[j].len && q[i].len <= 2 &&
                !memcmp(q[i].s, c[j].s, c[j].len))
                s = 1; /* one- and two-letter tokens are not looked up */
            uint8_t k = s >= 1.f ? 'e' : 'f';
            if (q[i].legal && c[j].legal) {
                s = s >= 1.f ? 1.f : 0.7f;
                k = 'l';
            } else if (q[i].len == 1 && c[j].len > 1 && c[j].s[0] == q[i].s[0] && s < 0.8f) {
                s = 0.8f;
                k = 'i';
            } else if (c[j].len == 1 && q[i].len > 1 && q[i].s[0] == c[j].s[0] && s < 0.8f) {
                s = 0.8f;
                k = 'i';
            }
            m[i][j] = s;
            kind[i][j] = k;
        }
    }
    for (size_t j = 0; j < nc; j++)
        ca[j] = -1;
    /* greedy assignment, best pair first */
    for (;;) {
        float best = 0.55f;
        int bi = -1, bj = -1;
        for (size_t i = 0; i < nq; i++) {
            if (qa[i] >= 0)
                continue;
            for (size_t j = 0; j < nc; j++) {
                if (ca[j] >= 0 || m[i][j] < best)
                    continue;
                /* prefer pairs in the same relative position on ties */
                if (m[i][j] == best && bi >= 0 && (int)j - (int)i != bj - bi && bj - bi == 0)
                    continue;
                best = m[i][j];
                bi = (int)i;
                bj = (int)j;
            }
        }
        if (bi < 0)
            break;
        qa[bi] = bj;
        ca[bj] = bi;
        qspan[bi] = 1;
        qs[bi] = best;
        qk[bi] = kind[bi][bj];
        qw[bi] = c[bj].w;
        if (qk[bi] == 'i')
            qw[bi] = 0.5f * (c[bj].w < q[bi].w ? c[bj].w : q[bi].w);
    }
    /* a joined query token against two name tokens (in either order) */
    for (size_t i = 0; i < nq; i++) {
        if (qa[i] >= 0 && qs[i] >= 0.9f)
            continue;
        int done = 0;
        for (size_t j = 0; j < nc && !done; j++) {
            if (ca[j] >= 0 && ca[j] != (int)i)
                continue;
            for (size_t k = 0; k < nc && !done; k++) {
                if (k == j || (ca[k] >= 0 && ca[k] != (int)i))
                    continue;
                size_t len = (size_t)c[j].len + c[k].len;
                if (len + 2 < q[i].len || len > q[i].len + 2u)
                    continue;
                float s = joined_sim(&c[j], &c[k], &q[i]);
                if (s >= 0.8f && (qa[i] < 0 || s > qs[i])) {
                    if (qa[i] >= 0)
                        ca[qa[i]] = -1;
                    qa[i] = (int)j;
                    ca[j] = ca[k] = (int)i;
                    qspan[i] = 2;
                    qs[i] = s;
                    qk[i] = 'j';
                    qw[i] = c[j].w + c[k].w;
                    done = 1;
                }
            }
        }
    }
    int split_second[MAXT];
    for (size_t i = 0; i < nq; i++)
        split_second[i] = 0;
    for (size_t i = 0; i + 1 < nq; i++) {
        if (qa[i] >= 0 || qa[i + 1] >= 0)
            continue;
        for (size_t j = 0; j < nc; j++) {
            if (ca[j] >= 0)
                continue;
            float s = joined_sim(&q[i], &q[i + 1], &c[j]);
            if (s >= 0.8f) {
                qa[i] = (int)j;
                qa[i + 1] = (int)j;
                ca[j] = (int)i;
                qspan[i] = 1;
                qspan[i + 1] = 0;
                qs[i] = qs[i + 1] = s;
                qk[i] = qk[i + 1] = 'j';
                qw[i] = c[j].w * 0.5f;
                qw[i + 1] = c[j].w * 0.5f;
                split_second[i + 1] = 1;
                break;
            }
        }
    }
    double num = 0, den = 0;
    int substitution = 0;
    size_t matched = 0, matched_plain = 0;
    for (size_t i = 0; i < nq; i++) {
        if (qa[i] < 0 && q[i].len > 1)
            substitution = 1;
        matched += qa[i] >= 0;
        matched_plain += qa[i] >= 0 && qk[i] != 'l';
    }
    /* one pass over the name: unmatched tokens, the weightiest unmatched and
     * the weightiest overall (legal forms aside), the mean weight */
    int name_unmatched = 0, heaviest = -1, hv = -1;
    double wbar = 0;
    size_t nplain = 0;
    for (size_t j = 0; j < nc; j++) {
        if (ca[j] < 0 && (heaviest < 0 || c[j].w > c[heaviest].w))
            heaviest = (int)j;
        if (c[j].legal)
            continue;
        name_unmatched |= ca[j] < 0;
        wbar += c[j].w;
        nplain++;
        if (hv < 0 || c[j].w > c[hv].w)
            hv = (int)j;
    }
    wbar = nplain ? wbar / (double)nplain : 0;
    /* a substitution (a query token and a name token both unmatched) is
     * evidence of another party however common the two tokens are: each
     * counts at least SUBST_FLOOR times the name's mean token weight */
    double floor_w = substitution && name_unmatched ? SUBST_FLOOR * wbar : 0;
    for (size_t i = 0; i < nq; i++) {
        if (qa[i] >= 0 && qk[i] == 'i' && q[i].len > 1 && qspan[i] == 1) {
            /* a full query token against an initial on the list: the initial
             * is weak evidence, the full token keeps its weight */
            const clr__stok *ci = &c[qa[i]];
            num += 2.0 * ci->w * qs[i];
            den += 2.0 * ci->w + (q[i].w > ci->w ? q[i].w - ci->w : 0);
        } else if (qa[i] >= 0) {
            num += 2.0 * qw[i] * qs[i];
            den += 2.0 * qw[i];
        } else {
            den += q[i].len > 1 && q[i].w < floor_w ? floor_w : q[i].w;
        }
    }
    /* Unmatched name tokens: a person's middle names, or an organisation's
     * weightiest word when two other words matched ("Alphabet Inc." says
     * little about "ALPHABET INTERNATIONAL DMCC"), may simply be left out and
     * cost little; anything else
     * costs nearly its full weight, as does everything when a query token is
     * unmatched too (a substitution, not an omission). */
    /* leaving out a name is cheap only when what matched is informative:
     * "Mohammed Ibrahim" says little about "IBRAHIM, Mohammed Hassan" */
    double wmatched = 0;
    for (size_t i = 0; i < nq; i++)
        if (qa[i] >= 0 && qk[i] != 'i' && qk[i] != 'l')
            wmatched += qw[i];
    double common = (LENIENT_FULL_WEIGHT - wmatched) / LENIENT_RAMP;
    double middle_cost = 0.4 + 0.5 * (common < 0 ? 0 : common > 1 ? 1 : common);
    for (size_t j = 0; j < nc; j++) {
        if (ca[j] >= 0)
            continue;
        double cost = 0.9;
        if (!substitution && matched >= 2) {
            if (person_like && (middle >> j & 1))
                cost = middle_cost;
            else if (!person_like && (int)j == heaviest && nc >= 3 && matched_plain >= 2)
                cost = 0.6;
        }
        den += cost * (c[j].w < floor_w && !c[j].legal ? floor_w : c[j].w);
    }
    double score = den > 0 ? num / den : 0;
    if (score > 1)
        score = 1;
    /* initials and legal forms alone are no evidence of a match */
    int evidence = 0;
    for (size_t i = 0; i < nq; i++)
        if (qa[i] >= 0 && qk[i] != 'i' && qk[i] != 'l' && qs[i] >= 0.8f)
            evidence = 1;
    if (!evidence)
        score *= 0.7;
    /* the name's most distinctive token matched only loosely ("Bill" for
     * "BILAL") is weak evidence, however well the common tokens match */
    if (hv >= 0 && ca[hv] >= 0 && qs[ca[hv]] < DISTINCT_SIM)
        score *= 1 - DISTINCT_PENALTY * (DISTINCT_SIM - qs[ca[hv]]);
    if (align && nalign) {
        size_t na = 0;
        for (size_t i = 0; i < nq; i++) {
            clr_match_align *a = &align[na++];
            a->query = (int8_t)i;
            if (qa[i] >= 0) {
                a->entry = (int8_t)qa[i];
                a->entry_span = (int8_t)(split_second[i] ? 1 : qspan[i] ? qspan[i] : 1);
                a->kind = qk[i];
                a->score = qs[i];
                a->entry_token = NULL;
            } else {
                a->entry = -1;
                a->entry_span = 0;
                a->kind = 'q';
                a->score = 0;
                a->entry_token = NULL;
            }
        }
        for (size_t j = 0; j < nc; j++) {
            if (ca[j] >= 0)
                continue;
            clr_match_align *a = &align[na++];
            a->query = -1;
            a->entry = (int8_t)j;
            a->entry_span = 1;
            a->kind = 'n';
            a->score = 0;
            a->entry_token = NULL;
        }
        *nalign = na;
    }
    return score;
}
