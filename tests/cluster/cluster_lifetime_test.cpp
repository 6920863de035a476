// How long actors live in cluster mode (API.md, "Lifetime"; docs/fault_tolerance.md, "Detached
// actors"): a detached actor outlives the driver that made it, whether that driver shuts down
// or is killed, while its fate-shared actors end with it; a detached actor ends when killed or
// when its process dies, and its name and resources come back. Part of cluster_api_test.

#include <doctest/doctest.h>

#include <actors/actors.hpp>

#include "cluster_test_support.hpp"

#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <sys/wait.h>
#include <unistd.h>

namespace {

using namespace cluster_test;

struct keeper {
  int value = 0;
  static keeper make(int start) { return keeper{start}; }
  int add(int n) { return value += n; }
  int pid() const { return static_cast<int>(::getpid()); }
};

/// Kills the actor of that name from whatever process runs this (a worker): not its creator.
bool kill_by_name(const std::string& name) {
  auto found = actors::get_actor<keeper>(name);
  if (found) actors::kill(*found);
  return found.has_value();
}

}  // namespace

ACTORS_REMOTE(keeper::make, &keeper::add, &keeper::pid, kill_by_name);

namespace {

// The node the test adds: no CPU, 4 of "lifetime", so that what actors hold there shows.
const std::map<std::string, double> on_lifetime_node{{"CPU", 0}, {"lifetime", 1}};

std::string temp_dir() { return std::getenv("ACTORS_TEMP_DIR"); }

bool process_gone(int pid) { return ::kill(pid, 0) != 0; }

std::optional<actors::actor_handle<keeper>> named(const std::string& name) {
  return actors::get_actor<keeper>(name);
}

}  // namespace

/// What a child driver of the next test leaves behind: a named detached actor at `start`, and a
/// named fate-shared one, both on the test's node; each answered a call.
actors::actor_handle<keeper> leave_actors(const std::string& detached_name, int start, const std::string& shared_name) {
  auto kept = actors::actor(keeper::make)
                  .set_name(detached_name)
                  .set_lifetime(actors::lifetime::detached)
                  .set_resources(on_lifetime_node)
                  .remote(start);
  REQUIRE(actors::get(kept.task(&keeper::add).remote(0), std::chrono::seconds(60)) == start);
  auto shared = actors::actor(keeper::make).set_name(shared_name).set_resources(on_lifetime_node).remote(0);
  REQUIRE(actors::get(shared.task(&keeper::add).remote(1), std::chrono::seconds(60)) == 1);
  return kept;
}

TEST_CASE("(run by the detached actor test as a driver that shuts down) detached and fate-shared actors" * doctest::skip() *
          doctest::timeout(120)) {
  joined cluster;
  auto kept = leave_actors("kept", 1, "fate_shared");
  REQUIRE(actors::get(kept.task(&keeper::add).remote(4), std::chrono::seconds(60)) == 5);
  // Made just before shutdown and never called: shutdown waits until it exists.
  actors::actor(keeper::make).set_name("late").set_lifetime(actors::lifetime::detached).remote(7);
}

TEST_CASE("(run by the detached actor test as a driver that is killed) detached and fate-shared actors" * doctest::skip() *
          doctest::timeout(120)) {
  joined cluster;
  leave_actors("kept_past_kill", 10, "fate_shared_killed");
  std::ofstream(temp_dir() + "/lifetime_ready") << "ready\n";
  std::this_thread::sleep_for(std::chrono::seconds(100));  // killed before this ends
}

