#include "transport/token.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace actors::net {
namespace {

std::string errno_text(int e) { return std::strerror(e); }

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// Closes a descriptor on every path out of a function.
struct fd_guard {
  int fd = -1;
  ~fd_guard() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

cluster_token cluster_token::generate() {
  bytes b{};
  if (RAND_bytes(b.data(), static_cast<int>(b.size())) != 1) {
    std::fputs("actors: bug: RAND_bytes failed; refusing to make a predictable cluster token\n",
               stderr);
    std::abort();
  }
  cluster_token t(b);
  OPENSSL_cleanse(b.data(), b.size());
  return t;
}

result<cluster_token> cluster_token::from_hex(std::string_view hex) {
  if (hex.size() != 2 * size)
    return fail(errc::token_error, "a token is " + std::to_string(2 * size) +
                                       " hex digits, this one has " + std::to_string(hex.size()));
  bytes b{};
  for (std::size_t i = 0; i < size; ++i) {
    const int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      OPENSSL_cleanse(b.data(), b.size());
      return fail(errc::token_error, "a token is hex digits only");
    }
    b[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  cluster_token t(b);
  OPENSSL_cleanse(b.data(), b.size());
  return t;
}

cluster_token::~cluster_token() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }

std::string cluster_token::to_hex() const {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * size);
  for (unsigned char c : bytes_) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

bool operator==(const cluster_token& a, const cluster_token& b) noexcept {
  return CRYPTO_memcmp(a.bytes_.data(), b.bytes_.data(), cluster_token::size) == 0;
}

result<void> write_token_file(const std::string& path, const cluster_token& token) {
  const std::string temp = path + ".tmp." + std::to_string(::getpid());
  fd_guard f;
  // O_EXCL: never write through a file (or a symlink) someone else put there first; mode 0600
  // from the start, so there is no moment at which the token is readable by others.
  f.fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (f.fd < 0) return fail(errc::token_error, "cannot create " + temp + ": " + errno_text(errno));
  // The umask can only remove bits, but a 0600 request leaves nothing to remove; fchmod makes
  // the mode independent of it anyway.
  if (::fchmod(f.fd, 0600) != 0) {
    const int e = errno;
    ::unlink(temp.c_str());
    return fail(errc::token_error, "cannot chmod " + temp + ": " + errno_text(e));
  }
  std::string text = token.to_hex() + "\n";
  const ssize_t n = ::write(f.fd, text.data(), text.size());
  const int write_errno = errno;
  OPENSSL_cleanse(text.data(), text.size());
  if (n != static_cast<ssize_t>(2 * cluster_token::size + 1) || ::fsync(f.fd) != 0) {
    ::unlink(temp.c_str());
    return fail(errc::token_error, "cannot write " + temp + ": " + errno_text(write_errno));
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    ::unlink(temp.c_str());
    return fail(errc::token_error, "cannot rename " + temp + " to " + path + ": " + errno_text(e));
  }
  return {};
}

result<cluster_token> read_token_file(const std::string& path) {
  fd_guard f;
  f.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (f.fd < 0) return fail(errc::token_error, "cannot open token file " + path + ": " + errno_text(errno));
  struct stat st{};
  if (::fstat(f.fd, &st) != 0)
    return fail(errc::token_error, "cannot stat token file " + path + ": " + errno_text(errno));
  if (!S_ISREG(st.st_mode)) return fail(errc::token_error, "token file " + path + " is not a regular file");
  if (st.st_uid != ::geteuid())
    return fail(errc::token_error, "token file " + path + " belongs to uid " + std::to_string(st.st_uid) +
                                       ", not to this user (uid " + std::to_string(::geteuid()) + ")");
  if (st.st_mode & (S_IRWXG | S_IRWXO)) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return fail(errc::token_error, "token file " + path + " has mode " + mode +
                                       ": group or others may access it; it must be 0600 (chmod 600 " +
                                       path + ")");
  }
  char buf[2 * cluster_token::size + 2];
  const ssize_t n = ::read(f.fd, buf, sizeof buf);
  if (n < 0) return fail(errc::token_error, "cannot read token file " + path + ": " + errno_text(errno));
  std::string_view text(buf, static_cast<std::size_t>(n));
  if (text.ends_with('\n')) text.remove_suffix(1);
  auto token = cluster_token::from_hex(text);
  OPENSSL_cleanse(buf, sizeof buf);
  if (!token) return fail(errc::token_error, "token file " + path + ": " + token.error().message);
  return token;
}

}  // namespace actors::net
