// Actors: call order, factories, virtual dispatch, qualifiers and overloads of methods, named
// actors and namespaces, kill, lifetime, concurrency, and handles passed around.
#include "runtime_fixture.hpp"

#include <memory>
#include <thread>
#include <string>
#include <vector>

namespace actors_test {

class counter {
 public:
  explicit counter(int start) : total_(start) {}
  static counter create(int start) { return counter(start); }
  static counter* create_raw(int start) { return new counter(start); }
  static std::unique_ptr<counter> create_unique(int start) { return std::make_unique<counter>(start); }

  int add(int n) { return total_ += n; }
  int read() const { return total_; }
  int read_noexcept() const noexcept { return total_; }
  int read_lvalue() & { return total_; }
  int read_const_lvalue() const& { return total_; }
  // Overloaded methods, told apart with ACTORS_FUNC.
  int bump(int n) { return total_ += n; }
  int bump(std::string digits) { return total_ += std::stoi(digits); }
  /// A T& parameter: the call gets its own copy.
  std::vector<int> append_total(std::vector<int>& v) {
    v.push_back(total_);
    return v;
  }
  bool restarted() const { return actors::was_current_actor_restarted(); }
  /// Submits a task and waits for it from inside a method.
  int add_via_task(int n);

 private:
  int total_;
};

/// Remembers every number it was given, in the order the calls ran.
class recorder {
 public:
  static recorder create() { return {}; }
  void record(int x) { seen_.push_back(x); }
  std::vector<int> seen() const { return seen_; }

 private:
  std::vector<int> seen_;
};

/// Sleeps inside its calls and reports when they ran.
struct sleeper {
  static sleeper create() { return {}; }
  api_test::interval nap(int ms) { return api_test::timed_sleep(ms); }
  /// Appends a line to `path` when it starts and another when it ends.
  int logged_nap(std::string path, int ms) {
    api_test::append_line(path, "start");
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    api_test::append_line(path, "end");
    return 1;
  }
};

// Virtual dispatch through the three factory forms.
class shape {
 public:
  virtual ~shape() = default;
  virtual std::string name() const { return "shape"; }
  int sides() const { return sides_; }
  static std::unique_ptr<shape> make_square_unique();
  static shape* make_square_raw();

 protected:
  int sides_ = 0;
};
class square : public shape {
 public:
  square() { sides_ = 4; }
  std::string name() const override { return "square"; }
  double area(double side) const { return side * side; }
  static square make() { return {}; }
};
std::unique_ptr<shape> shape::make_square_unique() { return std::make_unique<square>(); }
shape* shape::make_square_raw() { return new square(); }

class animal {
 public:
  virtual ~animal() = default;
  virtual std::string sound() const = 0;
  static std::unique_ptr<animal> make_dog();
};
class dog : public animal {
 public:
  std::string sound() const override { return "woof"; }
};
std::unique_ptr<animal> animal::make_dog() { return std::make_unique<dog>(); }

/// Appends a line to its file when destroyed: shows when the runtime ends an actor.
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

/// Returns `value` after sleeping `ms` milliseconds.
int slow_value(int value, int ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  return value;
}
int counter::add_via_task(int n) { return total_ = actors::get(actors::task(slow_value).remote(total_ + n, 0)); }

// Handles passed to tasks and to other actors.
int bump_through(actors::actor_handle<counter> c, int n) { return actors::get(c.task(&counter::add).remote(n)); }
/// Pings the actor after a pause, by then the driver has dropped its own handles.
int ping_later(actors::actor_handle<witness> w, int ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  return actors::get(w.task(&witness::ping).remote());
}
/// Looks a named actor up from inside a task and calls it.
int add_to_named(std::string name, int n) {
  auto c = actors::get_actor<counter>(name);
  if (!c) return -1;
  return actors::get(c->task(&counter::add).remote(n));
}
int read_all(std::vector<actors::actor_handle<counter>> cs) {
  int sum = 0;
  for (const auto& c : cs) sum += actors::get(c.task(&counter::read).remote());
  return sum;
}
actors::actor_handle<counter> make_counter(int start) { return actors::actor(counter::create).remote(start); }

class relay {
 public:
  explicit relay(actors::actor_handle<counter> target) : target_(std::move(target)) {}
  static relay create(actors::actor_handle<counter> target) { return relay(std::move(target)); }
  int forward(int n) { return actors::get(target_.task(&counter::add).remote(n)); }
  int forward_to(actors::actor_handle<counter> other, int n) { return actors::get(other.task(&counter::add).remote(n)); }

