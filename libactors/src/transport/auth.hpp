#pragma once
// The cryptography of the handshake (handshake.hpp does the I/O). Private to the transport.
//
// Each side sends a fresh 32-byte nonce; each then proves it knows the cluster token with
//   proof = HMAC-SHA256(token, label || nonce_client || nonce_server)
// where the label names the prover's role. Different labels mean a proof made by one side can
// never be replayed as the other side's (a reflection attack), and fresh nonces from both
// sides mean no proof from an earlier connection is ever valid again.

#include "transport/token.hpp"

#include <array>
#include <cstdint>

namespace actors::net::detail {

enum class role : std::uint8_t { client, server };

/// Handshake frame kinds, from the range below first_user_kind that the transport keeps.
inline constexpr std::uint16_t kind_hello = 1;    // body: the sender's nonce
inline constexpr std::uint16_t kind_proof = 2;    // body: the sender's proof
inline constexpr std::uint16_t kind_refused = 3;  // empty: "your proof was wrong", then close

using nonce = std::array<unsigned char, 32>;
using proof = std::array<unsigned char, 32>;

/// 32 bytes from RAND_bytes; aborts if the generator fails (a predictable nonce would allow
/// replaying an old handshake).
nonce make_nonce();

proof make_proof(const cluster_token& token, role prover, const nonce& client, const nonce& server);

/// Constant-time (CRYPTO_memcmp): the time taken reveals nothing about how much matched.
bool proofs_equal(const proof& a, const proof& b) noexcept;

}  // namespace actors::net::detail
