#pragma once
/// listener: accepts connections on one address, authenticates each, and hands the ones that
/// prove the cluster token to the handlers.
///
///     io_pool io;
///     auto l = listener::open(io.context(), *parse_address("tcp://127.0.0.1:0"), token, h);
///     if (!l) return fail_with(l.error());
///     std::cout << (*l)->local_address().to_string();   // tcp://127.0.0.1:41234
///
/// A Unix socket file left behind by a dead process is replaced; one that a live process
/// listens on is errc::address_in_use; any other file at the path is left alone (error).
/// close() (or the io_pool's stop) removes the socket file. Thread-safe.

#include "transport/address.hpp"
#include "transport/errc.hpp"
#include "transport/options.hpp"
#include "transport/registry.hpp"
#include "transport/socket.hpp"
#include "transport/token.hpp"

#include <boost/asio/basic_socket_acceptor.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <sys/types.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace actors::net {

class listener final : public std::enable_shared_from_this<listener>, public detail::closable {
  struct private_tag {};

 public:
  /// Binds and listens at once (so errors come back here), then accepts on `ctx`'s threads.
  static result<std::shared_ptr<listener>> open(boost::asio::io_context& ctx, const address& where,
                                                const cluster_token& token, handlers h, options o = {});

  /// Where peers reach this listener: port 0 replaced by the port the system picked.
  const address& local_address() const noexcept { return local_; }

  /// Stops accepting, abandons handshakes in progress, closes every connection it accepted and
  /// removes its Unix socket file. Returns without waiting; on_closed follows for each.
  void close();

  /// Authenticated connections accepted here that are still open.
  std::size_t connection_count() const;

  listener(private_tag, boost::asio::io_context& ctx, address local, const cluster_token& token,
           handlers h, options o);
  ~listener() override;
  void shut(const error& why) override;

 private:
  using acceptor = boost::asio::basic_socket_acceptor<boost::asio::generic::stream_protocol,
                                                      boost::asio::any_io_executor>;

  result<void> bind(const address& where);
  void accept_next();
  void start_handshake(detail::stream_socket socket);
  void close_on_strand(const error& why);
  void shut_everything(const error& why);
  void remove_socket_file();

  boost::asio::io_context& ctx_;
  boost::asio::any_io_executor strand_;
  acceptor acceptor_;
  boost::asio::steady_timer retry_timer_;  // after EMFILE and the like: try again later
  address local_;
  const cluster_token token_;
  handlers handlers_;
  const options options_;
  detail::registry& registry_;

  // The socket file this listener created, by identity, so close() never removes a file that
  // another process has put at the same path since.
  dev_t socket_dev_ = 0;
  ino_t socket_ino_ = 0;
  bool owns_socket_file_ = false;

  mutable std::mutex mutex_;  // guards shut_, connections_ and handshakes_
  bool shut_ = false;        // no new connection may be adopted
  std::vector<std::weak_ptr<connection>> connections_;
  std::vector<std::weak_ptr<detail::closable>> handshakes_;

  // Strand only.
  bool closed_ = false;
  bool accepting_ = false;
  bool waiting_retry_ = false;
  bool removed_ = false;
};

}  // namespace actors::net
