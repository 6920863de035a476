#include "transport/connect.hpp"

#include "transport/connection.hpp"
#include "transport/handshake.hpp"
#include "transport/registry.hpp"
#include "transport/socket.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

namespace actors::net {
namespace {

namespace asio = boost::asio;

/// Resolves and connects under a deadline, then hands the socket to a handshake. Lives on its
/// own strand, which the connection then keeps.
class connector final : public std::enable_shared_from_this<connector>, public detail::closable {
 public:
  connector(asio::io_context& ctx, address to, const cluster_token& token, handlers h, options o,
            connected_fn done)
      : strand_(asio::make_strand(ctx)),
        resolver_(strand_),
        tcp_(strand_),
        unix_(strand_),
        timer_(strand_),
        to_(std::move(to)),
        token_(token),
        handlers_(std::move(h)),
        options_(std::move(o)),
        registry_(detail::registry::of(ctx)),
        done_(std::move(done)) {}

  /// Registers synchronously: once close_all has begun, the caller gets shut_down at once
  /// rather than a start that a stopped io_context would never run.
  bool register_self() { return registry_.add(shared_from_this()); }

  void start() {
    if (finished_) return maybe_remove();  // shut before it started
    ++ops_;
    timer_.expires_after(options_.connect_timeout);
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      --self->ops_;
      if (!ec)
        self->finish({errc::timed_out, "could not connect to " + self->to_.to_string() + " within " +
                                           std::to_string(self->options_.connect_timeout.count()) + " ms"});
      self->maybe_remove();
    });
    if (to_.type == address::kind::unix_socket) {
      ++ops_;
      unix_.async_connect(asio::local::stream_protocol::endpoint(to_.path),
                          [self = shared_from_this()](const boost::system::error_code& ec) {
                            --self->ops_;
                            if (self->finished_) return self->maybe_remove();
                            if (ec) return self->connect_failed(ec);
                            self->authenticate(detail::stream_socket(std::move(self->unix_)));
                          });
      return;
    }
    ++ops_;
    resolver_.async_resolve(
        to_.host, std::to_string(to_.port), asio::ip::tcp::resolver::numeric_service,
        [self = shared_from_this()](const boost::system::error_code& ec, asio::ip::tcp::resolver::results_type found) {
          --self->ops_;
          if (self->finished_) return self->maybe_remove();
          if (ec)
            return self->finish({errc::resolve_failed, "cannot resolve " + self->to_.host + ": " + ec.message()});
          ++self->ops_;
          asio::async_connect(self->tcp_, found,
                              [self](const boost::system::error_code& ec, const asio::ip::tcp::endpoint&) {
                                --self->ops_;
                                if (self->finished_) return self->maybe_remove();
                                if (ec) return self->connect_failed(ec);
                                self->authenticate(detail::stream_socket(std::move(self->tcp_)));
                              });
        });
  }

  const asio::strand<asio::io_context::executor_type>& executor() const noexcept { return strand_; }

  void shut(const error& why) override {
    asio::post(strand_, [self = shared_from_this(), why] { self->finish(why); });
  }

 private:
  void connect_failed(const boost::system::error_code& ec) {
    finish({errc::connect_failed, "cannot connect to " + to_.to_string() + ": " + ec.message()});
  }

  void authenticate(detail::stream_socket socket) {
    // From here the handshake's own deadline and registry entry take over.
    finished_ = true;
    timer_.cancel();
    detail::tune(socket);
    std::string peer = detail::describe_peer(socket, to_.path);
    auto done = [peer, h = std::move(handlers_), o = options_, &reg = registry_,
                 done = std::move(done_)](result<detail::stream_socket> authenticated) mutable {
      if (!authenticated) return done(actors::unexpected(authenticated.error()));
      done(connection::start(std::move(*authenticated), std::move(peer), std::move(h), std::move(o), reg));
    };
    detail::handshake::run(std::move(socket), detail::role::client, token_, peer, options_, registry_,
                           std::move(done));
    maybe_remove();
  }

  void finish(error why) {
    if (finished_) return;
    finished_ = true;
    timer_.cancel();
    resolver_.cancel();
    boost::system::error_code ignored;
    tcp_.close(ignored);
    unix_.close(ignored);
    auto done = std::move(done_);
    done(actors::unexpected(std::move(why)));
    maybe_remove();
  }

  void maybe_remove() {
    if (!finished_ || ops_ > 0 || removed_) return;
    removed_ = true;
    registry_.remove(this);
  }

  asio::strand<asio::io_context::executor_type> strand_;
  asio::ip::tcp::resolver resolver_;
  asio::ip::tcp::socket tcp_;
  asio::local::stream_protocol::socket unix_;
  asio::steady_timer timer_;
  const address to_;
  const cluster_token token_;
  handlers handlers_;
  const options options_;
  detail::registry& registry_;
  connected_fn done_;
  int ops_ = 0;
  bool finished_ = false;
  bool removed_ = false;
};

}  // namespace

void connect(asio::io_context& ctx, const address& to, const cluster_token& token, handlers h, options o,
             connected_fn done) {
  auto c = std::make_shared<connector>(ctx, to, token, std::move(h), std::move(o), done);
  if (!c->register_self()) {
    done(fail(errc::shut_down, "cannot connect to " + to.to_string() + ": the transport is shutting down"));
    return;
  }
  asio::post(c->executor(), [c] { c->start(); });
}

std::future<result<connection_ptr>> connect(asio::io_context& ctx, const address& to, const cluster_token& token,
                                            handlers h, options o) {
  auto promise = std::make_shared<std::promise<result<connection_ptr>>>();
  auto future = promise->get_future();
  connect(ctx, to, token, std::move(h), std::move(o),
          [promise](result<connection_ptr> r) { promise->set_value(std::move(r)); });
  return future;
}

}  // namespace actors::net
