// Shutdown with work in every state: queued, waiting on arguments, running, infeasible, and
// actor calls queued behind a running one. It must return, and every ref must resolve.
#include <actors/actors.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace {

std::atomic<int> started{0};

int slow(int ms) {
  ++started;
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  return ms;
}
int plus_one(int x) { return x + 1; }

struct sleeper {
  static sleeper create() { return {}; }
  int nap(int ms) { return slow(ms); }
};

}  // namespace

ACTORS_REMOTE(slow, plus_one, sleeper::create, &sleeper::nap)

TEST_SUITE("shutdown") {
  TEST_CASE("shutdown with queued; waiting; infeasible and running work returns and fails what did not run" *
            doctest::timeout(60)) {
    started = 0;
    actors::init({.num_cpus = 1});
    auto running = actors::task(slow).remote(300);
    std::vector<actors::object_ref<int>> queued;
    for (int i = 0; i < 50; ++i) queued.push_back(actors::task(slow).remote(100));
    auto waiting = actors::task(plus_one).remote(queued.back());
    auto infeasible = actors::task(slow).set_resources({{"GPU", 8}}).remote(1);
    auto a = actors::actor(sleeper::create).remote();
    auto busy = a.task(&sleeper::nap).remote(200);
    auto behind = a.task(&sleeper::nap).remote(1);
    while (started.load() < 1) std::this_thread::sleep_for(std::chrono::milliseconds(1));

    actors::shutdown();
    CHECK_FALSE(actors::is_initialized());

    // Every ref is complete now: a value if its work finished, an error otherwise.
    for (auto* ref : {&queued.front(), &waiting, &infeasible, &behind})
      CHECK_THROWS_AS(actors::get(*ref, std::chrono::milliseconds(5000)), actors::error);
    CHECK(actors::get(running, std::chrono::milliseconds(5000)) == 300);
    CHECK_NOTHROW((void)actors::wait(std::vector{busy}, 1, std::chrono::milliseconds(5000)));
  }

  TEST_CASE("init after shutdown starts afresh" * doctest::timeout(60)) {
    for (int round = 0; round < 5; ++round) {
      actors::init({.num_cpus = 2});
      CHECK(actors::get(actors::task(plus_one).remote(round)) == round + 1);
      actors::shutdown();
    }
    CHECK_THROWS_AS(actors::task(plus_one).remote(1), actors::error);
  }
}
