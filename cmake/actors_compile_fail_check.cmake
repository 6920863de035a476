# Run by CTest for each actors_add_compile_fail_test(): cmake -D CF_PARAMS=<file> -P this.
# Passes (exit 0) only when the source fails to compile with an error matching CF_REGEX.
# A source that compiles, or that fails for another reason (a typo, a missing include), fails
# the test and shows the compiler's output.

cmake_minimum_required(VERSION 3.25)

include("${CF_PARAMS}")  # CF_COMPILER, CF_FLAGS_FILE, CF_IMPLICIT_INCLUDES, CF_SOURCE, CF_REGEX
file(STRINGS "${CF_FLAGS_FILE}" flags)
list(FILTER flags EXCLUDE REGEX "^$")
# The compiler's own directories (/usr/include) stay out of -I, as in a real build: given as
# -I they would stop being system directories for some compilers and warn about their headers.
foreach(dir IN LISTS CF_IMPLICIT_INCLUDES)
  list(REMOVE_ITEM flags "-I${dir}")
endforeach()
list(REMOVE_DUPLICATES flags)

# LC_ALL=C: plain ASCII quotes in the diagnostics whatever the caller's locale, so a REGEX
# written on one machine matches on another.
execute_process(
  COMMAND "${CMAKE_COMMAND}" -E env LC_ALL=C "${CF_COMPILER}" ${flags} -fsyntax-only "${CF_SOURCE}"
  RESULT_VARIABLE rc
  OUTPUT_VARIABLE output
  ERROR_VARIABLE output)

if(rc EQUAL 0)
  message(FATAL_ERROR "${CF_SOURCE} compiled, but it must be rejected at compile time")
endif()
if(NOT output MATCHES "${CF_REGEX}")
  message(FATAL_ERROR
    "${CF_SOURCE} failed to compile, but without an error matching\n  ${CF_REGEX}\n"
    "compiler output:\n${output}")
endif()
message(STATUS "rejected at compile time as expected: ${CMAKE_MATCH_0}")
