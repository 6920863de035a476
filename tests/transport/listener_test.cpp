// Listening: port 0, addresses in use, Unix socket files (removed on close, stale ones
// replaced, live ones and other files left alone), and connect errors that come back bounded.
#include "fixture.hpp"

#include <sys/stat.h>

#include <fstream>

using namespace actors::net;
using namespace transport_test;

TEST_SUITE("listener") {
  TEST_CASE("port 0 picks a free port and reports it" * doctest::timeout(30)) {
    echo_server server(false);
    CHECK(server.where().port != 0);
    CHECK(server.where().to_string() == "tcp://127.0.0.1:" + std::to_string(server.where().port));
    io_pool io;
    CHECK(connect_within(io, server.where(), token_a()));
    // The same port again is in use.
    auto again = listener::open(server.io.context(), server.where(), token_a(), {});
    REQUIRE_FALSE(again);
    CHECK(again.error().code == errc::address_in_use);
  }

  TEST_CASE("the unix socket file goes away on close and a live one is not taken over" * doctest::timeout(30)) {
    io_pool io;
    const auto where = listen_address(true);
    auto l = listener::open(io.context(), where, token_a(), {});
    REQUIRE(l);
    struct stat st{};
    CHECK(::lstat(where.path.c_str(), &st) == 0);
    CHECK(S_ISSOCK(st.st_mode));
    auto second = listener::open(io.context(), where, token_a(), {});
    REQUIRE_FALSE(second);
    CHECK(second.error().code == errc::address_in_use);
    CHECK(second.error().message.find("live process") != std::string::npos);
    (*l)->close();
    CHECK(eventually([&] { return ::access(where.path.c_str(), F_OK) != 0; }));
  }

  TEST_CASE("a stale socket file is replaced but any other file is left alone" * doctest::timeout(30)) {
    const std::string path = unique_socket_path();
    {  // what a crashed process leaves behind: a bound socket file nobody listens on
      const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
      sockaddr_un sa{};
      sa.sun_family = AF_UNIX;
      std::memcpy(sa.sun_path, path.data(), path.size());
      REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
      ::close(fd);
    }
    REQUIRE(::access(path.c_str(), F_OK) == 0);
    io_pool io;
    captured_log log;
    options o;
    o.log = log.fn();
    auto l = listener::open(io.context(), *parse_address("unix:" + path), token_a(), {}, o);
    REQUIRE_MESSAGE(l, (l ? "" : to_string(l.error())));
    CHECK(log.contains("replaced the stale socket file"));
    CHECK(connect_within(io, (*l)->local_address(), token_a()));
    (*l)->close();
    CHECK(eventually([&] { return ::access(path.c_str(), F_OK) != 0; }));

    { std::ofstream(path) << "precious"; }
    auto refused = listener::open(io.context(), *parse_address("unix:" + path), token_a(), {});
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message.find("not a socket") != std::string::npos);
    std::ifstream in(path);
    std::string content;
    in >> content;
    CHECK(content == "precious");
    ::unlink(path.c_str());
  }

  TEST_CASE("closing a listener closes the connections it accepted" * doctest::timeout(30)) {
    echo_server server(true);
    io_pool io;
    std::atomic<int> closed{0};
    handlers h;
    h.on_closed = [&](const connection_ptr&, const error& why) {
      if (why.code == errc::peer_closed) ++closed;
    };
    auto a = connect_within(io, server.where(), token_a(), h);
    auto b = connect_within(io, server.where(), token_a(), h);
    REQUIRE((a && b));
    server.listener->close();
    // A connection whose handshake was still finishing on the server when close() ran is
    // dropped before on_open: the client sees it close, the server's on_closed does not run
    // for it (on_closed only ever follows on_open).
    CHECK(eventually([&] { return closed == 2 && server.closed == server.opened; }));
    auto after = connect_within(io, server.where(), token_a());
    REQUIRE_FALSE(after);
    CHECK(after.error().code == errc::connect_failed);
  }

  TEST_CASE("connect errors come back within their deadlines" * doctest::timeout(60)) {
    io_pool io;
    captured_log log;
    options o;
    o.log = log.fn();
    o.auth_timeout = 300ms;

    auto nobody = connect_within(io, *parse_address("unix:" + unique_socket_path()), token_a(), {}, o);
    REQUIRE_FALSE(nobody);
    CHECK(nobody.error().code == errc::connect_failed);

    // A TCP listener that accepts (the kernel does) but never speaks: the handshake times out.
    const int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(lfd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
    REQUIRE(::listen(lfd, 4) == 0);
    socklen_t len = sizeof sa;
    ::getsockname(lfd, reinterpret_cast<sockaddr*>(&sa), &len);
    address mute;
    mute.host = "127.0.0.1";
    mute.port = ntohs(sa.sin_port);
    const auto start = std::chrono::steady_clock::now();
    auto silent = connect_within(io, mute, token_a(), {}, o);
    ::close(lfd);
    REQUIRE_FALSE(silent);
    CHECK(silent.error().code == errc::timed_out);
    CHECK(std::chrono::steady_clock::now() - start < 3s);
    CHECK(log.contains("could not authenticate", "within 300 ms"));
  }
}
