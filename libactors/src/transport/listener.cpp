#include "transport/listener.hpp"

#include "transport/connection.hpp"
#include "transport/handshake.hpp"
#include "transport/socket.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace actors::net {
namespace {

namespace asio = boost::asio;
using generic_endpoint = asio::generic::stream_protocol::endpoint;

enum class probe_result { nobody, live, failed };

/// Is a process accepting on the Unix socket at `path`? A non-blocking connect answers at once:
/// ECONNREFUSED means the file is a leftover of a process that is gone.
probe_result probe_unix_socket(const std::string& path, std::string& why) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    why = std::strerror(errno);
    return probe_result::failed;
  }
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::memcpy(sa.sun_path, path.data(), path.size());
  const int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
  const int e = errno;
  ::close(fd);
  // EAGAIN: a live listener whose backlog is full.
  if (rc == 0 || e == EAGAIN || e == EINPROGRESS) return probe_result::live;
  if (e == ECONNREFUSED) return probe_result::nobody;
  why = std::strerror(e);
  return probe_result::failed;
}

}  // namespace

listener::listener(private_tag, asio::io_context& ctx, address local, const cluster_token& token,
                   handlers h, options o)
    : ctx_(ctx),
      strand_(asio::make_strand(ctx)),
      acceptor_(strand_),
      retry_timer_(strand_),
      local_(std::move(local)),
      token_(token),
      handlers_(std::move(h)),
      options_(std::move(o)),
      registry_(detail::registry::of(ctx)) {}

result<std::shared_ptr<listener>> listener::open(asio::io_context& ctx, const address& where,
                                                 const cluster_token& token, handlers h, options o) {
  auto l = std::make_shared<listener>(private_tag{}, ctx, where, token, std::move(h), std::move(o));
  if (auto bound = l->bind(where); !bound) return actors::unexpected(bound.error());
  if (!l->registry_.add(l)) {
    l->removed_ = true;
    return fail(errc::shut_down, "cannot listen on " + where.to_string() + ": the transport is shutting down");
  }
  asio::post(l->strand_, [weak = std::weak_ptr<listener>(l)] {
    if (auto self = weak.lock()) self->accept_next();
  });
  return l;
}

result<void> listener::bind(const address& where) {
  boost::system::error_code ec;
  generic_endpoint endpoint;
  if (where.type == address::kind::tcp) {
    asio::ip::tcp::resolver resolver(ctx_);
    const auto found = resolver.resolve(where.host, std::to_string(where.port),
                                        asio::ip::tcp::resolver::passive | asio::ip::tcp::resolver::numeric_service, ec);
    if (ec || found.empty())
      return fail(errc::resolve_failed, "cannot resolve " + where.host + " to listen on: " + ec.message());
    endpoint = generic_endpoint(found.begin()->endpoint());
  } else {
    struct stat st{};
    if (::lstat(where.path.c_str(), &st) == 0) {
      if (!S_ISSOCK(st.st_mode))
        return fail(errc::address_in_use, where.path + " exists and is not a socket; not replacing it");
      std::string why;
      switch (probe_unix_socket(where.path, why)) {
        case probe_result::live:
          return fail(errc::address_in_use, "a live process is listening on " + where.to_string());
        case probe_result::failed:
          return fail(errc::listen_failed, "cannot check whether " + where.path + " is in use: " + why);
        case probe_result::nobody:
          // Left by a process that died without cleaning up; nobody can use it any more.
          if (::unlink(where.path.c_str()) != 0 && errno != ENOENT)
            return fail(errc::listen_failed, "cannot remove the stale socket " + where.path + ": " + std::strerror(errno));
          log(options_.log, log_level::info, "replaced the stale socket file " + where.path);
          break;
      }
    }
    endpoint = generic_endpoint(asio::local::stream_protocol::endpoint(where.path));
  }

  acceptor_.open(endpoint.protocol(), ec);
  if (ec) return fail(errc::listen_failed, "cannot open a socket for " + where.to_string() + ": " + ec.message());
  // A restarted head must get its port back although the last run's connections are in TIME_WAIT.
  if (where.type == address::kind::tcp) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  acceptor_.bind(endpoint, ec);
  if (ec == asio::error::address_in_use)
    return fail(errc::address_in_use, where.to_string() + " is in use by another process");
  if (ec) return fail(errc::listen_failed, "cannot bind " + where.to_string() + ": " + ec.message());
  if (where.type == address::kind::unix_socket) {
    struct stat st{};
    if (::lstat(where.path.c_str(), &st) == 0) {
      socket_dev_ = st.st_dev;
      socket_ino_ = st.st_ino;
      owns_socket_file_ = true;
    }
  }
  acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    remove_socket_file();
    return fail(errc::listen_failed, "cannot listen on " + where.to_string() + ": " + ec.message());
  }
  if (where.type == address::kind::tcp) {
    const auto bound = acceptor_.local_endpoint(ec);
    if (!ec) {
      const sockaddr* sa = bound.data();
      local_.port = sa->sa_family == AF_INET6 ? ntohs(reinterpret_cast<const sockaddr_in6*>(sa)->sin6_port)
                                              : ntohs(reinterpret_cast<const sockaddr_in*>(sa)->sin_port);
    }
  }
  return {};
}

