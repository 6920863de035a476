#pragma once
// registry: every listener, connection and handshake alive on one io_context, so that one call
// can close them all and wait until they are done (io_pool::stop, close_all). It is an Asio
// service of the io_context, so it works the same on a context the caller owns. Private to the
// transport. Thread-safe.

#include "transport/errc.hpp"

#include <boost/asio/execution_context.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace actors::net::detail {

/// Something the registry can close: a listener, a connection, a handshake in progress.
class closable {
 public:
  virtual ~closable() = default;
  /// Starts closing; any thread, any number of times. The object calls registry::remove once
  /// it is fully done (its callbacks have run and no operation of its own is outstanding).
  virtual void shut(const error& why) = 0;
};

class registry : public boost::asio::execution_context::service {
 public:
  static boost::asio::execution_context::id id;

  explicit registry(boost::asio::execution_context& owner);
  static registry& of(boost::asio::io_context& ctx);

  /// False once close_all has begun: the caller must then shut the object itself, since
  /// close_all will not see it.
  bool add(const std::shared_ptr<closable>& c);
  void remove(const closable* c) noexcept;

  /// Shuts every registered object and refuses new ones; waits up to `grace` for all of them
  /// to finish (they need the io_context's threads running for that). True if all did.
  bool close_all(std::chrono::milliseconds grace);

 private:
  void shutdown() override;

  std::mutex mutex_;
  std::condition_variable done_;
  std::unordered_map<const closable*, std::weak_ptr<closable>> live_;
  bool closing_ = false;
};

}  // namespace actors::net::detail
