// The main() of every doctest suite (linked by actors_add_test_suite). It lives apart from the
// suites because a suite that acts as a driver will call actors::init(argc, argv) here, before
// doctest parses argv: worker processes re-run the driver's main with their own arguments.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

int main(int argc, char** argv) {
  doctest::Context ctx(argc, argv);
  return ctx.run();
}
