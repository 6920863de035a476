#include "access.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdlib>

namespace actors::cli {

namespace {

// The source address the kernel would use towards a public address. Connecting a UDP socket
// sends nothing; it only asks the routing table. Empty without a route (no default gateway).
std::string routed_ip() {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return {};
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(53);
  ::inet_pton(AF_INET, "192.0.2.1", &to.sin_addr);  // TEST-NET-1: routable in form, never used
  std::string ip;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0) {
    sockaddr_in self{};
    socklen_t len = sizeof self;
    std::array<char, INET_ADDRSTRLEN> text{};
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&self), &len) == 0 &&
        ::inet_ntop(AF_INET, &self.sin_addr, text.data(), text.size()) && self.sin_addr.s_addr != 0)
      ip = text.data();
  }
  ::close(fd);
  return ip;
}

// The first IPv4 address of an interface that is up and not loopback (link-local ones skipped:
// they are not what other hosts of a cluster use). For hosts with only a local subnet and no
// default route, common on clusters and in network namespaces.
std::string interface_ip() {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return {};
  std::string ip;
  for (auto* i = list; i && ip.empty(); i = i->ifa_next) {
    if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET) continue;
    if (!(i->ifa_flags & IFF_UP) || (i->ifa_flags & IFF_LOOPBACK)) continue;
    auto* in = reinterpret_cast<const sockaddr_in*>(i->ifa_addr);
    std::uint32_t host_order = ntohl(in->sin_addr.s_addr);
    if ((host_order >> 16) == 0xa9fe) continue;  // 169.254.0.0/16
    std::array<char, INET_ADDRSTRLEN> text{};
    if (::inet_ntop(AF_INET, &in->sin_addr, text.data(), text.size())) ip = text.data();
  }
  ::freeifaddrs(list);
  return ip;
}

}  // namespace

std::string detect_node_ip() {
  if (auto ip = routed_ip(); !ip.empty()) return ip;
  if (auto ip = interface_ip(); !ip.empty()) return ip;
  return "127.0.0.1";
}

std::string host_port(const std::string& address) {
  constexpr std::string_view scheme = "tcp://";
  return address.rfind(scheme, 0) == 0 ? address.substr(scheme.size()) : address;
}

std::optional<node_record> find_local_head(const fs::path& temp_dir, const net::address& head) {
  std::array<char, 256> name{};
  ::gethostname(name.data(), name.size() - 1);
  for (auto& r : find_node_records(temp_dir)) {
    if (r.role != "head" || !is_running(r)) continue;
    auto advertised = net::parse_address(r.address);
    if (!advertised || advertised->port != head.port) continue;
    const std::string& h = head.host;
    if (h == advertised->host || h == "127.0.0.1" || h == "localhost" || h == "0.0.0.0" || h == "::1" ||
        h == name.data() || h == detect_node_ip())
      return r;
  }
  return std::nullopt;
}

node_record pick_local_head(const fs::path& temp_dir) {
  std::vector<node_record> heads;
  for (auto& r : find_node_records(temp_dir))
    if (r.role == "head" && is_running(r)) heads.push_back(std::move(r));
  if (heads.empty())
    throw usage_error("no running actors head under " + temp_dir.string() +
                      "; start one with 'actors start --head', or name a head with --address HOST:PORT");
  std::error_code ec;
  auto latest = fs::canonical(temp_dir / "session_latest", ec);
  if (!ec)
    for (auto& r : heads)
      if (fs::canonical(session_of(r), ec) == latest) return r;
  if (heads.size() == 1) return heads.front();
  std::string list;
  for (const auto& r : heads) list += " " + host_port(r.address);
  throw usage_error("several actors heads run under " + temp_dir.string() + " (" + list.substr(1) +
                    "); choose one with --address HOST:PORT");
}

token_and_source resolve_token(const parsed_flags& flags, const std::optional<node_record>& local_head,
                               const std::string& head_text) {
  if (auto file = flags.text("token-file")) {
    auto t = net::read_token_file(*file);
    if (!t) throw usage_error("--token-file: " + t.error().message);
    return {*t, "--token-file " + *file};
  }
  if (const char* hex = std::getenv("ACTORS_TOKEN")) {
    auto t = net::cluster_token::from_hex(hex);
    if (!t) throw usage_error("$ACTORS_TOKEN is not a cluster token: " + t.error().message);
    return {*t, "$ACTORS_TOKEN"};
  }
  if (local_head) {
    auto path = (session_of(*local_head) / "token").string();
    auto t = net::read_token_file(path);
    if (!t) throw usage_error("cannot read the cluster token: " + t.error().message);
    return {*t, path};
  }
  throw usage_error("no cluster token for the head at " + head_text +
                    ": it does not run on this machine under this --temp-dir. Copy its session's "
                    "'token' file here and pass --token-file FILE, or set ACTORS_TOKEN=<its 64 hex digits>");
}

}  // namespace actors::cli
