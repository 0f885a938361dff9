# hbnncConfig.cmake: find_package(hbnnc) for C/C++ projects that link networks compiled
# by hbnnc. Installed into <prefix>/lib/cmake/hbnnc by `cmake --install`.
#
#   find_package(hbnnc REQUIRED)
#   hbnnc_add_network(mynet net.hb [CPU native|x86-64-v3|...] [OPT 0..3] [ARGS ...])
#   target_link_libraries(app PRIVATE mynet)
#
# hbnnc_add_network compiles net.hb at build time into mynet.so and mynet.h in the
# current binary directory and makes `mynet` a library target whose include directory
# holds mynet.h. The functions in the header are named after the network
# (NETWORK_create, NETWORK_run, ...). The network is recompiled when net.hb changes
# (and its weights file, when given as WEIGHTS FILE).
get_filename_component(_hbnnc_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
set(HBNNC_EXECUTABLE "${_hbnnc_prefix}/bin/hbnnc" CACHE FILEPATH "the hbnnc compiler")
if(NOT EXISTS "${HBNNC_EXECUTABLE}")
    set(hbnnc_FOUND FALSE)
    set(hbnnc_NOT_FOUND_MESSAGE "hbnnc not found at ${HBNNC_EXECUTABLE}")
    return()
endif()

function(hbnnc_add_network name hbfile)
    cmake_parse_arguments(ARG "" "CPU;OPT;WEIGHTS" "ARGS" ${ARGN})
    get_filename_component(src "${hbfile}" ABSOLUTE)
    set(so "${CMAKE_CURRENT_BINARY_DIR}/${name}.so")
    set(hdr "${CMAKE_CURRENT_BINARY_DIR}/${name}.h")
    set(opts)
    if(ARG_CPU)
        list(APPEND opts --cpu ${ARG_CPU})
    endif()
    if(ARG_OPT)
        list(APPEND opts -O${ARG_OPT})
    endif()
    set(deps "${src}")
    if(ARG_WEIGHTS)
        get_filename_component(w "${ARG_WEIGHTS}" ABSOLUTE)
        list(APPEND opts --weights "${w}")
        list(APPEND deps "${w}")
    endif()
    add_custom_command(OUTPUT "${so}" "${hdr}"
        COMMAND "${HBNNC_EXECUTABLE}" "${src}" -o "${so}" ${opts} ${ARG_ARGS}
        DEPENDS ${deps} "${HBNNC_EXECUTABLE}"
        COMMENT "hbnnc ${hbfile} -> ${name}.so"
        VERBATIM)
    add_custom_target(${name}_hbnnc DEPENDS "${so}" "${hdr}")
    add_library(${name} SHARED IMPORTED GLOBAL)
    file(MAKE_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}")
    set_target_properties(${name} PROPERTIES
        IMPORTED_LOCATION "${so}"
        IMPORTED_SONAME "${name}.so"
        INTERFACE_INCLUDE_DIRECTORIES "${CMAKE_CURRENT_BINARY_DIR}")
    add_dependencies(${name} ${name}_hbnnc)
endfunction()
