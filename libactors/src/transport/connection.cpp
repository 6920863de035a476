#include "transport/connection.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <cstring>
#include <exception>

namespace actors::net {
namespace {

// Frames taken into one gathered write. Bounds the iovec list (Asio hands the kernel 64 at a
// time anyway) and how long a batch's on_written callbacks wait for its last byte.
constexpr std::size_t max_batch = 256;

/// Asio's transfer_all moves at most 64 KiB per system call; a 64 MiB body then costs a
/// thousand reactor round trips. This asks for everything that is left (capped at 16 MiB), so
/// one recv/writev moves whatever the socket buffer holds.
struct transfer_rest {
  std::size_t total;
  std::size_t operator()(const boost::system::error_code& ec, std::size_t done) const noexcept {
    if (ec || done >= total) return 0;
    return std::min<std::size_t>(total - done, 16u << 20);
  }
};

error from_socket_error(const boost::system::error_code& ec, const std::string& peer) {
  if (ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset ||
      ec == boost::asio::error::broken_pipe)
    return {errc::peer_closed, peer + " closed the connection"};
  return {errc::io_error, "socket error with " + peer + ": " + ec.message()};
}

}  // namespace

connection::connection(private_tag, detail::stream_socket socket, std::string peer, handlers h,
                       options o, detail::registry& registry)
    : socket_(std::move(socket)),
      peer_(std::move(peer)),
      handlers_(std::move(h)),
      options_(std::move(o)),
      registry_(registry) {}

connection::~connection() = default;

connection_ptr connection::start(detail::stream_socket socket, std::string peer, handlers h,
                                 options o, detail::registry& registry) {
  auto c = std::make_shared<connection>(private_tag{}, std::move(socket), std::move(peer),
                                        std::move(h), std::move(o), registry);
  boost::asio::dispatch(c->socket_.get_executor(), [c] {
    if (!c->registry_.add(c)) {
      c->close_on_strand({errc::shut_down, "the transport is shutting down"});
      return;
    }
    if (c->handlers_.on_open) {
      try {
        c->handlers_.on_open(c);
      } catch (...) {
        c->report(log_level::error, "on_open for " + c->peer_ + " threw: " + what_of(std::current_exception()));
        c->close_on_strand({errc::closed, "on_open threw"});
        return;
      }
    }
    // on_open may have called close(); that is posted, so this read is cancelled by it.
    c->read_header();
  });
  return c;
}

// ---- sending (any thread) ----

result<void> connection::send(message m, written_fn on_written) {
  if (m.kind < first_user_kind)
    return fail(errc::invalid_argument, "frame kind " + std::to_string(m.kind) +
                                            " is reserved for the transport; use first_user_kind (256) and above");
  if (m.flags & transport_flags_mask & ~flag_response)
    return fail(errc::invalid_argument, "flag bits 0-7 belong to the transport; use bits 8-15");
  return enqueue(std::move(m), std::move(on_written));
}

result<void> connection::reply(const frame& request, message m, written_fn on_written) {
  m.correlation_id = request.correlation_id;
  m.flags |= flag_response;
  return send(std::move(m), std::move(on_written));
}

result<void> connection::enqueue(message m, written_fn on_written) {
  const std::uint64_t body_size = m.body_size();
  if (body_size > options_.max_frame_size)
    return fail(errc::frame_too_large, "a body of " + std::to_string(body_size) +
                                           " bytes exceeds max_frame_size " +
                                           std::to_string(options_.max_frame_size));
  outgoing o;
  o.header = frame_header{.kind = m.kind,
                          .flags = m.flags,
                          .length = static_cast<std::uint32_t>(body_size),
                          .correlation_id = m.correlation_id}
                 .encode();
  o.body = std::move(m.body);
  o.on_written = std::move(on_written);
  o.size = frame_header::size + body_size;
  bool start_writing = false;
  {
    std::lock_guard lock(mutex_);
    if (closed_)
      return fail(closed_->code, "cannot send to " + peer_ + ", the connection is closed: " + closed_->message);
    queued_bytes_ += o.size;
    queue_.push_back(std::move(o));
    start_writing = !std::exchange(writing_, true);
  }
  // dispatch: a reply sent from inside on_frame starts its write at once, with no hand-off.
  if (start_writing)
    boost::asio::dispatch(socket_.get_executor(), [self = shared_from_this()] { self->write_next(); });
  return {};
}

std::uint64_t connection::queued_bytes() const {
  std::lock_guard lock(mutex_);
  return queued_bytes_;
}

// ---- requests (any thread) ----

void connection::fail_soon(reply_fn on_reply, error why) {
  // Never inline: the caller may hold its own locks around request().
  boost::asio::post(socket_.get_executor(),
                    [cb = std::move(on_reply), why = std::move(why)]() mutable { cb(actors::unexpected(std::move(why))); });
}

void connection::request(message m, std::chrono::milliseconds timeout, reply_fn on_reply) {
  if (timeout <= std::chrono::milliseconds::zero())
    return fail_soon(std::move(on_reply), {errc::invalid_argument, "a request needs a timeout above zero"});
  if (m.kind < first_user_kind || (m.flags & transport_flags_mask))
    return fail_soon(std::move(on_reply), {errc::invalid_argument,
                                           "a request needs a user kind (256 and above) and no transport flags"});
  const std::uint64_t id = next_id_.fetch_add(1, std::memory_order_relaxed);
  m.correlation_id = id;
  auto timer = std::make_shared<boost::asio::steady_timer>(socket_.get_executor());
  {
    // The timer is only ever touched under mutex_ (here, on a reply, at close), since the reply
    // may be read on the strand before this thread has finished starting the wait.
    std::lock_guard lock(mutex_);
    if (closed_)
      return fail_soon(std::move(on_reply), {closed_->code, "cannot send a request to " + peer_ +
                                                                ", the connection is closed: " + closed_->message});
    pending_.emplace(id, pending_request{std::move(on_reply), timer});
    timer->expires_after(timeout);
    timer->async_wait([weak = weak_from_this(), id, timeout](const boost::system::error_code& ec) {
      if (ec) return;  // cancelled: the reply came, or the connection closed
      if (auto self = weak.lock()) self->expire(id, timeout);
    });
  }
  if (auto sent = enqueue(std::move(m), {}); !sent) {
    reply_fn cb;
    {
      std::lock_guard lock(mutex_);
      if (auto it = pending_.find(id); it != pending_.end()) {
        cb = std::move(it->second.on_reply);
        it->second.timer->cancel();
        pending_.erase(it);
      }
    }
    // Not found: close_on_strand took it and fails it itself.
    if (cb) fail_soon(std::move(cb), sent.error());
  }
}

std::future<result<frame>> connection::request(message m, std::chrono::milliseconds timeout) {
  auto promise = std::make_shared<std::promise<result<frame>>>();
  auto future = promise->get_future();
  request(std::move(m), timeout, [promise](result<frame> r) { promise->set_value(std::move(r)); });
  return future;
}

void connection::expire(std::uint64_t id, std::chrono::milliseconds timeout) {
  reply_fn cb;
  {
    std::lock_guard lock(mutex_);
    auto it = pending_.find(id);
    if (it == pending_.end()) return;
    cb = std::move(it->second.on_reply);
    pending_.erase(it);
  }
  cb(fail(errc::timed_out, "no reply from " + peer_ + " to request " + std::to_string(id) + " within " +
                               std::to_string(timeout.count()) + " ms"));
}

// ---- closing ----

void connection::close(std::string reason) { shut({errc::closed, std::move(reason)}); }

void connection::shut(const error& why) {
  // post, not dispatch: a handler that closes its own connection returns before on_closed runs,
  // so the handlers of one connection never nest.
  boost::asio::post(socket_.get_executor(), [self = shared_from_this(), why] { self->close_on_strand(why); });
}

void connection::close_on_strand(error why) {
  if (strand_closed_) return;
  strand_closed_ = true;
  std::deque<outgoing> unsent;
  std::unordered_map<std::uint64_t, pending_request> waiting;
  {
    std::lock_guard lock(mutex_);
    closed_ = why;
    open_.store(false, std::memory_order_release);
    unsent.swap(queue_);
    waiting.swap(pending_);
    for (auto& [id, p] : waiting) p.timer->cancel();
    for (const auto& o : unsent) queued_bytes_ -= o.size;
  }
  boost::system::error_code ignored;
  socket_.shutdown(detail::stream_socket::shutdown_both, ignored);
  socket_.close(ignored);  // outstanding reads and writes complete with operation_aborted

  const error not_sent{why.code, "not sent to " + peer_ + ", the connection closed: " + why.message};
  for (auto& o : unsent)
    if (o.on_written) o.on_written(actors::unexpected(not_sent));
  const error no_reply{why.code, "no reply from " + peer_ + ", the connection closed: " + why.message};
  for (auto& [id, p] : waiting) p.on_reply(actors::unexpected(no_reply));
  if (handlers_.on_closed) {
    try {
      handlers_.on_closed(shared_from_this(), why);
    } catch (...) {
      report(log_level::error, "on_closed for " + peer_ + " threw: " + what_of(std::current_exception()));
    }
  }
  maybe_finish();
}

void connection::maybe_finish() {
  if (!strand_closed_ || ops_ > 0 || finished_) return;
  finished_ = true;
  // The user's callbacks may hold pointers back to this connection (or to whatever holds it):
  // dropping them here breaks such cycles.
  handlers_ = {};
  registry_.remove(this);
}

void connection::violation(error why) {
  report(log_level::warning, "closing " + peer_ + ": " + why.message);
  close_on_strand(std::move(why));
}

void connection::report(log_level level, const std::string& line) const { log(options_.log, level, line); }

// ---- writing (strand) ----

void connection::write_next() {
  if (strand_closed_) return;
  {
    std::lock_guard lock(mutex_);
    if (queue_.empty()) {
      writing_ = false;
      return;
    }
    while (!queue_.empty() && inflight_.size() < max_batch) {
      inflight_.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
  }
  // Built after the batch is complete: the headers live inside inflight_'s elements.
  write_buffers_.clear();
  for (const auto& o : inflight_) {
    write_buffers_.emplace_back(o.header.data(), o.header.size());
    for (const auto& p : o.body)
      if (!p.bytes().empty()) write_buffers_.emplace_back(p.bytes().data(), p.bytes().size());
  }
  std::size_t total = 0;
  for (const auto& b : write_buffers_) total += b.size();
  ++ops_;
  boost::asio::async_write(socket_, write_buffers_, transfer_rest{total},
                           [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                             self->on_write(ec);
                           });
}

void connection::on_write(const boost::system::error_code& ec) {
  --ops_;
  // The payloads' owners stay alive until here: the kernel is done with their bytes.
  std::vector<outgoing> done;
  done.swap(inflight_);
  std::uint64_t bytes = 0;
  for (const auto& o : done) bytes += o.size;
  {
    std::lock_guard lock(mutex_);
    queued_bytes_ -= bytes;
  }
  if (ec) {
    error why = from_socket_error(ec, peer_);
    if (strand_closed_) {
      std::lock_guard lock(mutex_);
      why = *closed_;
    }
    const error not_sent{why.code, "not sent to " + peer_ + ": " + why.message};
    for (auto& o : done)
      if (o.on_written) o.on_written(actors::unexpected(not_sent));
    if (!strand_closed_) close_on_strand(why);
    return maybe_finish();
  }
  for (auto& o : done)
    if (o.on_written) o.on_written({});
  if (strand_closed_) return maybe_finish();
  write_next();
}

// ---- reading (strand) ----

// Frames are parsed out of a read-ahead buffer: one recv brings in every small frame the
// socket holds, instead of two recv calls per frame (header, then body). System calls are the
// dominant cost of small messages on these VMs (docs/transport.md).
void connection::read_header() {
  while (!strand_closed_ && in_end_ - in_begin_ >= frame_header::size)
    if (!take_frame()) return;  // its body is being read, or the connection is closing
  if (strand_closed_) return maybe_finish();
  if (!inbuf_) inbuf_ = std::make_unique_for_overwrite<std::byte[]>(read_ahead);
  if (in_begin_ > 0) {  // keep the partial header, if any, at the front
    std::memmove(inbuf_.get(), inbuf_.get() + in_begin_, in_end_ - in_begin_);
    in_end_ -= in_begin_;
    in_begin_ = 0;
  }
  ++ops_;
  socket_.async_read_some(boost::asio::buffer(inbuf_.get() + in_end_, read_ahead - in_end_),
                          [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
                            self->on_read(ec, n);
                          });
}

void connection::on_read(const boost::system::error_code& ec, std::size_t n) {
  --ops_;
  if (strand_closed_) return maybe_finish();
  if (ec) return close_on_strand(from_socket_error(ec, peer_));
  in_end_ += n;
  read_header();
}

bool connection::take_frame() {
  std::memcpy(read_header_.data(), inbuf_.get() + in_begin_, frame_header::size);
  in_begin_ += frame_header::size;
  auto h = frame_header::decode(read_header_);
  auto refuse = [this](error why) {
    violation(std::move(why));
    return false;
  };
  if (!h) return refuse(h.error());
  if (h->kind < first_user_kind)
    return refuse({errc::protocol_error, "frame kind " + std::to_string(h->kind) +
                                             " after authentication (kinds below 256 are the handshake's)"});
  // The limit is checked here, before the body is allocated: a corrupt or hostile length costs
  // nothing but this connection.
  if (h->length > options_.max_frame_size)
    return refuse({errc::frame_too_large, "announced a frame of " + std::to_string(h->length) +
                                              " bytes; the maximum is " + std::to_string(options_.max_frame_size)});
  incoming_.kind = h->kind;
  incoming_.flags = h->flags;
  incoming_.correlation_id = h->correlation_id;
  if (options_.allocate_body && h->length > 0) {
    incoming_.body = options_.allocate_body(*h);
    if (incoming_.body.size() != h->length || !incoming_.body.data())
      return refuse({errc::invalid_argument, "allocate_body returned " + std::to_string(incoming_.body.size()) +
                                                 " bytes for a frame of " + std::to_string(h->length)});
  } else {
    incoming_.body = body_buffer(h->length);
  }
  // What was read ahead of the body, then the rest straight into the body's own place.
  const std::size_t have = std::min<std::size_t>(in_end_ - in_begin_, h->length);
  if (have > 0) std::memcpy(incoming_.body.data(), inbuf_.get() + in_begin_, have);
  in_begin_ += have;
  if (have == h->length) {
    deliver();
    return true;
  }
  ++ops_;
  boost::asio::async_read(socket_, boost::asio::buffer(incoming_.body.data() + have, h->length - have),
                          transfer_rest{h->length - have}, [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                            self->on_body(ec);
                          });
  return false;
}

void connection::on_body(const boost::system::error_code& ec) {
  --ops_;
  if (strand_closed_) return maybe_finish();
  if (ec) return close_on_strand(from_socket_error(ec, peer_));
  deliver();
  read_header();
}

void connection::deliver() {
  frame f = std::move(incoming_);
  incoming_ = frame{};
  if (f.is_response()) {
    reply_fn cb;
    {
      std::lock_guard lock(mutex_);
      if (auto it = pending_.find(f.correlation_id); it != pending_.end()) {
        cb = std::move(it->second.on_reply);
        it->second.timer->cancel();
        pending_.erase(it);
      }
    }
    if (cb) {
      cb(std::move(f));
    } else {
      report(log_level::debug, "dropped a reply from " + peer_ + " to request " +
                                   std::to_string(f.correlation_id) + ": nothing waits for it (timed out?)");
    }
  } else if (handlers_.on_frame) {
    try {
      handlers_.on_frame(shared_from_this(), std::move(f));
    } catch (...) {
      report(log_level::error, "on_frame for " + peer_ + " threw: " + what_of(std::current_exception()) +
                                   "; closing the connection");
      return close_on_strand({errc::closed, "on_frame threw"});
    }
  }
}

}  // namespace actors::net
