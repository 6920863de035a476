#pragma once
// What the transfer tests start from: a node (a store, an io_pool, and a server or a puller
// on it), patterned objects, and a server program in another process. Every wait is bounded.

#include "transfer/object_puller.hpp"
#include "transfer/object_server.hpp"
#include "transport/io_pool.hpp"
#include "transport/listener.hpp"

#include "../object_store/pattern.hpp"

#include <actors/object_store/arena.hpp>
#include <actors/object_store/store.hpp>

#include <doctest/doctest.h>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace transfer_test {

using namespace std::chrono_literals;
namespace net = actors::net;
namespace os = actors::object_store;
namespace xfer = actors::transfer;
using object_store_test::checksum;
using object_store_test::fill_pattern;
using object_store_test::has_pattern;

constexpr std::uint64_t mib = 1ull << 20;

inline net::cluster_token token_a() { return *net::cluster_token::from_hex(std::string(64, 'a')); }
inline net::cluster_token token_b() { return *net::cluster_token::from_hex(std::string(64, 'b')); }

inline net::address listen_address(bool unix_socket) {
  static std::atomic<int> counter{0};
  if (unix_socket)
    return *net::parse_address("unix:/tmp/actors-xfer-" + std::to_string(::getpid()) + "-" +
                               std::to_string(counter++) + ".sock");
  return *net::parse_address("tcp://127.0.0.1:0");
}

inline os::object_id oid(std::uint64_t n) { return {.hi = 0x7e57, .lo = n}; }

template <class Predicate>
bool eventually(Predicate done, std::chrono::milliseconds limit = 20s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

/// future.get() with a deadline: a hang shows as a failed check, not a stuck test.
template <class T>
std::optional<T> get_within(std::future<T>& f, std::chrono::milliseconds limit = 60s) {
  if (f.wait_for(limit) != std::future_status::ready) return std::nullopt;
  return f.get();
}

/// A store on an arena of its own. Declared before the io_pool in every fixture, so that the
/// pool (and the connections holding pins and chunks) stops before the store goes.
struct store_part {
  std::shared_ptr<os::arena> memory;
  std::unique_ptr<os::store> store;

  explicit store_part(std::uint64_t capacity, std::unique_ptr<os::spill_folder> spill = nullptr) {
    auto a = os::arena::open({.capacity = capacity, .prefault_ahead = 0});
    REQUIRE(a);
    memory = *a;
    store = std::make_unique<os::store>(memory, std::move(spill));
  }

  /// Creates, fills with the pattern of `seed` and seals an object of `size` bytes.
  void put(os::object_id id, std::uint64_t size, std::uint64_t seed) {
    auto data = store->create(id, size);
    REQUIRE_MESSAGE(data, os::to_string(data.error()));
    fill_pattern({*data, size}, seed);
    REQUIRE(store->seal(id) == os::errc::ok);
  }

  /// Whether the object is here, sealed, with the pattern of `seed`.
  bool holds(os::object_id id, std::uint64_t size, std::uint64_t seed) {
    auto bytes = store->get(id);
    if (!bytes) return false;
    const bool ok = bytes->size() == size && has_pattern(*bytes, seed);
    store->release(id);
    return ok;
  }
};

/// A node that serves its store on a listener of its own.
struct server_node {
  store_part part;
  net::io_pool io{1};
  std::shared_ptr<xfer::object_server> server;
  std::shared_ptr<net::listener> listener;

  explicit server_node(bool unix_socket, std::uint64_t capacity = 256 * mib, xfer::server_options so = {},
                       net::handlers wrap(net::handlers) = nullptr, std::unique_ptr<os::spill_folder> spill = nullptr)
      : part(capacity, std::move(spill)) {
    server = xfer::object_server::make(*part.store, std::move(so));
    auto h = server->handlers();
    if (wrap) h = wrap(std::move(h));
    auto l = net::listener::open(io.context(), listen_address(unix_socket), token_a(), std::move(h));
    REQUIRE_MESSAGE(l, (l ? "" : to_string(l.error())));
    listener = *l;
  }
  ~server_node() {
    listener->close();
    io.stop();
  }
  const net::address& where() const { return listener->local_address(); }
  os::store& store() { return *part.store; }
};

/// A node that pulls into its store.
struct puller_node {
  store_part part;
  net::io_pool io{1};
  std::unique_ptr<xfer::object_puller> puller;

  explicit puller_node(std::uint64_t capacity = 256 * mib, xfer::puller_options o = {},
                       const net::cluster_token& token = token_a())
      : part(capacity) {
    auto p = xfer::object_puller::make(io.context(), *part.store, token, std::move(o));
    REQUIRE_MESSAGE(p, (p ? "" : to_string(p.error())));
    puller = std::move(*p);
  }
  ~puller_node() {
    puller.reset();
    io.stop();
  }
  os::store& store() { return *part.store; }

  /// pull().get() with a deadline.
  xfer::result<xfer::pulled> pull(os::object_id id, const net::address& from, std::chrono::milliseconds limit = 60s) {
    auto f = puller->pull(id, from);
    auto r = get_within(f, limit);
    if (!r) return xfer::fail(xfer::errc::timed_out, "test: the pull did not end within the test's deadline");
    return std::move(*r);
  }
};

/// The server program (server_main.cpp) in a process of its own, stdin and stdout on pipes:
/// it prints "listening <address>" once ready and serves until its stdin closes. A child
/// still running when this goes is killed and reaped.
class server_process {
 public:
  explicit server_process(std::vector<std::string> args) {
    args.insert(args.begin(), ACTORS_TRANSFER_TEST_SERVER);
    int in[2], out[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) return;
    posix_spawn_file_actions_t actions;
    ::posix_spawn_file_actions_init(&actions);
    ::posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);  // dup2 clears CLOEXEC
    ::posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    // environ: the sanitizers' options go along.
    if (::posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
    ::posix_spawn_file_actions_destroy(&actions);
    ::close(in[0]);
    ::close(out[1]);
    stdin_ = in[1];
    stdout_ = out[0];
  }
  ~server_process() {
    if (stdin_ >= 0) ::close(stdin_);
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (stdout_ >= 0) ::close(stdout_);
  }
  server_process(const server_process&) = delete;
  server_process& operator=(const server_process&) = delete;

  /// The address it listens on, once it says so; nullopt if it does not within `limit`.
  std::optional<net::address> address(std::chrono::milliseconds limit = 60s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    std::string text;
    while (text.find('\n') == std::string::npos) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd p{stdout_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
      char c[256];
      const auto n = ::read(stdout_, c, sizeof c);
      if (n <= 0) return std::nullopt;
      text.append(c, static_cast<std::size_t>(n));
    }
    const std::string prefix = "listening ";
    if (!text.starts_with(prefix)) return std::nullopt;
    auto a = net::parse_address(text.substr(prefix.size(), text.find('\n') - prefix.size()));
    if (!a) return std::nullopt;
    return *a;
  }

  void kill_now() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  /// Closes its stdin and waits (bounded) for it to exit; its exit status, or -1.
  int stop(std::chrono::milliseconds limit = 30s) {
    if (stdin_ >= 0) ::close(stdin_);
    stdin_ = -1;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    int status = 0;
    while (pid_ > 0) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      if (std::chrono::steady_clock::now() > deadline) break;
      std::this_thread::sleep_for(2ms);
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
  int stdin_ = -1;
  int stdout_ = -1;
};

}  // namespace transfer_test
