// Lifecycle: init and shutdown, sessions one after another, command-line flags, environment
// defaults, and what shutdown does to pending work, running work and actors.
#include "runtime_fixture.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace lifecycle_test {

int add(int a, int b) { return a + b; }

/// Marks that it started, then waits (bounded) for the gate; marks that it finished.
bool long_running(std::string started, std::string gate, std::string finished) {
  api_test::append_line(started);
  bool opened = api_test::wait_for_file(gate, std::chrono::seconds(90));
  api_test::append_line(finished);
  return opened;
}

std::string omp_threads() {
  const char* v = std::getenv("OMP_NUM_THREADS");
  return v ? v : "";
}

/// Appends a line to its file when destroyed.
class witness {
 public:
  explicit witness(std::string path) : path_(std::move(path)) {}
  witness(const witness&) = delete;
  witness& operator=(const witness&) = delete;
  ~witness() { api_test::append_line(path_); }
  static witness* create(std::string path) { return new witness(std::move(path)); }
  int ping() const { return 1; }

 private:
  std::string path_;
};

}  // namespace lifecycle_test

using namespace lifecycle_test;
ACTORS_REMOTE(lifecycle_test::add, lifecycle_test::long_running, lifecycle_test::omp_threads,
              lifecycle_test::witness::create, &lifecycle_test::witness::ping)

namespace {
actors::object_ref<int> infeasible_task() {
  return actors::task(lifecycle_test::add).set_resources({{"CPU", 1000}}).remote(0, 0);
}

/// argv built from strings, with the argv[argc] == nullptr terminator main() gets.
struct fake_argv {
  explicit fake_argv(std::vector<std::string> args) : storage(std::move(args)) {
    for (auto& s : storage) pointers.push_back(s.data());
    pointers.push_back(nullptr);
    argc = static_cast<int>(storage.size());
  }
  char** argv() { return pointers.data(); }
  std::vector<std::string> remaining() const {
    std::vector<std::string> out;
    for (int i = 0; i < argc; ++i) out.emplace_back(pointers[static_cast<std::size_t>(i)]);
    return out;
  }
  std::vector<std::string> storage;
  std::vector<char*> pointers;
  int argc = 0;
};
}  // namespace