TEST_CASE("a detached actor outlives its driver whether it shuts down or is killed; fate-shared ones end with it" *
          doctest::timeout(300)) {
  joined cluster;
  add_node("--num-cpus 0 --resources '{\"lifetime\": 4}'");
  const auto node = node_with("lifetime");
  const auto self = std::filesystem::read_symlink("/proc/self/exe").string();

  // A driver that shuts down.
  int status = std::system(
      (self + " --no-skip '--test-case=(run by the detached actor test as a driver that shuts down)*' > " + temp_dir() +
       "/lifetime_driver.log 2>&1")
          .c_str());
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  CHECK(eventually([] { return !named("fate_shared"); }));
  CHECK(eventually([&] { return available_on(node, "lifetime") == 3; }));  // "kept" holds one
  auto kept = named("kept");
  REQUIRE(kept);
  CHECK(actors::get(kept->task(&keeper::add).remote(1), std::chrono::seconds(60)) == 6);  // its state, intact
  auto late = named("late");
  REQUIRE(late);
  CHECK(actors::get(late->task(&keeper::add).remote(0), std::chrono::seconds(60)) == 7);

  // A driver killed with SIGKILL.
  const std::string pid_file = temp_dir() + "/lifetime_driver.pid";
  auto start = "(exec " + self + " --no-skip '--test-case=(run by the detached actor test as a driver that is killed)*' > " +
               temp_dir() + "/lifetime_killed_driver.log 2>&1) & echo $! > " + pid_file;
  REQUIRE(std::system(start.c_str()) == 0);
  REQUIRE(eventually([&] { return std::filesystem::exists(temp_dir() + "/lifetime_ready"); }, std::chrono::seconds(120)));
  pid_t driver = 0;
  std::ifstream(pid_file) >> driver;
  REQUIRE(driver > 1);
  REQUIRE(::kill(driver, SIGKILL) == 0);
  ::waitpid(driver, nullptr, 0);
  CHECK(eventually([] { return !named("fate_shared_killed"); }));
  CHECK(eventually([&] { return available_on(node, "lifetime") == 2; }));
  auto survivor = named("kept_past_kill");
  REQUIRE(survivor);
  CHECK(actors::get(survivor->task(&keeper::add).remote(5), std::chrono::seconds(60)) == 15);

  // kill() ends a detached actor: its name is free, its process gone, its resources back.
  const int kept_pid = actors::get(kept->task(&keeper::pid).remote());
  actors::kill(*kept);
  CHECK_THROWS_AS(actors::get(kept->task(&keeper::add).remote(1), std::chrono::seconds(60)), actors::actor_died_error);
  CHECK(eventually([] { return !named("kept"); }));
  CHECK(eventually([&] { return process_gone(kept_pid); }));
  actors::kill(*late);
  CHECK(eventually([&] { return available_on(node, "lifetime") == 3; }));

  // A detached actor whose process dies once its creator is gone is gone too: nothing restarts
  // it, its name is free, its resources come back, and calls through a handle fail.
  const int survivor_pid = actors::get(survivor->task(&keeper::pid).remote());
  REQUIRE(::kill(survivor_pid, SIGKILL) == 0);
  CHECK(eventually([] { return !named("kept_past_kill"); }));
  CHECK(eventually([&] { return available_on(node, "lifetime") == 4; }));
  CHECK_THROWS_AS(actors::get(survivor->task(&keeper::add).remote(1), std::chrono::seconds(60)),
                  actors::actor_died_error);
}

TEST_CASE("an actor killed by another process fails its creator's calls at once and is not restarted" *
          doctest::timeout(120)) {
  joined cluster;
  auto a = actors::actor(keeper::make)
               .set_name("killed_elsewhere")
               .set_lifetime(actors::lifetime::detached)
               .set_max_restarts(2)
               .remote(1);
  REQUIRE(actors::get(a.task(&keeper::add).remote(1), std::chrono::seconds(60)) == 2);
  const int pid = actors::get(a.task(&keeper::pid).remote());
  CHECK(actors::get(actors::task(kill_by_name).remote(std::string("killed_elsewhere")), std::chrono::seconds(60)));
  CHECK(eventually([&] { return process_gone(pid); }));
  // Its creator heard: no restart, and the call fails with the reason.
  try {
    actors::get(a.task(&keeper::add).remote(1), std::chrono::seconds(60));
    FAIL("a call to a killed actor returned");
  } catch (const actors::actor_died_error& e) {
    CHECK(std::string(e.what()).find("killed") != std::string::npos);
  }
  CHECK_FALSE(named("killed_elsewhere"));
}
