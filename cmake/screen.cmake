# Screening: where the library finds the default lists when the caller passes
# no data directory (clr_lists_load_defaults(out, NULL, ...)).
# Include after clearance_lib is defined.
set(CLR_DATA_DIR "${CMAKE_SOURCE_DIR}/data" CACHE PATH "Directory holding lists/ (default restricted-party lists)")
target_compile_definitions(clearance_lib PRIVATE CLR_DATA_DIR="${CLR_DATA_DIR}")
