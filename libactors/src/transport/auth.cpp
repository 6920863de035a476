#include "transport/auth.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace actors::net::detail {
namespace {

// The version is in the label, so a later handshake can never accept a proof of this one.
constexpr std::string_view client_label = "actors-transport/1 client proof";
constexpr std::string_view server_label = "actors-transport/1 server proof";

[[noreturn]] void crypto_failed(const char* what) {
  std::fprintf(stderr, "actors: bug: %s failed in OpenSSL\n", what);
  std::abort();
}

}  // namespace

nonce make_nonce() {
  nonce n{};
  if (RAND_bytes(n.data(), static_cast<int>(n.size())) != 1) crypto_failed("RAND_bytes");
  return n;
}

proof make_proof(const cluster_token& token, role prover, const nonce& client, const nonce& server) {
  const std::string_view label = prover == role::client ? client_label : server_label;
  // label, a zero byte so no label is a prefix of another's input, then both nonces.
  std::array<unsigned char, 64 + 2 * 32> input{};
  std::memcpy(input.data(), label.data(), label.size());
  std::size_t n = label.size() + 1;
  std::memcpy(input.data() + n, client.data(), client.size());
  n += client.size();
  std::memcpy(input.data() + n, server.data(), server.size());
  n += server.size();

  proof out{};
  unsigned int out_len = 0;
  if (!HMAC(EVP_sha256(), token.data().data(), static_cast<int>(token.data().size()), input.data(), n,
            out.data(), &out_len) ||
      out_len != out.size())
    crypto_failed("HMAC-SHA256");
  return out;
}

bool proofs_equal(const proof& a, const proof& b) noexcept {
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace actors::net::detail
