/* The dashboard's built files (ui/), embedded into the server at build time
 * by ui/embed.mjs; without Node.js at build time the table is empty. */
#ifndef CLR_SERVER_UI_ASSETS_H
#define CLR_SERVER_UI_ASSETS_H

#include <stddef.h>

typedef struct srv_ui_asset {
    const char *path; /* "/index.html", "/assets/index-abc123.js"; NULL ends the table */
    const char *type; /* the Content-Type */
    const unsigned char *data;
    size_t size;
} srv_ui_asset;

extern const srv_ui_asset srv_ui_assets[];

#endif
