// main() for object_store_tests when this folder is built on its own; inside the project the
// suite uses tests/support/doctest_main.cpp instead.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
