# Test helpers shared by every folder that registers tests (tests/*, examples/, tools/).
#
#   actors_add_test_suite(<name> LABEL <label> SOURCES <file>...
#                         [LIBRARIES <target>...] [TIMEOUT <seconds>] [MAIN <file>])
#   actors_add_cluster_variant(<suite> NODES <n> CLI <actors-cli target>)
#   actors_set_test_environment(<test>...)
#   actors_add_compile_fail_test(NAME <name> SOURCE <file> REGEX <regex>)
#
# ACTORS_TEST_ENVIRONMENT holds the sanitizer options every test runs with (empty without
# sanitizers).

include_guard(GLOBAL)

set(ACTORS_TSAN_SUPPRESSIONS "${PROJECT_SOURCE_DIR}/tests/tsan.supp")

# The runtimes read their options from the environment only. halt_on_error turns the first
# report into a failed test instead of a line lost in a passing test's output.
set(ACTORS_TEST_ENVIRONMENT "")
if(ACTORS_SANITIZERS MATCHES "address")
  list(APPEND ACTORS_TEST_ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1")
endif()
if(ACTORS_SANITIZERS MATCHES "undefined")
  list(APPEND ACTORS_TEST_ENVIRONMENT "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
endif()
if(ACTORS_SANITIZERS MATCHES "thread")
  list(APPEND ACTORS_TEST_ENVIRONMENT
    "TSAN_OPTIONS=suppressions=${ACTORS_TSAN_SUPPRESSIONS}:halt_on_error=1:second_deadlock_stack=1")
endif()

# Gives tests made with add_test() the sanitizer options. Call it in the folder that added them
# (CMake 3.25 cannot set a test's properties from another folder).
function(actors_set_test_environment)
  if(ACTORS_TEST_ENVIRONMENT AND ARGN)
    set_tests_properties(${ARGN} PROPERTIES ENVIRONMENT "${ACTORS_TEST_ENVIRONMENT}")
  endif()
endfunction()

# One doctest executable per module, each TEST_CASE its own CTest test, labelled with <label>
# and with its TEST_SUITE names (so `ctest -L runtime` and `ctest -L <suite>` both work).
# LIBRARIES defaults to actors::actors; the object store's tests pass actors::object_store,
# since that layer must be testable without libactors. main() comes from
# tests/support/doctest_main.cpp. Avoid commas in TEST_CASE names: doctest 2.4.9's discovery
# splits its --test-case filter at them, and such a test loses its TEST_SUITE label.
function(actors_add_test_suite name)
  # Without tests there is no doctest package and no actors_doctest_main: build nothing.
  if(NOT ACTORS_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "LABEL;TIMEOUT;MAIN" "SOURCES;LIBRARIES")
  if(NOT arg_LABEL OR NOT arg_SOURCES)
    message(FATAL_ERROR "actors_add_test_suite(${name}): LABEL and SOURCES are required")
  endif()
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "actors_add_test_suite(${name}): unknown arguments ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT arg_LIBRARIES)
    set(arg_LIBRARIES actors::actors)
  endif()
  if(NOT arg_TIMEOUT)
    set(arg_TIMEOUT 120)
  endif()

  # A suite that is also a cluster driver brings its own main (its workers run it too).
  if(arg_MAIN)
    add_executable(${name} ${arg_SOURCES} ${arg_MAIN})
    target_link_libraries(${name} PRIVATE ${arg_LIBRARIES} doctest::doctest actors_internal)
  else()
    add_executable(${name} ${arg_SOURCES})
    target_link_libraries(${name} PRIVATE
      actors_doctest_main ${arg_LIBRARIES} doctest::doctest actors_internal)
  endif()

  # doctest 2.4.9's discovery breaks list-valued PROPERTIES (ENVIRONMENT "A=1;B=2" is split
  # into separate arguments, which also swallows the suite labels), so only scalar properties
  # go through it. Its LABELS add to the TEST_SUITE labels rather than replace them.
  doctest_discover_tests(${name}
    ADD_LABELS 1
    PROPERTIES LABELS ${arg_LABEL} TIMEOUT ${arg_TIMEOUT})
  # The environment is set by a CTest script that runs after the discovered tests are read;
  # ${name}_TESTS is the list doctest's discovery leaves for that purpose.
  if(ACTORS_TEST_ENVIRONMENT)
    set(env_script "${CMAKE_CURRENT_BINARY_DIR}/${name}_environment.cmake")
    file(WRITE "${env_script}"
      "foreach(t IN LISTS ${name}_TESTS)\n"
      "  set_tests_properties(\"\${t}\" PROPERTIES ENVIRONMENT [==[${ACTORS_TEST_ENVIRONMENT}]==])\n"
      "endforeach()\n")
    set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${env_script}")
  endif()
endfunction()

# Runs the test cases of an API suite once more, each against a real cluster of NODES nodes
# that its fixture starts with the `actors` command (tests/api/test_cluster.hpp): tests named
# "cluster<NODES>: <case>", label cluster. Each case starts and stops its own cluster in a temp
# dir of its own, so they run in parallel like the embedded ones.
function(actors_add_cluster_variant suite)
  if(NOT ACTORS_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "NODES;CLI;TIMEOUT" "")
  if(NOT arg_TIMEOUT)
    set(arg_TIMEOUT 180)
  endif()
  set(variant "${suite}_cluster${arg_NODES}")
  # A test spec of its own gives each variant discovery files of its own (doctest names them by
  # a hash of the spec): "*" for one node, "*,*,*" for three — each lists every case, as the
  # embedded discovery does.
  string(REPEAT ",*" ${arg_NODES} spec)
  string(SUBSTRING "${spec}" 1 -1 spec)
  doctest_discover_tests(${suite}
    TEST_SPEC "${spec}"
    TEST_PREFIX "cluster${arg_NODES}: "
    TEST_LIST ${variant}_TESTS
    PROPERTIES LABELS cluster TIMEOUT ${arg_TIMEOUT})
  set(environment ${ACTORS_TEST_ENVIRONMENT}
    "ACTORS_TEST_CLUSTER_CLI=$<TARGET_FILE:${arg_CLI}>" "ACTORS_TEST_CLUSTER_NODES=${arg_NODES}")
  set(env_script "${CMAKE_CURRENT_BINARY_DIR}/${variant}_environment.cmake")
  file(GENERATE OUTPUT "${env_script}" CONTENT
    "foreach(t IN LISTS ${variant}_TESTS)\n  set_tests_properties(\"\${t}\" PROPERTIES ENVIRONMENT [==[${environment}]==])\nendforeach()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${env_script}")
endfunction()

# Registers a CTest test (label compile_fail) that passes only if SOURCE fails to compile AND
# the compiler's output matches REGEX. SOURCE is compiled with -fsyntax-only and the flags a
# consumer of actors::actors gets (include directories, definitions, C++20, the project's
# warnings and sanitizers). The check is made by cmake/actors_compile_fail_check.cmake and
# reported through the exit code: PASS_REGULAR_EXPRESSION alone would ignore the exit code,
# so a file that compiles could pass whenever its build output happened to match.
function(actors_add_compile_fail_test)
  if(NOT ACTORS_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "NAME;SOURCE;REGEX" "")
  if(NOT arg_NAME OR NOT arg_SOURCE OR "${arg_REGEX}" STREQUAL "")
    message(FATAL_ERROR "actors_add_compile_fail_test: NAME, SOURCE and REGEX are required")
  endif()
  get_filename_component(source "${arg_SOURCE}" ABSOLUTE)

  # One flags file for all such tests, one flag a line, evaluated from the usage requirements
  # of a stand-in consumer target (nothing builds it).
  if(NOT TARGET actors_compile_fail_consumer)
    add_library(actors_compile_fail_consumer INTERFACE)
    target_link_libraries(actors_compile_fail_consumer INTERFACE actors::actors actors_internal)
    set(consumer actors_compile_fail_consumer)
    set(incs "$<TARGET_PROPERTY:${consumer},INTERFACE_INCLUDE_DIRECTORIES>")
    set(defs "$<TARGET_PROPERTY:${consumer},INTERFACE_COMPILE_DEFINITIONS>")
    set(opts "$<TARGET_PROPERTY:${consumer},INTERFACE_COMPILE_OPTIONS>")
    file(GENERATE OUTPUT "${PROJECT_BINARY_DIR}/compile_fail_flags.txt" CONTENT
"${CMAKE_CXX20_STANDARD_COMPILE_OPTION}
$<$<BOOL:${incs}>:-I$<JOIN:${incs},\n-I>>
$<$<BOOL:${defs}>:-D$<JOIN:${defs},\n-D>>
$<JOIN:${opts},\n>
")
  endif()

  set(params "${CMAKE_CURRENT_BINARY_DIR}/${arg_NAME}_compile_fail.cmake")
  file(WRITE "${params}"
    "set(CF_COMPILER [==[${CMAKE_CXX_COMPILER}]==])\n"
    "set(CF_FLAGS_FILE [==[${PROJECT_BINARY_DIR}/compile_fail_flags.txt]==])\n"
    "set(CF_IMPLICIT_INCLUDES [==[${CMAKE_CXX_IMPLICIT_INCLUDE_DIRECTORIES}]==])\n"
    "set(CF_SOURCE [==[${source}]==])\n"
    "set(CF_REGEX [==[${arg_REGEX}]==])\n")
  add_test(NAME ${arg_NAME}
    COMMAND "${CMAKE_COMMAND}" -D "CF_PARAMS=${params}"
            -P "${CMAKE_CURRENT_FUNCTION_LIST_DIR}/actors_compile_fail_check.cmake")
  set_tests_properties(${arg_NAME} PROPERTIES LABELS compile_fail TIMEOUT 120)
endfunction()