TEST_SUITE("lifecycle") {
  TEST_CASE("is_initialized follows init and shutdown" * doctest::timeout(60)) {
    CHECK_FALSE(actors::is_initialized());
    {
      api_test::runtime_fixture rt({.num_cpus = 1});
      CHECK(actors::is_initialized());
      rt.stop();
      CHECK_FALSE(actors::is_initialized());
    }
  }

  TEST_CASE("init after shutdown starts afresh" * doctest::timeout(60)) {
    for (int session = 1; session <= 3; ++session) {
      CAPTURE(session);
      auto path = api_test::fresh_path("session");
      api_test::file_cleanup cleanup(path);  // declared first: the actor writes at shutdown
      api_test::runtime_fixture rt({.num_cpus = static_cast<double>(session)});
      CHECK(actors::cluster_resources()["CPU"] == session);
      CHECK(actors::get(actors::task(add).remote(session, 1)) == session + 1);
      // A name taken in one session is free in the next.
      CHECK_FALSE(actors::get_actor<witness>("per_session").has_value());
      auto w = actors::actor(witness::create).set_name("per_session").remote(path);
      CHECK(actors::get(w.task(&witness::ping).remote()) == 1);
    }
  }

  TEST_CASE("the embedded runtime runs with address local and defaults to the hardware threads" *
            doctest::timeout(60)) {
    SUBCASE("address local") {
      api_test::runtime_fixture rt({.address = "local", .num_cpus = 1});
      CHECK(actors::get(actors::task(add).remote(1, 1)) == 2);
    }
    SUBCASE("num_cpus unset") {
      // Assumes ACTORS_ADDRESS is unset in the test environment, as it is under CTest here.
      api_test::runtime_fixture rt(actors::config{});
      CHECK(actors::cluster_resources()["CPU"] == static_cast<double>(std::thread::hardware_concurrency()));
    }
  }

  TEST_CASE("shutdown returns with infeasible and long running tasks outstanding" * doctest::timeout(60)) {
    auto started = api_test::fresh_path("started");
    auto gate = api_test::fresh_path("gate");
    auto finished = api_test::fresh_path("finished");
    api_test::file_cleanup c1(started), c2(gate), c3(finished);
    {
      api_test::runtime_fixture rt({.num_cpus = 2});
      auto pending = infeasible_task();
      auto running = actors::task(long_running).remote(started, gate, finished);
      REQUIRE(api_test::wait_for_file(started));
      // The long task waits up to 90 s for its gate: a shutdown that waited for it would run
      // past this test's timeout.
      rt.stop();
      CHECK_FALSE(actors::is_initialized());
      api_test::append_line(gate);  // let the abandoned task end
      // Embedded, the task's thread runs on to its end; in cluster mode its worker process is
      // stopped with the driver (workers are fate-shared with it), so nothing is left to finish.
      if (api_test::cluster_cli().empty()) CHECK(api_test::wait_for_file(finished));
    }
    // The process is still sound: a fresh session works.
    api_test::runtime_fixture rt({.num_cpus = 1});
    CHECK(actors::get(actors::task(add).remote(2, 2)) == 4);
  }

  TEST_CASE("refs of tasks cancelled by shutdown fail instead of staying pending" * doctest::timeout(60)) {
    // API.md: shutdown "cancels this driver's pending tasks". Read here as: their refs complete
    // with an actors::error (a cancelled task will never produce a value), not a timeout.
    actors::object_ref<int> pending;
    {
      api_test::runtime_fixture rt({.num_cpus = 1});
      pending = infeasible_task();
    }
    try {
      actors::get(pending, std::chrono::seconds(5));
      FAIL("get of a cancelled task returned a value");
    } catch (const actors::timeout_error&) {
      FAIL("the cancelled task's ref is still pending after shutdown");
    } catch (const actors::error& e) {
      INFO("what(): " << e.what());
      CHECK(std::string(e.what()).size() > 0);
    }
  }

  TEST_CASE("a thread blocked in get on a pending task is released by shutdown" * doctest::timeout(60)) {
    // Same reading as above: the cancelled task's ref fails, so a waiter wakes with an error.
    api_test::runtime_fixture rt({.num_cpus = 1});
    auto pending = infeasible_task();
    std::atomic<int> outcome{0};  // 1 = value, 2 = timeout (still pending), 3 = other error
    std::atomic<bool> waiting{false};
    std::thread waiter([&] {
      waiting = true;
      try {
        actors::get(pending, std::chrono::seconds(20));
        outcome = 1;
      } catch (const actors::timeout_error&) {
        outcome = 2;
      } catch (const actors::error&) {
        outcome = 3;
      }
    });
    REQUIRE(api_test::eventually([&] { return waiting.load(); }));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let it block (no timing assert)
    rt.stop();
    waiter.join();
    CHECK(outcome == 3);
  }

  TEST_CASE("shutdown ends the driver's actors" * doctest::timeout(60)) {
    auto path = api_test::fresh_path("shutdown_witness");
    api_test::file_cleanup cleanup(path);
    {
      api_test::runtime_fixture rt({.num_cpus = 2});
      auto named = actors::actor(witness::create).set_name("ended_by_shutdown").remote(path);
      auto unnamed = actors::actor(witness::create).remote(path);
      CHECK(actors::get(named.task(&witness::ping).remote()) == 1);
      CHECK(actors::get(unnamed.task(&witness::ping).remote()) == 1);
      CHECK(api_test::count_lines(path) == 0);
      rt.stop();  // handles still held here: shutdown ends the actors anyway
      CHECK(api_test::eventually([&] { return api_test::count_lines(path) == 2; }));
    }
  }

  TEST_CASE("shutdown prints nothing to standard output" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2});
    auto pending = infeasible_task();
    auto path = api_test::fresh_path("quiet");
    api_test::file_cleanup cleanup(path);
    auto w = actors::actor(witness::create).remote(path);
    CHECK(actors::get(w.task(&witness::ping).remote()) == 1);
    CHECK(actors::get(actors::task(add).remote(1, 2)) == 3);

    std::fflush(stdout);
    std::FILE* capture = std::tmpfile();
    REQUIRE(capture != nullptr);
    int saved = ::dup(STDOUT_FILENO);
    REQUIRE(saved >= 0);
    REQUIRE(::dup2(::fileno(capture), STDOUT_FILENO) >= 0);
    rt.stop();
    std::fflush(stdout);
    ::dup2(saved, STDOUT_FILENO);
    ::close(saved);
    std::fseek(capture, 0, SEEK_END);
    long written = std::ftell(capture);
    std::string text;
    if (written > 0) {
      std::rewind(capture);
      text.resize(static_cast<std::size_t>(written));
      text.resize(std::fread(text.data(), 1, text.size(), capture));
    }
    std::fclose(capture);
    INFO("shutdown printed: " << text);
    CHECK(written == 0);
  }

  TEST_CASE("init with argc and argv applies the actors flags and removes them" * doctest::timeout(60)) {
    fake_argv args({"api_tests", "--actors-num-cpus=3", "--keep-me", "--actors-num-gpus=1", "value"});
    actors::init(args.argc, args.argv());
    struct guard {  // shuts down also when a REQUIRE fails
      ~guard() { actors::shutdown(); }
    } g;
    CHECK(args.argc == 3);
    CHECK(args.remaining() == std::vector<std::string>{"api_tests", "--keep-me", "value"});
    CHECK(args.argv()[args.argc] == nullptr);
    auto total = actors::cluster_resources();
    CHECK(total["CPU"] == 3);
    CHECK(total["GPU"] == 1);
    CHECK(actors::get(actors::task(add).remote(1, 2)) == 3);
  }

  TEST_CASE("flags override the config passed with them" * doctest::timeout(60)) {
    fake_argv args({"api_tests", "--actors-num-cpus=3"});
    actors::init({.num_cpus = 5, .resources = {{"widget", 2}}}, args.argc, args.argv());
    struct guard {
      ~guard() { actors::shutdown(); }
    } g;
    CHECK(args.argc == 1);
    auto total = actors::cluster_resources();
    CHECK(total["CPU"] == 3);      // from the flag
    CHECK(total["widget"] == 2);   // from the config, no flag for it
  }

  TEST_CASE("init without actors flags leaves argv alone" * doctest::timeout(60)) {
    fake_argv args({"api_tests", "--other", "x"});
    actors::init({.num_cpus = 1}, args.argc, args.argv());
    struct guard {
      ~guard() { actors::shutdown(); }
    } g;
    CHECK(args.remaining() == std::vector<std::string>{"api_tests", "--other", "x"});
  }

  TEST_CASE("init sets OMP_NUM_THREADS when the user has not" * doctest::timeout(60)) {
    ::unsetenv("OMP_NUM_THREADS");
    api_test::runtime_fixture rt({.num_cpus = 2});
    const char* value = std::getenv("OMP_NUM_THREADS");
    REQUIRE(value != nullptr);
    CHECK(std::atoi(value) >= 1);
    // Tasks see it too.
    auto in_task = actors::get(actors::task(omp_threads).remote());
    CHECK(std::atoi(in_task.c_str()) >= 1);
  }

  TEST_CASE("init keeps an OMP_NUM_THREADS the user set" * doctest::timeout(60)) {
    ::setenv("OMP_NUM_THREADS", "7", 1);
    api_test::runtime_fixture rt({.num_cpus = 2});
    const char* value = std::getenv("OMP_NUM_THREADS");
    REQUIRE(value != nullptr);
    CHECK(std::string(value) == "7");
  }
}
