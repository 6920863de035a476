// Objects: put/get of every kind of value, refs as values, get with a timeout, wait, get_view.
#include "runtime_fixture.hpp"

#include <array>
#include <cstdint>
#include <map>
#include <numeric>
#include <optional>
#include <set>
#include <sstream>
#include <span>
#include <string>
#include <thread>
#include <tuple>
#include <unordered_set>
#include <variant>
#include <vector>

namespace objects_test {

struct point {
  double x = 0, y = 0;
  std::string label;
  std::vector<int> tags;
  friend bool operator==(const point&, const point&) = default;
};
ACTORS_SERIALIZABLE(point, x, y, label, tags)

struct segment {
  point from, to;
  std::optional<std::string> note;
  friend bool operator==(const segment&, const segment&) = default;
};
ACTORS_SERIALIZABLE(segment, from, to, note);  // the trailing semicolon is optional

enum class color : std::uint8_t { red = 1, green = 2 };

int add(int a, int b) { return a + b; }
int square(int x) { return x * x; }
std::vector<double> ramp(int n) {
  std::vector<double> v(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = i * 0.5;
  return v;
}
/// Waits (bounded) for a file that the test never creates: a ref that stays unready.
int wait_forever_ish(std::string gate) { return api_test::wait_for_file(gate, std::chrono::seconds(40)) ? 1 : 0; }

/// Sleeps, then appends a line to `path`: a side effect the driver can see.
void touch_after(std::string path, int ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  api_test::append_line(path);
}

/// Returns `value` after sleeping `ms` milliseconds.
int delayed_value(int ms, int value) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  return value;
}

point move_point(point p, double dx) {
  p.x += dx;
  p.label += "+";
  return p;
}

}  // namespace objects_test

using namespace objects_test;
ACTORS_REMOTE(objects_test::add, objects_test::square, objects_test::ramp, objects_test::wait_forever_ish,
              objects_test::move_point, objects_test::touch_after,
              objects_test::delayed_value)

namespace {
// A task that needs more CPUs than the node has: it stays pending (infeasible) for ever.
actors::object_ref<int> infeasible_task() {
  return actors::task(objects_test::add).set_resources({{"CPU", 1000}}).remote(1, 1);
}
}  // namespace

