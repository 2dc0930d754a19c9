/* Name normalisation: utf8proc (NFKC, case folding, mark stripping), ICU
 * transliteration of other scripts to Latin ASCII, punctuation, legal forms. */
#include "screen_normalize.h"

#include <pthread.h>
#include <string.h>
#include <unicode/ustring.h>
#include <unicode/utrans.h>
#include <utf8proc.h>

#include "clearance.h"
#include "screen_index.h"

#define TOKEN_MAX 63
#define PHRASE_MAX 6 /* tokens of the longest legal-form phrase tried */

/* ---- the legal-form table: built once, static storage, never freed ---- */

#define LF_TEXT_CAP (96 * 1024)
#define LF_SLOTS 8192 /* power of two, > 2 x aliases */

typedef struct lf_slot {
    uint32_t hash;
    uint32_t key;   /* offset of the normalised alias in lf_text; 0 = empty */
    uint32_t canon; /* offset of the canonical token */
} lf_slot;

static char lf_text[LF_TEXT_CAP];
static size_t lf_used = 1;
static lf_slot lf_table[LF_SLOTS];
static uint32_t lf_first[LF_SLOTS]; /* hashes of first tokens of aliases (set) */
static pthread_once_t lf_once = PTHREAD_ONCE_INIT;

/* Words of the legal-form phrases (six letters or more), with their one-letter
 * deletions, so that a misspelt "LIABILTY" or "COMPNAY" still takes part in a
 * legal form. vocab: hash of a variant -> word offset in lf_text. */
#define VOCAB_SLOTS 65536
#define VOCAB_MIN_LEN 6
typedef struct vocab_slot {
    uint32_t hash;
    uint32_t word; /* offset in lf_text; 0 = empty */
    uint8_t exact; /* the variant is the word itself */
    uint8_t len;   /* of the word */
} vocab_slot;
static vocab_slot vocab[VOCAB_SLOTS];

static uint32_t fnv1a(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h ? h : 1;
}

/* ---- ICU: one transliterator behind a lock ---- */

static pthread_once_t tr_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t tr_lock = PTHREAD_MUTEX_INITIALIZER;
static UTransliterator *tr;

static void tr_init(void)
{
    UErrorCode st = U_ZERO_ERROR;
    UChar id[64];
    u_uastrcpy(id, "Any-Latin; Latin-ASCII");
    tr = utrans_openU(id, -1, UTRANS_FORWARD, NULL, 0, NULL, &st);
    if (U_FAILURE(st))
        tr = NULL;
}

/* Transliterates UTF-8 in[0..n) to Latin ASCII into out (cap bytes). Returns
 * the length written, or -1 when ICU is unavailable or fails. */
static int transliterate(char *out, size_t cap, const char *in, size_t n)
{
    UChar buf[3 * CLR__NORM_INPUT_MAX];
    int32_t ulen = 0;
    UErrorCode st = U_ZERO_ERROR;
    pthread_once(&tr_once, tr_init);
    if (!tr)
        return -1;
    u_strFromUTF8Lenient(buf, (int32_t)(sizeof buf / sizeof buf[0] / 2), &ulen, in, (int32_t)n,
                         &st);
    if (U_FAILURE(st))
        return -1;
    int32_t limit = ulen;
    pthread_mutex_lock(&tr_lock);
    utrans_transUChars(tr, buf, &ulen, (int32_t)(sizeof buf / sizeof buf[0]), 0, &limit, &st);
    pthread_mutex_unlock(&tr_lock);
    if (U_FAILURE(st))
        return -1;
    int32_t olen = 0;
    u_strToUTF8(out, (int32_t)cap, &olen, buf, ulen, &st);
    if (U_FAILURE(st) || st == U_STRING_NOT_TERMINATED_WARNING || olen >= (int32_t)cap)
        return -1;
    return olen;
}

/* ---- folding to ASCII tokens ---- */

/* Folds the few Latin letters that have no decomposition. Returns the ASCII
 * replacement or NULL. */
static const char *fold_latin(int32_t c)
{
    switch (c) {
    case 0xF8: return "o";   /* ø */
    case 0xE6: return "ae";  /* æ */
    case 0x153: return "oe"; /* œ */
    case 0x111: return "d";  /* đ */
    case 0xF0: return "d";   /* ð */
    case 0x142: return "l";  /* ł */
    case 0x131: return "i";  /* ı */
    case 0xFE: return "th";  /* þ */
    case 0x127: return "h";  /* ħ */
    case 0xDF: return "ss";  /* ß */
    case 0x2BB:
    case 0x2BC:
    case 0x2BF:
    case 0x2BE: return ""; /* ʻ ʼ ʿ ʾ (transliteration) */
    default: return NULL;
    }
}

