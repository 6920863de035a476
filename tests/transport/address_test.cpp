// Address parsing: the three spellings, and errors that say what is wrong.
#include "transport/address.hpp"

#include <doctest/doctest.h>

using namespace actors::net;

TEST_SUITE("address") {
  TEST_CASE("tcp and unix addresses parse and print back") {
    auto a = parse_address("tcp://10.0.0.5:6379");
    REQUIRE(a);
    CHECK(a->type == address::kind::tcp);
    CHECK(a->host == "10.0.0.5");
    CHECK(a->port == 6379);
    CHECK(a->to_string() == "tcp://10.0.0.5:6379");

    auto b = parse_address("head-node:0");
    REQUIRE(b);
    CHECK(b->type == address::kind::tcp);
    CHECK(b->host == "head-node");
    CHECK(b->port == 0);

    auto c = parse_address("[::1]:8080");
    REQUIRE(c);
    CHECK(c->host == "::1");
    CHECK(c->port == 8080);
    CHECK(c->to_string() == "tcp://[::1]:8080");
    CHECK(*parse_address(c->to_string()) == *c);

    auto d = parse_address("unix:/run/actors/node.sock");
    REQUIRE(d);
    CHECK(d->type == address::kind::unix_socket);
    CHECK(d->path == "/run/actors/node.sock");
    CHECK(d->to_string() == "unix:/run/actors/node.sock");
  }

  TEST_CASE("malformed addresses are refused with a reason") {
    struct bad_case {
      const char* text;
      const char* why;
    };
    const bad_case cases[] = {
        {"", "empty address"},
        {"tcp://", "expected host:port"},
        {"localhost", "expected host:port"},
        {"localhost:", "missing port"},
        {":80", "missing host"},
        {"host:http", "not a number"},
        {"host:70000", "out of range"},
        {"host:-1", "not a number"},
        {"::1:80", "needs brackets"},
        {"[::1:80", "without a closing"},
        {"[::1]80", "expected ':port'"},
        {"http://host:80", "unknown scheme 'http'"},
        {"unix:", "needs a path"},
        {"a b:80", "contains a character"},
    };
    for (const auto& c : cases) {
      CAPTURE(c.text);
      auto r = parse_address(c.text);
      REQUIRE_FALSE(r);
      CHECK(r.error().code == errc::invalid_address);
      CHECK(r.error().message.find(c.why) != std::string::npos);
    }
  }

  TEST_CASE("a unix socket path longer than the kernel allows is refused") {
    const std::string path = "/" + std::string(max_unix_path, 'x');
    auto r = parse_address("unix:" + path);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("longer than the 107") != std::string::npos);
    CHECK(parse_address("unix:/" + std::string(max_unix_path - 1, 'x')));
  }

  TEST_CASE("error codes and errors print their names") {
    CHECK(to_string(errc::auth_failed) == "auth_failed");
    CHECK(to_string(static_cast<errc>(200)) == "unknown");
    CHECK(to_string(error{errc::timed_out, "no reply"}) == "timed_out: no reply");
  }
}
