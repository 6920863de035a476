#include "cluster/executables.hpp"

#include "cluster/work_protocol.hpp"

#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <fstream>
#include <memory>
#include <mutex>
#include <vector>

namespace actors::cluster {

namespace {

constexpr const char* self_exe = "/proc/self/exe";

struct digest {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx{EVP_MD_CTX_new(), &EVP_MD_CTX_free};
  digest() { EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr); }
  void add(const void* data, std::size_t n) { EVP_DigestUpdate(ctx.get(), data, n); }
  std::string hex() {
    std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx.get(), out.data(), &n);
    static constexpr char digits[] = "0123456789abcdef";
    std::string s;
    for (unsigned int i = 0; i < n; ++i) s += {digits[out[i] >> 4], digits[out[i] & 15]};
    return s;
  }
};

std::optional<std::vector<std::byte>> read_all(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::vector<std::byte> bytes;
  std::array<char, 1 << 16> buf;
  while (in.read(buf.data(), buf.size()) || in.gcount() > 0) {
    auto* first = reinterpret_cast<const std::byte*>(buf.data());
    bytes.insert(bytes.end(), first, first + in.gcount());
  }
  return bytes;
}

}  // namespace

executable_identity own_executable() {
  executable_identity id;
  std::error_code ec;
  id.path = std::filesystem::read_symlink(self_exe, ec).string();
  struct stat st {};
  if (::stat(self_exe, &st) == 0) {
    id.size = st.st_size;
    id.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  }
  return id;
}

bool same_file_here(const executable_identity& id) {
  struct stat st {};
  if (id.path.empty() || ::stat(id.path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  const auto mtime = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  return st.st_size == id.size && mtime == id.mtime_ns && ::access(id.path.c_str(), X_OK) == 0;
}

std::optional<std::string> sha256_of_file(const std::filesystem::path& p) {
  auto bytes = read_all(p);
  return bytes ? std::optional(sha256_of(*bytes)) : std::nullopt;
}

std::string sha256_of(std::span<const std::byte> bytes) {
  digest d;
  d.add(bytes.data(), bytes.size());
  return d.hex();
}

std::optional<std::filesystem::path> cached_executable(const std::filesystem::path& cache, const std::string& sha256) {
  if (sha256.size() != 64 || sha256.find_first_not_of("0123456789abcdef") != std::string::npos) return std::nullopt;
  auto p = cache / sha256;
  std::error_code ec;
  return std::filesystem::is_regular_file(p, ec) ? std::optional(p) : std::nullopt;
}

std::optional<std::filesystem::path> cache_executable(const std::filesystem::path& cache, const std::string& sha256,
                                                      std::span<const std::byte> bytes, std::string& why) {
  if (sha256_of(bytes) != sha256) {
    why = "the " + std::to_string(bytes.size()) + " bytes received do not have the announced SHA-256 " + sha256;
    return std::nullopt;
  }
  std::error_code ec;
  std::filesystem::create_directories(cache, ec);
  auto final_path = cache / sha256;
  auto temp = cache / (sha256 + ".part." + std::to_string(::getpid()) + "." + std::to_string(reinterpret_cast<std::uintptr_t>(&bytes)));
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out) {
      why = "cannot write " + temp.string();
      std::filesystem::remove(temp, ec);
      return std::nullopt;
    }
  }
  std::filesystem::permissions(temp, std::filesystem::perms::owner_all, ec);
  std::filesystem::rename(temp, final_path, ec);  // atomic: another pull of the same bytes may win; both are whole
  if (ec) {
    why = "cannot store " + final_path.string() + ": " + ec.message();
    std::filesystem::remove(temp, ec);
    return std::nullopt;
  }
  return final_path;
}

void answer_executable_request(const net::connection_ptr& c, const net::frame& request) {
  auto want = decode_work<executable_request>(request);
  executable_reply answer;
  std::vector<std::byte> bytes;
  if (want.with_bytes) {
    // The hash of exactly the bytes sent: the node checks it against the one it asked for.
    if (auto read = read_all(self_exe)) {
      answer.sha256 = sha256_of(*read);
      bytes = std::move(*read);
    }
  } else {
    // Hashing a large program takes a while: once per process, and only when a node asks.
    static std::once_flag once;
    static std::optional<std::string> hash;
    std::call_once(once, [] { hash = sha256_of_file(self_exe); });
    answer.sha256 = hash.value_or("");
  }
  if (answer.sha256.empty()) answer.reason = "cannot read " + own_executable().path;
  c->reply(request, encode_work(work_kind::fetch_executable, answer, std::move(bytes)));
}

}  // namespace actors::cluster