static int is_deleted_punct(int32_t c)
{
    /* joined rather than split: "S.A." -> "sa", "O'Brien" -> "obrien" */
    return c == '.' || c == '\'' || c == '`' || c == 0x2018 || c == 0x2019 || c == 0xB4;
}

typedef struct fold_state {
    char *text;
    size_t used, cap;
    int non_latin;  /* letters of another script were seen */
    int keep_other; /* keep such letters as they are (after transliteration) */
} fold_state;

static void put(fold_state *f, const char *s, size_t n)
{
    if (f->used + n + 1 < f->cap) {
        memcpy(f->text + f->used, s, n);
        f->used += n;
    }
}

/* Runs utf8proc NFKC + case fold + mark strip over s and appends ASCII text
 * with single spaces between tokens to f. */
static void fold(fold_state *f, const char *s, size_t n)
{
    utf8proc_int32_t cps[4 * CLR__NORM_INPUT_MAX];
    const utf8proc_option_t opt = UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK |
                                  UTF8PROC_IGNORE | UTF8PROC_DECOMPOSE;
    utf8proc_ssize_t ncp = 0;
    size_t i = 0;
    /* Decompose code point by code point so invalid bytes become separators. */
    while (i < n) {
        utf8proc_int32_t c;
        utf8proc_ssize_t k =
            utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(n - i), &c);
        if (k <= 0) {
            c = ' ';
            k = 1;
        }
        i += (size_t)k;
        if ((size_t)ncp + 32 >= sizeof cps / sizeof cps[0])
            break;
        int last = 0;
        utf8proc_ssize_t m = utf8proc_decompose_char(c, cps + ncp, 32, opt, &last);
        if (m > 0 && m <= 32)
            ncp += m;
    }
    ncp =
        utf8proc_normalize_utf32(cps, ncp, UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_STRIPMARK);
    if (ncp < 0)
        ncp = 0;
    int pending_space = 0;
    for (utf8proc_ssize_t j = 0; j < ncp; j++) {
        int32_t c = cps[j];
        const char *rep = NULL;
        char one[2] = {0, 0};
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            one[0] = (char)c;
            rep = one;
        } else if (c >= 'A' && c <= 'Z') {
            one[0] = (char)(c - 'A' + 'a');
            rep = one;
        } else if (is_deleted_punct(c)) {
            continue;
        } else if (c < 0x80) {
            pending_space = 1;
            continue;
        } else if ((rep = fold_latin(c)) == NULL) {
            utf8proc_category_t cat = utf8proc_category(c);
            if (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) {
                f->non_latin = 1;
                if (!f->keep_other)
                    continue;
                /* a script ICU cannot transliterate: keep the letter, so that
                 * the token still counts (and matches the same script) */
                utf8proc_uint8_t u[5] = {0};
                utf8proc_ssize_t k = utf8proc_encode_char(c, u);
                if (k <= 0)
                    continue;
                u[k] = 0;
                if (pending_space && f->used > 0)
                    put(f, " ", 1);
                pending_space = 0;
                put(f, (const char *)u, (size_t)k);
                continue;
            }
            if (cat >= UTF8PROC_CATEGORY_MN && cat <= UTF8PROC_CATEGORY_ME)
                continue;
            if (cat >= UTF8PROC_CATEGORY_ND && cat <= UTF8PROC_CATEGORY_NO) {
                f->non_latin = 1;
                continue;
            }
            pending_space = 1;
            continue;
        }
        if (!*rep)
            continue;
        if (pending_space && f->used > 0)
            put(f, " ", 1);
        pending_space = 0;
        put(f, rep, strlen(rep));
    }
    if (f->used < f->cap)
        f->text[f->used] = 0;
}

/* ---- tokens and legal forms ---- */

static void tokenize(clr__norm *out, const char *text, size_t n)
{
    size_t used = 0;
    size_t i = 0;
    out->ntok = 0;
    while (i < n && out->ntok < CLR_SCREEN_MAX_TOKENS) {
        while (i < n && text[i] == ' ')
            i++;
        size_t b = i;
        while (i < n && text[i] != ' ')
            i++;
        size_t len = i - b;
        if (len == 0)
            break;
        if (len > TOKEN_MAX)
            len = TOKEN_MAX;
        if (used + len + 1 > sizeof out->text)
            break;
        memcpy(out->text + used, text + b, len);
        out->text[used + len] = 0;
        out->tok[out->ntok].off = (uint16_t)used;
        out->tok[out->ntok].len = (uint8_t)len;
        out->tok[out->ntok].legal = 0;
        out->ntok++;
        used += len + 1;
    }
}

