#pragma once
/// fetch_status: asks a head for its node table, as `actors status` and drivers do.
///
///     auto s = cluster::fetch_status(*net::parse_address("unix:/tmp/actors/session_latest/sockets/head.sock"),
///                                    token, std::chrono::seconds(5));
///     if (!s) std::cerr << to_string(s.error());   // auth_failed: ... refused our proof
///
/// Blocks the calling thread (never call it from an io thread); bounded by `timeout` for the
/// request plus the transport's connect and handshake limits. Safe from any thread.
#include "cluster/protocol.hpp"
#include "transport/address.hpp"
#include "transport/token.hpp"

#include <chrono>

namespace actors::cluster {

net::result<cluster_status> fetch_status(const net::address& head, const net::cluster_token& token,
                                         std::chrono::milliseconds timeout);

}  // namespace actors::cluster
