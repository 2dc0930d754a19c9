/* ISO 3166-1 alpha-2: the officially assigned codes. */
#include "clearance.h"

#include <pthread.h>
#include <stdint.h>

/* Every officially assigned alpha-2 code, as of 2024 (249 codes). */
static const char ASSIGNED[] =
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ "
    "BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM "
    "DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS "
    "GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN "
    "KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ "
    "MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM "
    "PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV "
    "SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI "
    "VN VU WF WS YE YT ZA ZM ZW";

static uint32_t bitmap[26 * 26 / 32 + 1];
static pthread_once_t bitmap_once = PTHREAD_ONCE_INIT;

static void build(void)
{
    for (const char *p = ASSIGNED; p[0]; p += p[2] ? 3 : 2) {
        unsigned idx = (unsigned)(p[0] - 'A') * 26 + (unsigned)(p[1] - 'A');
        bitmap[idx / 32] |= 1u << (idx % 32);
        if (!p[2])
            break;
    }
}

int clr_country_valid(const char *s, size_t len)
{
    if (len != 2 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z')
        return 0;
    pthread_once(&bitmap_once, build);
    unsigned idx = (unsigned)(s[0] - 'A') * 26 + (unsigned)(s[1] - 'A');
    return (bitmap[idx / 32] >> (idx % 32)) & 1;
}
