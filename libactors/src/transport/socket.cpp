#include "transport/socket.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <boost/asio/ip/tcp.hpp>

namespace actors::net::detail {

std::string describe_peer(stream_socket& socket, const std::string& local_path) {
  boost::system::error_code ec;
  const auto ep = socket.remote_endpoint(ec);
  if (ec) return "(peer unknown: " + ec.message() + ")";
  const sockaddr* sa = ep.data();
  char text[INET6_ADDRSTRLEN] = {};
  switch (sa->sa_family) {
    case AF_INET: {
      const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
      ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
      return std::string("tcp://") + text + ":" + std::to_string(ntohs(in->sin_port));
    }
    case AF_INET6: {
      const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
      ::inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
      return std::string("tcp://[") + text + "]:" + std::to_string(ntohs(in6->sin6_port));
    }
    case AF_UNIX: {
      std::string out = "unix:";
      const auto* un = reinterpret_cast<const sockaddr_un*>(sa);
      // A connecting client's own end is unnamed; the listener's end has the path.
      const std::size_t path_len = ep.size() > offsetof(sockaddr_un, sun_path)
                                       ? ep.size() - offsetof(sockaddr_un, sun_path)
                                       : 0;
      std::string path(un->sun_path, ::strnlen(un->sun_path, path_len));
      out += path.empty() ? local_path : path;
      ucred cred{};
      socklen_t len = sizeof cred;
      if (::getsockopt(socket.native_handle(), SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
        out += " (pid " + std::to_string(cred.pid) + ", uid " + std::to_string(cred.uid) + ")";
      return out;
    }
    default: return "(peer of address family " + std::to_string(sa->sa_family) + ")";
  }
}

void tune(stream_socket& socket) {
  boost::system::error_code ec;
  const auto family = socket.local_endpoint(ec).protocol().family();
  if (!ec && (family == AF_INET || family == AF_INET6))
    socket.set_option(boost::asio::ip::tcp::no_delay(true), ec);  // best effort
}

}  // namespace actors::net::detail
