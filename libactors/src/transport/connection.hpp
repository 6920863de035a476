#pragma once
/// connection: one authenticated peer, TCP or Unix socket. Made by listen() and connect();
/// frames go out with send()/request()/reply() and come in through handlers::on_frame.
///
///     conn->send(make_message(my_kind, "hello"));                        // queued, returns at once
///     auto reply = conn->request(make_message(my_kind, "ping"), 1s);     // future<result<frame>>
///     conn->close("done");                                               // on_closed follows
///
/// Thread-safety: every public member may be called from any thread, including from inside
/// the handlers. Frames are written in the order send() accepted them (one gathered write for
/// a batch, without copying bodies) and delivered in the order they arrived. The connection
/// stays alive while it is open, held by its own reads, even if the caller drops its pointer.

#include "transport/errc.hpp"
#include "transport/frame.hpp"
#include "transport/options.hpp"
#include "transport/registry.hpp"
#include "transport/socket.hpp"

#include <boost/asio/steady_timer.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace actors::net {

class connection final : public std::enable_shared_from_this<connection>, public detail::closable {
  struct private_tag {};

 public:
  /// Runs once the frame is on the wire, or failed to get there (the connection closed first).
  /// This callback and reply_fn run on an io thread and must not throw.
  using written_fn = std::function<void(const result<void>&)>;
  /// Runs once with the reply, or with errc::timed_out, or with why the connection closed.
  using reply_fn = std::function<void(result<frame>)>;

  /// Queues `m`. Fails at once (and on_written is not called) if the connection is closed, the
  /// kind is reserved (below first_user_kind), or the body exceeds options::max_frame_size.
  /// Otherwise on_written runs later on an io thread, exactly once. Never waits on the network.
  result<void> send(message m, written_fn on_written = {});

  /// Sends `m` as the answer to `request`: same correlation id, flag_response set.
  result<void> reply(const frame& request, message m, written_fn on_written = {});

  /// Sends `m` with a fresh correlation id; `on_reply` gets the peer's reply() to it. A reply
  /// that comes after the timeout is dropped (and logged at debug level).
  void request(message m, std::chrono::milliseconds timeout, reply_fn on_reply);
  /// The same as a future. Do not wait on it from inside a handler: the reply is read by the
  /// io thread that would be waiting.
  std::future<result<frame>> request(message m, std::chrono::milliseconds timeout);

  /// Closes the socket; unsent frames and pending requests fail with errc::closed and
  /// `reason`, then on_closed runs. Idempotent; returns without waiting.
  void close(std::string reason = "closed by this side");

  bool is_open() const noexcept { return open_.load(std::memory_order_acquire); }
  /// "tcp://10.0.0.7:40212" or "unix:/run/actors/node.sock (pid 4242, uid 1000)".
  const std::string& peer() const noexcept { return peer_; }
  /// Bytes accepted by send() but not yet written: for callers that want backpressure.
  std::uint64_t queued_bytes() const;

  /// Made by the handshake once the peer is authenticated: registers with the io_context's
  /// registry, runs on_open, then starts reading. Not for users (listen/connect call it).
  static connection_ptr start(detail::stream_socket socket, std::string peer, handlers h,
                              options o, detail::registry& registry);

  connection(private_tag, detail::stream_socket socket, std::string peer, handlers h, options o,
             detail::registry& registry);
  ~connection() override;
  void shut(const error& why) override;

 private:
  struct outgoing {
    frame_header::bytes header;
    std::vector<payload> body;
    written_fn on_written;
    std::uint64_t size = 0;  // header and body
  };
  struct pending_request {
    reply_fn on_reply;
    std::shared_ptr<boost::asio::steady_timer> timer;
  };

  result<void> enqueue(message m, written_fn on_written);
  void fail_soon(reply_fn on_reply, error why);
  void expire(std::uint64_t id, std::chrono::milliseconds timeout);

  // Everything below runs on the connection's strand.
  void write_next();
  void on_write(const boost::system::error_code& ec);
  /// Parses the frames already read ahead, then reads more.
  void read_header();
  void on_read(const boost::system::error_code& ec, std::size_t n);
  /// Takes the frame whose header starts the read-ahead: delivers it (true), or starts reading
  /// the rest of its body, or closes on a malformed header (false).
  bool take_frame();
  void on_body(const boost::system::error_code& ec);
  void deliver();
  void violation(error why);
  void close_on_strand(error why);
  void maybe_finish();
  void report(log_level level, const std::string& line) const;

  detail::stream_socket socket_;  // its executor is the connection's strand
  const std::string peer_;
  handlers handlers_;
  const options options_;
  detail::registry& registry_;

  mutable std::mutex mutex_;  // guards the members up to next_id_
  std::deque<outgoing> queue_;
  bool writing_ = false;          // a write_next is scheduled or a write is in flight
  std::optional<error> closed_;   // why, once closed
  std::uint64_t queued_bytes_ = 0;
  std::unordered_map<std::uint64_t, pending_request> pending_;
  std::atomic<bool> open_{true};
  std::atomic<std::uint64_t> next_id_{1};

  // Strand only.
  std::vector<outgoing> inflight_;
  std::vector<boost::asio::const_buffer> write_buffers_;
  frame_header::bytes read_header_{};
  frame incoming_;
  static constexpr std::size_t read_ahead = 64 * 1024;
  std::unique_ptr<std::byte[]> inbuf_;  // [in_begin_, in_end_) read and not yet parsed
  std::size_t in_begin_ = 0, in_end_ = 0;
  int ops_ = 0;  // socket operations outstanding
  bool strand_closed_ = false;
  bool finished_ = false;
};

}  // namespace actors::net
