// The API suite's main(): the suite is also a driver in cluster mode (test_cluster.hpp), and the
// node managers start its workers from this executable. init(argc, argv) turns such a process
// into a worker and never returns; in the test process it starts and stops an embedded runtime
// (half a millisecond), since each test case starts its own.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <actors/actors.hpp>

int main(int argc, char** argv) {
  {
    // Only the program name: init() edits the argv it is given, and doctest's flags are not its.
    char* own_argv[] = {argv[0], nullptr};
    int own_argc = 1;
    actors::init(actors::config{.address = "local", .num_cpus = 1}, own_argc, own_argv);
    actors::shutdown();
  }
  doctest::Context ctx(argc, argv);
  return ctx.run();
}
