#pragma once
// Helpers shared by the transport's tests: unique socket paths, a log that tests can read, a
// raw POSIX peer that speaks (or abuses) the protocol by hand, and waiting with a deadline.

#include "transport/auth.hpp"
#include "transport/frame.hpp"
#include "transport/log.hpp"
#include "transport/token.hpp"

#include "../support/poll.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace transport_test {

using namespace std::chrono_literals;
namespace net = actors::net;

/// A socket path no other test, and no other run of this binary, uses.
inline std::string unique_socket_path() {
  static std::atomic<int> counter{0};
  return "/tmp/actors-tt-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".sock";
}

/// Polls `done` until it holds or `limit` passes; says whether it held.
template <class Predicate>
bool eventually(Predicate done, std::chrono::milliseconds limit = 10s) {
  return test_support::poll_until(done, limit, 2ms);
}

inline net::cluster_token token_a() { return *net::cluster_token::from_hex(std::string(64, 'a')); }
inline net::cluster_token token_b() { return *net::cluster_token::from_hex(std::string(64, 'b')); }

/// A log_fn that keeps every line, for tests that check what was logged.
class captured_log {
 public:
  net::log_fn fn() {
    return [this](net::log_level, std::string_view line) {
      std::lock_guard lock(mutex_);
      lines_.emplace_back(line);
    };
  }
  bool contains(const std::string& a, const std::string& b = "") const {
    std::lock_guard lock(mutex_);
    for (const auto& l : lines_)
      if (l.find(a) != std::string::npos && l.find(b) != std::string::npos) return true;
    return false;
  }
  bool wait_for(const std::string& a, const std::string& b = "", std::chrono::milliseconds limit = 10s) const {
    return eventually([&] { return contains(a, b); }, limit);
  }
  std::string all() const {
    std::lock_guard lock(mutex_);
    std::string out;
    for (const auto& l : lines_) out += l + "\n";
    return out;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

/// A blocking client on plain POSIX sockets, for peers the transport would never produce:
/// garbage, lies about lengths, silence, a handshake done by hand. Every read has a deadline.
class raw_peer {
 public:
  explicit raw_peer(int fd) : fd_(fd) {}
  raw_peer(raw_peer&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  ~raw_peer() {
    if (fd_ >= 0) ::close(fd_);
  }

  static raw_peer connect_tcp(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
      ::close(fd);
      return raw_peer(-1);
    }
    return raw_peer(fd);
  }
  static raw_peer connect_unix(const std::string& path) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::memcpy(sa.sun_path, path.data(), path.size());
    if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
      ::close(fd);
      return raw_peer(-1);
    }
    return raw_peer(fd);
  }

  bool ok() const { return fd_ >= 0; }
  int fd() const { return fd_; }

  bool write(const void* data, std::size_t n) {
    const auto* p = static_cast<const char*>(data);
    while (n) {
      const ssize_t k = ::send(fd_, p, n, MSG_NOSIGNAL);
      if (k <= 0) return false;
      p += k;
      n -= static_cast<std::size_t>(k);
    }
    return true;
  }
  bool write_frame(std::uint16_t kind, const void* body, std::size_t n, std::uint32_t claimed_length) {
    // One send for header and body: a server that rejects the header and closes must not
    // turn the body's send into a spurious failure.
    const auto h = net::frame_header{.kind = kind, .length = claimed_length}.encode();
    std::vector<char> bytes(reinterpret_cast<const char*>(h.data()), reinterpret_cast<const char*>(h.data()) + h.size());
    if (n) bytes.insert(bytes.end(), static_cast<const char*>(body), static_cast<const char*>(body) + n);
    return write(bytes.data(), bytes.size());
  }

  /// Reads exactly n bytes; false on EOF, error or when `limit` passes.
  bool read(void* out, std::size_t n, std::chrono::milliseconds limit = 5s) {
    auto* p = static_cast<char*>(out);
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (n) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd pfd{fd_, POLLIN, 0};
      if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) return false;
      const ssize_t k = ::recv(fd_, p, n, 0);
      if (k <= 0) return false;
      p += k;
      n -= static_cast<std::size_t>(k);
    }
    return true;
  }

  /// Reads one frame header and its body (up to 64 bytes).
  std::optional<net::frame_header> read_frame(std::vector<unsigned char>& body, std::chrono::milliseconds limit = 5s) {
    net::frame_header::bytes raw{};
    if (!read(raw.data(), raw.size(), limit)) return std::nullopt;
    auto h = net::frame_header::decode(raw);
    if (!h || h->length > 64) return std::nullopt;
    body.resize(h->length);
    if (h->length && !read(body.data(), body.size(), limit)) return std::nullopt;
    return *h;
  }

  /// True once the other side has closed (EOF or reset) within `limit`; data before that is
  /// read and thrown away.
  bool closed_by_peer(std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    char buf[4096];
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd pfd{fd_, POLLIN, 0};
      if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) return false;
      const ssize_t k = ::recv(fd_, buf, sizeof buf, 0);
      if (k <= 0) return true;
    }
  }

  /// The client half of the handshake, done by hand; true if the server accepted our proof.
  bool authenticate(const net::cluster_token& token) {
    namespace d = net::detail;
    const d::nonce mine = d::make_nonce();
    if (!write_frame(d::kind_hello, mine.data(), mine.size(), 32)) return false;
    std::vector<unsigned char> body;
    auto hello = read_frame(body);
    if (!hello || hello->kind != d::kind_hello || body.size() != 32) return false;
    d::nonce theirs{};
    std::memcpy(theirs.data(), body.data(), 32);
    const d::proof p = d::make_proof(token, d::role::client, mine, theirs);
    if (!write_frame(d::kind_proof, p.data(), p.size(), 32)) return false;
    auto reply = read_frame(body);
    return reply && reply->kind == d::kind_proof &&
           d::proofs_equal(*reinterpret_cast<const d::proof*>(body.data()),
                           d::make_proof(token, d::role::server, mine, theirs));
  }

 private:
  int fd_ = -1;
};

}  // namespace transport_test
