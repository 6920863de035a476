# FindCAF: imported targets for the C++ Actor Framework 0.17.
#
# Debian's libcaf-dev 0.17.6 ships headers and shared libraries but no CAFConfig.cmake and no
# .pc file, so find_package(CAF) needs this module. It is also installed next to
# actorsConfig.cmake, because the exported actors::actors links CAF::core and a consumer has
# to be able to re-create that target.
#
#   find_package(CAF 0.17 REQUIRED COMPONENTS core io)
#
# Components: core (always searched), io, openssl. Imported targets: CAF::core, CAF::io,
# CAF::openssl (each links the one below it). Result variables: CAF_FOUND, CAF_VERSION,
# CAF_INCLUDE_DIR, CAF_<COMPONENT>_FOUND, CAF_<COMPONENT>_LIBRARY.

find_package(Threads QUIET)

find_path(CAF_INCLUDE_DIR caf/all.hpp)
mark_as_advanced(CAF_INCLUDE_DIR)

# CAF_VERSION in caf/config.hpp is major*10000 + minor*100 + patch (1706 is 0.17.6).
if(CAF_INCLUDE_DIR AND EXISTS "${CAF_INCLUDE_DIR}/caf/config.hpp")
  file(STRINGS "${CAF_INCLUDE_DIR}/caf/config.hpp" _caf_version_line
       REGEX "^#define CAF_VERSION [0-9]+")
  if(_caf_version_line MATCHES "CAF_VERSION ([0-9]+)")
    math(EXPR _caf_major "${CMAKE_MATCH_1} / 10000")
    math(EXPR _caf_minor "(${CMAKE_MATCH_1} / 100) % 100")
    math(EXPR _caf_patch "${CMAKE_MATCH_1} % 100")
    set(CAF_VERSION "${_caf_major}.${_caf_minor}.${_caf_patch}")
  endif()
  unset(_caf_version_line)
endif()

# core is needed by every other component, so it is searched even when not asked for.
set(_caf_components core ${CAF_FIND_COMPONENTS})
list(REMOVE_DUPLICATES _caf_components)
foreach(_caf_comp IN LISTS _caf_components)
  find_library(CAF_${_caf_comp}_LIBRARY NAMES caf_${_caf_comp})
  mark_as_advanced(CAF_${_caf_comp}_LIBRARY)
  if(CAF_${_caf_comp}_LIBRARY)
    set(CAF_${_caf_comp}_FOUND TRUE)
  else()
    set(CAF_${_caf_comp}_FOUND FALSE)
  endif()
endforeach()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(CAF
  REQUIRED_VARS CAF_INCLUDE_DIR CAF_core_LIBRARY
  VERSION_VAR CAF_VERSION
  HANDLE_COMPONENTS)

# Each target is created once: the module may be included again by actorsConfig.cmake in a
# project that already found CAF itself.
if(CAF_FOUND)
  set(_caf_below core)
  foreach(_caf_comp IN ITEMS core io openssl)
    if(CAF_${_caf_comp}_FOUND AND NOT TARGET CAF::${_caf_comp})
      add_library(CAF::${_caf_comp} UNKNOWN IMPORTED)
      set_target_properties(CAF::${_caf_comp} PROPERTIES
        IMPORTED_LOCATION "${CAF_${_caf_comp}_LIBRARY}"
        INTERFACE_INCLUDE_DIRECTORIES "${CAF_INCLUDE_DIR}")
      if(_caf_comp STREQUAL "core")
        # CAF starts its own scheduler threads.
        set_property(TARGET CAF::core PROPERTY INTERFACE_LINK_LIBRARIES Threads::Threads)
      else()
        set_property(TARGET CAF::${_caf_comp} PROPERTY INTERFACE_LINK_LIBRARIES CAF::${_caf_below})
      endif()
    endif()
    if(CAF_${_caf_comp}_FOUND)
      set(_caf_below ${_caf_comp})
    endif()
  endforeach()
  unset(_caf_below)
endif()
unset(_caf_comp)
unset(_caf_components)
