#include "cluster/status_client.hpp"

#include "transport/connect.hpp"
#include "transport/connection.hpp"
#include "transport/io_pool.hpp"

namespace actors::cluster {

net::result<cluster_status> fetch_status(const net::address& head, const net::cluster_token& token,
                                         std::chrono::milliseconds timeout) {
  net::io_pool io(1);
  net::options o;
  o.connect_timeout = timeout;
  o.auth_timeout = timeout;
  // A wrong token is reported to the caller as an error value; a log line on top would only
  // repeat it on the user's terminal.
  o.log = [](net::log_level, std::string_view) {};
  auto connected = net::connect(io.context(), head, token, {}, o).get();
  if (!connected) return actors::unexpected<net::error>(connected.error());
  net::message ask;  // the request has no body
  ask.kind = static_cast<std::uint16_t>(kind::get_cluster_status);
  auto reply = (*connected)->request(std::move(ask), timeout).get();
  (*connected)->close("done");
  if (!reply) return actors::unexpected<net::error>(reply.error());
  return decode_body<cluster_status>(*reply, kind::get_cluster_status);
}

}  // namespace actors::cluster
