#include "transport/handshake.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <cstring>

namespace actors::net::detail {
namespace {

std::string kind_name(std::uint16_t kind) {
  switch (kind) {
    case kind_hello: return "HELLO";
    case kind_proof: return "PROOF";
    case kind_refused: return "REFUSED";
  }
  return "a frame of kind " + std::to_string(kind);
}

}  // namespace

std::shared_ptr<handshake> handshake::run(stream_socket socket, role r, const cluster_token& token, std::string peer,
                    const options& o, registry& reg, done_fn done) {
  auto h = std::make_shared<handshake>(private_tag{}, std::move(socket), r, token, std::move(peer), o,
                                       reg, std::move(done));
  boost::asio::post(h->socket_.get_executor(), [h] { h->start(); });
  return h;
}

handshake::handshake(private_tag, stream_socket socket, role r, const cluster_token& token,
                     std::string peer, const options& o, registry& reg, done_fn done)
    : socket_(std::move(socket)),
      role_(r),
      token_(token),
      peer_(std::move(peer)),
      options_(o),
      registry_(reg),
      done_(std::move(done)),
      timer_(socket_.get_executor()) {}

void handshake::shut(const error& why) {
  boost::asio::post(socket_.get_executor(), [self = shared_from_this(), why] { self->finish(why); });
}

void handshake::start() {
  if (!registry_.add(shared_from_this())) {
    removed_ = true;  // never registered
    return finish({errc::shut_down, "the transport is shutting down"});
  }
  ++ops_;
  timer_.expires_after(options_.auth_timeout);
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    --self->ops_;
    if (!ec)
      self->finish(self->failed(errc::timed_out, "did not complete authentication within " +
                                                     std::to_string(self->options_.auth_timeout.count()) + " ms"));
    self->maybe_remove();
  });
  local_nonce_ = make_nonce();
  // Both sides greet at once; neither waits for the other's HELLO before sending its own.
  send(kind_hello, local_nonce_.data(), local_nonce_.size(), &handshake::receive_hello);
}

void handshake::send(std::uint16_t kind, const unsigned char* body, std::size_t size, step next) {
  out_header_ = frame_header{.kind = kind, .length = static_cast<std::uint32_t>(size)}.encode();
  if (size) std::memcpy(out_body_.data(), body, size);
  const std::array<boost::asio::const_buffer, 2> buffers{boost::asio::buffer(out_header_),
                                                         boost::asio::buffer(out_body_.data(), size)};
  ++ops_;
  boost::asio::async_write(socket_, buffers,
                           [self = shared_from_this(), next](const boost::system::error_code& ec, std::size_t) {
                             --self->ops_;
                             if (self->finished_) return self->maybe_remove();
                             if (ec) {
                               if (next == &handshake::after_refused) return self->finish(self->refusal_);
                               return self->finish(self->failed(errc::io_error, "could not be written to during authentication: " + ec.message()));
                             }
                             (self.get()->*next)();
                           });
}

void handshake::receive(step next) {
  ++ops_;
  boost::asio::async_read(socket_, boost::asio::buffer(in_header_), [self = shared_from_this(), next](
                                                                        const boost::system::error_code& ec, std::size_t) {
    --self->ops_;
    if (self->finished_) return self->maybe_remove();
    if (ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset)
      return self->finish(self->failed(errc::peer_closed, "closed the connection during authentication"));
    if (ec) return self->finish(self->failed(errc::io_error, "socket error during authentication: " + ec.message()));
    auto h = frame_header::decode(self->in_header_);
    if (!h) return self->finish(self->failed(errc::protocol_error, "sent garbage before authenticating: " + h.error().message));
    const bool known = h->kind == kind_hello || h->kind == kind_proof || h->kind == kind_refused;
    if (!known)
      return self->finish(self->failed(errc::protocol_error, "sent " + kind_name(h->kind) + " before authenticating"));
    // Exact sizes: before the peer has proved the token, nothing it announces is allocated.
    const std::uint32_t expected = h->kind == kind_refused ? 0 : 32;
    if (h->length != expected || h->flags != 0 || h->correlation_id != 0)
      return self->finish(self->failed(errc::protocol_error, "sent a " + kind_name(h->kind) + " frame of " +
                                                                 std::to_string(h->length) + " bytes before authenticating (" +
                                                                 std::to_string(expected) + " expected)"));
    self->in_kind_ = h->kind;
    if (expected == 0) return (self.get()->*next)();
    ++self->ops_;
    boost::asio::async_read(self->socket_, boost::asio::buffer(self->in_body_),
                            [self, next](const boost::system::error_code& ec, std::size_t) {
                              --self->ops_;
                              if (self->finished_) return self->maybe_remove();
                              if (ec)
                                return self->finish(self->failed(errc::peer_closed, "closed the connection during authentication"));
                              (self.get()->*next)();
                            });
  });
}

