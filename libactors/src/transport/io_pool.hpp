#pragma once
/// io_pool: an io_context with its own threads, for programs that have none to lend the
/// transport. stop() closes every listener, connection and connect attempt on it, waits for
/// their on_closed callbacks (bounded), and joins the threads.
///
///     io_pool io(1);                                   // one thread is plenty for most nodes
///     auto l = listener::open(io.context(), where, token, h);
///     ...
///     io.stop();                                       // or let the destructor do it
///
/// Keep no connection or listener pointer past the pool's destruction: their sockets belong to
/// its io_context. stop() may be called from any thread except the pool's own.

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace actors::net {

class io_pool {
 public:
  explicit io_pool(unsigned threads = 1);
  ~io_pool();
  io_pool(const io_pool&) = delete;
  io_pool& operator=(const io_pool&) = delete;

  boost::asio::io_context& context() noexcept { return ctx_; }

  /// Closes everything on the context (close_all with `grace`), then stops and joins the
  /// threads. Idempotent. True if everything closed within `grace`.
  bool stop(std::chrono::milliseconds grace = std::chrono::seconds(2));

 private:
  boost::asio::io_context ctx_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::vector<std::thread> threads_;
  std::mutex stop_mutex_;
  bool stopped_ = false;
};

/// Closes every listener, connection, handshake and connect attempt on `ctx` and refuses new
/// ones (errc::shut_down); waits up to `grace` for their callbacks, which needs the context's
/// threads running. For callers that run an io_context of their own. True if all finished.
bool close_all(boost::asio::io_context& ctx, std::chrono::milliseconds grace);

}  // namespace actors::net