static const lf_slot *lf_find(const char *key, size_t n)
{
    uint32_t h = fnv1a(key, n);
    for (uint32_t i = h & (LF_SLOTS - 1);; i = (i + 1) & (LF_SLOTS - 1)) {
        const lf_slot *sl = &lf_table[i];
        if (!sl->key)
            return NULL;
        if (sl->hash == h && strlen(lf_text + sl->key) == n && !memcmp(lf_text + sl->key, key, n))
            return sl;
    }
}

static int lf_first_has(uint32_t h)
{
    for (uint32_t i = h & (LF_SLOTS - 1);; i = (i + 1) & (LF_SLOTS - 1)) {
        if (!lf_first[i])
            return 0;
        if (lf_first[i] == h)
            return 1;
    }
}

static void lf_first_add(uint32_t h)
{
    for (uint32_t i = h & (LF_SLOTS - 1);; i = (i + 1) & (LF_SLOTS - 1)) {
        if (!lf_first[i]) {
            lf_first[i] = h;
            return;
        }
        if (lf_first[i] == h)
            return;
    }
}

static size_t lf_store(const char *s, size_t n)
{
    if (lf_used + n + 1 > LF_TEXT_CAP)
        return 0;
    size_t off = lf_used;
    memcpy(lf_text + off, s, n);
    lf_text[off + n] = 0;
    lf_used += n + 1;
    return off;
}

static void vocab_put(uint32_t h, uint32_t word, int exact)
{
    for (uint32_t i = h & (VOCAB_SLOTS - 1), n = 0; n < VOCAB_SLOTS / 2;
         i = (i + 1) & (VOCAB_SLOTS - 1), n++) {
        if (!vocab[i].word) {
            vocab[i].hash = h;
            vocab[i].word = word;
            vocab[i].exact = (uint8_t)exact;
            vocab[i].len = (uint8_t)strlen(lf_text + word);
            return;
        }
        if (vocab[i].hash == h && vocab[i].word == word)
            return;
    }
}

static void vocab_add(const char *w, size_t n)
{
    if (n < VOCAB_MIN_LEN || n > 40)
        return;
    /* already there? */
    uint32_t h = fnv1a(w, n);
    for (uint32_t i = h & (VOCAB_SLOTS - 1);; i = (i + 1) & (VOCAB_SLOTS - 1)) {
        if (!vocab[i].word)
            break;
        if (vocab[i].exact && vocab[i].hash == h && strlen(lf_text + vocab[i].word) == n &&
            !memcmp(lf_text + vocab[i].word, w, n))
            return;
    }
    size_t off = lf_store(w, n);
    if (!off)
        return;
    vocab_put(h, (uint32_t)off, 1);
    char v[48];
    for (size_t d = 0; d < n; d++) {
        memcpy(v, w, d);
        memcpy(v + d, w + d + 1, n - d - 1);
        vocab_put(fnv1a(v, n - 1), (uint32_t)off, 0);
    }
}

/* The legal-form word within one edit of token t (n bytes), or NULL; t itself
 * when it is one. */
static const char *vocab_find(const char *t, size_t n)
{
    char v[64];
    if (n < VOCAB_MIN_LEN || n > 40)
        return NULL;
    for (size_t d = 0; d <= n; d++) {
        size_t vn = d < n ? n - 1 : n;
        if (d < n) {
            memcpy(v, t, d);
            memcpy(v + d, t + d + 1, n - d - 1);
        } else {
            memcpy(v, t, n);
        }
        uint32_t h = fnv1a(v, vn);
        for (uint32_t i = h & (VOCAB_SLOTS - 1);; i = (i + 1) & (VOCAB_SLOTS - 1)) {
            if (!vocab[i].word)
                break;
            if (vocab[i].hash != h)
                continue;
            const char *w = lf_text + vocab[i].word;
            size_t wn = vocab[i].len;
            if (wn + 1 < n || wn > n + 1)
                continue;
            if (wn == n && !memcmp(w, t, n))
                return w;
            if (clr__edit_distance(t, n, w, wn, 1.f) <= 1.f)
                return w;
        }
    }
    return NULL;
}

