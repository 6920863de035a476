# The install test (see CMakeLists.txt here): cmake -D ... -P run.cmake. Every step must
# succeed; the consumer exits 0 only if its remote call returned the right value.
cmake_minimum_required(VERSION 3.25)

set(prefix "${WORK_DIR}/prefix")
set(consumer_build "${WORK_DIR}/consumer")
# Start clean: files left from an older install could hide one the install no longer makes.
file(REMOVE_RECURSE "${WORK_DIR}")

function(step what)
  message(STATUS "install test: ${what}")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "install test: '${what}' failed (${rc})")
  endif()
endfunction()

set(config_arg "")
if(BUILD_TYPE)
  set(config_arg --config "${BUILD_TYPE}")
endif()
step("install the build tree into ${prefix}"
  "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${prefix}" ${config_arg})

# CMAKE_FIND_USE_PACKAGE_REGISTRY=OFF and the explicit prefix: the consumer must find this
# install, not one in /usr/local or a build tree registered earlier.
step("configure the consumer"
  "${CMAKE_COMMAND}" -S "${CONSUMER_DIR}" -B "${consumer_build}"
    -G "${GENERATOR}"
    "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}"
    "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}"
    "-DCMAKE_CXX_COMPILER_LAUNCHER=${CXX_COMPILER_LAUNCHER}"
    "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}"
    "-DCMAKE_EXE_LINKER_FLAGS=${CXX_FLAGS}"
    "-DCMAKE_PREFIX_PATH=${prefix}"
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
    "-DEXPECTED_PREFIX=${prefix}")
step("build the consumer" "${CMAKE_COMMAND}" --build "${consumer_build}" ${config_arg})

find_program(consumer NAMES consumer PATHS "${consumer_build}" "${consumer_build}/${BUILD_TYPE}"
  NO_DEFAULT_PATH REQUIRED)
step("run the consumer" "${consumer}")
message(STATUS "install test: the installed package works")
