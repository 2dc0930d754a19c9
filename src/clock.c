/* Instants: RFC 3339 parsing and formatting in UTC, and the current time. */
#include "clearance.h"

#include <string.h>
#include <time.h>

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int digits(const char *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int clr_time_parse(clr_time *out, const char *s, size_t len)
{
    static const unsigned char mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, mo, d, h = 0, mi = 0, se = 0;
    if (len < 10 || s[4] != '-' || s[7] != '-')
        return CLR_EINVAL;
    if (digits(s, 4, &y) || digits(s + 5, 2, &mo) || digits(s + 8, 2, &d))
        return CLR_EINVAL;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1)
        return CLR_EINVAL;
    if (d > mdays[mo - 1] + (mo == 2 && is_leap(y)))
        return CLR_EINVAL;
    int64_t offset = 0;
    if (len > 10) {
        if ((s[10] != 'T' && s[10] != 't') || len < 20 || s[13] != ':' || s[16] != ':')
            return CLR_EINVAL;
        if (digits(s + 11, 2, &h) || digits(s + 14, 2, &mi) || digits(s + 17, 2, &se))
            return CLR_EINVAL;
        if (h > 23 || mi > 59 || se > 60)
            return CLR_EINVAL;
        if (se == 60)
            se = 59; /* a leap second names the last second of its minute */
        size_t i = 19;
        if (i < len && s[i] == '.') {
            i++;
            size_t start = i;
            while (i < len && s[i] >= '0' && s[i] <= '9')
                i++;
            if (i == start)
                return CLR_EINVAL;
        }
        if (i >= len)
            return CLR_EINVAL;
        if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == len) {
            offset = 0;
        } else if ((s[i] == '+' || s[i] == '-') && i + 6 == len && s[i + 3] == ':') {
            int oh, om;
            if (digits(s + i + 1, 2, &oh) || digits(s + i + 4, 2, &om) || oh > 23 || om > 59)
                return CLR_EINVAL;
            offset = (int64_t)(oh * 3600 + om * 60) * (s[i] == '+' ? 1 : -1);
        } else {
            return CLR_EINVAL;
        }
    }
    int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
    *out = days * 86400 + h * 3600 + mi * 60 + se - offset;
    return 0;
}

int clr_time_format(char *buf, size_t cap, clr_time t)
{
    /* 0000-01-01 .. 9999-12-31 */
    if (cap < 21 || t < -62167219200LL || t > 253402300799LL)
        return CLR_EINVAL;
    int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    int64_t secs = t - days * 86400;
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    unsigned h = (unsigned)(secs / 3600), mi = (unsigned)(secs / 60 % 60),
             s = (unsigned)(secs % 60);
    buf[0] = (char)('0' + y / 1000);
    buf[1] = (char)('0' + y / 100 % 10);
    buf[2] = (char)('0' + y / 10 % 10);
    buf[3] = (char)('0' + y % 10);
    buf[4] = '-';
    buf[5] = (char)('0' + m / 10);
    buf[6] = (char)('0' + m % 10);
    buf[7] = '-';
    buf[8] = (char)('0' + d / 10);
    buf[9] = (char)('0' + d % 10);
    buf[10] = 'T';
    buf[11] = (char)('0' + h / 10);
    buf[12] = (char)('0' + h % 10);
    buf[13] = ':';
    buf[14] = (char)('0' + mi / 10);
    buf[15] = (char)('0' + mi % 10);
    buf[16] = ':';
    buf[17] = (char)('0' + s / 10);
    buf[18] = (char)('0' + s % 10);
    buf[19] = 'Z';
    buf[20] = '\0';
    return 20;
}

clr_time clr_time_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (clr_time)ts.tv_sec;
}