/* Common abbreviations in organisation names, written out (rigour's
 * symbols.yml has the same groups). Applied after legal forms. */
static const char *const abbreviations[][2] = {
    {"co", "company"},        {"corp", "corporation"}, {"intl", "international"},
    {"int", "international"}, {"natl", "national"},    {"mfg", "manufacturing"},
    {"bros", "brothers"},     {"assn", "association"}, {"assoc", "association"},
    {"dept", "department"},   {"govt", "government"},  {"univ", "university"},
    {"inst", "institute"},    {"ind", "industrial"},   {"grp", "group"},
    {"tr", "trading"},        {"svcs", "services"},    {"svc", "service"},
    {"hldgs", "holdings"},    {"hldg", "holding"},     {"mgmt", "management"},
    {"tech", "technology"},   {"eng", "engineering"},  {"cie", "compagnie"},
    {"cia", "compania"},      {"st", "saint"},         {"ste", "sainte"}};

static const char *abbreviation(const char *t, size_t n)
{
    for (size_t i = 0; i < sizeof abbreviations / sizeof abbreviations[0]; i++)
        if (strlen(abbreviations[i][0]) == n && !memcmp(abbreviations[i][0], t, n))
            return abbreviations[i][1];
    return NULL;
}

/* Rewrites tokens: misspelt legal-form words corrected (fix_vocab) or
 * abbreviations written out (expand), skipping legal-form tokens. */
static void rewrite_tokens(clr__norm *n, int fix_vocab, int expand)
{
    clr__norm o;
    size_t used = 0;
    o.ntok = 0;
    for (size_t i = 0; i < n->ntok; i++) {
        const char *src = n->text + n->tok[i].off;
        size_t len = n->tok[i].len;
        if (!n->tok[i].legal) {
            const char *r = NULL;
            if (fix_vocab && len >= VOCAB_MIN_LEN)
                r = vocab_find(src, len);
            if (!r && expand)
                r = abbreviation(src, len);
            if (r) {
                src = r;
                len = strlen(r);
            }
        }
        if (used + len + 1 > sizeof o.text)
            break;
        memcpy(o.text + used, src, len);
        o.text[used + len] = 0;
        o.tok[o.ntok].off = (uint16_t)used;
        o.tok[o.ntok].len = (uint8_t)len;
        o.tok[o.ntok].legal = n->tok[i].legal;
        o.ntok++;
        used += len + 1;
    }
    *n = o;
}

/* Legal-form words that are often run into the next or previous word
 * ("LIMITEDLIABILITY", "OJSCSOVFRACHT", "EMERALDFZE"): a token that starts or
 * ends with one, the rest being four letters or more (or another such word),
 * is split in two. */
static const char *const joinable[] = {
    "limited",  "liability",    "company",     "closed",   "joint",    "stock",      "open",
    "public",   "ltd",          "llc",         "ooo",      "oao",      "zao",        "pao",
    "ojsc",     "cjsc",         "pjsc",        "jsc",      "fze",      "fzco",       "fzc",
    "gmbh",     "sarl",         "plc",         "pte",      "llp",      "inc",        "corporation",
    "limitada", "aktsionernoe", "obshchestvo", "otkrytoe", "zakrytoe", "publichnoe", "dmcc"};

static int joinable_word(const char *s, size_t n)
{
    if (n < 3 || n > 12)
        return 0;
    for (size_t i = 0; i < sizeof joinable / sizeof joinable[0]; i++)
        if (joinable[i][0] == s[0] && joinable[i][1] == s[1] && strlen(joinable[i]) == n &&
            !memcmp(joinable[i], s, n))
            return 1;
    return 0;
}

/* Where to split token s (n bytes), or 0 to keep it whole. */
static size_t joined_split(const char *s, size_t n)
{
    if (n < 7 || joinable_word(s, n))
        return 0;
    for (size_t k = 3; k + 3 <= n; k++) {
        int a = joinable_word(s, k), b = joinable_word(s + k, n - k);
        if ((a && (b || n - k >= 4)) || (b && k >= 3))
            return k;
    }
    return 0;
}