TEST_SUITE("objects") {
  TEST_CASE("put then get returns the value for scalars strings and containers" * doctest::timeout(60)) {
    api_test::runtime_fixture rt;
    CHECK(actors::get(actors::put(42)) == 42);
    CHECK(actors::get(actors::put(-3.25)) == -3.25);
    CHECK(actors::get(actors::put(std::string("hello"))) == "hello");
    CHECK(actors::get(actors::put(std::string())).empty());
    CHECK(actors::get(actors::put(std::vector<int>{1, 2, 3})) == std::vector<int>{1, 2, 3});
    CHECK(actors::get(actors::put(std::vector<int>{})).empty());
    CHECK(actors::get(actors::put(std::vector<std::string>{"a", "bc"})) == std::vector<std::string>{"a", "bc"});
    CHECK(actors::get(actors::put(std::map<std::string, int>{{"a", 1}, {"b", 2}})) ==
          std::map<std::string, int>{{"a", 1}, {"b", 2}});
    CHECK(actors::get(actors::put(std::set<int>{3, 1, 2})) == std::set<int>{1, 2, 3});
    CHECK(actors::get(actors::put(std::pair<int, std::string>{1, "one"})) == std::pair<int, std::string>{1, "one"});
    CHECK(actors::get(actors::put(std::tuple<int, double, std::string>{1, 2.5, "x"})) ==
          std::tuple<int, double, std::string>{1, 2.5, "x"});
    CHECK(actors::get(actors::put(std::optional<int>{})) == std::nullopt);
    CHECK(actors::get(actors::put(std::optional<int>{7})) == 7);
    CHECK(actors::get(actors::put(std::variant<int, std::string>{std::string("v")})) ==
          std::variant<int, std::string>{std::string("v")});
    CHECK(actors::get(actors::put(color::green)) == color::green);
    CHECK(actors::get(actors::put(std::array<int, 3>{4, 5, 6})) == std::array<int, 3>{4, 5, 6});
    CHECK(actors::get(actors::put(true)) == true);
  }

  TEST_CASE("put then get returns a user struct declared with ACTORS_SERIALIZABLE" * doctest::timeout(60)) {
    api_test::runtime_fixture rt;
    point p{1.5, -2, "p", {1, 2}};
    CHECK(actors::get(actors::put(p)) == p);
    segment s{p, {3, 4, "q", {}}, "note"};
    CHECK(actors::get(actors::put(s)) == s);
    // Structs cross as task arguments and results too.
    CHECK(actors::get(actors::task(move_point).remote(p, 1.0)) == point{2.5, -2, "p+", {1, 2}});
  }

  TEST_CASE("put copies an lvalue and the ref has the decayed type" * doctest::timeout(60)) {
    api_test::runtime_fixture rt;
    std::vector<int> v{1, 2, 3};
    const std::vector<int>& cv = v;
    auto r = actors::put(cv);
    static_assert(std::is_same_v<decltype(r), actors::object_ref<std::vector<int>>>);
    CHECK(v == std::vector<int>{1, 2, 3});  // the caller's object is untouched
    v.push_back(4);                          // and later changes do not reach the stored copy
    CHECK(actors::get(r) == std::vector<int>{1, 2, 3});
    std::string s = "moved";
    auto rs = actors::put(std::move(s));
    CHECK(actors::get(rs) == "moved");
  }

  TEST_CASE("get may be called many times and from copies of a ref" * doctest::timeout(60)) {
    api_test::runtime_fixture rt;
    auto r = actors::task(square).remote(9);
    auto copy = r;
    CHECK(actors::get(r) == 81);
    CHECK(actors::get(r) == 81);
    CHECK(actors::get(copy) == 81);
  }

  TEST_CASE("object_ref ids are equal for copies and distinct for different objects" * doctest::timeout(60)) {
    api_test::runtime_fixture rt;
    auto a = actors::put(1);
    auto b = actors::put(1);
    auto a2 = a;
    CHECK(a.id() == a2.id());
    CHECK(a == a2);
    CHECK_FALSE(a.id() == b.id());
    auto t1 = actors::task(add).remote(1, 2);
    auto t2 = actors::task(add).remote(1, 2);
    CHECK_FALSE(t1.id() == t2.id());
    std::unordered_set<actors::object_ref<int>> set{a, a2, b, t1, t2};
    CHECK(set.size() == 4);
    std::unordered_set<actors::object_id> ids{a.id(), b.id()};
    CHECK(ids.size() == 2);
    std::ostringstream os;
    os << a.id();
    CHECK_FALSE(os.str().empty());
  }

  TEST_CASE("many threads may get the same ref at once" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2});
    auto r = actors::task(delayed_value).remote(200, 17);
    std::vector<int> seen(4, 0);
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < seen.size(); ++i) threads.emplace_back([&, i] { seen[i] = actors::get(r); });
    for (auto& t : threads) t.join();
    CHECK(seen == std::vector<int>(4, 17));
  }

  TEST_CASE("a vector of refs can be put and its refs read back" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2});
    std::vector<actors::object_ref<int>> refs{actors::put(1), actors::task(add).remote(1, 1)};
    auto outer = actors::put(refs);
    refs.clear();
    auto back = actors::get(outer);
    REQUIRE(back.size() == 2);
    CHECK(actors::get(back) == std::vector<int>{1, 2});
  }

  TEST_CASE("get of a vector of refs returns the values in order" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 4});
    std::vector<actors::object_ref<int>> refs;
    for (int i = 0; i < 20; ++i) refs.push_back(actors::task(square).remote(i));
    refs.push_back(actors::put(-1));
    auto values = actors::get(refs);
    static_assert(std::is_same_v<decltype(values), std::vector<int>>);
    REQUIRE(values.size() == 21);
    for (int i = 0; i < 20; ++i) CHECK(values[static_cast<std::size_t>(i)] == i * i);
    CHECK(values.back() == -1);
    CHECK(actors::get(std::vector<actors::object_ref<int>>{}).empty());
  }

  TEST_CASE("get with a timeout on an infeasible task throws timeout_error" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2});
    auto r = infeasible_task();
    CHECK_THROWS_AS(actors::get(r, std::chrono::milliseconds(200)), actors::timeout_error);
    // A timeout is an actors::error like every other runtime error.
    CHECK_THROWS_AS(actors::get(r, std::chrono::milliseconds(10)), actors::error);
    // The ref is still usable after a timeout, and a timeout on a ready ref does not fire.
    CHECK_THROWS_AS(actors::get(r, std::chrono::milliseconds(0)), actors::timeout_error);
    CHECK(actors::get(actors::task(add).remote(2, 3), std::chrono::seconds(30)) == 5);
    CHECK(actors::get(actors::put(8), std::chrono::milliseconds(0)) == 8);
  }

  TEST_CASE("wait on three finished tasks reports all ready and a batch get follows" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 3});
    std::vector<actors::object_ref<int>> refs{actors::task(add).remote(1, 1), actors::task(add).remote(2, 2),
                                              actors::task(add).remote(3, 3)};
    auto res = actors::wait(refs, 3, std::chrono::seconds(30));
    CHECK(res.ready == refs);  // all of them, in input order
    CHECK(res.unready.empty());
    CHECK(actors::get(res.ready) == std::vector<int>{2, 4, 6});
  }

  TEST_CASE("wait without a count or timeout waits for every ref" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2});
    std::vector<actors::object_ref<int>> refs;
    for (int i = 0; i < 6; ++i) refs.push_back(actors::task(square).remote(i));
    auto res = actors::wait(refs);
    CHECK(res.ready == refs);
    CHECK(res.unready.empty());
    auto res2 = actors::wait(refs, 4);
    // Like Ray: `ready` holds num_returns refs; the rest go to `unready`.
    CHECK(res2.ready.size() == 4);
    CHECK(res2.unready.size() == 2);
  }

  TEST_CASE("wait with num_returns below the count returns that many and keeps input order" *
            doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2});
    std::vector<actors::object_ref<int>> refs{actors::task(add).remote(1, 0), actors::task(add).remote(2, 0),
                                              actors::task(add).remote(3, 0)};
    actors::get(refs);  // all ready before wait is called
    // API.md: "returns when num_returns are ready"; read as Ray does: `ready` holds exactly
    // num_returns refs (the first ready ones) and everything else is in `unready`.
    auto res = actors::wait(refs, 2, std::chrono::seconds(30));
    REQUIRE(res.ready.size() == 2);
    REQUIRE(res.unready.size() == 1);
    CHECK(res.ready[0] == refs[0]);
    CHECK(res.ready[1] == refs[1]);
    CHECK(res.unready[0] == refs[2]);
  }

  TEST_CASE("wait keeps input order inside ready and inside unready" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2});
    auto gate = api_test::fresh_path("never_opened");
    auto blocked = actors::task(wait_forever_ish).remote(gate);
    auto r0 = actors::put(0);
    auto u1 = infeasible_task();
    auto r2 = actors::task(add).remote(1, 1);
    auto r4 = actors::task(add).remote(2, 2);
    actors::get(std::vector{r2, r4});
    std::vector<actors::object_ref<int>> refs{u1, r0, blocked, r2, infeasible_task(), r4};
    auto res = actors::wait(refs, refs.size(), std::chrono::milliseconds(300));
    CHECK(res.ready == std::vector{r0, r2, r4});
    CHECK(res.unready == std::vector{u1, blocked, refs[4]});
    // The blocked task holds a CPU until its 40 s bound; open its gate so it ends now.
    api_test::append_line(gate);
    api_test::file_cleanup cleanup(gate);
    CHECK(actors::get(blocked) == 1);
  }

  TEST_CASE("wait never throws on timeout" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2});
    std::vector<actors::object_ref<int>> refs{infeasible_task(), infeasible_task()};
    actors::wait_result<int> res;
    CHECK_NOTHROW(res = actors::wait(refs, 1, std::chrono::milliseconds(100)));
    CHECK(res.ready.empty());
    CHECK(res.unready == refs);
    CHECK_NOTHROW(res = actors::wait(refs, 2, std::chrono::milliseconds(0)));
    CHECK(res.unready.size() == 2);
  }

  TEST_CASE("wait for one returns as soon as one ref is ready while others never finish" *
            doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2});
    std::vector<actors::object_ref<int>> refs{infeasible_task(), actors::task(square).remote(5), infeasible_task()};
    auto res = actors::wait(refs, 1);  // no timeout: must not wait for the infeasible ones
    REQUIRE(res.ready.size() == 1);
    CHECK(res.ready[0] == refs[1]);
    CHECK(res.unready == std::vector{refs[0], refs[2]});
    CHECK(actors::get(res.ready[0]) == 25);
  }

  TEST_CASE("get_view reads a large put vector in place with 64 byte alignment" * doctest::timeout(60)) {
    api_test::runtime_fixture rt;
    constexpr std::size_t n = 1'000'000;
    std::vector<double> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<double>(i) * 0.25;
    auto ref = actors::put(v);
    actors::array_view<double> view = actors::get_view(ref);
    REQUIRE(view.size() == n);
    CHECK(reinterpret_cast<std::uintptr_t>(view.data()) % 64 == 0);
    CHECK(std::equal(view.begin(), view.end(), v.begin(), v.end()));
    CHECK(view[12345] == 12345 * 0.25);
    std::span<const double> s = view;
    CHECK(s.size() == n);
    CHECK(s.data() == view.data());
    // Nothing is copied: two views of one object see the same bytes.
    auto view2 = actors::get_view(ref);
    CHECK(view2.data() == view.data());
    // get still returns an independent copy.
    auto copy = actors::get(ref);
    CHECK(copy == v);
    CHECK(copy.data() != view.data());
  }

  TEST_CASE("get_view stays valid after every ref is dropped while the view lives" * doctest::timeout(60)) {
    api_test::runtime_fixture rt;
    constexpr std::size_t n = 1'000'000;
    actors::array_view<double> view;
    {
      auto ref = actors::put(std::vector<double>(n, 3.5));
      view = actors::get_view(ref);
    }  // the only ref is gone; the view pins the object
    // Churn the store so that a freed buffer would likely be reused.
    for (int i = 0; i < 4; ++i) {
      auto other = actors::put(std::vector<double>(n, -1.0));
      CHECK(actors::get_view(other)[0] == -1.0);
    }
    REQUIRE(view.size() == n);
    CHECK(std::all_of(view.begin(), view.end(), [](double d) { return d == 3.5; }));
    auto copy = view;  // a copy of a view pins as well
    view = {};
    CHECK(copy.size() == n);
    CHECK(copy[n - 1] == 3.5);
  }

  TEST_CASE("get_view works on a task result and on integer arrays" * doctest::timeout(60)) {
    api_test::runtime_fixture rt;
    auto ref = actors::task(ramp).remote(100'000);
    auto view = actors::get_view(ref);
    REQUIRE(view.size() == 100'000);
    CHECK(reinterpret_cast<std::uintptr_t>(view.data()) % 64 == 0);
    CHECK(view[99'999] == 99'999 * 0.5);
    std::vector<std::int32_t> ints(1000);
    std::iota(ints.begin(), ints.end(), 0);
    auto iview = actors::get_view(actors::put(ints));
    CHECK(reinterpret_cast<std::uintptr_t>(iview.data()) % 64 == 0);
    CHECK(std::equal(iview.begin(), iview.end(), ints.begin(), ints.end()));
    auto empty = actors::get_view(actors::put(std::vector<float>{}));
    CHECK(empty.size() == 0);
    CHECK(empty.begin() == empty.end());
  }

  TEST_CASE("objects larger in total than object_store_memory can be put and read" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2, .object_store_memory = 32u << 20});
    constexpr std::size_t n = 1u << 20;  // 8 MiB of doubles
    // Dropped at once: their space is reused.
    for (int i = 0; i < 24; ++i) {
      auto ref = actors::put(std::vector<double>(n, static_cast<double>(i)));
      auto view = actors::get_view(ref);
      REQUIRE(view.size() == n);
      CHECK(view[n / 2] == static_cast<double>(i));
    }
    // All kept alive: 64 MiB in a 32 MiB store must still not fail.
    std::vector<actors::object_ref<std::vector<double>>> kept;
    for (int i = 0; i < 8; ++i) kept.push_back(actors::put(std::vector<double>(n, static_cast<double>(i))));
    for (int i = 0; i < 8; ++i) {
      auto view = actors::get_view(kept[static_cast<std::size_t>(i)]);
      CHECK(view[n - 1] == static_cast<double>(i));
    }
  }

  TEST_CASE("dropping every ref to a result does not cancel the task" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2});
    auto marker = api_test::fresh_path("dropped");
    api_test::file_cleanup cleanup(marker);
    {
      // The task sleeps first, so its only ref is gone long before it writes.
      auto forgotten = actors::task(touch_after).remote(marker, 200);
    }
    (void)actors::task(touch_after).remote(marker, 300);  // never bound to a variable at all
    CHECK(api_test::eventually([&] { return api_test::count_lines(marker) == 2; }));
  }
}
