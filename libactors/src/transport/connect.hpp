#pragma once
/// connect: opens a connection to a listener and authenticates both ways before handing it
/// over. Resolving and connecting are bounded by options::connect_timeout, the handshake by
/// options::auth_timeout: the result always comes.
///
///     auto c = connect(io.context(), *parse_address("unix:/run/actors/node.sock"), token, h).get();
///     if (!c) std::cerr << to_string(c.error());     // e.g. auth_failed: ... refused our proof
///     else (*c)->send(make_message(first_user_kind, "hello"));
///
/// Safe to call from any thread; the future form must not be waited on from an io thread.

#include "transport/address.hpp"
#include "transport/errc.hpp"
#include "transport/options.hpp"
#include "transport/token.hpp"

#include <boost/asio/io_context.hpp>

#include <functional>
#include <future>

namespace actors::net {

using connected_fn = std::function<void(result<connection_ptr>)>;

/// `done` runs once on an io thread, after on_open, with the connection or why there is none;
/// inline, before connect returns, only with errc::shut_down once the context is shutting down.
void connect(boost::asio::io_context& ctx, const address& to, const cluster_token& token, handlers h,
             options o, connected_fn done);

std::future<result<connection_ptr>> connect(boost::asio::io_context& ctx, const address& to,
                                            const cluster_token& token, handlers h = {}, options o = {});

}  // namespace actors::net