void listener::accept_next() {
  if (closed_) return;
  accepting_ = true;
  // Each connection gets its own strand: its handlers run in order, other connections' in
  // parallel when the io_context has more than one thread.
  acceptor_.async_accept(
      asio::any_io_executor(asio::make_strand(ctx_)),
      [weak = weak_from_this()](const boost::system::error_code& ec, detail::stream_socket socket) {
        auto self = weak.lock();
        if (!self) return;  // destroyed: the destructor closed everything
        self->accepting_ = false;
        if (self->closed_) return self->close_on_strand({});
        if (ec == asio::error::operation_aborted) return;
        if (ec) {
          // EMFILE, ENOBUFS and the like: retrying at once would spin; others may free a slot.
          log(self->options_.log, log_level::warning,
              "accept on " + self->local_.to_string() + " failed: " + ec.message() + "; retrying in 100 ms");
          self->waiting_retry_ = true;
          self->retry_timer_.expires_after(std::chrono::milliseconds(100));
          self->retry_timer_.async_wait([weak = self->weak_from_this()](const boost::system::error_code&) {
            if (auto again = weak.lock()) {
              again->waiting_retry_ = false;
              if (again->closed_) return again->close_on_strand({});
              again->accept_next();
            }
          });
          return;
        }
        self->start_handshake(std::move(socket));
        self->accept_next();
      });
}

void listener::start_handshake(detail::stream_socket socket) {
  detail::tune(socket);
  std::string peer = detail::describe_peer(socket, local_.type == address::kind::unix_socket ? local_.path : "");
  auto done = [weak = weak_from_this(), peer, h = handlers_, o = options_,
               &reg = registry_](result<detail::stream_socket> authenticated) mutable {
    if (!authenticated) return;  // the handshake has logged why
    auto self = weak.lock();
    if (!self) return;  // the listener is gone; the socket closes here
    {
      std::lock_guard lock(self->mutex_);
      if (self->shut_) return;
    }
    // Started outside the lock: on_open runs inside start() and may call back into the listener.
    auto c = connection::start(std::move(*authenticated), std::move(peer), std::move(h), std::move(o), reg);
    std::lock_guard lock(self->mutex_);
    if (self->shut_) return c->close("the listener at " + self->local_.to_string() + " closed");
    std::erase_if(self->connections_, [](const auto& w) { return w.expired(); });
    self->connections_.push_back(c);
  };
  auto h = detail::handshake::run(std::move(socket), detail::role::server, token_, peer, options_, registry_,
                                  std::move(done));
  std::lock_guard lock(mutex_);
  std::erase_if(handshakes_, [](const auto& w) { return w.expired(); });
  handshakes_.push_back(h);
}

std::size_t listener::connection_count() const {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& w : connections_)
    if (auto c = w.lock(); c && c->is_open()) ++n;
  return n;
}

void listener::close() { shut({errc::closed, "the listener at " + local_.to_string() + " closed"}); }

void listener::shut(const error& why) {
  asio::post(strand_, [weak = weak_from_this(), why] {
    if (auto self = weak.lock()) self->close_on_strand(why);
  });
}

void listener::close_on_strand(const error& why) {
  if (!closed_) {
    closed_ = true;
    boost::system::error_code ignored;
    acceptor_.close(ignored);  // the pending accept completes with operation_aborted
    retry_timer_.cancel();
    remove_socket_file();
    shut_everything(why);
  }
  if (!accepting_ && !waiting_retry_ && !removed_) {
    removed_ = true;
    registry_.remove(this);
  }
}

void listener::shut_everything(const error& why) {
  std::vector<std::weak_ptr<connection>> connections;
  std::vector<std::weak_ptr<detail::closable>> handshakes;
  {
    std::lock_guard lock(mutex_);
    shut_ = true;
    connections.swap(connections_);
    handshakes.swap(handshakes_);
  }
  for (auto& w : connections)
    if (auto c = w.lock()) c->shut(why);
  for (auto& w : handshakes)
    if (auto h = w.lock()) h->shut(why);
}

void listener::remove_socket_file() {
  if (!owns_socket_file_) return;
  owns_socket_file_ = false;
  struct stat st{};
  if (::lstat(local_.path.c_str(), &st) == 0 && st.st_dev == socket_dev_ && st.st_ino == socket_ino_)
    ::unlink(local_.path.c_str());
}

listener::~listener() {
  // Dropped without close(): the same, minus waiting for the strand (nothing else holds us).
  if (!closed_) {
    closed_ = true;
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    remove_socket_file();
    shut_everything({errc::closed, "the listener at " + local_.to_string() + " was destroyed"});
  }
  if (!removed_) registry_.remove(this);
}

}  // namespace actors::net
