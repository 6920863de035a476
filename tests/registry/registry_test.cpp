// Registration: names as written in the macro, overloads, static libraries, and the error for
// a function nobody registered.
#include "library_functions.hpp"

#include <doctest/doctest.h>

namespace {

int scale(int x) { return 2 * x; }
double scale(double x) { return 0.5 * x; }
int hidden_unregistered(int x) { return x; }

struct widget {
  int v = 0;
  static widget make() { return {}; }
  int set(int x) { return v = x; }
  int set(int x, int y) { return v = x + y; }
};

}  // namespace

// External linkage, like most task functions: the error can name it.
int never_registered(int x);
int never_registered(int x) { return x; }

ACTORS_REMOTE(ACTORS_FUNC(scale, int), ACTORS_FUNC(scale, double), widget::make)
ACTORS_REMOTE(ACTORS_FUNC(&widget::set, int), ACTORS_FUNC(&widget::set, int, int));  // trailing ; is fine

namespace {
struct runtime_scope {
  runtime_scope() { actors::init({.num_cpus = 2}); }
  ~runtime_scope() { actors::shutdown(); }
};
}  // namespace

TEST_SUITE("registry") {
  TEST_CASE("functions registered in a static library can be called as tasks") {
    runtime_scope rt;
    CHECK(actors::get(actors::task(library_triple).remote(7)) == 21);
    CHECK(actors::get(actors::task(library_greet).remote("you")) == "hello, you");
  }

  TEST_CASE("names are kept as written in the macro; overloads with their parameter types") {
    CHECK(actors::detail::registered_name(library_triple) == "library_triple");
    CHECK(actors::detail::registered_name(ACTORS_FUNC(scale, int)) == "scale(int)");
    CHECK(actors::detail::registered_name(ACTORS_FUNC(scale, double)) == "scale(double)");
    CHECK(actors::detail::registered_name(widget::make) == "widget::make");
    CHECK(actors::detail::registered_name(ACTORS_FUNC(&widget::set, int, int)) == "&widget::set(int, int)");
  }

  TEST_CASE("overloads are told apart by ACTORS_FUNC; for tasks and methods") {
    runtime_scope rt;
    CHECK(actors::get(actors::task(ACTORS_FUNC(scale, int)).remote(4)) == 8);
    CHECK(actors::get(actors::task(ACTORS_FUNC(scale, double)).remote(4.0)) == 2.0);
    auto w = actors::actor(widget::make).remote();
    CHECK(actors::get(w.task(ACTORS_FUNC(&widget::set, int)).remote(5)) == 5);
    CHECK(actors::get(w.task(ACTORS_FUNC(&widget::set, int, int)).remote(5, 6)) == 11);
  }

  TEST_CASE("an unregistered function is refused with an error that names it") {
    runtime_scope rt;
    try {
      (void)actors::task(never_registered);
      FAIL("task() accepted an unregistered function");
    } catch (const actors::error& e) {
      std::string what = e.what();
      CHECK(what.find("never_registered") != std::string::npos);
      CHECK(what.find("ACTORS_REMOTE") != std::string::npos);
    }
    // A function with internal linkage has no exported symbol: the error names its type.
    CHECK_THROWS_WITH_AS((void)actors::task(hidden_unregistered),
                         doctest::Contains("a function of type int (*)(int)"), actors::error);
  }

  TEST_CASE("the registration list splits at top-level commas only") {
    auto names = actors::detail::split_registration_list(" a , ACTORS_FUNC(f, std::map<int, int>), &c::m ");
    REQUIRE(names.size() == 3);
    CHECK(names[0] == "a");
    CHECK(names[1] == "f(std::map<int, int>)");
    CHECK(names[2] == "&c::m");
  }
}
