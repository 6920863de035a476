// Resource accounting as a caller sees it.
#include <actors/actors.hpp>

#include <doctest/doctest.h>

namespace {
int one() { return 1; }
}  // namespace
ACTORS_REMOTE(one)

TEST_SUITE("resources") {
  // Regression: the worker gave the resources back only after publishing the result, so
  // available_resources() right after get() could still show them taken.
  TEST_CASE("a task's resources are free again as soon as its result is out" * doctest::timeout(60)) {
    actors::init({.num_cpus = 2, .resources = {{"accelerator", 1}}});
    int still_held = 0;
    for (int i = 0; i < 500; ++i) {
      actors::get(actors::task(one).set_resources({{"CPU", 1}, {"accelerator", 1}}).remote());
      auto free = actors::available_resources();
      still_held += free["accelerator"] != 1 || free["CPU"] != 2;
    }
    actors::shutdown();
    CHECK(still_held == 0);
  }
}
