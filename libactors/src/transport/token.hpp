#pragma once
/// cluster_token: the cluster's shared secret (ARCHITECTURE.md §7). Every connection proves it
/// knows the token before anything else is read (see handshake.hpp); the token itself never
/// crosses the wire.
///
///     auto token = cluster_token::generate();                  // actors start --head
///     write_token_file("/tmp/actors/session/token", token);    // created with mode 0600
///     auto again = read_token_file("/tmp/actors/session/token");  // refused if group/world can read it
///
/// A plain value type; its bytes are wiped when it is destroyed.

#include "transport/errc.hpp"

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace actors::net {

class cluster_token {
 public:
  static constexpr std::size_t size = 32;
  using bytes = std::array<unsigned char, size>;

  /// 32 bytes from OpenSSL's RAND_bytes (the kernel's CSPRNG underneath). Aborts if the
  /// generator fails: a predictable token would be worse than no cluster at all.
  static cluster_token generate();
  /// From 64 hex digits (upper or lower case), as in a token file or $ACTORS_TOKEN.
  static result<cluster_token> from_hex(std::string_view hex);

  explicit cluster_token(const bytes& b) noexcept : bytes_(b) {}
  cluster_token(const cluster_token&) = default;
  cluster_token& operator=(const cluster_token&) = default;
  ~cluster_token();

  const bytes& data() const noexcept { return bytes_; }
  /// 64 lower-case hex digits.
  std::string to_hex() const;

  /// Constant-time comparison (CRYPTO_memcmp), so a timing side channel cannot reveal a prefix.
  friend bool operator==(const cluster_token& a, const cluster_token& b) noexcept;

 private:
  bytes bytes_;
};

/// Writes the token as 64 hex digits and a newline into a new file of mode 0600 and renames it
/// over `path`, so a reader never sees half a token or a moment of wider permissions. The
/// folder must exist.
result<void> write_token_file(const std::string& path, const cluster_token& token);

/// Reads a token file. Refuses (errc::token_error) a file that is not a regular file, is not
/// owned by this user, or that the group or others may read or write: a secret that others can
/// read is no longer a secret, and saying so beats quietly trusting it (as ssh does with keys).
result<cluster_token> read_token_file(const std::string& path);

}  // namespace actors::net
