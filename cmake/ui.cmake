# The dashboard (ui/): built with npm (npm ci, npm run build) and embedded into
# the server binary as a table of files (server/ui_assets.h), so that
# `clearance serve` answers /ui with no files to install beside it. Without
# Node.js and npm (or with -DCLR_UI=OFF) the table is empty and /ui answers 404
# saying how to build it.
option(CLR_UI "Build the dashboard (ui/) into the server; needs Node.js and npm" ON)
set(CLR_UI_C ${CMAKE_BINARY_DIR}/ui_assets.c)
find_program(CLR_NODE NAMES node nodejs)
find_program(CLR_NPM npm)
if(CLR_UI AND CLR_NODE AND CLR_NPM)
    file(GLOB_RECURSE CLR_UI_INPUTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/ui/src/*)
    add_custom_command(
        OUTPUT ${CLR_UI_C}
        COMMAND bash ${CMAKE_SOURCE_DIR}/ui/build.sh ${CMAKE_BINARY_DIR}/ui-dist ${CLR_UI_C}
        DEPENDS ${CLR_UI_INPUTS} ${CMAKE_SOURCE_DIR}/ui/index.html
                ${CMAKE_SOURCE_DIR}/ui/vite.config.js ${CMAKE_SOURCE_DIR}/ui/package.json
                ${CMAKE_SOURCE_DIR}/ui/package-lock.json ${CMAKE_SOURCE_DIR}/ui/build.sh
                ${CMAKE_SOURCE_DIR}/ui/embed.mjs
        COMMENT "Building the dashboard (npm ci, npm run build) and embedding it")
    set(CLR_UI_BUILT ON)
else()
    message(STATUS "clearance: the dashboard is not built (no Node.js and npm, or CLR_UI=OFF): "
                   "/ui answers 404")
    file(WRITE ${CLR_UI_C}.tmp
         "/* The dashboard was not built (no Node.js and npm, or CLR_UI=OFF). */\n"
         "#include \"ui_assets.h\"\n"
         "const srv_ui_asset srv_ui_assets[] = {{NULL, NULL, NULL, 0}};\n")
    file(COPY_FILE ${CLR_UI_C}.tmp ${CLR_UI_C} ONLY_IF_DIFFERENT)
    set(CLR_UI_BUILT OFF)
endif()
