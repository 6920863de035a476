// Frames over real Unix and TCP sockets: round trips, order under concurrent senders, and a
// scatter-gather frame of 256 MiB (32 MiB under TSan).
#include "fixture.hpp"

#include <cstring>
#include <numeric>

using namespace actors::net;
using namespace transport_test;

namespace {

std::uint64_t checksum(const std::byte* p, std::size_t n) {
  // FNV-1a over 64-bit words (and the tail byte by byte): fast enough for 256 MiB in Debug.
  std::uint64_t h = 1469598103934665603ull;
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    h = (h ^ w) * 1099511628211ull;
  }
  for (; i < n; ++i) h = (h ^ std::to_integer<std::uint64_t>(p[i])) * 1099511628211ull;
  return h;
}

}  // namespace

TEST_SUITE("roundtrip") {
  TEST_CASE("a request and its reply travel over unix and tcp" * doctest::timeout(60)) {
    for (bool unix_socket : {true, false}) {
      CAPTURE(unix_socket);
      echo_server server(unix_socket);
      io_pool io;
      std::atomic<int> client_closed{0};
      handlers h;
      h.on_closed = [&](const connection_ptr&, const error&) { ++client_closed; };
      auto c = connect_within(io, server.where(), token_a(), h);
      REQUIRE_MESSAGE(c, (c ? "" : to_string(c.error())));
      const auto& conn = *c;
      CHECK(conn->is_open());
      CHECK(conn->peer().starts_with(unix_socket ? "unix:/tmp/actors-tt-" : "tcp://127.0.0.1:"));
      if (unix_socket) CHECK(conn->peer().find("(pid " + std::to_string(::getpid())) != std::string::npos);

      for (int i = 0; i < 20; ++i) {
        auto f = conn->request(make_message(first_user_kind + 7, "ping " + std::to_string(i)), 5s);
        auto r = get_within(f);
        REQUIRE(r);
        REQUIRE_MESSAGE(*r, (*r ? "" : to_string(r->error())));
        CHECK((*r)->kind == first_user_kind + 7);
        CHECK((*r)->is_response());
        CHECK((*r)->body.text() == "ping " + std::to_string(i));
      }
      // An empty body is a frame too.
      auto empty = conn->request(message{.kind = first_user_kind}, 5s);
      auto r = get_within(empty);
      REQUIRE((r && *r));
      CHECK((*r)->body.size() == 0);

      CHECK(eventually([&] { return server.listener->connection_count() == 1; }));
      CHECK(server.opened == 1);
      conn->close("test done");
      CHECK(eventually([&] { return client_closed == 1 && server.closed == 1; }));
      CHECK_FALSE(conn->is_open());
      CHECK(conn->send(make_message(first_user_kind, "late")).error().code == errc::closed);
    }
  }

  TEST_CASE("frames from many concurrent senders arrive complete and in each sender's order" *
            doctest::timeout(120)) {
    for (bool unix_socket : {true, false}) {
      CAPTURE(unix_socket);
      constexpr int senders = 8;
      constexpr int per_sender = 2000;
      std::mutex m;
      std::vector<int> next(senders, 0);
      std::atomic<int> out_of_order{0};
      std::atomic<int> received{0};
      echo_server server(unix_socket);
      server.on_frame_hook = [&](const connection_ptr&, frame& f) {
        int sender = 0, seq = 0;
        if (f.body.size() != 2 * sizeof(int)) return true;
        std::memcpy(&sender, f.body.data(), sizeof sender);
        std::memcpy(&seq, f.body.data() + sizeof sender, sizeof seq);
        std::lock_guard lock(m);
        if (next[sender] != seq) ++out_of_order;
        next[sender] = seq + 1;
        ++received;
        return true;
      };
      io_pool io(2);
      auto c = connect_within(io, server.where(), token_a());
      REQUIRE(c);
      std::atomic<int> written{0};
      std::vector<std::thread> threads;
      for (int s = 0; s < senders; ++s) {
        threads.emplace_back([&, s] {
          for (int i = 0; i < per_sender; ++i) {
            int pair[2] = {s, i};
            auto sent = (*c)->send(message{.kind = first_user_kind}.append(payload::copy(std::as_bytes(std::span(pair)))),
                                   [&](const result<void>& r) {
                                     if (r) ++written;
                                   });
            CHECK(sent);
          }
        });
      }
      for (auto& t : threads) t.join();
      CHECK(eventually([&] { return received == senders * per_sender; }, 60s));
      CHECK(out_of_order == 0);
      CHECK(written == senders * per_sender);
      CHECK(eventually([&] { return (*c)->queued_bytes() == 0; }));
      for (int s = 0; s < senders; ++s) CHECK(next[s] == per_sender);
    }
  }

  TEST_CASE("a scatter-gather frame of four large parts arrives intact without copying them" * doctest::timeout(120)) {
    for (bool unix_socket : {true, false}) {
      CAPTURE(unix_socket);
#if defined(__SANITIZE_THREAD__)
      constexpr std::size_t part = 8u << 20;  // TSan checks every byte the checksums read: ~50x slower
#else
      constexpr std::size_t part = 64u << 20;  // a 256 MiB frame
#endif
      std::atomic<std::uint64_t> received_sum{0};
      std::atomic<std::size_t> received_size{0};
      echo_server server(unix_socket);
      server.on_frame_hook = [&](const connection_ptr& c, frame& f) {
        received_size = f.body.size();
        received_sum = checksum(f.body.data(), f.body.size());
        c->reply(f, make_message(f.kind, "got it"));
        return true;
      };
      io_pool io;
      auto c = connect_within(io, server.where(), token_a());
      REQUIRE(c);

      // A small header of the application's own, then four 64 MiB parts owned elsewhere.
      message m{.kind = first_user_kind + 1};
      m.append(payload::copy("object 42:"));
      std::vector<std::weak_ptr<std::vector<std::uint64_t>>> owners;
      std::vector<std::byte> whole;  // what the receiver should see, for the checksum
      whole.reserve(10 + 4 * part);
      whole.insert(whole.end(), reinterpret_cast<const std::byte*>("object 42:"),
                   reinterpret_cast<const std::byte*>("object 42:") + 10);
      for (int p = 0; p < 4; ++p) {
        auto buf = std::make_shared<std::vector<std::uint64_t>>(part / 8);
        std::iota(buf->begin(), buf->end(), std::uint64_t(p) << 40);
        const auto bytes = std::as_bytes(std::span(*buf));
        whole.insert(whole.end(), bytes.begin(), bytes.end());
        m.append(payload::view(bytes, buf));
        owners.push_back(buf);
      }
      const std::uint64_t expected = checksum(whole.data(), whole.size());
      whole = {};
      auto reply = (*c)->request(std::move(m), 60s);
      auto r = get_within(reply, 60s);
      REQUIRE(r);
      REQUIRE_MESSAGE(*r, (*r ? "" : to_string(r->error())));
      CHECK((*r)->body.text() == "got it");
      CHECK(received_size == 10 + 4 * part);
      CHECK(received_sum == expected);
      // Written, so the transport let go of the parts.
      CHECK(eventually([&] {
        for (auto& w : owners)
          if (!w.expired()) return false;
        return true;
      }));
    }
  }

  TEST_CASE("send refuses reserved kinds and transport flags and bodies over the maximum" * doctest::timeout(30)) {
    echo_server server(true);
    io_pool io;
    options o;
    o.max_frame_size = 1024;
    auto c = connect_within(io, server.where(), token_a(), {}, o);
    REQUIRE(c);
    CHECK((*c)->send(make_message(3, "x")).error().code == errc::invalid_argument);
    CHECK((*c)->send(message{.kind = first_user_kind, .flags = 0x0002}).error().code == errc::invalid_argument);
    auto big = (*c)->send(make_message(first_user_kind, std::string(1025, 'x')));
    REQUIRE_FALSE(big);
    CHECK(big.error().code == errc::frame_too_large);
    CHECK((*c)->send(make_message(first_user_kind, std::string(1024, 'x'))));
    CHECK((*c)->send(message{.kind = first_user_kind, .flags = 0x0100}));  // application bits are free
    CHECK(eventually([&] { return server.frames == 2; }));
  }

  TEST_CASE("allocate_body puts large bodies where the receiver wants them" * doctest::timeout(30)) {
    auto pool = std::make_shared<std::vector<std::byte>>(4096);
    std::atomic<const std::byte*> landed{nullptr};
    options so;
    so.allocate_body = [&](const frame_header& h) {
      const std::uint32_t length = h.length;
      if (length == 4096) return body_buffer(std::span(*pool), pool);
      if (length == 13) return body_buffer(7);  // a buggy allocator: the wrong size
      return body_buffer(length);
    };
    echo_server server(true, so);
    server.on_frame_hook = [&](const connection_ptr&, frame& f) {
      if (f.body.size() == 4096) landed = f.body.data();
      return f.body.size() == 4096;
    };
    io_pool io;
    auto c = connect_within(io, server.where(), token_a());
    REQUIRE(c);
    REQUIRE((*c)->send(make_message(first_user_kind, std::string(4096, 'p'))));
    CHECK(eventually([&] { return landed.load() != nullptr; }));
    CHECK(landed.load() == pool->data());
    CHECK(std::to_integer<char>((*pool)[4095]) == 'p');
    auto echoed = (*c)->request(make_message(first_user_kind, "small"), 5s);
    auto r = get_within(echoed);
    REQUIRE((r && *r));
    CHECK((*r)->body.text() == "small");
    REQUIRE((*c)->send(make_message(first_user_kind, "thirteen byte")));
    CHECK(server.log.wait_for("allocate_body returned 7 bytes for a frame of 13"));
    CHECK(eventually([&] { return !(*c)->is_open(); }));
  }
}
