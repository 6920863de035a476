// Segment names by session and owner, and the removal of segments whose owner died.
#include <actors/object_store/arena.hpp>
#include <actors/object_store/segments.hpp>

#include "test_support.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>

using namespace actors::object_store;
using object_store_test::child_process;
using object_store_test::child_program;

namespace {

bool segment_exists(const std::string& name) { return std::filesystem::exists("/dev/shm" + name); }

// The pid of a process that has ended and been reaped.
pid_t dead_pid() {
  child_process child({"/bin/true"});
  REQUIRE(child.started());
  const pid_t pid = child.pid();
  REQUIRE(child.wait().code == 0);
  return pid;
}

}  // namespace

TEST_SUITE("segments") {
  TEST_CASE("a segment name carries the session and the owner's pid and a serial and parses back") {
    auto name = segment_name("a1b2_C3", 7);
    REQUIRE(name.has_value());
    CHECK(*name == "/actors-a1b2_C3-" + std::to_string(::getpid()) + "-7");
    auto parts = parse_segment_name(*name);
    REQUIRE(parts.has_value());
    CHECK(parts->session == "a1b2_C3");
    CHECK(parts->pid == ::getpid());
    CHECK(parts->serial == 7);
    CHECK(parse_segment_name(name->substr(1)).has_value());  // as listed in /dev/shm
    CHECK(segment_name("s")->ends_with("-0"));
    // A name the arena accepts.
    auto a = arena::open({.capacity = 4096, .prefault_ahead = 0, .shm_name = *segment_name(object_store_test::unique_session())});
    CHECK(a.has_value());
  }

  TEST_CASE("sessions that would make a name ambiguous are invalid") {
    for (const auto& bad : std::vector<std::string>{"", "a-b", "a/b", "a b", "é", std::string(65, 'x')})
      CHECK(segment_name(bad).error() == errc::invalid_argument);
    CHECK(segment_name(std::string(64, 'x')).has_value());
  }

  TEST_CASE("names of any other form do not parse") {
    for (const std::string other :
         {"/actors-s-12", "/actors-s-12-", "/actors--12-0", "/actors-s-012-0", "/actors-s-12-01", "/actors-s-0-0",
          "/actors-s--1-0", "/actors-s-12-0x", "/actors-s-99999999999-0", "/ray-s-12-0", "/actors-a-b-12-0",
          "actors", "", "/actors-s-12-0-1"})
      CHECK_MESSAGE(!parse_segment_name(other).has_value(), other);
  }

  TEST_CASE("a live process is not gone and an exited one is") {
    CHECK_FALSE(process_gone(::getpid()));
    CHECK_FALSE(process_gone(1));  // init: alive, whether or not we may signal it
    CHECK_FALSE(process_gone(0));  // names a process group, not a process
    CHECK(process_gone(dead_pid()));
  }

  TEST_CASE("remove_stale_segments unlinks a killed owner's segment and leaves live ones alone" *
            doctest::timeout(120)) {
    const auto session = object_store_test::unique_session();
    // Ours, alive: must stay.
    auto mine = arena::open({.capacity = 4096, .prefault_ahead = 0, .shm_name = *segment_name(session)});
    REQUIRE(mine.has_value());

    child_process killed({child_program(), "own", session});
    child_process zombie({child_program(), "own", session});
    REQUIRE((killed.started() && zombie.started()));
    const auto killed_name = killed.line();
    const auto zombie_name = zombie.line();
    REQUIRE((killed_name && zombie_name));
    CHECK(parse_segment_name(*killed_name)->pid == killed.pid());
    REQUIRE(segment_exists(*killed_name));
    REQUIRE(segment_exists(*zombie_name));

    // While the children live, nothing of the session is stale.
    auto none = remove_stale_segments({.session = session});
    REQUIRE(none.has_value());
    CHECK(none->empty());

    killed.kill(SIGKILL);
    CHECK(killed.wait().signal == SIGKILL);  // reaped: kill(pid, 0) says ESRCH
    zombie.kill(SIGKILL);                     // not reaped: a zombie, gone all the same
    REQUIRE(object_store_test::eventually([&] { return process_gone(zombie.pid()); }, std::chrono::seconds(30)));
    CHECK(segment_exists(*killed_name));  // SIGKILL ran no destructor

    // A name of this session whose owner is gone, but of another form, is not ours to judge.
    const auto foreign = "/actors-" + session + "-x";
    const int fd = ::shm_open(foreign.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600);
    REQUIRE(fd >= 0);
    ::close(fd);

    auto removed = remove_stale_segments({.session = session});
    REQUIRE(removed.has_value());
    std::sort(removed->begin(), removed->end());
    std::vector<std::string> expected{*killed_name, *zombie_name};
    std::sort(expected.begin(), expected.end());
    CHECK(*removed == expected);
    CHECK_FALSE(segment_exists(*killed_name));
    CHECK_FALSE(segment_exists(*zombie_name));
    CHECK(segment_exists((*mine)->shm_name()));
    CHECK(segment_exists(foreign));
    ::shm_unlink(foreign.c_str());
    CHECK(zombie.wait().signal == SIGKILL);

    // Done twice, nothing more goes.
    CHECK(remove_stale_segments({.session = session})->empty());
  }

  TEST_CASE("remove_stale_segments keeps to its session and its folder") {
    const auto session = object_store_test::unique_session();
    const auto other_session = object_store_test::unique_session();
    const auto dir = std::filesystem::temp_directory_path() / ("actors-segments-" + session);
    std::filesystem::create_directory(dir);
    const pid_t gone = dead_pid();
    const auto stale = "actors-" + session + "-" + std::to_string(gone) + "-0";
    const auto other = "actors-" + other_session + "-" + std::to_string(gone) + "-3";
    std::ofstream(dir / stale).put('x');
    std::ofstream(dir / other).put('x');

    auto removed = remove_stale_segments({.session = session, .directory = dir.string()});
    REQUIRE(removed.has_value());
    CHECK(*removed == std::vector<std::string>{"/" + stale});
    CHECK(std::filesystem::exists(dir / other));
    removed = remove_stale_segments({.directory = dir.string()});  // every session
    REQUIRE(removed.has_value());
    CHECK(*removed == std::vector<std::string>{"/" + other});
    CHECK(std::filesystem::is_empty(dir));
    std::filesystem::remove(dir);

    CHECK(remove_stale_segments({.directory = dir.string()}).error() == errc::io_error);
  }
}
