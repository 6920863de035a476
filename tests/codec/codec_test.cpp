// The codec: every type listed under "Values that can cross" round-trips, arithmetic arrays
// travel as raw bytes, refs and handles inside values are reported, and bad input is refused.
#include <actors/actors.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <list>
#include <memory>

namespace geometry {
enum class color : std::uint8_t { red = 1, green = 2 };
struct point {
  double x = 0, y = 0;
  std::string label;
  color c = color::red;
  friend bool operator==(const point&, const point&) = default;
};
ACTORS_SERIALIZABLE(point, x, y, label, c);
struct shape {
  std::vector<point> corners;
  std::optional<std::map<std::string, int>> tags;
  friend bool operator==(const shape&, const shape&) = default;
};
ACTORS_SERIALIZABLE(shape, corners, tags)
}  // namespace geometry

struct counter {
  int n = 0;
  static counter create() { return {}; }
  int bump() { return ++n; }
};
ACTORS_REMOTE(counter::create, &counter::bump)

namespace {

template <class T>
T round_trip(const T& value) {
  actors::writer w;
  actors::encode(w, value);
  actors::reader r(w.bytes());
  auto back = actors::decode<T>(r);
  CHECK(r.remaining() == 0);
  return back;
}

struct runtime_scope {
  runtime_scope() { actors::init({.num_cpus = 2}); }
  ~runtime_scope() { actors::shutdown(); }
};

}  // namespace

