/* Country names and codes, from ICU's English display names, plus the names
 * the lists use that ICU spells differently. */
#include <pthread.h>
#include <string.h>
#include <unicode/uloc.h>

#include "screen_internal.h"

#define SLOTS 1024

typedef struct slot {
    char name[64];
    char cc[3];
} slot;

static slot table[SLOTS];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static uint32_t hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 16777619u;
    }
    return h;
}

/* The normalised form of a country name: lower-case tokens joined by spaces. */
static void key(char *out, size_t cap, const char *name)
{
    clr__norm n;
    clr__normalize(&n, name, strlen(name), 0);
    size_t used = 0;
    out[0] = 0;
    for (size_t i = 0; i < n.ntok && used + n.tok[i].len + 2 < cap; i++) {
        if (i)
            out[used++] = ' ';
        memcpy(out + used, n.text + n.tok[i].off, n.tok[i].len);
        used += n.tok[i].len;
    }
    out[used] = 0;
}

static void add(const char *name, const char *cc)
{
    char k[64];
    key(k, sizeof k, name);
    if (!k[0])
        return;
    for (uint32_t i = hash(k) & (SLOTS - 1), n = 0; n < SLOTS; i = (i + 1) & (SLOTS - 1), n++) {
        if (!table[i].name[0]) {
            memcpy(table[i].name, k, strlen(k) + 1);
            memcpy(table[i].cc, cc, 3);
            return;
        }
        if (!strcmp(table[i].name, k))
            return;
    }
}

static void init(void)
{
    static const char *const extra[][2] = {
        {"Russian Federation", "RU"},
        {"Iran (Islamic Republic of)", "IR"},
        {"Iran, Islamic Republic of", "IR"},
        {"Democratic People's Republic of Korea", "KP"},
        {"Korea, North", "KP"},
        {"North Korea", "KP"},
        {"Korea, South", "KR"},
        {"Republic of Korea", "KR"},
        {"Syrian Arab Republic", "SY"},
        {"United States", "US"},
        {"United States of America", "US"},
        {"United Kingdom of Great Britain and Northern Ireland", "GB"},
        {"United Kingdom", "GB"},
        {"Democratic Republic of the Congo", "CD"},
        {"Congo, Democratic Republic of the", "CD"},
        {"Republic of the Congo", "CG"},
        {"Viet Nam", "VN"},
        {"Burma", "MM"},
        {"Turkey", "TR"},
        {"Turkiye", "TR"},
        {"Lao People's Democratic Republic", "LA"},
        {"Libyan Arab Jamahiriya", "LY"},
        {"United Republic of Tanzania", "TZ"},
        {"Bolivia (Plurinational State of)", "BO"},
        {"Venezuela (Bolivarian Republic of)", "VE"},
        {"Republic of Moldova", "MD"},
        {"Palestinian", "PS"},
        {"West Bank", "PS"},
        {"Gaza", "PS"},
        {"Hong Kong", "HK"},
        {"Macau", "MO"},
        {"Czech Republic", "CZ"},
        {"Cote d'Ivoire", "CI"},
        {"Ivory Coast", "CI"},
        {"Kyrgyz Republic", "KG"},
        {"Bosnia-Herzegovina", "BA"},
        {"The Bahamas", "BS"},
        {"The Gambia", "GM"},
        {"Region: Crimea", "UA"},
    };
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
        add(extra[i][0], extra[i][1]);
    const char *const *codes = uloc_getISOCountries();
    for (; codes && *codes; codes++) {
        char loc[8];
        UChar disp[96];
        char utf8[192];
        UErrorCode st = U_ZERO_ERROR;
        snprintf(loc, sizeof loc, "_%s", *codes);
        int32_t n = uloc_getDisplayCountry(loc, "en", disp, 96, &st);
        if (U_FAILURE(st) || n <= 0 || n >= 96)
            continue;
        /* ICU names are ASCII or Latin; convert naively through UTF-8 */
        size_t u = 0;
        for (int32_t j = 0; j < n && u + 4 < sizeof utf8; j++) {
            UChar c = disp[j];
            if (c < 0x80) {
                utf8[u++] = (char)c;
            } else if (c < 0x800) {
                utf8[u++] = (char)(0xC0 | (c >> 6));
                utf8[u++] = (char)(0x80 | (c & 0x3F));
            } else {
                utf8[u++] = (char)(0xE0 | (c >> 12));
                utf8[u++] = (char)(0x80 | ((c >> 6) & 0x3F));
                utf8[u++] = (char)(0x80 | (c & 0x3F));
            }
        }
        utf8[u] = 0;
        add(utf8, *codes);
        add(*codes, *codes);
    }
}

int clr__country_code(char cc[3], const char *s)
{
    pthread_once(&once, init);
    while (*s == ' ')
        s++;
    if (strlen(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z') {
        if (!clr_country_valid(s, 2))
            return -1;
        memcpy(cc, s, 2);
        cc[2] = 0;
        return 0;
    }
    char k[64];
    key(k, sizeof k, s);
    if (!k[0])
        return -1;
    for (uint32_t i = hash(k) & (SLOTS - 1), n = 0; n < SLOTS; i = (i + 1) & (SLOTS - 1), n++) {
        if (!table[i].name[0])
            return -1;
        if (!strcmp(table[i].name, k)) {
            memcpy(cc, table[i].cc, 3);
            return 0;
        }
    }
    return -1;
}
