#pragma once
// handshake: the mutual challenge/response every new socket goes through before it becomes a
// connection (docs/transport.md, "Authentication"). Private to the transport.
//
//   client                                   server
//   HELLO(nonce_c)            ---->
//                             <----          HELLO(nonce_s)
//   PROOF(hmac(client, c, s)) ---->          checks it; a wrong one gets REFUSED and a close
//                             <----          PROOF(hmac(server, c, s))
//   checks it; a wrong one gets REFUSED and a close
//
// Every frame before the end has an exact kind and length (32 or 0 bytes), read into fixed
// arrays: an unauthenticated peer can make this side allocate nothing and read nothing else.
// The whole exchange is bounded by options::auth_timeout. Failures are logged with the peer.

#include "transport/auth.hpp"
#include "transport/errc.hpp"
#include "transport/frame.hpp"
#include "transport/options.hpp"
#include "transport/registry.hpp"
#include "transport/socket.hpp"

#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <memory>
#include <string>

namespace actors::net::detail {

class handshake final : public std::enable_shared_from_this<handshake>, public closable {
  struct private_tag {};

 public:
  /// Runs on the socket's executor (a strand); `done` gets the socket back once the peer has
  /// proved the token, or why not (the socket is then closed).
  using done_fn = std::function<void(result<stream_socket>)>;

  static std::shared_ptr<handshake> run(stream_socket socket, role r, const cluster_token& token, std::string peer,
                  const options& o, registry& reg, done_fn done);

  handshake(private_tag, stream_socket socket, role r, const cluster_token& token, std::string peer,
            const options& o, registry& reg, done_fn done);
  void shut(const error& why) override;

 private:
  using step = void (handshake::*)();

  // All on the socket's strand.
  void start();
  void send(std::uint16_t kind, const unsigned char* body, std::size_t size, step next);
  void receive(step next);
  void receive_hello() { receive(&handshake::on_peer_hello); }
  void receive_server_reply() { receive(&handshake::on_server_reply); }
  void on_peer_hello();
  void on_client_proof();
  void on_server_reply();
  void refuse(error why);
  void after_refused() { finish(refusal_); }
  void finish(error why);
  void succeed();
  void maybe_remove();
  error failed(errc code, const std::string& what) const { return {code, peer_ + " " + what}; }

  stream_socket socket_;
  const role role_;
  const cluster_token token_;
  const std::string peer_;
  const options options_;
  registry& registry_;
  done_fn done_;
  boost::asio::steady_timer timer_;

  nonce local_nonce_{};
  nonce peer_nonce_{};
  frame_header::bytes out_header_{};
  std::array<unsigned char, 32> out_body_{};
  frame_header::bytes in_header_{};
  std::array<unsigned char, 32> in_body_{};
  std::uint16_t in_kind_ = 0;
  error refusal_;  // why this side sends REFUSED

  int ops_ = 0;
  bool finished_ = false;
  bool removed_ = false;
};

}  // namespace actors::net::detail
