#include "cluster/reach.hpp"

#include "transport/address.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include <filesystem>
#include <mutex>
#include <set>

namespace actors::cluster {

namespace {

constexpr char separator = '|';

std::set<std::string> interface_addresses() {
  std::set<std::string> found;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return found;
  for (auto* a = list; a; a = a->ifa_next) {
    if (!a->ifa_addr) continue;
    char text[INET6_ADDRSTRLEN] = {};
    if (a->ifa_addr->sa_family == AF_INET)
      ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr, text, sizeof text);
    else if (a->ifa_addr->sa_family == AF_INET6)
      ::inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(a->ifa_addr)->sin6_addr, text, sizeof text);
    if (text[0]) found.insert(text);
  }
  ::freeifaddrs(list);
  return found;
}

}  // namespace

std::string both_ways(const std::string& unix_address, const std::string& tcp_address) {
  if (unix_address.empty()) return tcp_address;
  if (tcp_address.empty()) return unix_address;
  return unix_address + separator + tcp_address;
}

std::string tcp_any_port(const std::string& host) {
  return "tcp://" + (host.find(':') == std::string::npos ? host : "[" + host + "]") + ":0";
}

bool is_local_host(const std::string& host) {
  if (host.starts_with("127.") || host == "::1" || host == "localhost") return true;
  // Interfaces do not change under a running node often enough to re-read them per dial;
  // read once, and again only when a host is not found (an address added since).
  static std::mutex mu;
  static std::set<std::string> known = interface_addresses();
  std::lock_guard lock(mu);
  if (known.contains(host)) return true;
  known = interface_addresses();
  return known.contains(host);
}

std::string nearest_way(std::string_view alternatives) {
  auto bar = alternatives.find(separator);
  if (bar == std::string_view::npos) return std::string(alternatives);
  std::string unix_side(alternatives.substr(0, bar)), tcp_side(alternatives.substr(bar + 1));
  if (!unix_side.starts_with("unix:")) std::swap(unix_side, tcp_side);
  auto tcp = net::parse_address(tcp_side);
  std::error_code ec;
  bool same_host = tcp && is_local_host(tcp->host) && std::filesystem::exists(unix_side.substr(5), ec);
  return same_host ? unix_side : tcp_side;
}

}  // namespace actors::cluster
