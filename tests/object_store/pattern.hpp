#pragma once
// Bytes that differ at every position and from seed to seed, and a checksum over them, shared
// by the tests and the child process they start (tests/object_store/child_main.cpp).

#include <actors/object_store/object_id.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace object_store_test {

/// Fills `out` with the pattern of `seed`: word i is mix64(seed * 2^32 + i), little end first.
inline void fill_pattern(std::span<std::byte> out, std::uint64_t seed) {
  using actors::object_store::detail::mix64;
  std::uint64_t i = 0;
  for (; (i + 1) * 8 <= out.size(); ++i) {
    const std::uint64_t word = mix64((seed << 32) + i);
    std::memcpy(out.data() + i * 8, &word, 8);
  }
  const std::uint64_t last = mix64((seed << 32) + i);
  if (out.size() > i * 8) std::memcpy(out.data() + i * 8, &last, out.size() - i * 8);
}

/// A 64-bit checksum of `bytes`, order-sensitive, read a word at a time.
inline std::uint64_t checksum(std::span<const std::byte> bytes) {
  using actors::object_store::detail::mix64;
  std::uint64_t h = 0x6a09e667f3bcc908ull ^ bytes.size();
  std::size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, bytes.data() + i, 8);
    h = (h ^ word) * 0x100000001b3ull + (h >> 29);
  }
  std::uint64_t tail = 0;
  if (bytes.size() > i) std::memcpy(&tail, bytes.data() + i, bytes.size() - i);
  return mix64(h ^ tail);
}

/// Whether `bytes` hold exactly the pattern of `seed`.
inline bool has_pattern(std::span<const std::byte> bytes, std::uint64_t seed) {
  using actors::object_store::detail::mix64;
  std::uint64_t i = 0;
  for (; (i + 1) * 8 <= bytes.size(); ++i) {
    const std::uint64_t word = mix64((seed << 32) + i);
    if (std::memcmp(bytes.data() + i * 8, &word, 8) != 0) return false;
  }
  const std::uint64_t last = mix64((seed << 32) + i);
  return bytes.size() == i * 8 || std::memcmp(bytes.data() + i * 8, &last, bytes.size() - i * 8) == 0;
}

}  // namespace object_store_test