static void split_joined(clr__norm *n)
{
    clr__norm o;
    size_t used = 0;
    o.ntok = 0;
    for (size_t i = 0; i < n->ntok; i++) {
        const char *src = n->text + n->tok[i].off;
        size_t len = n->tok[i].len;
        size_t cut = joined_split(src, len);
        for (int part = 0; part < (cut ? 2 : 1); part++) {
            const char *p = part ? src + cut : src;
            size_t pl = cut ? (part ? len - cut : cut) : len;
            if (used + pl + 1 > sizeof o.text || o.ntok >= CLR_SCREEN_MAX_TOKENS)
                break;
            memcpy(o.text + used, p, pl);
            o.text[used + pl] = 0;
            o.tok[o.ntok].off = (uint16_t)used;
            o.tok[o.ntok].len = (uint8_t)pl;
            o.tok[o.ntok].legal = 0;
            o.ntok++;
            used += pl + 1;
        }
    }
    *n = o;
}

static void normalize_plain(clr__norm *out, const char *s, size_t len);

/* Words too common in names to be taken for a legal form on their own. */
static int stopword(const char *s, size_t n)
{
    static const char *const words[] = {
        "a",  "e",  "i",  "o",  "u",  "y",  "of", "in", "is",  "as",  "at",  "an",  "am",
        "on", "or", "to", "by", "de", "da", "do", "du", "di",  "el",  "la",  "le",  "li",
        "lo", "al", "na", "ne", "no", "ae", "et", "en", "and", "the", "for", "von", "van"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strlen(words[i]) == n && !memcmp(words[i], s, n))
            return 1;
    return 0;
}

/* The one- and two-letter legal forms kept: others ("yu", "in", "ii") are too
 * often part of a person's name. */
static int short_form(const char *s)
{
    static const char *const forms[] = {"sa", "ag", "nv", "bv", "kg", "oy", "ab", "ao",
                                        "ad", "dd", "sl", "se", "lp", "gp", "pc", "kk"};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
        if (!strcmp(forms[i], s))
            return 1;
    return 0;
}

static void lf_init(void)
{
    size_t nslots = 0;
    for (size_t p = 0; p < clr__legal_form_npairs; p++) {
        clr__norm a, c;
        const char *alias = clr__legal_form_pairs[p][0];
        const char *canon = clr__legal_form_pairs[p][1];
        normalize_plain(&a, alias, strlen(alias));
        normalize_plain(&c, canon, strlen(canon));
        if (a.ntok == 0 || a.ntok > PHRASE_MAX || c.ntok == 0)
            continue;
        if (a.ntok == 1 && (stopword(a.text + a.tok[0].off, a.tok[0].len) ||
                            (a.tok[0].len <= 2 && !short_form(a.text + a.tok[0].off))))
            continue; /* "Ö.F." would turn every "of" into a legal form */
        char key[CLR__NORM_TEXT_MAX];
        size_t kn = 0;
        for (size_t t = 0; t < a.ntok; t++) {
            if (t)
                key[kn++] = ' ';
            memcpy(key + kn, a.text + a.tok[t].off, a.tok[t].len);
            kn += a.tok[t].len;
        }
        if (lf_find(key, kn) || nslots * 2 >= LF_SLOTS)
            continue;
        /* the canonical form is one token: "gmbh co kg" -> "gmbhcokg" */
        char cj[CLR__NORM_TEXT_MAX];
        size_t cn = 0;
        for (size_t t = 0; t < c.ntok; t++) {
            memcpy(cj + cn, c.text + c.tok[t].off, c.tok[t].len);
            cn += c.tok[t].len;
        }
        size_t koff = lf_store(key, kn);
        size_t coff = lf_store(cj, cn);
        if (!koff || !coff)
            break;
        uint32_t h = fnv1a(key, kn);
        uint32_t i = h & (LF_SLOTS - 1);
        while (lf_table[i].key)
            i = (i + 1) & (LF_SLOTS - 1);
        lf_table[i].hash = h;
        lf_table[i].key = (uint32_t)koff;
        lf_table[i].canon = (uint32_t)coff;
        nslots++;
        lf_first_add(fnv1a(a.text + a.tok[0].off, a.tok[0].len));
        for (size_t t = 0; t < a.ntok; t++)
            vocab_add(a.text + a.tok[t].off, a.tok[t].len);
    }
}

/* Replaces legal-form phrases, longest first, by their canonical token. The
 * phrases are looked up with the tokens of k (n with misspelt legal-form words
 * corrected, token for token); tokens that are in no phrase stay as in n. */
