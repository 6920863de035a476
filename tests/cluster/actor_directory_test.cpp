// The head's named-actor directory: names unique per namespace, placement, removal by the
// actor that holds the name only, and names that go with the connection that took them.

#include "cluster/actor_directory.hpp"

#include <doctest/doctest.h>

using actors::cluster::actor_directory;
using actors::cluster::named_actor;

namespace {

named_actor entry(const std::string& ns, const std::string& name, std::uint64_t lo) {
  return {.ns = ns, .name = name, .id_hi = 7, .id_lo = lo, .type = "7counter"};
}

int driver_a = 1, driver_b = 2, host = 3;  // their addresses stand for head connections

}  // namespace

TEST_SUITE("actor_directory") {
  TEST_CASE("a name is unique in its namespace and free in another") {
    actor_directory names;
    CHECK(names.add(&driver_a, entry("default", "counter", 1)).empty());
    auto taken = names.add(&driver_b, entry("default", "counter", 2));
    CHECK(taken.find("already exists") != std::string::npos);
    CHECK(names.add(&driver_b, entry("other", "counter", 2)).empty());
    CHECK_FALSE(names.add(&driver_a, entry("default", "", 3)).empty());
    REQUIRE(names.find("default", "counter"));
    CHECK(names.find("default", "counter")->id_lo == 1);
    CHECK(names.find("other", "counter")->id_lo == 2);
    CHECK_FALSE(names.find("default", "nobody"));
  }

  TEST_CASE("an actor's address is known once it is placed") {
    actor_directory names;
    names.add(&driver_a, entry("default", "counter", 1));
    CHECK(names.find("default", "counter")->address.empty());
    names.placed(7, 1, "unix:/tmp/w.sock");
    CHECK(names.find("default", "counter")->address == "unix:/tmp/w.sock");
    CHECK(names.find("default", "counter")->type == "7counter");
  }

  TEST_CASE("only the actor holding a name frees it") {
    actor_directory names;
    names.add(&driver_a, entry("default", "counter", 1));
    names.remove(entry("default", "counter", 2));  // a later actor of that name, long gone
    CHECK(names.find("default", "counter"));
    names.remove(entry("default", "counter", 1));
    CHECK_FALSE(names.find("default", "counter"));
    CHECK(names.add(&driver_b, entry("default", "counter", 3)).empty());
  }

  TEST_CASE("a connection that closes takes its names along") {
    actor_directory names;
    names.add(&driver_a, entry("default", "a1", 1));
    names.add(&driver_a, entry("x", "a2", 2));
    names.add(&driver_b, entry("default", "b1", 3));
    names.drop_owner(&driver_a);
    CHECK_FALSE(names.find("default", "a1"));
    CHECK_FALSE(names.find("x", "a2"));
    CHECK(names.find("default", "b1"));
  }

  TEST_CASE("a detached actor's name lasts while its creator or its host is connected") {
    actor_directory names;
    names.add(&driver_a, entry("default", "kept", 1));
    names.add(&driver_a, entry("default", "fate_shared", 2));
    CHECK(names.adopt(&host, 7, 1));
    CHECK_FALSE(names.adopt(&host, 7, 99));  // no name is that actor's
    names.drop_owner(&driver_a);  // the driver goes: only the adopted name stays
    CHECK(names.find("default", "kept"));
    CHECK_FALSE(names.find("default", "fate_shared"));
    names.drop_owner(&host);  // then its process
    CHECK_FALSE(names.find("default", "kept"));

    // A host that dies while the creator stays leaves the name to the creator, which restarts it.
    names.add(&driver_b, entry("default", "restarted", 3));
    names.adopt(&host, 7, 3);
    names.drop_owner(&host);
    CHECK(names.find("default", "restarted"));
    names.drop_owner(&driver_b);
    CHECK_FALSE(names.find("default", "restarted"));
  }
}
