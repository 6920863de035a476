// The cluster token: generation, hex form, and the 0600 token file.
#include "transport/token.hpp"

#include "support.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>

#include <cstdio>
#include <fstream>

using namespace actors::net;

namespace {

struct temp_file {
  std::string path = transport_test::unique_socket_path() + ".token";
  ~temp_file() { std::remove(path.c_str()); }
};

}  // namespace

TEST_SUITE("token") {
  TEST_CASE("generated tokens are random and survive the hex form") {
    const auto a = cluster_token::generate();
    const auto b = cluster_token::generate();
    CHECK_FALSE(a == b);
    CHECK(a.to_hex().size() == 64);
    auto again = cluster_token::from_hex(a.to_hex());
    REQUIRE(again);
    CHECK(*again == a);
    std::string upper = a.to_hex();
    for (auto& c : upper) c = static_cast<char>(std::toupper(c));
    CHECK(*cluster_token::from_hex(upper) == a);
  }

  TEST_CASE("malformed hex is refused") {
    CHECK(cluster_token::from_hex("abc").error().code == errc::token_error);
    CHECK(cluster_token::from_hex(std::string(64, 'g')).error().message.find("hex digits only") !=
          std::string::npos);
  }

  TEST_CASE("a token file is written with mode 0600 and read back") {
    temp_file f;
    const auto t = cluster_token::generate();
    REQUIRE(write_token_file(f.path, t));
    struct stat st{};
    REQUIRE(::stat(f.path.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0600);
    auto back = read_token_file(f.path);
    REQUIRE(back);
    CHECK(*back == t);
    // Writing again replaces the token, and the mode stays 0600.
    const auto t2 = cluster_token::generate();
    REQUIRE(write_token_file(f.path, t2));
    CHECK(*read_token_file(f.path) == t2);
    REQUIRE(::stat(f.path.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0600);
  }

  TEST_CASE("a token file that group or others may read is refused") {
    temp_file f;
    REQUIRE(write_token_file(f.path, cluster_token::generate()));
    for (mode_t mode : {0640, 0604, 0660, 0602, 0620}) {
      CAPTURE(mode);
      REQUIRE(::chmod(f.path.c_str(), mode) == 0);
      auto r = read_token_file(f.path);
      REQUIRE_FALSE(r);
      CHECK(r.error().code == errc::token_error);
      CHECK(r.error().message.find("group or others") != std::string::npos);
      CHECK(r.error().message.find(f.path) != std::string::npos);
    }
    REQUIRE(::chmod(f.path.c_str(), 0400) == 0);
    CHECK(read_token_file(f.path));
  }

  TEST_CASE("missing and malformed token files are refused") {
    temp_file f;
    auto missing = read_token_file(f.path);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().message.find("cannot open") != std::string::npos);

    {
      std::ofstream out(f.path);
      out << "not a token\n";
    }
    REQUIRE(::chmod(f.path.c_str(), 0600) == 0);
    auto garbage = read_token_file(f.path);
    REQUIRE_FALSE(garbage);
    CHECK(garbage.error().code == errc::token_error);

    auto dir = read_token_file("/tmp");
    REQUIRE_FALSE(dir);
    CHECK(dir.error().code == errc::token_error);
  }
}
