/* IP geolocation: a country database in the MaxMind DB format, looked up
 * without allocating (the address is parsed here, not by getaddrinfo). */
#include "clearance.h"

#include <arpa/inet.h>
#include <maxminddb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct clr_geoip {
    MMDB_s db;
};

int clr_geoip_open(clr_geoip **out, const char *path, char *err, size_t cap)
{
    *out = NULL;
    clr_geoip *g = calloc(1, sizeof *g);
    if (!g)
        return CLR_ENOMEM;
    int rc = MMDB_open(path, MMDB_MODE_MMAP, &g->db);
    if (rc != MMDB_SUCCESS) {
        if (err && cap)
            snprintf(err, cap, "%s: %s", path, MMDB_strerror(rc));
        free(g);
        return rc == MMDB_OUT_OF_MEMORY_ERROR ? CLR_ENOMEM : CLR_EIO;
    }
    *out = g;
    return 0;
}

void clr_geoip_close(clr_geoip *g)
{
    if (!g)
        return;
    MMDB_close(&g->db);
    free(g);
}

/* The two-letter code at path in entry: 1 found, 0 absent, -1 a failure. */
static int iso_code(MMDB_entry_s *entry, const char *const *path, char country[3])
{
    MMDB_entry_data_s data;
    int rc = MMDB_aget_value(entry, &data, path);
    if (rc == MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR || (rc == MMDB_SUCCESS && !data.has_data))
        return 0;
    if (rc != MMDB_SUCCESS || data.type != MMDB_DATA_TYPE_UTF8_STRING || data.data_size != 2)
        return -1;
    for (int i = 0; i < 2; i++) {
        char c = data.utf8_string[i];
        if (c < 'A' || c > 'Z')
            return -1;
        country[i] = c;
    }
    country[2] = '\0';
    return 1;
}

int clr_geoip_country(const clr_geoip *g, const char *ip, char country[3])
{
    static const char *const country_path[] = {"country", "iso_code", NULL};
    static const char *const registered_path[] = {"registered_country", "iso_code", NULL};
    country[0] = '\0';
    if (!g || !ip)
        return CLR_EINVAL;
    struct sockaddr_in v4;
    struct sockaddr_in6 v6;
    const struct sockaddr *sa;
    memset(&v4, 0, sizeof v4);
    memset(&v6, 0, sizeof v6);
    if (inet_pton(AF_INET, ip, &v4.sin_addr) == 1) {
        v4.sin_family = AF_INET;
        sa = (const struct sockaddr *)&v4;
    } else if (inet_pton(AF_INET6, ip, &v6.sin6_addr) == 1) {
        v6.sin6_family = AF_INET6;
        sa = (const struct sockaddr *)&v6;
    } else {
        return CLR_EINVAL;
    }
    int mmdb_error = MMDB_SUCCESS;
    MMDB_lookup_result_s res = MMDB_lookup_sockaddr(&g->db, sa, &mmdb_error);
    if (mmdb_error != MMDB_SUCCESS)
        return CLR_EIO;
    if (!res.found_entry)
        return 0;
    int found = iso_code(&res.entry, country_path, country);
    if (found == 0)
        found = iso_code(&res.entry, registered_path, country);
    if (found < 0) {
        country[0] = '\0';
        return CLR_EIO;
    }
    return 0;
}