void handshake::on_peer_hello() {
  if (in_kind_ != kind_hello)
    return finish(failed(errc::protocol_error, "sent " + kind_name(in_kind_) + " instead of HELLO"));
  std::memcpy(peer_nonce_.data(), in_body_.data(), peer_nonce_.size());
  if (role_ == role::server) return receive(&handshake::on_client_proof);
  const proof mine = make_proof(token_, role::client, local_nonce_, peer_nonce_);
  send(kind_proof, mine.data(), mine.size(), &handshake::receive_server_reply);
}

void handshake::on_client_proof() {
  if (in_kind_ != kind_proof)
    return finish(failed(errc::protocol_error, "sent " + kind_name(in_kind_) + " instead of PROOF"));
  proof theirs{};
  std::memcpy(theirs.data(), in_body_.data(), theirs.size());
  if (!proofs_equal(theirs, make_proof(token_, role::client, peer_nonce_, local_nonce_)))
    return refuse(failed(errc::auth_failed, "did not prove the cluster token (a wrong or missing token)"));
  // Only a client that has proved itself gets the server's proof.
  const proof mine = make_proof(token_, role::server, peer_nonce_, local_nonce_);
  send(kind_proof, mine.data(), mine.size(), &handshake::succeed);
}

void handshake::on_server_reply() {
  if (in_kind_ == kind_refused)
    return finish(failed(errc::auth_failed, "refused our proof of the cluster token (the tokens differ)"));
  if (in_kind_ != kind_proof)
    return finish(failed(errc::protocol_error, "sent " + kind_name(in_kind_) + " instead of PROOF"));
  proof theirs{};
  std::memcpy(theirs.data(), in_body_.data(), theirs.size());
  if (!proofs_equal(theirs, make_proof(token_, role::server, local_nonce_, peer_nonce_)))
    return refuse(failed(errc::auth_failed, "did not prove the cluster token (not a member of this cluster)"));
  succeed();
}

void handshake::refuse(error why) {
  refusal_ = std::move(why);
  // Tells the peer why the connection ends, so its error says "refused" rather than "closed".
  send(kind_refused, nullptr, 0, &handshake::after_refused);
}

void handshake::succeed() {
  finished_ = true;
  timer_.cancel();
  auto done = std::move(done_);
  done(std::move(socket_));
  maybe_remove();
}

void handshake::finish(error why) {
  if (finished_) return;
  finished_ = true;
  timer_.cancel();
  boost::system::error_code ignored;
  socket_.close(ignored);
  if (why.code == errc::shut_down || why.code == errc::closed) {
    log(options_.log, log_level::debug, "authentication with " + peer_ + " abandoned: " + why.message);
  } else if (role_ == role::server) {
    log(options_.log, log_level::warning, "refused a connection: " + why.message);
  } else {
    log(options_.log, log_level::warning, "could not authenticate: " + why.message);
  }
  auto done = std::move(done_);
  done(actors::unexpected(std::move(why)));
  maybe_remove();
}

void handshake::maybe_remove() {
  if (!finished_ || ops_ > 0 || removed_) return;
  removed_ = true;
  registry_.remove(this);
}

}  // namespace actors::net::detail
