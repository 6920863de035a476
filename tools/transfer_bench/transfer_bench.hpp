#pragma once
// actors-transfer-bench's parts: the options, the server process (serve.cpp), the raw TCP
// baseline (raw_tcp.cpp) and the measurements (main.cpp). Single-threaded driver; the io
// threads are the transport's.

#include <actors/object_store/object_id.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace transfer_bench {

struct options {
  std::uint64_t size = 1ull << 30;       // bytes per transfer
  std::uint64_t chunk_size = 8ull << 20;  // the puller's
  std::uint32_t window = 4;
  int repeat = 3;
  std::string self;  // this program, for the server process
};

/// The object every run pulls.
inline constexpr actors::object_store::object_id object{.hi = 0xbe7c, .lo = 1};

/// Word i of the object and of the raw buffer: cheap to write, checkable anywhere.
inline std::uint64_t pattern_word(std::uint64_t i) noexcept { return i * 0x9e3779b97f4a7c15ull + 1; }
void fill(std::span<std::byte> bytes);
/// Checks 64 words spread over `bytes`: enough to catch a misplaced or missing chunk.
bool looks_right(std::span<const std::byte> bytes);

[[noreturn]] void die(const std::string& why);
double seconds_since(std::chrono::steady_clock::time_point start);

/// The server process: reads the token (hex) from its first line of stdin, makes the object
/// and a raw buffer of `size` bytes, prints "ready <object server address> <raw tcp port>",
/// and serves both until stdin closes. Returns the exit status.
int serve(std::uint64_t size);

/// The raw baseline's two ends, plain POSIX sockets: no framing, no handshake, no queue.
/// The server sends `bytes` each time a byte arrives; the client asks and reads them.
int raw_listen(std::uint16_t& port);  // a listening socket on 127.0.0.1, any port
void raw_serve(int listening, std::span<const std::byte> bytes);  // until the client hangs up
int raw_connect(std::uint16_t port);
/// One round: asks, and reads into `into` (its whole length); the seconds it took.
double raw_fetch(int fd, std::span<std::byte> into);

}  // namespace transfer_bench
