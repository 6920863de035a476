#include "transport/io_pool.hpp"

#include "transport/log.hpp"
#include "transport/registry.hpp"

#include <pthread.h>

#include <cstdio>
#include <cstdlib>
#include <exception>

namespace actors::net {

io_pool::io_pool(unsigned threads) : ctx_(static_cast<int>(threads ? threads : 1)) {
  work_.emplace(ctx_.get_executor());
  detail::registry::of(ctx_);  // created here, before any thread could race to create it
  for (unsigned i = 0; i < (threads ? threads : 1); ++i) {
    threads_.emplace_back([this] {
      ::pthread_setname_np(::pthread_self(), "actors-io");
      // Handlers catch what user callbacks throw; anything reaching here is a bug of ours, and
      // a dead io thread would hang every connection on it: say so and stop.
      try {
        ctx_.run();
      } catch (const std::exception& e) {
        log_to_stderr(log_level::error, std::string("io thread: uncaught exception: ") + e.what());
        std::abort();
      }
    });
  }
}

io_pool::~io_pool() { stop(); }

bool io_pool::stop(std::chrono::milliseconds grace) {
  std::lock_guard lock(stop_mutex_);
  if (stopped_) return true;
  stopped_ = true;
  for (const auto& t : threads_) {
    if (t.get_id() == std::this_thread::get_id()) {
      std::fputs("actors: bug: io_pool::stop called from one of its own threads (it would join itself)\n", stderr);
      std::abort();
    }
  }
  const bool all_closed = close_all(ctx_, grace);
  work_.reset();
  ctx_.stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
  return all_closed;
}

bool close_all(boost::asio::io_context& ctx, std::chrono::milliseconds grace) {
  return detail::registry::of(ctx).close_all(grace);
}

}  // namespace actors::net
