// The public API in cluster mode: this binary is the driver, and the node manager starts its
// workers from this same executable (cluster_api_test.py starts the cluster and runs it with
// $ACTORS_ADDRESS set). Every test joins with a plain actors::init(), as a user program would.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <actors/actors.hpp>

#include "cluster_test_support.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <tuple>
#include <string_view>
#include <sys/wait.h>
#include <cstdlib>
#include <numeric>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace cluster_test;

int add(int a, int b) { return a + b; }
long process_id() { return ::getpid(); }
std::string shout(const std::string& s) { return s + "!"; }
int fail_with(std::string why) { throw std::runtime_error(why); }
int die_now() {
  std::raise(SIGKILL);
  return 0;
}
double sum(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }
int sleep_ms(int ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  return ms;
}

class counter {
 public:
  explicit counter(int start) : value_(start) {}
  static counter* make(int start) { return new counter(start); }
  static counter* make_broken(int) { throw std::invalid_argument("no counter today"); }
  int add(int n) { return value_ += n; }
  int get() const { return value_; }
  long where() const { return ::getpid(); }
  int fail() { throw std::logic_error("counter refuses"); }

 private:
  int value_;
};

/// An actor that can take its process down with it, and tells whether it was restarted.
class phoenix {
 public:
  explicit phoenix(int start) : value_(start) {}
  static phoenix* make(int start) { return new phoenix(start); }
  int add(int n) { return value_ += n; }
  long where() const { return ::getpid(); }
  bool restarted() const { return actors::was_current_actor_restarted(); }
  int crash() {
    std::raise(SIGKILL);
    return 0;
  }
  /// Kills its process unless this instance is a restarted one; answers n there.
  int crash_once(int n) {
    if (!actors::was_current_actor_restarted()) std::raise(SIGKILL);
    return note(n);
  }
  int note(int n) {
    seen_.push_back(n);
    return n;
  }
  std::vector<int> seen() const { return seen_; }

 private:
  int value_;
  std::vector<int> seen_;
};

/// Calls a borrowed phoenix (max_restarts 1): where it runs, a call that kills its process,
/// then where it runs once its creator has restarted it, and whether it knows.
std::tuple<long, bool, long, bool> borrowed_across_restart(actors::actor_handle<phoenix> p) {
  constexpr auto bound = std::chrono::seconds(60);
  const long before = actors::get(p.task(&phoenix::where).remote(), bound);
  bool crash_failed = false;
  try {
    actors::get(p.task(&phoenix::crash).remote(), bound);
  } catch (const actors::actor_died_error&) {
    crash_failed = true;
  }
  const long after = actors::get(p.task(&phoenix::where).remote(), bound);
  return {before, crash_failed, after, actors::get(p.task(&phoenix::restarted).remote(), bound)};
}

// Refs and handles that travel inside arguments and results: the receiving process borrows
// them from the sender (docs/cluster.md, "Refs across processes").
int plus_one(actors::object_ref<int> r) { return actors::get(r) + 1; }
int sum_refs(std::vector<actors::object_ref<int>> refs) {
  int total = 0;
  for (int v : actors::get(refs)) total += v;
  return total;
}
actors::object_ref<int> put_inside(int v) { return actors::put(v); }
actors::object_ref<int> submit_inside(int a, int b) { return actors::task(add).remote(a, b); }
double sum_view(actors::object_ref<std::vector<double>> r) {
  auto view = actors::get_view(r);
  return std::accumulate(view.begin(), view.end(), 0.0);
}
int add_through(actors::actor_handle<counter> c, int n) { return actors::get(c.task(&counter::add).remote(n)); }
int add_to_named(std::string name, int n) {
  auto c = actors::get_actor<counter>(name);
  return c ? actors::get(c->task(&counter::add).remote(n)) : -1;
}

/// The second driver of "two drivers share a named actor": adds 10 to the named counter.
int second_driver(const std::string& name) {
  actors::init();
  auto c = actors::get_actor<counter>(name);
  int code = c && actors::get(c->task(&counter::add).remote(10)) == 12 ? 0 : 1;
  actors::shutdown();
  return code;
}

std::string node_after(int ms) {
  sleep_ms(ms);
  return node_here();
}
std::vector<double> filled(std::size_t n, double v) { return std::vector<double>(n, v); }
std::string visible_gpus(int ms) {
  sleep_ms(ms);
  const char* v = std::getenv("CUDA_VISIBLE_DEVICES");
  return v ? v : "(unset)";
}
std::pair<std::string, int> add_elsewhere(actors::actor_handle<counter> c, int n) {
  return {node_here(), actors::get(c.task(&counter::add).remote(n))};
}

/// This process's private resident memory in KiB (RssAnon): what a copy of a value would add.
long private_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.starts_with("RssAnon:")) return std::stol(line.substr(8));
  return -1;
}

