// Errors: exceptions thrown by tasks and actor methods come back from get() as task_error,
// failures propagate through dependencies, retries of user exceptions, unregistered functions.
#include "runtime_fixture.hpp"

#include <stdexcept>
#include <string>
#include <type_traits>

static_assert(std::is_base_of_v<std::runtime_error, actors::error>);
static_assert(std::is_base_of_v<actors::error, actors::task_error>);
static_assert(std::is_base_of_v<actors::error, actors::actor_died_error>);
static_assert(std::is_base_of_v<actors::error, actors::worker_died_error>);
static_assert(std::is_base_of_v<actors::error, actors::object_lost_error>);
static_assert(std::is_base_of_v<actors::error, actors::timeout_error>);

namespace errors_test {

struct custom_failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

int reject_input(int x) { throw std::invalid_argument("bad input " + std::to_string(x)); }
int throw_custom() { throw custom_failure("custom went wrong"); }
int throw_int() { throw 42; }
int add(int a, int b) { return a + b; }
/// Gets a failing task it submitted, without catching.
int outer_of_failure(int x) { return actors::get(actors::task(reject_input).remote(x)) + 1; }
void void_thrower() { throw std::logic_error("void task failed"); }

/// Appends a line per attempt; throws until it has run `succeed_on` times.
int flaky(std::string path, int succeed_on) {
  api_test::append_line(path);
  int attempt = api_test::count_lines(path);
  if (attempt < succeed_on) throw std::runtime_error("attempt " + std::to_string(attempt) + " failed");
  return attempt;
}

class account {
 public:
  static account open(int balance) { return account(balance); }
  static account open_or_throw(int balance) {
    if (balance < 0) throw std::domain_error("negative opening balance");
    return account(balance);
  }
  int deposit(int n) { return balance_ += n; }
  int withdraw(int n) {
    if (n > balance_) throw std::out_of_range("insufficient funds: balance " + std::to_string(balance_));
    return balance_ -= n;
  }
  int balance() const { return balance_; }
  int not_registered() const { return balance_; }

 private:
  explicit account(int balance) : balance_(balance) {}
  int balance_;
};

}  // namespace errors_test

// Deliberately left out of every ACTORS_REMOTE. External linkage, so the executable's exported
// symbols (actors::actors links with -rdynamic) let the runtime name it.
namespace api_unregistered {
int lonely_function(int x) { return x; }
errors_test::account lonely_factory() { return errors_test::account::open(0); }
}  // namespace api_unregistered

using namespace errors_test;
ACTORS_REMOTE(errors_test::reject_input, errors_test::throw_custom, errors_test::throw_int, errors_test::add,
              errors_test::outer_of_failure, errors_test::void_thrower, errors_test::flaky)
ACTORS_REMOTE(errors_test::account::open, errors_test::account::open_or_throw, &errors_test::account::deposit,
              &errors_test::account::withdraw, &errors_test::account::balance)

namespace {
bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}
}  // namespace

