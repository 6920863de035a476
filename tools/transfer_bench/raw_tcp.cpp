// The raw TCP baseline: the same bytes over a plain loopback socket, memory to memory, with
// the plainest loop that moves them (one send/recv per call for whatever the kernel takes).
#include "transfer_bench.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace transfer_bench {

int raw_listen(std::uint16_t& port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die("raw: socket");
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sa;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || ::listen(fd, 1) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0)
    die("raw: bind/listen");
  port = ntohs(sa.sin_port);
  return fd;
}

void raw_serve(int listening, std::span<const std::byte> bytes) {
  const int fd = ::accept4(listening, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd < 0) return;
  char ask;
  while (::recv(fd, &ask, 1, 0) == 1) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      const auto n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        ::close(fd);
        return;
      }
      sent += static_cast<std::size_t>(n);
    }
  }
  ::close(fd);
}

int raw_connect(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) die("raw: connect");
  const int one = 1;  // as the transport does: the one-byte request goes at once
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

double raw_fetch(int fd, std::span<std::byte> into) {
  const auto start = std::chrono::steady_clock::now();
  const char ask = 'g';
  if (::send(fd, &ask, 1, MSG_NOSIGNAL) != 1) die("raw: send");
  std::size_t got = 0;
  while (got < into.size()) {
    const auto n = ::recv(fd, into.data() + got, into.size() - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) die("raw: the server hung up");
    got += static_cast<std::size_t>(n);
  }
  return seconds_since(start);
}

}  // namespace transfer_bench
