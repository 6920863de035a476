// Values that stay on the node that made them, tasks that go to their arguments, and values
// made again from their lineage when that node dies (docs/cluster.md, "Values stay where they
// are made"; docs/fault_tolerance.md, "Lineage"). Part of cluster_api_test: each test adds the
// nodes it needs to the cluster cluster_api_test.py started.

#include <doctest/doctest.h>

#include <actors/actors.hpp>

#include "cluster_test_support.hpp"

#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include <sys/wait.h>

namespace actors::detail {
std::uint64_t lineage_bytes_kept() noexcept;  // located_value.hpp: checked to return to zero
}

namespace {

using namespace cluster_test;

/// Appends a line to `path`: how often a task ran.
void note_run(const std::string& path) { std::ofstream(path, std::ios::app) << "ran\n"; }
int runs_in(const std::string& path) {
  std::ifstream in(path);
  int n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

std::vector<double> made_here(const std::string& log, std::size_t n, double v) {
  note_run(log);
  return std::vector<double>(n, v);
}
std::vector<double> scaled_here(const std::string& log, const std::vector<double>& a, double k) {
  note_run(log);
  std::vector<double> out(a);
  for (auto& x : out) x *= k;
  return out;
}
std::pair<std::string, double> summed_where(const std::vector<double>& v) {
  return {node_here(), std::accumulate(v.begin(), v.end(), 0.0)};
}
double summed_through_ref(actors::object_ref<std::vector<double>> r) {
  auto view = actors::get_view(r);
  return std::accumulate(view.begin(), view.end(), 0.0);
}
/// Runs for a minute the first time (until its node is killed), at once when run again.
std::string where_run_again(const std::string& log) {
  const bool first = runs_in(log) == 0;
  note_run(log);
  if (first) std::this_thread::sleep_for(std::chrono::seconds(60));
  return node_here();
}

/// An actor whose method takes a large value.
class summer {
 public:
  static summer* make() { return new summer; }
  double sum(const std::vector<double>& v) const { return std::accumulate(v.begin(), v.end(), 0.0); }
};

/// An actor that holds a resource for as long as it lives.
class holder {
 public:
  static holder* make() { return new holder; }
  int ping() const { return 1; }
};

ACTORS_REMOTE(made_here, scaled_here, summed_where, summed_through_ref, where_run_again, holder::make, &holder::ping,
              summer::make, &summer::sum)

constexpr double mib = 1024.0 * 1024.0;

}  // namespace

TEST_CASE("a large result stays on the node that made it until it is read, and tasks taking it run there" *
          doctest::timeout(180)) {
  joined cluster;
  add_node("--num-cpus 2 --resources '{\"far\": 4}'");
  const auto far = node_with("far");
  const auto head = head_node();
  const std::string log = std::string(std::getenv("ACTORS_TEMP_DIR")) + "/far_runs";
  constexpr std::size_t n = 4u << 20;  // 32 MiB of doubles
  {
    auto made = actors::task(made_here).set_resources({{"far", 1}}).remote(log, n, 3.0);
    REQUIRE(actors::wait(std::vector{made}, 1, std::chrono::seconds(60)).ready.size() == 1);
    // Its only copy is in the far node's store, not in this driver's node's.
    CHECK(eventually([&] { return store_in_use(far) >= 32 * mib; }));
    CHECK(store_in_use(head) < 1 * mib);

    // A task that asks for nothing but a CPU goes to the node holding its argument.
    auto [where, total] = actors::get(actors::task(summed_where).remote(made));
    CHECK(where == far);
    CHECK(total == doctest::Approx(3.0 * n));
    // A task that borrows the ref reads it where it lies, too.
    CHECK(actors::get(actors::task(summed_through_ref).remote(made)) == doctest::Approx(3.0 * n));

    // Read here, it comes to this node, in place: a view of its array.
    auto view = actors::get_view(made);
    CHECK(std::accumulate(view.begin(), view.end(), 0.0) == doctest::Approx(3.0 * n));
    CHECK(eventually([&] { return store_in_use(head) >= 32 * mib; }));
    CHECK(runs_in(log) == 1);  // made once, wherever it was read
  }
  CHECK(stores_at_baseline(std::chrono::seconds(20)));
}

TEST_CASE("values lost with a killed node are made again from their lineage, arguments first" *
          doctest::timeout(300)) {
  joined cluster;
  const std::string temp = std::getenv("ACTORS_TEMP_DIR");
  const std::string log_a = temp + "/lineage_a", log_b = temp + "/lineage_b", log_c = temp + "/lineage_c",
                    log_d = temp + "/lineage_d", log_slow = temp + "/lineage_slow";
  const pid_t doomed = start_node_process("--num-cpus 3 --resources '{\"doomed\": 4}'", temp + "/doomed.log");
  const auto first = node_with("doomed");
  constexpr std::size_t n = 1u << 20;  // 8 MiB of doubles
  const std::map<std::string, double> on_doomed{{"CPU", 1}, {"doomed", 1}};
  {
    // b is made from a, both on the doomed node; the driver keeps only b.
    auto a = actors::task(made_here).set_resources(on_doomed).remote(log_a, n, 2.0);
    auto b = actors::task(scaled_here).set_resources(on_doomed).remote(log_b, a, 3.0);
    auto c = actors::task(made_here).set_resources(on_doomed).remote(log_c, n, 5.0);
    auto d = actors::task(made_here).set_resources(on_doomed).remote(log_d, n, 7.0);
    auto slow = actors::task(where_run_again).set_resources(on_doomed).remote(log_slow);
    REQUIRE(actors::wait(std::vector{b, c, d}, 3, std::chrono::seconds(60)).ready.size() == 3);
    a = {};
    CHECK(eventually([&] { return runs_in(log_slow) == 1; }));  // running when the node dies
    CHECK(eventually([&] { return store_in_use(first) >= 24 * mib; }));

    // kill -9 of the whole node: its manager, its store and (with their node gone) its workers.
    REQUIRE(::kill(doomed, SIGKILL) == 0);
    CHECK(eventually([&] { return node_with("doomed") == "none"; }, std::chrono::seconds(30)));
    // Nothing else offers "doomed" until a new node does; the work waits for it, and a get with
    // a timeout says so in time.
    CHECK_THROWS_AS(actors::get(b, std::chrono::seconds(2)), actors::timeout_error);
    auto s = actors::actor(summer::make).remote();  // placed on a live node
    auto summed = s.task(&summer::sum).remote(c);   // its argument is made again before the call goes
    add_node("--num-cpus 3 --resources '{\"doomed\": 4}'");
    const auto second = node_with("doomed");
    CHECK(second != first);

    CHECK(actors::get(slow, std::chrono::seconds(120)) == second);  // run again on the new node
    CHECK(runs_in(log_slow) == 2);
    // b is read: it is gone, so it is made again, and a before it, which was gone too.
    auto view = actors::get_view(b);
    CHECK(std::accumulate(view.begin(), view.end(), 0.0) == doctest::Approx(6.0 * n));
    CHECK(runs_in(log_a) == 2);
    CHECK(runs_in(log_b) == 2);
    CHECK(actors::get(summed, std::chrono::seconds(120)) == doctest::Approx(5.0 * n));
    CHECK(runs_in(log_c) == 2);
    // A task that borrows d (a ref, not its value) asks this driver for it, which makes it again.
    CHECK(actors::get(actors::task(summed_through_ref).remote(d), std::chrono::seconds(120)) ==
          doctest::Approx(7.0 * n));
    CHECK(runs_in(log_d) == 2);
    CHECK(eventually([&] { return store_in_use(second) >= 8 * mib; }));  // b's new home
    CHECK(actors::detail::lineage_bytes_kept() > 0);
  }
  CHECK(stores_at_baseline(std::chrono::seconds(30)));
  CHECK(actors::detail::lineage_bytes_kept() == 0);  // every share of the budget given back, once
}

TEST_CASE("(run by the next test without a lineage budget) a value kept without lineage fails when its node dies" *
          doctest::skip() * doctest::timeout(120)) {
  joined cluster;
  const std::string temp = std::getenv("ACTORS_TEMP_DIR");
  const pid_t node = start_node_process("--num-cpus 1 --resources '{\"unbudgeted\": 1}'", temp + "/unbudgeted.log");
  auto v = actors::task(made_here).set_resources({{"unbudgeted", 1}}).remote(temp + "/unbudgeted_runs", 1u << 20, 1.0);
  REQUIRE(actors::wait(std::vector{v}, 1, std::chrono::seconds(60)).ready.size() == 1);
  REQUIRE(::kill(node, SIGKILL) == 0);
  try {
    actors::get(v, std::chrono::seconds(60));
    FAIL("a value whose node died was read without its lineage");
  } catch (const actors::object_lost_error& e) {
    INFO(e.what());
    CHECK(std::string(e.what()).find("ACTORS_MAX_LINEAGE_BYTES") != std::string::npos);
  }
  std::ofstream(temp + "/unbudgeted_ran") << "ran\n";  // the parent checks that this test ran
}

TEST_CASE("beyond the lineage budget, a value lost with its node fails with object_lost_error naming the limit" *
          doctest::timeout(180)) {
  // The budget is read once per process: a driver of its own, this program again, with none.
  auto self = std::filesystem::read_symlink("/proc/self/exe").string();
  int status = std::system(("ACTORS_MAX_LINEAGE_BYTES=0 " + self +
                            " --no-skip '--test-case=(run by the next test without a lineage budget)*'")
                               .c_str());
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(std::filesystem::exists(std::string(std::getenv("ACTORS_TEMP_DIR")) + "/unbudgeted_ran"));
}

TEST_CASE("(run by the next test as a driver that is killed) work on another node" * doctest::skip() *
          doctest::timeout(120)) {
  joined cluster;
  const std::string temp = std::getenv("ACTORS_TEMP_DIR");
  const std::map<std::string, double> there{{"CPU", 0}, {"cleanup", 1}};
  auto actor = actors::actor(holder::make).set_resources(there).remote();
  REQUIRE(actors::get(actor.task(&holder::ping).remote(), std::chrono::seconds(60)) == 1);
  auto value = actors::task(made_here).set_resources(there).remote(temp + "/cleanup_runs", 2u << 20, 1.0);
  REQUIRE(actors::wait(std::vector{value}, 1, std::chrono::seconds(60)).ready.size() == 1);
  auto running = actors::task(where_run_again).set_resources(there).remote(temp + "/cleanup_running");
  REQUIRE(eventually([&] { return runs_in(temp + "/cleanup_running") == 1; }, std::chrono::seconds(60)));
  std::ofstream(temp + "/cleanup_ready") << "ready\n";
  std::this_thread::sleep_for(std::chrono::seconds(100));  // killed before this ends
}

TEST_CASE("a driver that dies leaves nothing behind on other nodes: its tasks, actors and values go" *
          doctest::timeout(240)) {
  joined cluster;
  const std::string temp = std::getenv("ACTORS_TEMP_DIR");
  add_node("--num-cpus 2 --resources '{\"cleanup\": 3}'");
  const auto node = node_with("cleanup");
  // Another driver (this program again) holds an actor, a running task and a 16 MiB value there.
  auto self = std::filesystem::read_symlink("/proc/self/exe").string();
  const std::string pid_file = temp + "/cleanup_driver.pid";
  auto start = "(exec " + self + " --no-skip '--test-case=(run by the next test as a driver that is killed)*' > " + temp +
               "/cleanup_driver.log 2>&1) & echo $! > " + pid_file;
  REQUIRE(std::system(start.c_str()) == 0);
  REQUIRE(eventually([&] { return std::filesystem::exists(temp + "/cleanup_ready"); }, std::chrono::seconds(120)));
  pid_t driver = 0;
  std::ifstream(pid_file) >> driver;
  REQUIRE(driver > 1);
  CHECK(eventually([&] { return available_on(node, "cleanup") == 1; }));  // the actor and the running task hold 2
  CHECK(eventually([&] { return store_in_use(node) >= 16 * mib; }));

  REQUIRE(::kill(driver, SIGKILL) == 0);
  ::waitpid(driver, nullptr, 0);
  // Its node stops its workers; their connections close; the other node stops the driver's
  // workers there (the actor's and the running task's) and drops the pins of the value.
  CHECK(eventually([&] { return available_on(node, "cleanup") == 3; }, std::chrono::seconds(30)));
  CHECK(eventually([&] { return store_in_use(node) == 0; }, std::chrono::seconds(30)));
}
