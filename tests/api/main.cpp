// The API suite's main(): the suite is also a driver in cluster mode (test_cluster.hpp), and the
// node managers start its workers from this executable. In such a process init(argc, argv)
// serves calls and never returns. The test process itself starts a runtime per test case, so
// it does not init here: doctest's test discovery runs this binary at build time, without the
// sanitizer options the tests get (TSan's suppressions for CAF among them).
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <actors/actors.hpp>

#include <cstdlib>

int main(int argc, char** argv) {
  // A node manager starts its workers with $ACTORS_WORKER_ID set (docs/cluster.md).
  if (std::getenv("ACTORS_WORKER_ID")) actors::init(argc, argv);
  doctest::Context ctx(argc, argv);
  return ctx.run();
}
