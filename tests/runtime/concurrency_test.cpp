// The runtime under concurrent use: several client threads, long dependency chains, deep
// nesting. These run under ThreadSanitizer in the tsan preset.
#include <actors/actors.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <thread>

namespace {

int add(int a, int b) { return a + b; }
int increment(int x) { return x + 1; }

// Fibonacci by nested tasks: every level blocks in get() on tasks it submitted.
long fib(int n) {
  if (n < 2) return n;
  auto a = actors::task(fib).remote(n - 1);
  auto b = actors::task(fib).remote(n - 2);
  return actors::get(a) + actors::get(b);
}

/// Records, per caller, the sequence numbers in the order the calls ran.
struct recorder {
  std::map<int, std::vector<int>> seen;
  static recorder create() { return {}; }
  void record(int caller, int seq) { seen[caller].push_back(seq); }
  std::map<int, std::vector<int>> dump() const { return seen; }
};

}  // namespace

ACTORS_REMOTE(add, increment, fib, recorder::create, &recorder::record, &recorder::dump)

namespace {
struct runtime_scope {
  explicit runtime_scope(double cpus) { actors::init({.num_cpus = cpus}); }
  ~runtime_scope() { actors::shutdown(); }
};
}  // namespace

TEST_SUITE("concurrency") {
  TEST_CASE("client threads submitting tasks at once all get their own results" * doctest::timeout(120)) {
    runtime_scope rt(2);
    constexpr int clients = 4, per_client = 2000;
    std::vector<long> sums(clients);
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c)
      threads.emplace_back([c, &sums] {
        std::vector<actors::object_ref<int>> refs;
        for (int i = 0; i < per_client; ++i) refs.push_back(actors::task(add).remote(c, i));
        for (int v : actors::get(refs)) sums[c] += v;
      });
    for (auto& t : threads) t.join();
    for (int c = 0; c < clients; ++c) CHECK(sums[c] == long{c} * per_client + long{per_client} * (per_client - 1) / 2);
  }

  TEST_CASE("calls from several threads to one actor keep each caller's order" * doctest::timeout(120)) {
    runtime_scope rt(2);
    auto r = actors::actor(recorder::create).remote();
    constexpr int callers = 4, calls = 500;
    std::vector<std::thread> threads;
    for (int c = 0; c < callers; ++c)
      threads.emplace_back([c, r] {
        for (int i = 0; i < calls; ++i) r.task(&recorder::record).remote(c, i);
      });
    for (auto& t : threads) t.join();
    auto seen = actors::get(r.task(&recorder::dump).remote());
    REQUIRE(seen.size() == callers);
    for (auto& [caller, seqs] : seen) {
      CHECK(seqs.size() == calls);
      CHECK(std::is_sorted(seqs.begin(), seqs.end()));
    }
  }

  TEST_CASE("a chain of 2000 dependent tasks resolves in order" * doctest::timeout(120)) {
    runtime_scope rt(2);
    auto ref = actors::put(0);
    for (int i = 0; i < 2000; ++i) ref = actors::task(increment).remote(ref);
    CHECK(actors::get(ref) == 2000);
  }

  TEST_CASE("nested tasks far deeper than the CPU count complete" * doctest::timeout(120)) {
    runtime_scope rt(2);
    CHECK(actors::get(actors::task(fib).remote(14)) == 377);
  }

  TEST_CASE("several threads waiting on the same refs all see them ready" * doctest::timeout(120)) {
    runtime_scope rt(2);
    std::vector<actors::object_ref<int>> refs;
    for (int i = 0; i < 200; ++i) refs.push_back(actors::task(add).remote(i, i));
    std::vector<std::thread> waiters;
    std::vector<std::size_t> ready(3);
    for (int w = 0; w < 3; ++w)
      waiters.emplace_back([w, &refs, &ready] { ready[w] = actors::wait(refs).ready.size(); });
    for (auto& t : waiters) t.join();
    for (auto n : ready) CHECK(n == refs.size());
  }
}