/// Views a stored array and reads all of it: its sum, whether the view is 64-byte aligned, and
/// how much private memory that cost this process (a copy would cost the array's size).
std::tuple<double, bool, long> view_and_read(actors::object_ref<std::vector<double>> r) {
  const long before = private_kib();
  auto view = actors::get_view(r);
  double total = std::accumulate(view.begin(), view.end(), 0.0);
  bool aligned = reinterpret_cast<std::uintptr_t>(view.data()) % 64 == 0;
  return {total, aligned, private_kib() - before};
}

/// n bytes that depend on every index and on `seed`, and their checksum.
std::uint64_t pattern_byte(std::size_t i, std::uint64_t seed) { return ((i * 2654435761u) ^ seed) >> 7 & 0xff; }
std::vector<std::uint8_t> patterned(std::size_t n, std::uint64_t seed) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(pattern_byte(i, seed));
  return v;
}
std::uint64_t checksum(const std::vector<std::uint8_t>& v) {
  std::uint64_t h = 1469598103934665603ull;
  for (auto b : v) h = (h ^ b) * 1099511628211ull;
  return h ^ v.size();
}
std::pair<std::string, std::uint64_t> checksum_here(const std::vector<std::uint8_t>& v) { return {node_here(), checksum(v)}; }

std::vector<double> block_of(int i) { return std::vector<double>(16 * 1024, i); }  // 128 KiB: just over inline
double sum_blocks(std::vector<actors::object_ref<std::vector<double>>> refs) {
  double total = 0;
  for (const auto& r : refs) total += sum(actors::get(r));
  return total;
}


/// Bytes of disk the files in `folder` hold (holes hold none).
std::uint64_t disk_bytes_in(const std::string& folder) {
  std::uint64_t total = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
    struct stat st {};
    if (::stat(entry.path().c_str(), &st) == 0) total += static_cast<std::uint64_t>(st.st_blocks) * 512;
  }
  return total;
}

/// On a node with a small store: puts `count` arrays of `mib` MiB (array i filled with i + 1)
/// and holds them all, so that the later ones find the memory in use; another task on the node
/// then reads each in place. Returns the sums it saw and the disk the spill folder held meanwhile.
std::pair<std::vector<double>, std::uint64_t> fill_small_store(int count, int mib, std::string folder) {
  std::vector<actors::object_ref<std::vector<double>>> held;
  for (int i = 0; i < count; ++i) held.push_back(actors::put(std::vector<double>(std::size_t(mib) << 17, i + 1.0)));
  const auto disk = disk_bytes_in(folder);
  std::vector<double> sums;
  for (const auto& r : held)
    sums.push_back(std::get<0>(actors::get(actors::task(view_and_read).set_resources({{"small", 1}}).remote(r))));
  return {sums, disk};
}

/// The first time (no file at `marker` yet): writes its node manager's pid and its node there,
/// then waits a minute, long enough for the test to stop that node. Later attempts return at
/// once. Either way the answer is the node it ran on.
std::string first_attempt_hangs(std::string marker) {
  if (!std::filesystem::exists(marker)) {
    std::ofstream(marker + ".tmp") << ::getppid() << " " << node_here() << "\n";
    std::filesystem::rename(marker + ".tmp", marker);
    std::this_thread::sleep_for(std::chrono::seconds(60));
  }
  return node_here();
}

// The chaos test's DAG: map tasks make large arrays, shuffle tasks combine two of them, reduce
// tasks three shuffles. Integer values, so that every sum is exact in any order.
std::vector<double> chaos_map(int i) {
  std::vector<double> v(16 * 1024);  // 128 KiB: through the store
  for (std::size_t j = 0; j < v.size(); ++j) v[j] = static_cast<double>((i * 31 + static_cast<int>(j)) % 97);
  return v;
}
double chaos_shuffle(const std::vector<double>& a, const std::vector<double>& b) {
  double total = 0;
  for (std::size_t j = 0; j < a.size(); j += 64) total += a[j] * b[(j + 64) % b.size()];
  return total;
}
double chaos_reduce(double a, double b, double c) { return a + 2 * b + 3 * c; }

/// Puts an array of `bytes` bytes; returns its length.
std::size_t put_bytes(std::size_t bytes) { return actors::get(actors::put(std::vector<std::uint8_t>(bytes, 1))).size(); }

class placed {
 public:
  static placed* make() { return new placed; }
  std::string node() const { return node_here(); }
};

ACTORS_REMOTE(add, process_id, shout, fail_with, die_now, sum, sleep_ms, counter::make, counter::make_broken,
              &counter::add, &counter::get, &counter::where, &counter::fail, plus_one, sum_refs, put_inside,
              submit_inside, sum_view, add_through, add_to_named, node_after, visible_gpus, add_elsewhere, filled,
              placed::make, &placed::node, view_and_read, patterned, checksum_here, block_of, sum_blocks,
              fill_small_store, put_bytes, phoenix::make, &phoenix::add, &phoenix::where, &phoenix::restarted,
              &phoenix::crash, &phoenix::crash_once, &phoenix::note, &phoenix::seen, first_attempt_hangs,
              borrowed_across_restart,
              chaos_map, chaos_shuffle, chaos_reduce)



}  // namespace

