// Tasks: arguments (values, refs, nested refs, vectors of refs), parameter kinds, overloads,
// void results, dependencies, nesting, and tasks running side by side.
#include "runtime_fixture.hpp"

#include <map>
#include <string>
#include <thread>
#include <vector>

namespace tasks_test {

/// A user struct carrying a ref: the ref crosses inside the value.
struct work_item {
  std::string label;
  actors::object_ref<int> input;
  std::vector<actors::object_ref<int>> more;
};
ACTORS_SERIALIZABLE(work_item, label, input, more)

int add(int a, int b) { return a + b; }
double half(double x) { return x / 2; }
std::size_t length(std::string s) { return s.size(); }

// Nested refs: a task that returns a ref gives a ref to a ref.
actors::object_ref<int> put_inside(int x) { return actors::put(x); }
actors::object_ref<int> submit_inside(int a, int b) { return actors::task(add).remote(a, b); }

// Refs as arguments.
int sum_refs(std::vector<actors::object_ref<int>> refs) {
  int sum = 0;
  for (int v : actors::get(refs)) sum += v;
  return sum;
}
int twice_through_ref(actors::object_ref<int> r) { return 2 * actors::get(r); }
/// Takes a ref without reading it: must run even when the ref never becomes ready.
bool holds_a_ref(actors::object_ref<int> r) { return static_cast<bool>(r); }

int sum_item(work_item item) {
  int sum = actors::get(item.input);
  for (int v : actors::get(item.more)) sum += v;
  return sum + static_cast<int>(item.label.size());
}

std::string many(int a, double b, std::string c, std::vector<int> d, bool e, char f, std::map<std::string, int> g) {
  return std::to_string(a) + "|" + std::to_string(static_cast<int>(b * 10)) + "|" + c + "|" +
         std::to_string(d.size()) + "|" + (e ? "T" : "F") + "|" + f + "|" + std::to_string(g.at("k"));
}

double sum_doubles(const std::vector<double>& v) {
  double s = 0;
  for (double d : v) s += d;
  return s;
}

// Parameter kinds.
std::size_t by_const_ref(const std::string& s) { return s.size(); }
std::string by_rvalue_ref(std::string&& s) {
  std::string taken = std::move(s);
  return taken + "!";
}
std::vector<int> by_lvalue_ref(std::vector<int>& v) {
  v.push_back(99);  // changes the task's own copy only
  return v;
}
int by_value_struct(api_test::interval i) { return static_cast<int>(i.end - i.start); }

// Overloads told apart with ACTORS_FUNC.
int scale(int x) { return x * 2; }
double scale(double x) { return x * 2.5; }
std::string scale(std::string s) { return s + s; }

// void results.
void touch(std::string path) { api_test::append_line(path); }
void nothing() {}
/// Submits a task and drops its ref before returning.
void fire_and_forget(std::string path) { (void)actors::task(touch).remote(path); }

/// Each level blocks in get() on the level below it.
int nest(int depth) {
  if (depth == 0) return 0;
  return actors::get(actors::task(nest).remote(depth - 1)) + 1;
}

/// A small tree of nested tasks, each waiting on two children.
long fib(int n) {
  if (n < 2) return n;
  auto a = actors::task(fib).remote(n - 1);
  auto b = actors::task(fib).remote(n - 2);
  return actors::get(a) + actors::get(b);
}

/// Waits (bounded) for the gate file; returns whether it opened.
bool wait_gate(std::string gate) { return api_test::wait_for_file(gate, std::chrono::seconds(40)); }

}  // namespace tasks_test

using namespace tasks_test;
ACTORS_REMOTE(tasks_test::add, tasks_test::half, tasks_test::length, tasks_test::put_inside,
              tasks_test::submit_inside, tasks_test::sum_refs, tasks_test::twice_through_ref,
              tasks_test::holds_a_ref, tasks_test::sum_item, tasks_test::many, tasks_test::sum_doubles)
ACTORS_REMOTE(tasks_test::by_const_ref, tasks_test::by_rvalue_ref, tasks_test::by_lvalue_ref,
              tasks_test::by_value_struct, ACTORS_FUNC(tasks_test::scale, int),
              ACTORS_FUNC(tasks_test::scale, double), ACTORS_FUNC(tasks_test::scale, std::string));
ACTORS_REMOTE(tasks_test::touch, tasks_test::nothing, tasks_test::fire_and_forget, tasks_test::nest, tasks_test::fib, tasks_test::wait_gate,
              api_test::timed_sleep)

