#include "transfer/object_puller.hpp"

#include "transfer/puller_core.hpp"

namespace actors::transfer {

result<std::unique_ptr<object_puller>> object_puller::make(boost::asio::io_context& ctx, object_store::store& s,
                                                           const net::cluster_token& token, puller_options o) {
  // A chunk is one frame, and frames are at most 1 GiB on the wire (u32 lengths, transport limit).
  if (o.chunk_size == 0 || o.chunk_size > (1ull << 30))
    return fail(errc::invalid_argument, "chunk_size must be 1 byte to 1 GiB, not " + std::to_string(o.chunk_size));
  if (o.window == 0 || o.window > 1024)
    return fail(errc::invalid_argument, "window must be 1 to 1024 chunks, not " + std::to_string(o.window));
  if (o.inline_max > (64ull << 20))
    return fail(errc::invalid_argument, "inline_max must be at most 64 MiB, not " + std::to_string(o.inline_max));
  if (o.max_open_per_peer == 0) return fail(errc::invalid_argument, "max_open_per_peer must be at least 1");
  if (o.timeout.count() <= 0 || o.connect_timeout.count() <= 0 || o.auth_timeout.count() <= 0)
    return fail(errc::invalid_argument, "timeouts must be above zero: nothing may wait forever");
  auto core = std::make_shared<detail::puller_core>(ctx, s, token, std::move(o));
  return std::unique_ptr<object_puller>(new object_puller(std::move(core)));
}

object_puller::object_puller(std::shared_ptr<detail::puller_core> core) : core_(std::move(core)) {}

object_puller::~object_puller() { close(); }

void object_puller::pull(object_store::object_id id, const net::address& from, done_fn done) {
  core_->pull(id, from, std::move(done));
}

std::future<result<pulled>> object_puller::pull(object_store::object_id id, const net::address& from) {
  auto promise = std::make_shared<std::promise<result<pulled>>>();
  auto future = promise->get_future();
  pull(id, from, [promise](result<pulled> r) { promise->set_value(std::move(r)); });
  return future;
}

void object_puller::close() { core_->close(); }

puller_stats object_puller::statistics() const { return core_->statistics(); }

}  // namespace actors::transfer