TEST_SUITE("codec") {
  TEST_CASE("scalars and strings round-trip") {
    CHECK(round_trip(42) == 42);
    CHECK(round_trip(-7LL) == -7LL);
    CHECK(round_trip(2.5) == 2.5);
    CHECK(round_trip(true) == true);
    CHECK(round_trip('x') == 'x');
    CHECK(round_trip(geometry::color::green) == geometry::color::green);
    CHECK(round_trip(std::string("hello\0world", 11)) == std::string("hello\0world", 11));
    CHECK(round_trip(std::string()).empty());
  }

  TEST_CASE("containers round-trip; nested too") {
    CHECK(round_trip(std::vector<std::string>{"a", "", "ccc"}) == std::vector<std::string>{"a", "", "ccc"});
    CHECK(round_trip(std::vector<bool>{true, false, true}) == std::vector<bool>{true, false, true});
    CHECK(round_trip(std::array<int, 3>{1, 2, 3}) == std::array<int, 3>{1, 2, 3});
    CHECK(round_trip(std::array<std::string, 2>{"x", "y"}) == std::array<std::string, 2>{"x", "y"});
    std::map<std::string, std::vector<int>> m{{"a", {1, 2}}, {"b", {}}};
    CHECK(round_trip(m) == m);
    std::unordered_map<int, std::set<std::string>> um{{1, {"x", "y"}}, {2, {}}};
    CHECK(round_trip(um) == um);
    CHECK(round_trip(std::set<double>{1.5, -2.0}) == std::set<double>{1.5, -2.0});
    CHECK(round_trip(std::pair<int, std::string>{3, "three"}) == std::pair<int, std::string>{3, "three"});
    auto t = std::tuple<int, std::string, std::vector<double>>{1, "t", {0.5}};
    CHECK(round_trip(t) == t);
    CHECK(round_trip(std::optional<int>{}) == std::nullopt);
    CHECK(round_trip(std::optional<std::string>{"set"}) == std::optional<std::string>{"set"});
    using v = std::variant<int, std::string, std::vector<int>>;
    CHECK(round_trip(v{std::string("s")}) == v{std::string("s")});
    CHECK(round_trip(v{std::vector<int>{4, 5}}) == v{std::vector<int>{4, 5}});
    std::vector<std::map<int, std::vector<std::pair<std::string, double>>>> deep{{{1, {{"a", 1.0}}}}, {}};
    CHECK(round_trip(deep) == deep);
  }

  TEST_CASE("json round-trips") {
    nlohmann::json j = {{"name", "x"}, {"values", {1, 2.5, nullptr, true}}, {"nested", {{"k", "v"}}}};
    CHECK(round_trip(j) == j);
  }

  TEST_CASE("ACTORS_SERIALIZABLE structs round-trip; inside containers too") {
    geometry::point p{1.5, -2, "corner", geometry::color::green};
    CHECK(round_trip(p) == p);
    geometry::shape s{{p, geometry::point{}}, std::map<std::string, int>{{"sides", 2}}};
    CHECK(round_trip(s) == s);
    CHECK(round_trip(std::vector<geometry::shape>{s, {}}) == std::vector<geometry::shape>{s, {}});
  }

  TEST_CASE("arithmetic arrays are written as raw bytes") {
    std::vector<double> v(1000);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(i) * 0.25;
    actors::writer w;
    actors::encode(w, v);
    // A length and the elements' bytes, nothing per element.
    CHECK(w.bytes().size() == sizeof(std::uint64_t) + v.size() * sizeof(double));
    CHECK(std::memcmp(w.bytes().data() + sizeof(std::uint64_t), v.data(), v.size() * sizeof(double)) == 0);
    actors::reader r(w.bytes());
    CHECK(actors::decode<std::vector<double>>(r) == v);

    std::array<std::int16_t, 4> a{1, -2, 3, -4};
    actors::writer wa;
    actors::encode(wa, a);
    CHECK(wa.bytes().size() == sizeof a);
  }

  TEST_CASE("refs and handles inside values are reported when written and read") {
    runtime_scope rt;
    auto a = actors::put(1);
    auto b = actors::put(std::string("two"));
    auto h = actors::actor(counter::create).remote();
    std::map<std::string, actors::object_ref<int>> refs{{"a", a}};
    auto value = std::make_tuple(refs, std::vector<actors::object_ref<std::string>>{b, b}, h);

    actors::writer w;
    actors::encode(w, value);
    CHECK(w.refs() == std::vector<actors::object_id>{a.id(), b.id(), b.id()});
    CHECK(w.handles() == std::vector<actors::actor_id>{h.id()});

    actors::reader r(w.bytes());
    auto back = actors::decode<decltype(value)>(r);
    CHECK(r.refs() == w.refs());
    CHECK(r.handles() == w.handles());
    // Decoded in the process that owns them, they resolve to the live objects and actor.
    CHECK(actors::get(std::get<0>(back).at("a")) == 1);
    CHECK(actors::get(std::get<1>(back)[1]) == "two");
    CHECK(actors::get(std::get<2>(back).task(&counter::bump).remote()) == 1);
  }

  TEST_CASE("a ref to an object this process does not know fails with object_lost_error") {
    runtime_scope rt;
    actors::writer w;
    actors::object_id unknown{0x1234, 0x5678};
    w.write_pod(unknown);
    actors::reader r(w.bytes());
    auto ref = actors::decode<actors::object_ref<int>>(r);
    CHECK(ref.id() == unknown);
    CHECK_THROWS_AS(actors::get(ref), actors::object_lost_error);
  }

  TEST_CASE("truncated or corrupt input is refused with actors::error") {
    actors::writer w;
    actors::encode(w, std::vector<std::string>{"abc", "def"});
    auto bytes = w.bytes();
    for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
      actors::reader r(std::span(bytes.data(), cut));
      CHECK_THROWS_AS(actors::decode<std::vector<std::string>>(r), actors::error);
    }
    // A length far beyond the input is refused before anything is allocated.
    actors::writer huge;
    huge.write_size(std::size_t{1} << 60);
    actors::reader r(huge.bytes());
    CHECK_THROWS_AS(actors::decode<std::vector<double>>(r), actors::error);
    actors::writer bad_variant;
    bad_variant.write_pod(std::uint32_t{7});
    actors::reader rv(bad_variant.bytes());
    CHECK_THROWS_AS((actors::decode<std::variant<int, double>>(rv)), actors::error);
  }

  TEST_CASE("the serializable trait accepts the listed types and rejects others") {
    static_assert(actors::is_serializable_v<std::map<std::string, std::vector<geometry::point>>>);
    static_assert(actors::is_serializable_v<actors::object_ref<int>>);
    static_assert(actors::is_serializable_v<actors::actor_handle<counter>>);
    static_assert(actors::is_serializable_v<nlohmann::json>);
    static_assert(!actors::is_serializable_v<std::list<int>>);
    static_assert(!actors::is_serializable_v<int*>);
    static_assert(!actors::is_serializable_v<std::vector<std::unique_ptr<int>>>);
    static_assert(!actors::is_serializable_v<counter>);  // not declared with ACTORS_SERIALIZABLE
    CHECK(true);
  }
}