TEST_SUITE("tasks") {
  TEST_CASE("a task returns its result through get" * doctest::timeout(60)) {
    api_test::runtime_fixture rt;
    auto r = actors::task(add).remote(1, 2);
    static_assert(std::is_same_v<decltype(r), actors::object_ref<int>>);
    CHECK(actors::get(r) == 3);
  }

  TEST_CASE("a ref argument is resolved to its value before the call" * doctest::timeout(60)) {
    api_test::runtime_fixture rt;
    auto r = actors::task(add).remote(1, 2);
    auto s = actors::task(add).remote(r, 10);
    CHECK(actors::get(s) == 13);
    auto t = actors::task(add).remote(actors::put(5), s);
    CHECK(actors::get(t) == 18);
  }

  TEST_CASE("a chain of dependent tasks resolves in order" * doctest::timeout(60)) {
    api_test::runtime_fixture rt;
    auto r = actors::put(0);
    for (int i = 0; i < 100; ++i) r = actors::task(add).remote(r, 1);
    CHECK(actors::get(r) == 100);
  }

  TEST_CASE("a task returning a ref gives a ref to a ref that is read with two gets" * doctest::timeout(60)) {
    api_test::runtime_fixture rt;
    auto outer = actors::task(put_inside).remote(41);
    static_assert(std::is_same_v<decltype(outer), actors::object_ref<actors::object_ref<int>>>);
    actors::object_ref<int> inner = actors::get(outer);
    CHECK(actors::get(inner) == 41);
    // The inner object outlives the task that made it and the outer ref.
    auto outer2 = actors::task(submit_inside).remote(20, 22);
    auto inner2 = actors::get(outer2);
    outer2 = {};
    CHECK(actors::get(inner2) == 42);
    // A ref to a ref can be put too.
    auto nested = actors::put(actors::put(std::string("deep")));
    CHECK(actors::get(actors::get(nested)) == "deep");
  }

  TEST_CASE("a vector of refs is passed as refs and read inside the task" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2});
    std::vector<actors::object_ref<int>> refs;
    for (int i = 1; i <= 10; ++i) refs.push_back(actors::task(add).remote(i, 0));
    refs.push_back(actors::put(100));
    CHECK(actors::get(actors::task(sum_refs).remote(refs)) == 155);
    CHECK(actors::get(actors::task(sum_refs).remote(std::vector<actors::object_ref<int>>{})) == 0);
  }

  TEST_CASE("refs inside a user struct cross with it and are read inside the task" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2});
    work_item item{"abc", actors::task(add).remote(1, 2), {actors::put(10), actors::task(add).remote(20, 0)}};
    CHECK(actors::get(actors::task(sum_item).remote(item)) == 36);
    // Also when the struct itself travels through the store.
    auto stored = actors::put(item);
    item = {};  // the driver's own refs are gone; the stored value keeps its refs alive
    CHECK(actors::get(actors::task(sum_item).remote(stored)) == 36);
  }

  TEST_CASE("a task takes many parameters of different types" * doctest::timeout(60)) {
    api_test::runtime_fixture rt;
    auto r = actors::task(many).remote(1, 2.5, std::string("s"), std::vector<int>{1, 2, 3}, true, 'z',
                                       std::map<std::string, int>{{"k", 9}});
    CHECK(actors::get(r) == "1|25|s|3|T|z|9");
  }

  TEST_CASE("a large array crosses as an argument by value and by ref" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2});
    std::vector<double> big(1'000'000, 0.5);
    CHECK(actors::get(actors::task(sum_doubles).remote(big)) == 500'000.0);
    auto ref = actors::put(std::move(big));
    CHECK(actors::get(actors::task(sum_doubles).remote(ref)) == 500'000.0);
    CHECK(actors::get(actors::task(sum_doubles).remote(ref)) == 500'000.0);
  }

  TEST_CASE("a ref parameter receives the ref itself without waiting for its value" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2});
    CHECK(actors::get(actors::task(twice_through_ref).remote(actors::task(add).remote(3, 4))) == 14);
    // The argument never becomes ready; the task still runs since it takes the ref itself.
    auto never = actors::task(add).set_resources({{"CPU", 1000}}).remote(0, 0);
    CHECK(actors::get(actors::task(holds_a_ref).remote(never), std::chrono::seconds(30)) == true);
  }

  TEST_CASE("const reference and rvalue reference parameters receive the argument" * doctest::timeout(60)) {
    api_test::runtime_fixture rt;
    const std::string word = "four";
    CHECK(actors::get(actors::task(by_const_ref).remote(word)) == 4);
    CHECK(actors::get(actors::task(by_const_ref).remote(std::string("seven!!"))) == 7);
    CHECK(actors::get(actors::task(by_rvalue_ref).remote(std::string("go"))) == "go!");
    std::string kept = "kept";
    CHECK(actors::get(actors::task(by_rvalue_ref).remote(kept)) == "kept!");
    CHECK(kept == "kept");  // an lvalue argument is copied, never moved from
    CHECK(actors::get(actors::task(by_const_ref).remote(actors::put(std::string("abc")))) == 3);
  }

  TEST_CASE("an lvalue reference parameter receives the task's own copy" * doctest::timeout(60)) {
    api_test::runtime_fixture rt;
    std::vector<int> mine{1, 2};
    CHECK(actors::get(actors::task(by_lvalue_ref).remote(mine)) == std::vector<int>{1, 2, 99});
    CHECK(mine == std::vector<int>{1, 2});
    // Through a ref: the stored object is not changed either.
    auto stored = actors::put(std::vector<int>{5});
    CHECK(actors::get(actors::task(by_lvalue_ref).remote(stored)) == std::vector<int>{5, 99});
    CHECK(actors::get(actors::task(by_lvalue_ref).remote(stored)) == std::vector<int>{5, 99});
    CHECK(actors::get(stored) == std::vector<int>{5});
  }

  TEST_CASE("arguments convert as in a plain call" * doctest::timeout(60)) {
    api_test::runtime_fixture rt;
    CHECK(actors::get(actors::task(half).remote(3)) == 1.5);              // int to double
    CHECK(actors::get(actors::task(length).remote("hello")) == 5);        // const char* to std::string
    CHECK(actors::get(actors::task(by_value_struct).remote(api_test::interval{10, 17})) == 7);
  }

  TEST_CASE("overloads are told apart with ACTORS_FUNC" * doctest::timeout(60)) {
    api_test::runtime_fixture rt;
    CHECK(actors::get(actors::task(ACTORS_FUNC(scale, int)).remote(2)) == 4);
    CHECK(actors::get(actors::task(ACTORS_FUNC(scale, double)).remote(2.0)) == 5.0);
    CHECK(actors::get(actors::task(ACTORS_FUNC(scale, std::string)).remote(std::string("ab"))) == "abab");
    // The overload is chosen by ACTORS_FUNC, not by the argument: an int goes to scale(double).
    CHECK(actors::get(actors::task(ACTORS_FUNC(scale, double)).remote(2)) == 5.0);
  }

  TEST_CASE("a void task gives object_ref void and get returns once it is done" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2});
    auto path = api_test::fresh_path("void");
    api_test::file_cleanup cleanup(path);
    auto r = actors::task(touch).remote(path);
    static_assert(std::is_same_v<decltype(r), actors::object_ref<void>>);
    actors::get(r);
    CHECK(api_test::count_lines(path) == 1);  // the side effect is visible once get returned
    std::vector<actors::object_ref<void>> refs;
    for (int i = 0; i < 5; ++i) refs.push_back(actors::task(touch).remote(path));
    actors::get(refs);
    CHECK(api_test::count_lines(path) == 6);
    auto w = actors::wait(std::vector{actors::task(nothing).remote()}, 1, std::chrono::seconds(30));
    CHECK(w.ready.size() == 1);
    CHECK_NOTHROW(actors::get(actors::task(nothing).remote(), std::chrono::seconds(30)));
  }

  TEST_CASE("a builder configured with every option runs the task and may submit twice" *
            doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2});
    auto builder = actors::task(add);
    builder.set_name("named add").set_resources({{"CPU", 1}}).set_max_retries(0).set_retry_exceptions(false);
    auto a = builder.remote(1, 2);
    auto b = builder.remote(3, 4);
    CHECK_FALSE(a.id() == b.id());
    CHECK(actors::get(a) == 3);
    CHECK(actors::get(b) == 7);
    CHECK(actors::get(actors::task(add).set_max_retries(-1).remote(0, 1)) == 1);
    // A task may ask for no CPU at all.
    CHECK(actors::get(actors::task(add).set_resources({}).remote(5, 5)) == 10);
  }

  TEST_CASE("four tasks on four CPUs run at the same time" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 4});
    std::vector<actors::object_ref<api_test::interval>> refs;
    for (int i = 0; i < 4; ++i) refs.push_back(actors::task(api_test::timed_sleep).remote(1000));
    auto spans = actors::get(refs);
    CHECK(api_test::all_overlap(spans));
  }

  TEST_CASE("nested tasks deeper than the CPU count complete" * doctest::timeout(60)) {
    SUBCASE("two CPUs depth 8") {
      api_test::runtime_fixture rt({.num_cpus = 2});
      CHECK(actors::get(actors::task(nest).remote(8)) == 8);
    }
    SUBCASE("one CPU depth 8") {
      api_test::runtime_fixture rt({.num_cpus = 1});
      CHECK(actors::get(actors::task(nest).remote(8)) == 8);
    }
    SUBCASE("a tree of nested tasks on two CPUs") {
      api_test::runtime_fixture rt({.num_cpus = 2});
      CHECK(actors::get(actors::task(fib).remote(10)) == 55);
    }
  }

  TEST_CASE("short tasks run while a long task holds one of two CPUs" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2});
    auto gate = api_test::fresh_path("hol");
    api_test::file_cleanup cleanup(gate);
    auto long_one = actors::task(wait_gate).remote(gate);
    std::vector<actors::object_ref<int>> shorts;
    for (int i = 0; i < 20; ++i) shorts.push_back(actors::task(add).remote(i, 1));
    auto values = actors::get(shorts);
    CHECK(values.front() == 1);
    CHECK(values.back() == 20);
    // The short ones finished while the long one was still waiting for its gate.
    CHECK(actors::wait(std::vector{long_one}, 1, std::chrono::milliseconds(0)).unready.size() == 1);
    api_test::append_line(gate);
    CHECK(actors::get(long_one) == true);
  }

  TEST_CASE("a task submitted from inside a task and never waited on still runs" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2});
    auto path = api_test::fresh_path("inner");
    api_test::file_cleanup cleanup(path);
    actors::get(actors::task(fire_and_forget).remote(path));
    CHECK(api_test::eventually([&] { return api_test::count_lines(path) == 1; }));
  }
}
