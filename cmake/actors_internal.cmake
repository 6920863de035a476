# actors_internal: the one carrier of the project's build settings (standard, warnings,
# sanitizers). Every target of the project links it PRIVATE, so none of it leaks to users of
# the installed package and no global flag (CMAKE_CXX_FLAGS) is ever edited.
#
# Sets ACTORS_SANITIZER_FLAGS (a list, empty without sanitizers) for code built outside this
# target, such as the installed-package consumer in tests/install.

add_library(actors_internal INTERFACE)
target_compile_features(actors_internal INTERFACE cxx_std_20)
# -Wno-missing-field-initializers: g++ 12 warns on every designated initializer that leaves a
# member to its default, and that is how the API is meant to be called
# (actors::init({.num_cpus = 4}), API.md): the first test suites gave 20 such warnings, none useful.
target_compile_options(actors_internal INTERFACE
  -Wall -Wextra -Wpedantic -Wno-missing-field-initializers)

set(ACTORS_SANITIZER_FLAGS "")
if(ACTORS_SANITIZERS)
  string(REPLACE "," ";" _actors_sanitizer_list "${ACTORS_SANITIZERS}")
  foreach(_s IN LISTS _actors_sanitizer_list)
    if(NOT _s MATCHES "^(address|undefined|thread|leak)$")
      message(FATAL_ERROR
        "ACTORS_SANITIZERS: unknown sanitizer '${_s}' (use address, undefined, thread, leak, "
        "comma separated)")
    endif()
  endforeach()
  # The runtimes cannot share one process: GCC refuses the combination anyway, but saying so
  # here turns a cryptic compiler error into a configure error.
  if("thread" IN_LIST _actors_sanitizer_list AND
     ("address" IN_LIST _actors_sanitizer_list OR "leak" IN_LIST _actors_sanitizer_list))
    message(FATAL_ERROR "ACTORS_SANITIZERS: thread cannot be combined with address or leak")
  endif()

  # Frame pointers give the sanitizers' fast unwinder complete stacks in their reports.
  list(APPEND ACTORS_SANITIZER_FLAGS "-fsanitize=${ACTORS_SANITIZERS}" -fno-omit-frame-pointer)
  if("undefined" IN_LIST _actors_sanitizer_list)
    # By default UBSan prints and carries on, and the test still passes: make UB fatal.
    list(APPEND ACTORS_SANITIZER_FLAGS -fno-sanitize-recover=undefined)
  endif()
  target_compile_options(actors_internal INTERFACE ${ACTORS_SANITIZER_FLAGS})
  # The same flags at link time pull in the matching runtime library.
  target_link_options(actors_internal INTERFACE ${ACTORS_SANITIZER_FLAGS})
  if("address" IN_LIST _actors_sanitizer_list)
    # Position-dependent executables under ASan: the API test binary took 0.40 s to start as a
    # PIE (most of it relocating ASan's metadata: 21,500 page faults) and 0.22 s without
    # (9,100), and cluster tests start hundreds of processes (daemons, CLI calls, workers).
    target_link_options(actors_internal INTERFACE $<$<STREQUAL:$<TARGET_PROPERTY:TYPE>,EXECUTABLE>:-no-pie>)
  endif()
  unset(_s)
  unset(_actors_sanitizer_list)
endif()