static void apply_legal_forms(clr__norm *n, const clr__norm *k_)
{
    clr__norm o;
    size_t used = 0;
    o.ntok = 0;
    size_t i = 0;
    while (i < n->ntok) {
        const char *canon = NULL;
        size_t take = 1;
        const clr__ntoken *t0 = &n->tok[i];
        const clr__norm *kn_ = k_->ntok == n->ntok ? k_ : n;
        if (lf_first_has(fnv1a(kn_->text + kn_->tok[i].off, kn_->tok[i].len))) {
            size_t maxk = n->ntok - i < PHRASE_MAX ? n->ntok - i : PHRASE_MAX;
            for (size_t k = maxk; k >= 1 && !canon; k--) {
                char key[CLR__NORM_TEXT_MAX];
                size_t kn = 0;
                for (size_t t = i; t < i + k; t++) {
                    if (t > i)
                        key[kn++] = ' ';
                    memcpy(key + kn, kn_->text + kn_->tok[t].off, kn_->tok[t].len);
                    kn += kn_->tok[t].len;
                }
                const lf_slot *sl = lf_find(key, kn);
                if (sl) {
                    canon = lf_text + sl->canon;
                    take = k;
                }
            }
        }
        const char *src = canon ? canon : n->text + t0->off;
        size_t len = canon ? strlen(canon) : t0->len;
        if (len > TOKEN_MAX)
            len = TOKEN_MAX;
        if (used + len + 1 <= sizeof o.text) {
            memcpy(o.text + used, src, len);
            o.text[used + len] = 0;
            o.tok[o.ntok].off = (uint16_t)used;
            o.tok[o.ntok].len = (uint8_t)len;
            o.tok[o.ntok].legal = canon ? 1 : 0;
            o.ntok++;
            used += len + 1;
        }
        i += take;
    }
    *n = o;
}

static void normalize_plain(clr__norm *out, const char *s, size_t len)
{
    char text[CLR__NORM_TEXT_MAX * 2];
    fold_state f = {text, 0, sizeof text, 0, 0};
    if (len > CLR__NORM_INPUT_MAX) {
        len = CLR__NORM_INPUT_MAX;
        while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
            len--;
    }
    int translit = 0;
    fold(&f, s, len);
    if (f.non_latin) {
        char lat[CLR__NORM_INPUT_MAX * 4];
        int m = transliterate(lat, sizeof lat, s, len);
        if (m >= 0) {
            f.used = 0;
            f.non_latin = 0;
            f.keep_other = 1;
            fold(&f, lat, (size_t)m);
            translit = 1;
        }
    }
    text[f.used < sizeof text ? f.used : sizeof text - 1] = 0;
    tokenize(out, text, f.used);
    out->translit = translit;
}

size_t clr__skeleton(char *out, const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i], next = i + 1 < n ? s[i + 1] : 0, prev = i ? s[i - 1] : 0;
        if (c == 'k' && next == 's') {
            c = 'x';
            i++;
        } else if ((c == 'k' || c == 'p') && next == 'h') {
            c = c == 'k' ? 'h' : 'f';
            i++;
        } else if (c == 'q' || c == 'c') {
            c = 'k';
        } else if (c == 'z') {
            c = 's';
        } else if (c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y' ||
                   c == 'w') {
            continue;
        } else if (c == 'j' && (prev == 'a' || prev == 'e' || prev == 'i' || prev == 'o' ||
                                prev == 'u' || prev == 'y')) {
            continue;
        }
        if (k > 0 && out[k - 1] == c)
            continue;
        out[k++] = c;
    }
    out[k] = 0;
    return k;
}

void clr__normalize(clr__norm *out, const char *s, size_t len, int legal_forms)
{
    normalize_plain(out, s, len);
    int translit = out->translit;
    if (legal_forms && out->ntok > 0) {
        pthread_once(&lf_once, lf_init);
        split_joined(out);
        clr__norm corrected = *out;
        rewrite_tokens(&corrected, 1, 0);
        apply_legal_forms(out, &corrected);
        rewrite_tokens(out, 0, 1);
        out->translit = translit;
    }
}

int clr_screen_normalize(char *buf, size_t cap, const char *name)
{
    if (!buf || !name || cap == 0)
        return CLR_EINVAL;
    clr__norm n;
    clr__normalize(&n, name, strlen(name), 1);
    size_t used = 0;
    for (size_t i = 0; i < n.ntok; i++) {
        size_t need = n.tok[i].len + (i ? 1 : 0);
        if (used + need + 1 > cap) {
            buf[0] = 0;
            return CLR_ELIMIT;
        }
        if (i)
            buf[used++] = ' ';
        memcpy(buf + used, n.text + n.tok[i].off, n.tok[i].len);
        used += n.tok[i].len;
    }
    buf[used] = 0;
    return (int)n.ntok;
}