TEST_CASE("tasks run in worker processes and their results come back") {
  joined cluster;
  auto where = actors::get(actors::task(process_id).remote());
  CHECK(where != ::getpid());
  CHECK(actors::get(actors::task(add).remote(2, 3)) == 5);
  CHECK(actors::get(actors::task(shout).remote(std::string("hello"))) == "hello!");
}

TEST_CASE("refs chain tasks, and many tasks complete") {
  joined cluster;
  auto a = actors::task(add).remote(1, 2);
  auto b = actors::task(add).remote(a, 3);
  auto c = actors::task(add).remote(b, a);
  CHECK(actors::get(c) == 9);
  std::vector<actors::object_ref<int>> refs;
  for (int i = 0; i < 2000; ++i) refs.push_back(actors::task(add).remote(i, 1));
  auto values = actors::get(refs);
  long total = std::accumulate(values.begin(), values.end(), 0L);
  CHECK(total == 2000L * 2001 / 2);
  std::vector<double> big(200'000, 0.5);  // 1.6 MB: larger than any inline threshold
  CHECK(actors::get(actors::task(sum).remote(big)) == doctest::Approx(100'000.0));
  auto put = actors::put(std::vector<double>(1000, 2.0));
  CHECK(actors::get(actors::task(sum).remote(put)) == doctest::Approx(2000.0));
}

TEST_CASE("a task's exception reaches get() with its type, message, function and place") {
  joined cluster;
  auto r = actors::task(fail_with).remote(std::string("bad input"));
  try {
    actors::get(r);
    FAIL("get() should have thrown");
  } catch (const actors::task_error& e) {
    CHECK(e.exception_type() == "std::runtime_error");
    CHECK(e.message() == "bad input");
    CHECK(e.function() == "fail_with");
    CHECK(e.location().find("worker process") != std::string::npos);
  }
}

TEST_CASE("a task whose worker dies is retried, then fails with worker_died_error") {
  joined cluster;
  auto r = actors::task(die_now).set_max_retries(1).remote();
  try {
    actors::get(r, std::chrono::seconds(120));
    FAIL("get() should have thrown");
  } catch (const actors::worker_died_error& e) {
    CHECK(e.attempts() == 2);
  }
  // The cluster still serves after losing workers.
  CHECK(actors::get(actors::task(add).remote(20, 22)) == 42);
}

TEST_CASE("an actor whose process dies is restarted up to max_restarts, then its calls fail at once" *
          doctest::timeout(180)) {
  joined cluster;
  constexpr auto bound = std::chrono::seconds(60);
  auto p = actors::actor(phoenix::make).set_max_restarts(1).set_dedicated_process(true).remote(10);
  CHECK(actors::get(p.task(&phoenix::add).remote(5), bound) == 15);
  const long first = actors::get(p.task(&phoenix::where).remote(), bound);
  CHECK_FALSE(actors::get(p.task(&phoenix::restarted).remote(), bound));
  // The call that kills the process was in flight: it fails (max_task_retries is 0).
  CHECK_THROWS_AS(actors::get(p.task(&phoenix::crash).remote(), bound), actors::actor_died_error);
  // A new instance, from the factory and its arguments, in another process.
  CHECK(actors::get(p.task(&phoenix::add).remote(1), bound) == 11);
  CHECK(actors::get(p.task(&phoenix::where).remote(), bound) != first);
  CHECK(actors::get(p.task(&phoenix::restarted).remote(), bound));
  // Restarts used up: the death is final, and later calls fail at once, saying why.
  CHECK_THROWS_AS(actors::get(p.task(&phoenix::crash).remote(), bound), actors::actor_died_error);
  try {
    actors::get(p.task(&phoenix::add).remote(1), bound);
    FAIL("a call to an actor out of restarts succeeded");
  } catch (const actors::actor_died_error& e) {
    CHECK(std::string(e.what()).find("restarted 1 time") != std::string::npos);
  }
  // kill() is final whatever restarts are left.
  auto q = actors::actor(phoenix::make).set_max_restarts(5).remote(0);
  CHECK(actors::get(q.task(&phoenix::add).remote(1), bound) == 1);
  actors::kill(q);
  CHECK_THROWS_AS(actors::get(q.task(&phoenix::add).remote(1), bound), actors::actor_died_error);
}

TEST_CASE("a handle borrowed by a task follows its actor when the creator restarts it" * doctest::timeout(180)) {
  joined cluster;
  auto p = actors::actor(phoenix::make).set_max_restarts(1).set_dedicated_process(true).remote(0);
  auto [before, crash_failed, after, restarted] =
      actors::get(actors::task(borrowed_across_restart).remote(p), std::chrono::seconds(150));
  CHECK(crash_failed);  // the call in flight when the process died (max_task_retries is 0)
  CHECK(after != before);
  CHECK(restarted);
  CHECK(actors::get(p.task(&phoenix::where).remote()) == after);  // the creator's handle: the same instance
}

TEST_CASE("calls in flight when an actor's process dies are sent again with max_task_retries, in order" *
          doctest::timeout(180)) {
  joined cluster;
  constexpr auto bound = std::chrono::seconds(60);
  auto p = actors::actor(phoenix::make).set_max_restarts(-1).set_max_task_retries(-1).set_dedicated_process(true).remote(0);
  std::vector<actors::object_ref<int>> answers;
  for (int i = 1; i <= 40; ++i)
    answers.push_back(i == 10 ? p.task(&phoenix::crash_once).remote(i) : p.task(&phoenix::note).remote(i));
  for (int i = 1; i <= 40; ++i) CHECK(actors::get(answers[i - 1], bound) == i);
  CHECK(actors::get(p.task(&phoenix::restarted).remote(), bound));
  // The new instance saw the calls from the one that killed the old in the order they were made.
  auto seen = actors::get(p.task(&phoenix::seen).remote(), bound);
  REQUIRE_FALSE(seen.empty());
  CHECK(seen.front() <= 10);
  CHECK(seen.back() == 40);
  CHECK(std::is_sorted(seen.begin(), seen.end()));
  CHECK(std::adjacent_find(seen.begin(), seen.end()) == seen.end());  // none twice
  for (int i = 10; i <= 40; ++i) CHECK(std::find(seen.begin(), seen.end(), i) != seen.end());
}

TEST_CASE("tasks overlap on the node's CPUs") {
  joined cluster;
  auto a = actors::task(sleep_ms).remote(300);
  auto b = actors::task(sleep_ms).remote(300);
  CHECK(actors::get(a) + actors::get(b) == 600);
}

TEST_CASE("an actor lives in a worker and handles its calls in order") {
  joined cluster;
  auto c = actors::actor(counter::make).remote(0);
  auto r1 = c.task(&counter::add).remote(1);
  auto r2 = c.task(&counter::add).remote(2);
  auto r3 = c.task(&counter::add).remote(3);
  CHECK(actors::get(r1) == 1);
  CHECK(actors::get(r2) == 3);
  CHECK(actors::get(r3) == 6);
  CHECK(actors::get(c.task(&counter::add).remote(r3)) == 12);
  CHECK(actors::get(c.task(&counter::where).remote()) != ::getpid());
  std::vector<actors::actor_handle<counter>> many;
  for (int i = 0; i < 4; ++i) many.push_back(actors::actor(counter::make).remote(0));
  std::vector<actors::object_ref<int>> ones;
  for (auto& h : many) ones.push_back(h.task(&counter::add).remote(1));
  CHECK(actors::get(ones) == std::vector<int>{1, 1, 1, 1});
}

TEST_CASE("actor errors: a method that throws, a factory that throws, a killed actor") {
  joined cluster;
  auto c = actors::actor(counter::make).set_name("errors").remote(5);
  CHECK_THROWS_AS(actors::get(c.task(&counter::fail).remote()), actors::task_error);
  CHECK(actors::get(c.task(&counter::get).remote()) == 5);  // still alive after a failed call
  auto found = actors::get_actor<counter>("errors");
  REQUIRE(found);
  CHECK(actors::get(found->task(&counter::add).remote(1)) == 6);
  CHECK_FALSE(actors::get_actor<counter>("nobody"));

  actors::kill(c);
  CHECK_THROWS_AS(actors::get(c.task(&counter::get).remote(), std::chrono::seconds(30)), actors::actor_died_error);

  auto broken = actors::actor(counter::make_broken).remote(1);
  try {
    actors::get(broken.task(&counter::get).remote(), std::chrono::seconds(60));
    FAIL("a call on an actor whose factory threw should fail");
  } catch (const actors::actor_died_error& e) {
    CHECK(std::string(e.what()).find("no counter today") != std::string::npos);
  }
}

TEST_CASE("refs passed inside arguments are fetched from the process that lent them") {
  joined cluster;
  auto forty_one = actors::put(41);
  CHECK(actors::get(actors::task(plus_one).remote(forty_one)) == 42);
  // A ref whose task has not finished yet: the borrower waits for it.
  CHECK(actors::get(actors::task(plus_one).remote(actors::task(sleep_ms).remote(200))) == 201);
  std::vector<actors::object_ref<int>> refs;
  for (int i = 1; i <= 10; ++i) refs.push_back(i % 2 ? actors::put(i) : actors::task(add).remote(i, 0));
  CHECK(actors::get(actors::task(sum_refs).remote(refs)) == 55);
  auto big = actors::put(std::vector<double>(300'000, 0.25));
  CHECK(actors::get(actors::task(sum_view).remote(big)) == doctest::Approx(75'000.0));
}

TEST_CASE("refs returned inside results are fetched from the worker that made them") {
  joined cluster;
  auto outer = actors::task(put_inside).remote(7);
  actors::object_ref<int> inner = actors::get(outer);
  CHECK(actors::get(inner) == 7);
  auto nested = actors::get(actors::task(submit_inside).remote(20, 22));
  CHECK(actors::get(nested) == 42);
  // Passed on to another task: that worker borrows it from the driver, which borrowed it.
  CHECK(actors::get(actors::task(plus_one).remote(nested)) == 43);
}

TEST_CASE("an actor handle passed to a task is called from that task's worker") {
  joined cluster;
  auto c = actors::actor(counter::make).remote(100);
  CHECK(actors::get(actors::task(add_through).remote(c, 5)) == 105);
  CHECK(actors::get(actors::task(add_through).remote(c, 5)) == 110);
  CHECK(actors::get(c.task(&counter::get).remote()) == 110);
}

TEST_CASE("two drivers share a named actor") {
  joined cluster;
  auto c = actors::actor(counter::make).set_name("shared").remote(1);
  CHECK(actors::get(c.task(&counter::add).remote(1)) == 2);
  // Another program on the same cluster: this executable again, as a second driver.
  auto self = std::filesystem::read_symlink("/proc/self/exe").string();
  int status = std::system((self + " --second-driver=shared").c_str());
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(actors::get(c.task(&counter::get).remote()) == 12);  // the second driver added 10
}

TEST_CASE("a named actor is found from inside a task, in the driver's namespace") {
  joined cluster;
  auto c = actors::actor(counter::make).set_name("from_task").remote(5);
  CHECK(actors::get(actors::task(add_to_named).remote(std::string("from_task"), 3)) == 8);
  CHECK(actors::get(actors::task(add_to_named).remote(std::string("nobody"), 3)) == -1);
  CHECK(actors::get(c.task(&counter::get).remote()) == 8);
}

TEST_CASE("nodes() and the resources come from the head") {
  joined cluster;
  auto nodes = actors::nodes();
  REQUIRE(nodes.size() >= 1);
  CHECK(nodes.front().alive);
  auto total = actors::cluster_resources();
  CHECK(total.at("CPU") == 2);
  auto free = actors::available_resources();
  CHECK(free.contains("CPU"));
}

TEST_CASE("shutdown returns with a task still running, and init works again") {
  {
    joined cluster;
    auto r = actors::task(sleep_ms).remote(60'000);
    (void)r;
  }
  joined again;
  CHECK(actors::get(actors::task(add).remote(1, 1)) == 2);
}

TEST_CASE("a large value is read in place by the other processes of its node") {
  joined cluster;
  // Made by the driver, read by a worker: the view maps the node's store, nothing is copied.
  constexpr std::size_t n = 4u << 20;  // 32 MiB
  auto ref = actors::put(std::vector<double>(n, 0.5));
  auto [total, aligned, grew_kib] = actors::get(actors::task(view_and_read).remote(ref));
  CHECK(total == doctest::Approx(0.5 * n));
  CHECK(aligned);
  CHECK(grew_kib < 4096);  // a copy would be 32768
  // Made by a worker, read by the driver in place.
  auto made = actors::task(filled).remote(n, 2.0);
  const long before = private_kib();
  auto view = actors::get_view(made);
  CHECK(std::accumulate(view.begin(), view.end(), 0.0) == doctest::Approx(2.0 * n));
  CHECK(reinterpret_cast<std::uintptr_t>(view.data()) % 64 == 0);
  CHECK(private_kib() - before < 4096);
}

TEST_CASE("arguments no message can carry fail the call with a clear error instead of hanging") {
  joined cluster;
  std::vector<std::uint8_t> huge((std::size_t{1} << 30) + 1, 7);  // by value: inline, beyond one frame
  auto r = actors::task(checksum_here).remote(huge);
  huge = {};
  try {
    actors::get(r, std::chrono::seconds(60));
    FAIL("a 1 GiB argument by value should not reach the worker");
  } catch (const actors::timeout_error&) {
    FAIL("the call hung instead of failing");
  } catch (const actors::error& e) {
    CHECK(std::string(e.what()).find("more than one message") != std::string::npos);
    CHECK(std::string(e.what()).find("object_ref") != std::string::npos);
  }
  CHECK(actors::get(actors::task(add).remote(1, 2)) == 3);  // the worker and the client carry on
}

TEST_CASE("the node's store gives its memory back once no process holds the values") {
  joined cluster;
  {
    auto a = actors::put(std::vector<double>(1u << 20, 1.0));
    auto b = actors::task(filled).remote(std::size_t{1} << 20, 2.0);
    auto c = actors::task(sum).remote(b);
    CHECK(actors::get(c) == doctest::Approx(2.0 * (1 << 20)));
    CHECK(std::get<0>(actors::get(actors::task(view_and_read).remote(a))) == doctest::Approx(1.0 * (1 << 20)));
    // Seen by the head at the node's next heartbeat.
    CHECK(store_view_eventually(std::chrono::seconds(10), [](double free, double total) { return free < total; }));
  }
  CHECK(stores_at_baseline(std::chrono::seconds(20)));
}

TEST_CASE("a node whose store memory is all in use places further values on disk, read in place there" *
          doctest::timeout(300)) {
  joined cluster;
  // A node of this test's own, with 64 MiB of store memory and 256 MiB of spilling space.
  const std::string folder = std::string(std::getenv("ACTORS_TEMP_DIR")) + "/small_spill";
  add_node("--num-cpus 2 --resources '{\"small\": 4}' --object-store-memory 67108864 --object-spilling-directory " +
           folder + " --object-spilling-limit 268435456");
  {
    // Six 16 MiB arrays held at once: three fill the memory, the others go to disk.
    auto [sums, disk] = actors::get(actors::task(fill_small_store).set_resources({{"small", 1}}).remote(6, 16, folder));
    REQUIRE(sums.size() == 6);
    for (int i = 0; i < 6; ++i) CHECK(sums[i] == doctest::Approx((i + 1.0) * (16 << 17)));
    CHECK(disk >= (32u << 20));
    // More than the memory and the disk together: a clear error, and the node carries on.
    try {
      actors::get(actors::task(put_bytes).set_resources({{"small", 1}}).remote(std::size_t{400} << 20));
      FAIL("a value larger than the node's store and its spilling space was stored");
    } catch (const actors::error& e) {
      CHECK(std::string(e.what()).find("can never hold") != std::string::npos);
      CHECK(std::string(e.what()).find("--object-spilling-limit") != std::string::npos);
    }
    CHECK(actors::get(actors::task(put_bytes).set_resources({{"small", 1}}).remote(std::size_t{8} << 20)) == (8u << 20));
  }
  // The disk is given back with the values (their releases reach the node after the results).
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (disk_bytes_in(folder) >= (1u << 20) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(disk_bytes_in(folder) < (1u << 20));
  CHECK(stores_at_baseline(std::chrono::seconds(20)));
}

TEST_CASE("a task on a node that falls silent is run again on another once the head declares it dead" *
          doctest::timeout(180)) {
  joined cluster;
  const std::string temp = std::getenv("ACTORS_TEMP_DIR");
  // Two nodes of this test's own that can run it; it starts on one of them.
  for (int i = 0; i < 2; ++i) add_node("--num-cpus 1 --resources '{\"flaky\": 1}'");
  const std::string marker = temp + "/first_attempt";
  auto r = actors::task(first_attempt_hangs).set_resources({{"CPU", 1}, {"flaky", 1}}).remote(marker);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!std::filesystem::exists(marker) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  REQUIRE(std::filesystem::exists(marker));
  pid_t manager = 0;
  std::string first_node;
  std::ifstream(marker) >> manager >> first_node;
  REQUIRE(manager > 1);
  // The node and its workers stop answering (a hung host: their connections stay open).
  REQUIRE(::kill(-manager, SIGSTOP) == 0);
  std::string ran_on;
  try {
    ran_on = actors::get(r, std::chrono::seconds(90));
  } catch (const std::exception& e) {
    FAIL("the task did not complete after its node fell silent: " << e.what());
  }
  ::kill(-manager, SIGKILL);  // it has been declared dead; nothing of it is wanted back
  CHECK(ran_on != first_node);
  CHECK(ran_on != "none");
  bool declared_dead = false;
  for (const auto& n : actors::nodes())
    if (n.id.substr(0, 8) == first_node) declared_dead = !n.alive;
  CHECK(declared_dead);
}

// ---- three nodes: head (1 CPU), one with {"other": 1}, one with {"special": 2} and 2 GPUs ------

TEST_SUITE("three nodes") {

TEST_CASE("custom resources pin tasks and actors to the node that has them") {
  joined cluster;
  REQUIRE(actors::nodes().size() == 3);
  const auto special = node_with("special");
  std::vector<actors::object_ref<std::string>> refs;
  for (int i = 0; i < 6; ++i) refs.push_back(actors::task(node_after).set_resources({{"special", 1}}).remote(50));
  for (const auto& where : actors::get(refs)) CHECK(where == special);
  auto a = actors::actor(placed::make).set_resources({{"special", 1}}).remote();
  CHECK(actors::get(a.task(&placed::node).remote()) == special);
  CHECK(actors::get(actors::task(node_after).set_resources({{"other", 1}}).remote(0)) == node_with("other"));
}

TEST_CASE("tasks spill over to other nodes when the driver's node is busy") {
  joined cluster;
  // The head has one CPU: four one-second tasks cannot all wait for it.
  std::vector<actors::object_ref<std::string>> refs;
  for (int i = 0; i < 4; ++i) refs.push_back(actors::task(node_after).remote(1000));
  auto where = actors::get(refs);
  std::sort(where.begin(), where.end());
  where.erase(std::unique(where.begin(), where.end()), where.end());
  CHECK(where.size() >= 2);
}

TEST_CASE("an actor handle passed to a task on another node is called from there") {
  joined cluster;
  auto c = actors::actor(counter::make).set_resources({{"special", 1}}).remote(100);
  auto [task_node, value] = actors::get(actors::task(add_elsewhere).set_resources({{"other", 1}}).remote(c, 5));
  CHECK(task_node == node_with("other"));
  CHECK(task_node != node_with("special"));
  CHECK(value == 105);
  CHECK(actors::get(c.task(&counter::get).remote()) == 105);
}

TEST_CASE("GPU tasks see only their own GPUs; other tasks see none") {
  joined cluster;
  auto a = actors::task(visible_gpus).set_resources({{"CPU", 0}, {"GPU", 1}}).remote(500);
  auto b = actors::task(visible_gpus).set_resources({{"CPU", 0}, {"GPU", 1}}).remote(500);
  auto both = actors::get(std::vector{a, b});
  std::sort(both.begin(), both.end());
  CHECK(both == std::vector<std::string>{"0", "1"});  // one device each, never the same one
  CHECK(actors::get(actors::task(visible_gpus).set_resources({{"GPU", 2}}).remote(0)) == "0,1");
  CHECK(actors::get(actors::task(visible_gpus).set_resources({{"special", 1}}).remote(0)) == "");
}

TEST_CASE("an infeasible task waits, and starts once a node that fits joins") {
  joined cluster;
  auto late = actors::task(node_after).set_resources({{"late", 1}}).remote(0);
  auto early = actors::wait(std::vector{late}, 1, std::chrono::milliseconds(1500));
  CHECK(early.ready.empty());  // no node has "late" yet
  add_node("--num-cpus 1 --resources '{\"late\": 1}'");
  CHECK(actors::get(late) == node_with("late"));
}

TEST_CASE("a 256 MiB value made on one node is consumed on another, its checksum intact") {
  joined cluster;
  constexpr std::size_t n = 256u << 20;
  const std::uint64_t seed = 0x5eed;
  const auto expected = checksum(patterned(n, seed));
  auto made = actors::task(patterned).set_resources({{"other", 1}}).remote(n, seed);
  auto [where, sum_there] = actors::get(actors::task(checksum_here).set_resources({{"special", 1}}).remote(made));
  CHECK(where == node_with("special"));
  CHECK(sum_there == expected);
  CHECK(checksum(actors::get(made)) == expected);  // and in the driver, on the head's node
}

TEST_CASE("every node's store returns to its baseline after thousands of tasks with large results") {
  joined cluster;
  constexpr int tasks = 2000, per_sum = 10;
  {
    std::vector<actors::object_ref<std::vector<double>>> blocks;
    std::vector<actors::object_ref<double>> sums;
    for (int i = 0; i < tasks; ++i) {
      // Spread over the three nodes, and summed on a node other than the one that made them.
      std::map<std::string, double> made_on{{"CPU", 1}};
      if (i % 3 < 2) made_on[i % 3 == 0 ? "other" : "special"] = 0.01;
      blocks.push_back(actors::task(block_of).set_resources(made_on).remote(i));
      if (blocks.size() % per_sum == 0) {
        std::vector<actors::object_ref<std::vector<double>>> group(blocks.end() - per_sum, blocks.end());
        const char* summed_on = (i / per_sum) % 2 == 0 ? "special" : "other";
        sums.push_back(actors::task(sum_blocks).set_resources({{"CPU", 1}, {summed_on, 0.01}}).remote(group));
      }
    }
    double expected = 0, total = 0;
    for (int i = 0; i < tasks; ++i) expected += 16.0 * 1024 * i;
    for (const auto& s : actors::get(sums)) total += s;
    CHECK(total == doctest::Approx(expected));
  }
  CHECK(stores_at_baseline(std::chrono::seconds(30)));
}

TEST_CASE("chaos: a DAG of 5,000 tasks completes correctly while workers and a node are killed" *
          doctest::timeout(600)) {
  joined cluster;
  const std::string temp = std::getenv("ACTORS_TEMP_DIR");
  const char* killer = std::getenv("ACTORS_TEST_CHAOS_KILLER");
  REQUIRE(killer);
  // A node of this test's own, in the foreground so that its pid is known: the one to kill.
  const std::string stop = temp + "/chaos.stop", report = temp + "/chaos.out";
  const pid_t node = start_node_process("--num-cpus 2", temp + "/chaos_node.log");

  // The killer: a worker every 200 ms, and the node once, half a second in.
  auto kill_cmd = "python3 " + std::string(killer) + " " + std::filesystem::read_symlink("/proc/self/exe").string() +
                  " " + std::to_string(::getpid()) + " 200 " + std::to_string(node) + " 0.5 " + stop + " > " + report +
                  " 2>&1 &";
  REQUIRE(std::system(kill_cmd.c_str()) == 0);

  constexpr int maps = 1000, shuffles = 3000, reduces = 1000;
  std::vector<actors::object_ref<std::vector<double>>> mapped;
  for (int i = 0; i < maps; ++i) mapped.push_back(actors::task(chaos_map).set_max_retries(-1).remote(i));
  std::vector<actors::object_ref<double>> shuffled;
  for (int k = 0; k < shuffles; ++k)
    shuffled.push_back(
        actors::task(chaos_shuffle).set_max_retries(-1).remote(mapped[k % maps], mapped[(k * 7 + 3) % maps]));
  std::vector<actors::object_ref<double>> reduced;
  for (int r = 0; r < reduces; ++r)
    reduced.push_back(actors::task(chaos_reduce)
                          .set_max_retries(-1)
                          .remote(shuffled[3 * r], shuffled[3 * r + 1], shuffled[3 * r + 2]));
  const auto done = actors::wait(reduced, reduces, std::chrono::seconds(400));
  std::ofstream(stop) << "stop\n";
  REQUIRE_MESSAGE(done.unready.empty(), done.unready.size() << " results did not come under chaos");
  std::vector<double> results;
  try {
    results = actors::get(reduced);
  } catch (const std::exception& e) {
    FAIL("a task of the DAG failed under chaos: " << std::string(e.what()));
  }
  ::kill(node, SIGKILL);

  // The same computation, sequentially, here.
  std::vector<std::vector<double>> m;
  for (int i = 0; i < maps; ++i) m.push_back(chaos_map(i));
  REQUIRE(results.size() == static_cast<std::size_t>(reduces));
  int wrong = 0;
  for (int r = 0; r < reduces; ++r) {
    double s[3];
    for (int t = 0; t < 3; ++t) {
      const int k = 3 * r + t;
      s[t] = chaos_shuffle(m[k % maps], m[(k * 7 + 3) % maps]);
    }
    if (results[r] != chaos_reduce(s[0], s[1], s[2])) ++wrong;
  }
  CHECK(wrong == 0);
  // The killer did its part: the node, and workers all along.
  std::string line;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(report);
    std::string l;
    while (std::getline(in, l)) line = l;
    if (line.starts_with("killed")) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  MESSAGE("chaos killer: ", line);
  int workers = 0, node_killed = 0;
  REQUIRE(std::sscanf(line.c_str(), "killed %d workers, node %d", &workers, &node_killed) == 2);
  CHECK(node_killed == 1);
  CHECK(workers >= 2);
}

}  // TEST_SUITE

// ---- hosts made of network namespaces (netns_test.py): the driver on h1 with the head,
// h2 with {"gpu_like": 1}, h3 with {"disk": 4}; every byte between them crosses TCP ----------

TEST_SUITE("netns hosts") {

TEST_CASE("tasks go to the host with their custom resource, and a value made on one host is used on another") {
  joined cluster;
  const auto h2 = node_with("gpu_like"), h3 = node_with("disk");
  REQUIRE(h2 != h3);
  std::vector<actors::object_ref<std::string>> on_h2, on_h3;
  for (int i = 0; i < 3; ++i) {
    on_h2.push_back(actors::task(node_after).set_resources({{"gpu_like", 1}}).remote(20));
    on_h3.push_back(actors::task(node_after).set_resources({{"disk", 1}}).remote(20));
  }
  for (const auto& where : actors::get(on_h2)) CHECK(where == h2);
  for (const auto& where : actors::get(on_h3)) CHECK(where == h3);
  // 4 MiB made by a task on h2, summed by a task on h3.
  auto made = actors::task(filled).set_resources({{"gpu_like", 1}}).remote(std::size_t{1} << 19, 3.0);
  auto total = actors::task(sum).set_resources({{"disk", 1}}).remote(made);
  CHECK(actors::get(total) == doctest::Approx(3.0 * (1 << 19)));
  auto c = actors::actor(counter::make).set_resources({{"disk", 1}}).remote(1);
  auto [task_node, value] = actors::get(actors::task(add_elsewhere).set_resources({{"gpu_like", 1}}).remote(c, 2));
  CHECK(task_node == h2);
  CHECK(value == 3);
}

TEST_CASE("(netns_test.py runs this while it cuts h3's link) a task on h3 runs again on h3's next node" *
          doctest::skip() * doctest::timeout(240)) {
  joined cluster;
  const char* marker = std::getenv("ACTORS_TEST_MARKER");
  REQUIRE(marker);
  const auto h3 = node_with("disk");
  // Its first attempt writes the marker and hangs: netns_test.py cuts h3's link then. The head
  // declares h3 dead, its node manager tells this driver, and the task waits for a node with
  // "disk": h3's, joining again under a new id once its link is back.
  auto r = actors::task(first_attempt_hangs).set_resources({{"disk", 1}}).remote(std::string(marker));
  const auto ran_on = actors::get(r, std::chrono::seconds(200));
  CHECK(ran_on != h3);
  CHECK(ran_on == node_with("disk"));
  std::ofstream(std::string(marker) + ".done") << ran_on << "\n";
}

}  // TEST_SUITE

int main(int argc, char** argv) {
  // In a worker this serves calls and never returns (API.md); in the test process it joins the
  // cluster once and leaves, and the tests then join on their own.
  actors::init(argc, argv);
  actors::shutdown();
  if (argc == 2 && std::string_view(argv[1]).starts_with("--second-driver="))
    return second_driver(std::string(argv[1]).substr(16));
  // --delete-own-executable: as on hosts that share no filesystem, no node finds this program
  // by its path; each must pull it from this process by content hash (netns_test.py).
  std::vector<char*> args(argv, argv + argc);
  if (auto it = std::find(args.begin(), args.end(), std::string_view("--delete-own-executable")); it != args.end()) {
    args.erase(it);
    std::filesystem::remove(std::filesystem::read_symlink("/proc/self/exe"));
  }
  doctest::Context ctx(static_cast<int>(args.size()), args.data());
  return ctx.run();
}
