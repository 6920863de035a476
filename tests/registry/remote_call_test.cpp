// Calls that cross processes, without the processes: a call is encoded as a caller would send
// it, found by name and signature as a worker would, run on the bytes, and its answer completes
// the caller's object_ref. The wire between the two is a byte vector here; cluster tests run
// the same path over sockets.
#include <actors/actors.hpp>

#include <doctest/doctest.h>

#include <map>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

namespace remote_call_test {

struct point {
  double x = 0, y = 0;
};
ACTORS_SERIALIZABLE(point, x, y)

int add(int a, int b) { return a + b; }
std::string join(const std::vector<std::string>& parts, std::string&& separator) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? separator : "") + parts[i];
  return out;
}
point midpoint(point a, const point& b) { return {(a.x + b.x) / 2, (a.y + b.y) / 2}; }
double total(const std::vector<double>& values) { return std::accumulate(values.begin(), values.end(), 0.0); }
int calls_to_touch = 0;
void touch(int n) { calls_to_touch += n; }
int fails(int) { throw std::invalid_argument("no such thing"); }
int count_refs(const std::vector<actors::object_ref<int>>& refs) { return static_cast<int>(refs.size()); }

class counter {
 public:
  explicit counter(int start) : value_(start) {}
  static counter make(int start) { return counter(start); }
  static std::unique_ptr<counter> make_unique(int start) { return std::make_unique<counter>(start); }
  int add(int n) { return value_ += n; }
  int read() const { return value_; }

 private:
  int value_;
};

}  // namespace remote_call_test

using namespace remote_call_test;

ACTORS_REMOTE(remote_call_test::add, join, midpoint, total, touch, fails, count_refs, counter::make,
              counter::make_unique, &counter::add, &counter::read)

namespace {

struct runtime_scope {
  runtime_scope() { actors::init({.num_cpus = 2}); }
  ~runtime_scope() { actors::shutdown(); }
};

/// What a worker does with a call it received: find the function, run it on the bytes, answer.
std::vector<std::byte> serve(const std::string& name, const std::string& signature,
                             const std::vector<std::byte>& arguments, void* instance = nullptr) {
  const auto& entry = actors::detail::find_remote(name, signature);
  REQUIRE(static_cast<bool>(entry.invoke));
  actors::reader in(arguments);
  actors::writer out;
  entry.invoke(entry, in, out, instance);
  CHECK(in.remaining() == 0);
  return out.bytes();
}

/// Sends the task `f(args...)` through serve() and returns the caller's ref to its result.
template <class F, class... Args>
auto call_remotely(F f, Args&&... args) {
  auto [job, ref] = actors::detail::make_call<void>(f, actors::detail::registered_name(f), std::forward<Args>(args)...);
  actors::writer w;
  job->encode_arguments(w);
  auto answer = serve(job->name(), job->signature(), w.bytes());
  actors::reader r(answer);
  job->accept_result(r);
  return ref;
}

std::string message_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no exception)";
}

}  // namespace

