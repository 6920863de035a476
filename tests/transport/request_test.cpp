// request(): replies find their request, timeouts fire, and a connection that closes fails the
// requests in flight at once. Nothing waits forever.
#include "fixture.hpp"

using namespace actors::net;
using namespace transport_test;

namespace {
constexpr std::uint16_t kind_echo = first_user_kind;
constexpr std::uint16_t kind_ignore = first_user_kind + 1;
constexpr std::uint16_t kind_late = first_user_kind + 2;
constexpr std::uint16_t kind_hang_up = first_user_kind + 3;
}  // namespace

TEST_SUITE("request") {
  TEST_CASE("concurrent requests each get their own reply" * doctest::timeout(60)) {
    echo_server server(false);
    io_pool io(2);
    auto c = connect_within(io, server.where(), token_a());
    REQUIRE(c);
    std::atomic<int> matched{0}, wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 200; ++i) {
          const std::string text = std::to_string(t) + "/" + std::to_string(i);
          (*c)->request(make_message(kind_echo, text), 10s, [&, text](result<frame> r) {
            if (r && r->body.text() == text)
              ++matched;
            else
              ++wrong;
          });
        }
      });
    }
    for (auto& t : threads) t.join();
    CHECK(eventually([&] { return matched + wrong == 800; }, 30s));
    CHECK(matched == 800);
  }

  TEST_CASE("a request without a reply times out and a late reply is dropped" * doctest::timeout(60)) {
    echo_server server(true);
    std::vector<std::thread> repliers;
    std::mutex m;
    server.on_frame_hook = [&](const connection_ptr& conn, frame& f) {
      if (f.kind == kind_ignore) return true;
      if (f.kind == kind_late) {  // answers after the requester has given up
        auto shared = std::make_shared<frame>(std::move(f));
        std::lock_guard lock(m);
        repliers.emplace_back([conn, shared] {
          std::this_thread::sleep_for(400ms);
          conn->reply(*shared, make_message(kind_late, "too late"));
        });
        return true;
      }
      return false;
    };
    io_pool io;
    std::atomic<int> unsolicited{0};
    captured_log client_log;
    handlers h;
    h.on_frame = [&](const connection_ptr&, frame&&) { ++unsolicited; };
    options o;
    o.log = client_log.fn();
    auto c = connect_within(io, server.where(), token_a(), h, o);
    REQUIRE(c);

    const auto start = std::chrono::steady_clock::now();
    auto ignored = (*c)->request(make_message(kind_ignore, "anyone?"), 200ms);
    auto r = get_within(ignored, 5s);
    REQUIRE(r);
    REQUIRE_FALSE(*r);
    CHECK(r->error().code == errc::timed_out);
    CHECK(r->error().message.find("within 200 ms") != std::string::npos);
    CHECK(std::chrono::steady_clock::now() - start >= 190ms);

    auto late = (*c)->request(make_message(kind_late, "slow"), 100ms);
    auto lr = get_within(late, 5s);
    REQUIRE(lr);
    CHECK(lr->error().code == errc::timed_out);
    std::this_thread::sleep_for(600ms);  // the late reply arrives meanwhile
    {
      std::lock_guard lock(m);
      for (auto& t : repliers) t.join();
      repliers.clear();
    }
    CHECK(unsolicited == 0);  // not handed to on_frame as if it were a new frame
    auto ok = (*c)->request(make_message(kind_echo, "still fine"), 5s);
    auto okr = get_within(ok);
    REQUIRE((okr && *okr));
    CHECK((*okr)->body.text() == "still fine");
  }

  TEST_CASE("requests in flight fail at once when the peer closes the connection" * doctest::timeout(60)) {
    for (bool unix_socket : {true, false}) {
      CAPTURE(unix_socket);
      echo_server server(unix_socket);
      std::atomic<int> hang_ups{0};
      server.on_frame_hook = [&](const connection_ptr& conn, frame& f) {
        if (f.kind == kind_hang_up && ++hang_ups == 3) conn->close("asked to hang up");
        return f.kind == kind_hang_up;
      };
      io_pool io;
      auto c = connect_within(io, server.where(), token_a());
      REQUIRE(c);
      std::vector<std::future<result<frame>>> waiting;
      for (int i = 0; i < 3; ++i) waiting.push_back((*c)->request(make_message(kind_hang_up, "bye"), 60s));
      const auto start = std::chrono::steady_clock::now();
      for (auto& f : waiting) {
        auto r = get_within(f, 10s);
        REQUIRE(r);
        REQUIRE_FALSE(*r);
        CHECK(r->error().code == errc::peer_closed);
        CHECK(r->error().message.find("no reply from") != std::string::npos);
      }
      CHECK(std::chrono::steady_clock::now() - start < 5s);  // not the 60 s timeout
      CHECK(eventually([&] { return !(*c)->is_open(); }));
      auto after = (*c)->request(make_message(kind_echo, "x"), 1s);
      auto ar = get_within(after);
      REQUIRE(ar);
      CHECK(ar->error().code == errc::peer_closed);
    }
  }

  TEST_CASE("closing this side fails its requests in flight and unsent frames" * doctest::timeout(30)) {
    echo_server server(true);
    server.on_frame_hook = [](const connection_ptr&, frame& f) { return f.kind == kind_ignore; };
    io_pool io;
    auto c = connect_within(io, server.where(), token_a());
    REQUIRE(c);
    auto pending = (*c)->request(make_message(kind_ignore, "never answered"), 60s);
    std::promise<error> unsent;
    // Enough bytes that some are still queued when close() runs; each fails or succeeds once.
    std::atomic<int> outcomes{0};
    for (int i = 0; i < 64; ++i)
      (*c)->send(make_message(kind_ignore, std::string(1 << 16, 'x')), [&](const result<void>&) { ++outcomes; });
    (*c)->close("test closes");
    auto r = get_within(pending, 5s);
    REQUIRE(r);
    REQUIRE_FALSE(*r);
    CHECK(r->error().code == errc::closed);
    CHECK(r->error().message.find("test closes") != std::string::npos);
    CHECK(eventually([&] { return outcomes == 64; }));
    CHECK((*c)->queued_bytes() == 0);
  }

  TEST_CASE("a request needs a timeout and a user kind" * doctest::timeout(30)) {
    echo_server server(true);
    io_pool io;
    auto c = connect_within(io, server.where(), token_a());
    REQUIRE(c);
    auto zero = (*c)->request(make_message(kind_echo, "x"), 0ms);
    auto zr = get_within(zero);
    REQUIRE(zr);
    CHECK(zr->error().code == errc::invalid_argument);
    auto reserved = (*c)->request(make_message(2, "x"), 1s);
    auto rr = get_within(reserved);
    REQUIRE(rr);
    CHECK(rr->error().code == errc::invalid_argument);
  }
}
