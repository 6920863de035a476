// object_store_test_child: the other process of the cross-process tests. The tests start it
// with fork + exec (so it shares nothing with them but the shared-memory names) and read its
// answers on stdout, one line each:
//
// NAME is a shared-memory name ("/name") or the path of an arena that is a file ("/dir/file").
//
//   read NAME OFFSET SIZE       attach NAME read-only, checksum the bytes in place; prints
//                               "checksum <hex> view_anon_kib <n> read_shmem_kib <n>
//                               in_place <0|1> write <errc>"
//   fill NAME OFFSET SIZE SEED  attach NAME read-write and write the pattern of SEED in place
//   attach NAME                 prints what attaching NAME gives: "ok" or the errc's name
//   own SESSION                 create an arena named segment_name(SESSION), print its name,
//                               then wait (at most 120 s) to be killed
//
// Exit status 0 on success, 2 on bad arguments, 3 when the store refuses.
#include <actors/object_store/arena.hpp>
#include <actors/object_store/attached_arena.hpp>
#include <actors/object_store/segments.hpp>

#include "pattern.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>

using namespace actors::object_store;

namespace {

std::uint64_t number(const char* text) { return std::strtoull(text, nullptr, 10); }

// One field of /proc/self/status, in KiB (RssAnon: private memory; RssShmem: shared pages mapped).
std::uint64_t status_kib(const std::string& field) {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind(field + ":", 0) == 0) return std::strtoull(line.c_str() + field.size() + 1, nullptr, 10);
  return 0;
}

actors::expected<attached_arena, errc> attach_named(const std::string& name, access_mode mode = access_mode::read_only) {
  return name.find('/', 1) != std::string::npos ? attached_arena::attach_file(name, mode) : attached_arena::attach(name, mode);
}

int read_in_place(const char* name, std::uint64_t offset, std::uint64_t size) {
  // A copy would be made by attach() or read(): private memory is measured across those. The
  // checksum then touches the bytes, which the sanitizers shadow with private memory of their
  // own, so across it only the shared pages are measured.
  const auto anon_before = status_kib("RssAnon");
  auto view = attach_named(name);
  if (!view) {
    std::printf("attach %s\n", std::string(to_string(view.error())).c_str());
    return 3;
  }
  auto bytes = view->read(offset, size);
  if (!bytes) return 3;
  const auto anon_after = status_kib("RssAnon");
  const bool in_place = bytes->data() == view->base() + offset;
  const auto shmem_before = status_kib("RssShmem");
  const auto sum = object_store_test::checksum(*bytes);
  const auto shmem_after = status_kib("RssShmem");
  const auto refused = view->write(offset, size);
  std::printf("checksum %016llx view_anon_kib %lld read_shmem_kib %lld in_place %d write %s\n",
              static_cast<unsigned long long>(sum),
              static_cast<long long>(anon_after) - static_cast<long long>(anon_before),
              static_cast<long long>(shmem_after) - static_cast<long long>(shmem_before), in_place ? 1 : 0,
              refused ? "ok" : std::string(to_string(refused.error())).c_str());
  return 0;
}

int fill_in_place(const char* name, std::uint64_t offset, std::uint64_t size, std::uint64_t seed) {
  auto view = attach_named(name, access_mode::read_write);
  if (!view) return 3;
  auto bytes = view->write(offset, size);
  if (!bytes) return 3;
  object_store_test::fill_pattern(*bytes, seed);
  std::printf("filled\n");
  return 0;
}

int own(const char* session) {
  auto name = segment_name(session);
  if (!name) return 2;
  auto a = arena::open({.capacity = 1 << 20, .prefault_ahead = 0, .shm_name = *name});
  if (!a) return 3;
  std::printf("%s\n", name->c_str());
  std::fflush(stdout);
  // The test kills us; the bound keeps a test that dies first from leaving us behind forever.
  std::this_thread::sleep_for(std::chrono::seconds(120));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "";
  int status = 2;
  if (command == "read" && argc == 5) {
    status = read_in_place(argv[2], number(argv[3]), number(argv[4]));
  } else if (command == "fill" && argc == 6) {
    status = fill_in_place(argv[2], number(argv[3]), number(argv[4]), number(argv[5]));
  } else if (command == "attach" && argc == 3) {
    auto view = attached_arena::attach(argv[2]);
    std::printf("%s\n", view ? "ok" : std::string(to_string(view.error())).c_str());
    status = 0;
  } else if (command == "own" && argc == 3) {
    status = own(argv[2]);
  }
  std::fflush(stdout);
  return status;
}