TEST_SUITE("remote calls") {
  TEST_CASE("a task crosses as bytes and its answer completes the caller's ref") {
    runtime_scope rt;
    auto ref = call_remotely(remote_call_test::add, 20, 22);
    CHECK(actors::get(ref) == 42);
  }

  TEST_CASE("const reference and rvalue reference parameters get their values") {
    runtime_scope rt;
    CHECK(actors::get(call_remotely(join, std::vector<std::string>{"a", "b", "c"}, std::string("-"))) == "a-b-c");
  }

  TEST_CASE("serializable structs and arithmetic arrays cross in both directions") {
    runtime_scope rt;
    auto mid = actors::get(call_remotely(midpoint, point{0, 0}, point{2, 4}));
    CHECK(mid.x == 1);
    CHECK(mid.y == 2);
    std::vector<double> values(100000);
    std::iota(values.begin(), values.end(), 1.0);
    CHECK(actors::get(call_remotely(total, values)) == doctest::Approx(5000050000.0));
  }

  TEST_CASE("a void function runs once and completes its object_ref<void>") {
    runtime_scope rt;
    calls_to_touch = 0;
    auto ref = call_remotely(touch, 5);
    actors::get(ref);
    CHECK(calls_to_touch == 5);
  }

  TEST_CASE("an object_ref argument is sent as its value once it is ready") {
    runtime_scope rt;
    auto twenty = actors::put(20);
    CHECK(actors::get(call_remotely(remote_call_test::add, twenty, 1)) == 21);
  }

  TEST_CASE("refs inside an argument are reported by the writer") {
    runtime_scope rt;
    std::vector<actors::object_ref<int>> refs{actors::put(1), actors::put(2)};
    auto [job, ref] = actors::detail::make_call<void>(count_refs, actors::detail::registered_name(count_refs), refs);
    actors::writer w;
    job->encode_arguments(w);
    REQUIRE(w.refs().size() == 2);
    CHECK(w.refs()[0] == refs[0].id());
    CHECK(w.refs()[1] == refs[1].id());
    actors::reader in(w.bytes());
    actors::writer out;
    const auto& entry = actors::detail::find_remote(job->name(), job->signature());
    entry.invoke(entry, in, out, nullptr);
    CHECK(in.refs().size() == 2);  // the worker sees them too, for its reference counts
  }

  TEST_CASE("an exception from the function reaches the worker as it was thrown") {
    runtime_scope rt;
    auto [job, ref] = actors::detail::make_call<void>(fails, actors::detail::registered_name(fails), 1);
    actors::writer w;
    job->encode_arguments(w);
    CHECK_THROWS_AS(serve(job->name(), job->signature(), w.bytes()), std::invalid_argument);
  }

  TEST_CASE("a function this program does not have is refused by name") {
    auto text = message_of([] { actors::detail::find_remote("no_such_function", typeid(int (*)(int)).name()); });
    CHECK(text.find("no function is registered as 'no_such_function'") != std::string::npos);
  }

  TEST_CASE("a function called with another signature is refused naming both") {
    auto text = message_of([] { actors::detail::find_remote("remote_call_test::add", typeid(double (*)(double)).name()); });
    CHECK(text.find("called as double (*)(double)") != std::string::npos);
    CHECK(text.find("registers it as int (*)(int, int)") != std::string::npos);
  }

  TEST_CASE("malformed arguments are reported with the argument and function they belong to") {
    const auto& entry = actors::detail::find_remote("remote_call_test::add", typeid(int (*)(int, int)).name());
    actors::writer out;
    SUBCASE("wrong count") {
      actors::writer w;
      w.write_pod(std::uint32_t{3});
      actors::reader in(w.bytes());
      auto text = message_of([&] { entry.invoke(entry, in, out, nullptr); });
      CHECK(text.find("takes 2 arguments but the call carries 3") != std::string::npos);
    }
    SUBCASE("an argument of another type") {
      actors::writer w;
      w.write_pod(std::uint32_t{2});
      actors::detail::write_argument(w, std::string("not an int"));
      actors::detail::write_argument(w, 1);
      actors::reader in(w.bytes());
      auto text = message_of([&] { entry.invoke(entry, in, out, nullptr); });
      CHECK(text.find("argument 1 of remote_call_test::add does not decode") != std::string::npos);
    }
    SUBCASE("truncated") {
      actors::writer w;
      w.write_pod(std::uint32_t{2});
      actors::detail::write_argument(w, 1);
      auto bytes = w.bytes();
      bytes.resize(bytes.size() - 2);
      actors::reader in(bytes);
      auto text = message_of([&] { entry.invoke(entry, in, out, nullptr); });
      CHECK(text.find("argument 1 of remote_call_test::add does not decode") != std::string::npos);
    }
    SUBCASE("an unknown tag") {
      actors::writer w;
      w.write_pod(std::uint32_t{2});
      w.write_pod(std::uint8_t{7});
      actors::reader in(w.bytes());
      auto text = message_of([&] { entry.invoke(entry, in, out, nullptr); });
      CHECK(text.find("unknown argument tag") != std::string::npos);
    }
  }

  TEST_CASE("an argument passed by reference is fetched through the worker's fetcher") {
    const auto& entry = actors::detail::find_remote("remote_call_test::add", typeid(int (*)(int, int)).name());
    actors::writer stored;  // the object as the store holds it: the encoded value
    actors::encode(stored, 40);
    actors::object_id id{7, 9};
    actors::writer w;
    w.write_pod(std::uint32_t{2});
    actors::detail::write_argument_reference(w, id);
    actors::detail::write_argument(w, 2);
    CHECK(w.refs().size() == 1);
    actors::writer out;
    SUBCASE("with a fetcher") {
      int fetches = 0;
      auto previous = actors::detail::set_argument_fetcher([&](const actors::object_id& wanted) {
        ++fetches;
        CHECK(wanted == id);
        return actors::detail::fetched_object{stored.bytes(), nullptr};
      });
      actors::reader in(w.bytes());
      entry.invoke(entry, in, out, nullptr);
      actors::detail::set_argument_fetcher(std::move(previous));
      CHECK(fetches == 1);
      actors::reader answer(out.bytes());
      CHECK(actors::decode<int>(answer) == 42);
    }
    SUBCASE("without one the call fails clearly") {
      actors::reader in(w.bytes());
      auto text = message_of([&] { entry.invoke(entry, in, out, nullptr); });
      CHECK(text.find("cannot be fetched") != std::string::npos);
    }
  }

  TEST_CASE("an answer of another type is refused and the ref stays pending") {
    runtime_scope rt;
    auto [job, ref] = actors::detail::make_call<void>(remote_call_test::add, actors::detail::registered_name(remote_call_test::add), 1, 2);
    actors::writer wrong;
    actors::encode(wrong, std::string("forty-two"));
    actors::reader r(wrong.bytes());
    CHECK_THROWS_AS(job->accept_result(r), actors::error);
    CHECK(actors::wait(std::vector{ref}, 1, std::chrono::milliseconds(0)).ready.empty());
  }

  TEST_CASE("a factory makes its instance from bytes and methods run on it") {
    const auto& make = actors::detail::find_remote("counter::make", typeid(counter (*)(int)).name());
    REQUIRE(static_cast<bool>(make.construct));
    CHECK(*make.object_type == typeid(counter));
    actors::writer args;
    args.write_pod(std::uint32_t{1});
    actors::detail::write_argument(args, 10);
    actors::reader in(args.bytes());
    auto instance = make.construct(make, in);
    REQUIRE(instance);

    actors::writer one;
    one.write_pod(std::uint32_t{1});
    actors::detail::write_argument(one, 5);
    auto answer = serve("&counter::add", typeid(&counter::add).name(), one.bytes(), instance.get());
    actors::reader r(answer);
    CHECK(actors::decode<int>(r) == 15);

    actors::writer none;
    none.write_pod(std::uint32_t{0});
    auto read = serve("&counter::read", typeid(&counter::read).name(), none.bytes(), instance.get());
    actors::reader rr(read);
    CHECK(actors::decode<int>(rr) == 15);

    const auto& unique = actors::detail::find_remote("counter::make_unique", typeid(&counter::make_unique).name());
    CHECK(static_cast<bool>(unique.construct));
    CHECK_FALSE(static_cast<bool>(unique.invoke));  // a unique_ptr cannot cross as a value
    CHECK(*unique.object_type == typeid(counter));
  }

  TEST_CASE("an actor factory's arguments are encoded like a task's") {
    runtime_scope rt;
    using slots = actors::detail::slots_for<actors::type_list<int>, int>::type;
    actors::detail::factory_job<decltype(&counter::make), slots> job(&counter::make, actors::detail::registered_name(&counter::make), 3);
    actors::writer w;
    job.encode_arguments(w);
    const auto& make = actors::detail::find_remote(job.name(), job.signature());
    actors::reader in(w.bytes());
    auto instance = make.construct(make, in);
    CHECK(static_cast<counter*>(instance.get())->read() == 3);
  }
}