 private:
  actors::actor_handle<counter> target_;
};

}  // namespace actors_test

using namespace actors_test;
ACTORS_REMOTE(actors_test::counter::create, actors_test::counter::create_raw, actors_test::counter::create_unique,
              &actors_test::counter::add, &actors_test::counter::read, &actors_test::counter::read_noexcept,
              &actors_test::counter::read_lvalue, &actors_test::counter::read_const_lvalue,
              ACTORS_FUNC(&actors_test::counter::bump, int), ACTORS_FUNC(&actors_test::counter::bump, std::string),
              &actors_test::counter::append_total, &actors_test::counter::restarted,
              &actors_test::counter::add_via_task)
ACTORS_REMOTE(actors_test::recorder::create, &actors_test::recorder::record, &actors_test::recorder::seen,
              actors_test::sleeper::create, &actors_test::sleeper::nap, &actors_test::sleeper::logged_nap)
ACTORS_REMOTE(actors_test::shape::make_square_unique, actors_test::shape::make_square_raw,
              actors_test::square::make, &actors_test::shape::name, &actors_test::shape::sides,
              &actors_test::square::area, actors_test::animal::make_dog, &actors_test::animal::sound)
ACTORS_REMOTE(actors_test::witness::create, &actors_test::witness::ping)
ACTORS_REMOTE(actors_test::slow_value, api_test::timed_sleep)
ACTORS_REMOTE(actors_test::ping_later, actors_test::add_to_named)
ACTORS_REMOTE(actors_test::bump_through, actors_test::read_all, actors_test::make_counter,
              actors_test::relay::create, &actors_test::relay::forward, &actors_test::relay::forward_to)

namespace {
int read(const actors::actor_handle<counter>& c) { return actors::get(c.task(&counter::read).remote()); }
}  // namespace