TEST_SUITE("errors") {
  TEST_CASE("an exception in a task is rethrown by get as task_error with type message and function" *
            doctest::timeout(60)) {
    api_test::runtime_fixture rt;
    auto r = actors::task(reject_input).remote(7);
    bool caught = false;
    try {
      actors::get(r);
    } catch (const actors::task_error& e) {
      caught = true;
      std::string what = e.what();
      INFO("what(): " << what);
      CHECK(contains(what, "bad input 7"));
      CHECK(contains(what, "invalid_argument"));
      CHECK(contains(what, "reject_input"));
      CHECK(e.message() == "bad input 7");
      CHECK(contains(e.exception_type(), "invalid_argument"));
      CHECK(contains(e.function(), "reject_input"));
      CHECK_FALSE(e.location().empty());  // "where it ran"
    }
    CHECK(caught);
    // The same failure again on a second get, and through the base classes.
    CHECK_THROWS_AS(actors::get(r), actors::task_error);
    CHECK_THROWS_AS(actors::get(r), actors::error);
    CHECK_THROWS_AS(actors::get(r), std::runtime_error);
    CHECK_THROWS_AS(actors::get(r, std::chrono::seconds(30)), actors::task_error);
  }

  TEST_CASE("a user exception type is named in the task_error" * doctest::timeout(60)) {
    api_test::runtime_fixture rt;
    try {
      actors::get(actors::task(throw_custom).remote());
      FAIL("get did not throw");
    } catch (const actors::task_error& e) {
      INFO("what(): " << e.what());
      CHECK(contains(e.what(), "custom_failure"));
      CHECK(contains(e.what(), "custom went wrong"));
      CHECK(contains(e.what(), "throw_custom"));
    }
  }

  TEST_CASE("a thrown non-exception value still comes back as task_error" * doctest::timeout(60)) {
    api_test::runtime_fixture rt;
    try {
      actors::get(actors::task(throw_int).remote());
      FAIL("get did not throw");
    } catch (const actors::task_error& e) {
      INFO("what(): " << e.what());
      CHECK(contains(e.what(), "throw_int"));
    }
  }

  TEST_CASE("a failed argument fails the task that depends on it with the original error" *
            doctest::timeout(60)) {
    api_test::runtime_fixture rt;
    auto bad = actors::task(reject_input).remote(3);
    auto dependent = actors::task(add).remote(bad, 1);
    auto further = actors::task(add).remote(dependent, 1);
    try {
      actors::get(further);
      FAIL("get did not throw");
    } catch (const actors::task_error& e) {
      INFO("what(): " << e.what());
      CHECK(contains(e.what(), "bad input 3"));
    }
  }

  TEST_CASE("a failure inside a nested task reaches the driver with the original message" *
            doctest::timeout(60)) {
    api_test::runtime_fixture rt;
    try {
      actors::get(actors::task(outer_of_failure).remote(11));
      FAIL("get did not throw");
    } catch (const actors::task_error& e) {
      INFO("what(): " << e.what());
      CHECK(contains(e.what(), "bad input 11"));
    }
  }

  TEST_CASE("an exception in a void task is rethrown by get" * doctest::timeout(60)) {
    api_test::runtime_fixture rt;
    auto r = actors::task(void_thrower).remote();
    try {
      actors::get(r);
      FAIL("get did not throw");
    } catch (const actors::task_error& e) {
      INFO("what(): " << e.what());
      CHECK(contains(e.what(), "void task failed"));
      CHECK(contains(e.what(), "logic_error"));
      CHECK(contains(e.what(), "void_thrower"));
    }
  }

  TEST_CASE("wait counts a failed task as ready" * doctest::timeout(60)) {
    api_test::runtime_fixture rt;
    std::vector<actors::object_ref<int>> refs{actors::task(reject_input).remote(1)};
    auto res = actors::wait(refs, 1, std::chrono::seconds(30));
    CHECK(res.ready.size() == 1);
    CHECK_THROWS_AS(actors::get(res.ready.at(0)), actors::task_error);
  }

  TEST_CASE("an exception in an actor method is rethrown as task_error and the actor keeps working" *
            doctest::timeout(60)) {
    api_test::runtime_fixture rt;
    auto acct = actors::actor(account::open).remote(10);
    CHECK(actors::get(acct.task(&account::deposit).remote(5)) == 15);
    auto failed = acct.task(&account::withdraw).remote(100);
    auto after = acct.task(&account::deposit).remote(1);  // submitted behind the failing call
    try {
      actors::get(failed);
      FAIL("get did not throw");
    } catch (const actors::task_error& e) {
      INFO("what(): " << e.what());
      CHECK(contains(e.what(), "insufficient funds: balance 15"));
      CHECK(contains(e.what(), "out_of_range"));
      CHECK(contains(e.what(), "withdraw"));
      CHECK(e.message() == "insufficient funds: balance 15");
    }
    CHECK(actors::get(after) == 16);  // the state survived the throw
    CHECK(actors::get(acct.task(&account::withdraw).remote(6)) == 10);
    CHECK(actors::get(acct.task(&account::balance).remote()) == 10);
  }

  TEST_CASE("calls to an actor whose factory threw fail instead of hanging" * doctest::timeout(60)) {
    api_test::runtime_fixture rt;
    auto acct = actors::actor(account::open_or_throw).remote(-1);
    // API.md names no error for this case; actor_died_error ("the actor is dead") is the likely
    // one, any actors::error is accepted. What matters is that get does not hang.
    CHECK_THROWS_AS(actors::get(acct.task(&account::balance).remote(), std::chrono::seconds(30)), actors::error);
    try {
      actors::get(acct.task(&account::balance).remote(), std::chrono::seconds(30));
    } catch (const actors::timeout_error&) {
      FAIL("the call to a failed actor stayed pending");
    } catch (const actors::error& e) {
      INFO("what(): " << e.what());
      CHECK(contains(e.what(), "negative opening balance"));
    }
  }

  TEST_CASE("the name of an actor whose factory threw is free again" * doctest::timeout(60)) {
    // A failed actor is not a live one, so its name is not taken (API.md: names are unique
    // among live actors).
    api_test::runtime_fixture rt;
    auto failed = actors::actor(account::open_or_throw).set_name("bank").remote(-5);
    CHECK_THROWS_AS(actors::get(failed.task(&account::balance).remote(), std::chrono::seconds(30)), actors::error);
    CHECK_FALSE(actors::get_actor<account>("bank").has_value());
    auto second = actors::actor(account::open_or_throw).set_name("bank").remote(5);
    CHECK(actors::get(second.task(&account::balance).remote()) == 5);
  }

  TEST_CASE("user exceptions are not retried by default" * doctest::timeout(60)) {
    api_test::runtime_fixture rt;
    auto path = api_test::fresh_path("no_retry");
    api_test::file_cleanup cleanup(path);
    CHECK_THROWS_AS(actors::get(actors::task(flaky).remote(path, 5)), actors::task_error);
    CHECK(api_test::count_lines(path) == 1);
    auto path2 = api_test::fresh_path("no_retry_explicit");
    api_test::file_cleanup cleanup2(path2);
    CHECK_THROWS_AS(actors::get(actors::task(flaky).set_max_retries(3).set_retry_exceptions(false).remote(path2, 5)),
                    actors::task_error);
    CHECK(api_test::count_lines(path2) == 1);
  }

  TEST_CASE("with retry_exceptions a throwing task is retried up to max_retries" * doctest::timeout(60)) {
    // API.md: retry_exceptions(true) makes user exceptions retried; read as in Ray, where
    // max_retries then bounds those retries too (1 + max_retries attempts at most).
    api_test::runtime_fixture rt;
    SUBCASE("succeeds on the third attempt") {
      auto path = api_test::fresh_path("retry_ok");
      api_test::file_cleanup cleanup(path);
      auto r = actors::task(flaky).set_retry_exceptions(true).set_max_retries(3).remote(path, 3);
      CHECK(actors::get(r) == 3);
      CHECK(api_test::count_lines(path) == 3);
    }
    SUBCASE("gives up after one try and max_retries more") {
      auto path = api_test::fresh_path("retry_exhausted");
      api_test::file_cleanup cleanup(path);
      auto r = actors::task(flaky).set_retry_exceptions(true).set_max_retries(2).remote(path, 100);
      CHECK_THROWS_AS(actors::get(r), actors::task_error);
      CHECK(api_test::count_lines(path) == 3);
    }
  }

  TEST_CASE("task of an unregistered function throws actors::error naming it" * doctest::timeout(60)) {
    api_test::runtime_fixture rt;
    try {
      actors::task(api_unregistered::lonely_function);
      FAIL("task() accepted an unregistered function");
    } catch (const actors::error& e) {
      std::string what = e.what();
      INFO("what(): " << what);
      CHECK(contains(what, "lonely_function"));
      CHECK(contains(what, "regist"));
    }
  }

  TEST_CASE("actor of an unregistered factory and a call of an unregistered method throw actors::error" *
            doctest::timeout(60)) {
    api_test::runtime_fixture rt;
    try {
      actors::actor(api_unregistered::lonely_factory);
      FAIL("actor() accepted an unregistered factory");
    } catch (const actors::error& e) {
      INFO("what(): " << e.what());
      CHECK(contains(e.what(), "lonely_factory"));
      CHECK(contains(e.what(), "regist"));
    }
    auto acct = actors::actor(account::open).remote(1);
    try {
      acct.task(&account::not_registered);
      FAIL("task() accepted an unregistered method");
    } catch (const actors::error& e) {
      INFO("what(): " << e.what());
      CHECK(contains(e.what(), "regist"));
    }
    CHECK(actors::get(acct.task(&account::balance).remote()) == 1);  // nothing broke
  }
}