TEST_SUITE("actors") {
  TEST_CASE("calls to one actor run in submission order and see its state" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2});
    auto c = actors::actor(counter::create).remote(0);
    static_assert(std::is_same_v<decltype(c), actors::actor_handle<counter>>);
    auto r1 = c.task(&counter::add).remote(1);
    auto r3 = c.task(&counter::add).remote(2);
    auto r6 = c.task(&counter::add).remote(3);
    CHECK(read(c) == 6);
    CHECK(actors::get(r1) == 1);
    CHECK(actors::get(r3) == 3);
    CHECK(actors::get(r6) == 6);
    // A ref to an earlier result is resolved before the call.
    CHECK(actors::get(c.task(&counter::add).remote(r6)) == 12);
  }

  TEST_CASE("many calls submitted without waiting run in submission order" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2});
    auto r = actors::actor(recorder::create).remote();
    std::vector<int> expected;
    for (int i = 0; i < 300; ++i) {
      r.task(&recorder::record).remote(i);  // results dropped: the calls still run, in order
      expected.push_back(i);
    }
    CHECK(actors::get(r.task(&recorder::seen).remote()) == expected);
  }

  TEST_CASE("a call waiting for a ref argument keeps its place in the order" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2});
    auto c = actors::actor(counter::create).remote(0);
    auto slow = actors::task(slow_value).remote(10, 300);
    auto first = c.task(&counter::add).remote(slow);  // waits for `slow`
    auto second = c.task(&counter::add).remote(1);    // ready at once, but submitted later
    CHECK(actors::get(first) == 10);
    CHECK(actors::get(second) == 11);
  }

  TEST_CASE("factories returning a value a raw pointer or a unique_ptr make working actors" *
            doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2});
    auto by_value = actors::actor(counter::create).remote(10);
    auto by_pointer = actors::actor(counter::create_raw).remote(20);
    auto by_unique = actors::actor(counter::create_unique).remote(30);
    static_assert(std::is_same_v<decltype(by_pointer), actors::actor_handle<counter>>);
    static_assert(std::is_same_v<decltype(by_unique), actors::actor_handle<counter>>);
    CHECK(actors::get(by_value.task(&counter::add).remote(1)) == 11);
    CHECK(actors::get(by_pointer.task(&counter::add).remote(1)) == 21);
    CHECK(actors::get(by_unique.task(&counter::add).remote(1)) == 31);
    CHECK_FALSE(by_value.id() == by_pointer.id());
    CHECK_FALSE(by_pointer.id() == by_unique.id());
    // A factory argument may be a ref.
    auto from_ref = actors::actor(counter::create).remote(actors::put(7));
    CHECK(read(from_ref) == 7);
  }

  TEST_CASE("virtual methods dispatch to the actor's dynamic type" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2});
    auto from_unique = actors::actor(shape::make_square_unique).remote();
    auto from_raw = actors::actor(shape::make_square_raw).remote();
    static_assert(std::is_same_v<decltype(from_unique), actors::actor_handle<shape>>);
    CHECK(actors::get(from_unique.task(&shape::name).remote()) == "square");
    CHECK(actors::get(from_raw.task(&shape::name).remote()) == "square");
    CHECK(actors::get(from_unique.task(&shape::sides).remote()) == 4);
    // A handle of the derived type calls base-class methods, virtual or not, and its own.
    auto derived = actors::actor(square::make).remote();
    static_assert(std::is_same_v<decltype(derived), actors::actor_handle<square>>);
    CHECK(actors::get(derived.task(&shape::name).remote()) == "square");
    CHECK(actors::get(derived.task(&shape::sides).remote()) == 4);
    CHECK(actors::get(derived.task(&square::area).remote(3.0)) == 9.0);
    // An abstract base made by a factory returning unique_ptr<base>.
    auto pet = actors::actor(animal::make_dog).remote();
    CHECK(actors::get(pet.task(&animal::sound).remote()) == "woof");
  }

  TEST_CASE("const noexcept and reference qualified methods can be called" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2});
    auto c = actors::actor(counter::create).remote(5);
    CHECK(actors::get(c.task(&counter::read_noexcept).remote()) == 5);
    CHECK(actors::get(c.task(&counter::read_lvalue).remote()) == 5);
    CHECK(actors::get(c.task(&counter::read_const_lvalue).remote()) == 5);
  }

  TEST_CASE("a method's lvalue reference parameter receives the call's own copy" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2});
    auto c = actors::actor(counter::create).remote(7);
    std::vector<int> mine{1};
    CHECK(actors::get(c.task(&counter::append_total).remote(mine)) == std::vector<int>{1, 7});
    CHECK(mine == std::vector<int>{1});
    auto stored = actors::put(std::vector<int>{2});
    CHECK(actors::get(c.task(&counter::append_total).remote(stored)) == std::vector<int>{2, 7});
    CHECK(actors::get(stored) == std::vector<int>{2});
  }

  TEST_CASE("an actor method may submit a task and wait for it" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 1});
    auto c = actors::actor(counter::create).remote(1);
    CHECK(actors::get(c.task(&counter::add_via_task).remote(2)) == 3);
    CHECK(actors::get(c.task(&counter::add_via_task).remote(4)) == 7);
    CHECK(read(c) == 7);
  }

  TEST_CASE("a fresh actor was not restarted" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2});
    auto c = actors::actor(counter::create).set_max_restarts(3).remote(0);
    CHECK_FALSE(actors::get(c.task(&counter::restarted).remote()));
  }

  TEST_CASE("overloaded methods are told apart with ACTORS_FUNC" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2});
    auto c = actors::actor(counter::create).remote(0);
    CHECK(actors::get(c.task(ACTORS_FUNC(&counter::bump, int)).remote(2)) == 2);
    CHECK(actors::get(c.task(ACTORS_FUNC(&counter::bump, std::string)).remote(std::string("40"))) == 42);
  }

  TEST_CASE("every builder option is accepted and the actor works" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2});
    auto c = actors::actor(counter::create)
                 .set_name("configured")
                 .set_resources({{"CPU", 1}})
                 .set_max_restarts(2)
                 .set_max_task_retries(1)
                 .set_max_concurrency(1)
                 .set_lifetime(actors::lifetime::detached)
                 .set_dedicated_process(true)
                 .remote(3);
    CHECK(actors::get(c.task(&counter::add).remote(1)) == 4);
    actors::kill(c);  // detached: ends only when killed
  }

  TEST_CASE("get_actor finds a named actor and shares its state" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2});
    auto c = actors::actor(counter::create).set_name("alpha").remote(0);
    CHECK(actors::get(c.task(&counter::add).remote(5)) == 5);
    auto found = actors::get_actor<counter>("alpha");
    REQUIRE(found.has_value());
    CHECK(found->id() == c.id());
    CHECK(*found == c);
    CHECK(actors::get(found->task(&counter::add).remote(1)) == 6);
    CHECK(read(c) == 6);
  }

  TEST_CASE("a named actor is found from inside a task" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2});
    auto c = actors::actor(counter::create).set_name("visible").remote(1);
    CHECK(actors::get(actors::task(add_to_named).remote(std::string("visible"), 2)) == 3);
    CHECK(actors::get(actors::task(add_to_named).remote(std::string("invisible"), 2)) == -1);
    CHECK(read(c) == 3);
  }

  TEST_CASE("get_actor of a name nobody took is empty" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2});
    CHECK_FALSE(actors::get_actor<counter>("nobody").has_value());
    auto unnamed = actors::actor(counter::create).remote(0);
    CHECK(read(unnamed) == 0);
    CHECK_FALSE(actors::get_actor<counter>("").has_value());
  }

  TEST_CASE("a second live actor under a taken name throws actors::error" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2});
    auto first = actors::actor(counter::create).set_name("dup").remote(1);
    CHECK(read(first) == 1);
    CHECK_THROWS_AS(actors::actor(counter::create).set_name("dup").remote(2), actors::error);
    auto found = actors::get_actor<counter>("dup");
    REQUIRE(found.has_value());
    CHECK(found->id() == first.id());
    CHECK(read(*found) == 1);
  }

  TEST_CASE("calls to a killed actor fail with actor_died_error" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2});
    auto c = actors::actor(counter::create).set_name("doomed").remote(0);
    CHECK(actors::get(c.task(&counter::add).remote(1)) == 1);
    auto copy = c;
    actors::kill(c);
    // "Later calls fail": accepted whether remote() or get() reports it.
    auto call = [](const actors::actor_handle<counter>& h) { return actors::get(h.task(&counter::read).remote()); };
    CHECK_THROWS_AS(call(c), actors::actor_died_error);
    CHECK_THROWS_AS(call(copy), actors::actor_died_error);
    CHECK_FALSE(actors::get_actor<counter>("doomed").has_value());
  }

  TEST_CASE("kill returns once the actor no longer runs and its queued calls fail" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2});
    auto path = api_test::fresh_path("kill_running");
    api_test::file_cleanup cleanup(path);
    auto s = actors::actor(sleeper::create).remote();
    auto in_flight = s.task(&sleeper::logged_nap).remote(path, 300);
    auto queued = s.task(&sleeper::logged_nap).remote(path, 300);
    REQUIRE(api_test::eventually([&] { return api_test::count_lines(path) >= 1; }));
    actors::kill(s);
    int lines_at_kill = api_test::count_lines(path);
    // The call in flight either finished before kill returned (embedded: threads are not
    // interrupted) or was cut off (a killed process); both are fine, but nothing of this actor
    // may run after kill returned, and the call that had not started fails.
    std::this_thread::sleep_for(std::chrono::milliseconds(800));
    CHECK(api_test::count_lines(path) == lines_at_kill);
    CHECK(lines_at_kill <= 2);
    CHECK_THROWS_AS(actors::get(queued), actors::actor_died_error);
    if (lines_at_kill == 1) CHECK_THROWS_AS(actors::get(in_flight), actors::actor_died_error);
  }

  TEST_CASE("after kill the name is free again" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2});
    auto first = actors::actor(counter::create).set_name("reused").remote(1);
    CHECK(read(first) == 1);
    actors::kill(first);
    auto second = actors::actor(counter::create).set_name("reused").remote(2);
    auto found = actors::get_actor<counter>("reused");
    REQUIRE(found.has_value());
    CHECK(found->id() == second.id());
    CHECK(read(*found) == 2);
  }

  TEST_CASE("kill ends the actor and the instance made by a raw pointer factory is deleted" *
            doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2});
    auto path = api_test::fresh_path("witness_kill");
    api_test::file_cleanup cleanup(path);
    auto w = actors::actor(witness::create).remote(path);
    CHECK(actors::get(w.task(&witness::ping).remote()) == 1);
    CHECK(api_test::count_lines(path) == 0);
    actors::kill(w);
    CHECK(api_test::eventually([&] { return api_test::count_lines(path) == 1; }));
  }

  TEST_CASE("an unnamed actor ends once no handle to it remains" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2});
    auto path = api_test::fresh_path("witness_drop");
    api_test::file_cleanup cleanup(path);
    {
      auto w = actors::actor(witness::create).remote(path);
      auto copy = w;
      CHECK(actors::get(copy.task(&witness::ping).remote()) == 1);
    }
    CHECK(api_test::eventually([&] { return api_test::count_lines(path) == 1; }));
  }

  TEST_CASE("an unnamed actor stays alive while a task still holds a handle to it" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2});
    auto path = api_test::fresh_path("witness_task_handle");
    api_test::file_cleanup cleanup(path);
    actors::object_ref<int> pinged;
    {
      auto w = actors::actor(witness::create).remote(path);
      pinged = actors::task(ping_later).remote(w, 300);
    }  // the driver's last handle is gone; the task's copy must keep the actor alive
    CHECK(actors::get(pinged) == 1);
    CHECK(api_test::eventually([&] { return api_test::count_lines(path) == 1; }));
  }

  TEST_CASE("many actors can be created and each called" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2});
    std::vector<actors::actor_handle<counter>> cs;
    for (int i = 0; i < 300; ++i) cs.push_back(actors::actor(counter::create).remote(i));
    std::vector<actors::object_ref<int>> refs;
    for (auto& c : cs) refs.push_back(c.task(&counter::add).remote(1));
    auto values = actors::get(refs);
    bool all_right = true;
    for (int i = 0; i < 300; ++i) all_right = all_right && values[static_cast<std::size_t>(i)] == i + 1;
    CHECK(all_right);
  }

  TEST_CASE("calls submitted before the last handle of an unnamed actor is dropped still complete" *
            doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2});
    std::vector<actors::object_ref<int>> results;
    {
      auto c = actors::actor(counter::create).remote(0);
      for (int i = 1; i <= 5; ++i) results.push_back(c.task(&counter::add).remote(i));
    }
    CHECK(actors::get(results) == std::vector<int>{1, 3, 6, 10, 15});
  }

  TEST_CASE("results of an actor's calls outlive the actor" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2});
    auto c = actors::actor(counter::create).remote(0);
    auto r = c.task(&counter::add).remote(9);
    CHECK(actors::get(r) == 9);
    actors::kill(c);
    CHECK(actors::get(r) == 9);
  }

  TEST_CASE("a named actor lives on after its handles are dropped" * doctest::timeout(60)) {
    auto path = api_test::fresh_path("witness_named");
    api_test::file_cleanup cleanup(path);  // declared first: the actor writes at shutdown
    api_test::runtime_fixture rt({.num_cpus = 2});
    {
      auto w = actors::actor(witness::create).set_name("kept").remote(path);
      CHECK(actors::get(w.task(&witness::ping).remote()) == 1);
    }
    auto found = actors::get_actor<witness>("kept");
    REQUIRE(found.has_value());
    CHECK(actors::get(found->task(&witness::ping).remote()) == 1);
    CHECK(api_test::count_lines(path) == 0);
  }

  TEST_CASE("named actors are looked up in the namespace of the driver" * doctest::timeout(60)) {
    // Embedded mode has one driver per process, so two namespaces cannot be live at once here;
    // this checks what one process can see: a name taken in namespace "x" is found there, and is
    // neither found nor taken in the default namespace of a later session. Two live drivers in
    // different namespaces need cluster mode.
    {
      api_test::runtime_fixture rt({.num_cpus = 2, .ns = "x"});
      auto c = actors::actor(counter::create).set_name("shared_name").remote(1);
      auto found = actors::get_actor<counter>("shared_name");
      REQUIRE(found.has_value());
      CHECK(found->id() == c.id());
    }
    {
      api_test::runtime_fixture rt({.num_cpus = 2});
      CHECK_FALSE(actors::get_actor<counter>("shared_name").has_value());
      auto c = actors::actor(counter::create).set_name("shared_name").remote(2);
      auto found = actors::get_actor<counter>("shared_name");
      REQUIRE(found.has_value());
      CHECK(read(*found) == 2);
    }
  }

  TEST_CASE("max_concurrency 3 runs three calls at once" * doctest::timeout(60)) {
    // Actor calls hold no CPU, so the node's CPU count does not limit them; 4 CPUs anyway, so
    // that only max_concurrency is under test.
    api_test::runtime_fixture rt({.num_cpus = 4});
    auto s = actors::actor(sleeper::create).set_max_concurrency(3).remote();
    std::vector<actors::object_ref<api_test::interval>> refs;
    for (int i = 0; i < 3; ++i) refs.push_back(s.task(&sleeper::nap).remote(300));
    CHECK(api_test::all_overlap(actors::get(refs)));
  }

  TEST_CASE("max_concurrency bounds the calls that run at once" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 4});
    SUBCASE("the default of one never overlaps") {
      auto s = actors::actor(sleeper::create).remote();
      std::vector<actors::object_ref<api_test::interval>> refs;
      for (int i = 0; i < 4; ++i) refs.push_back(s.task(&sleeper::nap).remote(100));
      CHECK(api_test::max_simultaneous(actors::get(refs)) == 1);
    }
    SUBCASE("two never exceeds two") {
      auto s = actors::actor(sleeper::create).set_max_concurrency(2).remote();
      std::vector<actors::object_ref<api_test::interval>> refs;
      for (int i = 0; i < 6; ++i) refs.push_back(s.task(&sleeper::nap).remote(100));
      CHECK(api_test::max_simultaneous(actors::get(refs)) <= 2);
    }
  }

  TEST_CASE("more actors than CPUs can be created and called" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2});
    std::vector<actors::actor_handle<counter>> cs;
    for (int i = 0; i < 10; ++i) cs.push_back(actors::actor(counter::create).remote(i));
    std::vector<actors::object_ref<int>> refs;
    for (auto& c : cs) refs.push_back(c.task(&counter::add).remote(100));
    auto values = actors::get(refs);
    for (int i = 0; i < 10; ++i) CHECK(values[static_cast<std::size_t>(i)] == 100 + i);
    // Alive actors with default resources hold no CPU.
    CHECK(api_test::eventually([] { return actors::available_resources()["CPU"] == 2; }));
    CHECK(actors::get(actors::task(bump_through).remote(cs[0], 1)) == 101);
  }

  TEST_CASE("an actor that asks for a CPU holds it for its life" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2}, api_test::nodes::one);  // a task then needs both of a node's CPUs
    auto c = actors::actor(counter::create).set_resources({{"CPU", 1}}).remote(0);
    CHECK(read(c) == 0);
    CHECK(api_test::eventually([] { return actors::available_resources()["CPU"] == 1; }));
    // Still held after more calls.
    CHECK(actors::get(c.task(&counter::add).remote(1)) == 1);
    CHECK(actors::available_resources()["CPU"] == 1);
    // A task needing both CPUs cannot start while the actor lives.
    auto both = actors::task(slow_value).set_resources({{"CPU", 2}}).remote(5, 0);
    CHECK_THROWS_AS(actors::get(both, std::chrono::milliseconds(300)), actors::timeout_error);
    actors::kill(c);
    CHECK(actors::get(both, std::chrono::seconds(30)) == 5);
    CHECK(api_test::eventually([] { return actors::available_resources()["CPU"] == 2; }));
  }

  TEST_CASE("an actor handle passed to a task calls the actor" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2});
    auto c = actors::actor(counter::create).remote(0);
    CHECK(actors::get(actors::task(bump_through).remote(c, 5)) == 5);
    CHECK(read(c) == 5);
    auto d = actors::actor(counter::create).remote(10);
    CHECK(actors::get(actors::task(read_all).remote(std::vector{c, d})) == 15);
    // A handle inside a ref.
    CHECK(actors::get(actors::task(bump_through).remote(actors::put(d), 1)) == 11);
  }

  TEST_CASE("an actor handle passed to another actor calls the actor" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2});
    auto target = actors::actor(counter::create).remote(0);
    auto r = actors::actor(relay::create).remote(target);
    CHECK(actors::get(r.task(&relay::forward).remote(3)) == 3);
    CHECK(actors::get(r.task(&relay::forward_to).remote(target, 4)) == 7);
    CHECK(read(target) == 7);
  }

  TEST_CASE("an actor created inside a task is usable through the handle it returns" * doctest::timeout(60)) {
    api_test::runtime_fixture rt({.num_cpus = 2});
    auto h = actors::get(actors::task(make_counter).remote(40));
    CHECK(actors::get(h.task(&counter::add).remote(2)) == 42);
  }
}
