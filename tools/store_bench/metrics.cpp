// The measurements of actors-store-bench. Each builds its own arena and store, so that one's
// pages or files do not flatter another's numbers.
#include "store_bench.hpp"

#include <actors/object_store/attached_arena.hpp>
#include <actors/object_store/chunks.hpp>
#include <actors/object_store/segments.hpp>
#include <actors/object_store/store.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <thread>

namespace store_bench {
namespace os = actors::object_store;
using clock = std::chrono::steady_clock;

namespace {

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "actors-store-bench: %s\n", what.c_str());
  std::exit(1);
}

template <class T>
T must(actors::expected<T, os::errc> r, const char* what) {
  if (!r) fail(std::string(what) + ": " + std::string(os::to_string(r.error())));
  return std::move(*r);
}

// An arena whose pages are all faulted in before anything is timed: the figures are about
// spilling and reading, not about first-touch faults (README, "Why populate alone is not enough").
std::shared_ptr<os::arena> prefaulted_arena(std::uint64_t capacity, const std::string& shm_name = "") {
  auto a = must(os::arena::open({.capacity = capacity, .prefault_ahead = capacity, .shm_name = shm_name}), "arena");
  auto first = a->allocate(1);
  a->deallocate(*first);
  const auto deadline = clock::now() + std::chrono::minutes(5);
  while (a->prefaulted() < a->capacity()) {
    if (clock::now() > deadline) fail("prefaulting did not finish within 5 minutes");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return a;
}

void put(os::store& s, os::object_id id, std::uint64_t size) {
  auto data = must(s.create(id, size), "create");
  std::memset(data, static_cast<int>(id.lo & 0xff), size);
  if (s.seal(id) != os::errc::ok) fail("seal");
}

// Writes back and drops from the page cache every file in `directory`, so the next read of
// them comes from the disk (without dropping the whole machine's caches).
void evict_page_cache(const std::string& directory) {
  DIR* dir = ::opendir(directory.c_str());
  if (!dir) fail("cannot list " + directory);
  while (const dirent* entry = ::readdir(dir)) {
    const int fd = ::openat(::dirfd(dir), entry->d_name, O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    ::fdatasync(fd);
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    ::close(fd);
  }
  ::closedir(dir);
}

// Times get() (a restore, for spilled objects) of ids [first, first + n); checks one byte each.
double time_restores(os::store& s, std::uint64_t first, std::uint64_t n) {
  const auto start = clock::now();
  for (std::uint64_t i = first; i < first + n; ++i) {
    auto bytes = must(s.get({1, i}), "get of a spilled object");
    if (bytes.back() != static_cast<std::byte>(i & 0xff)) fail("a restored object has wrong bytes");
    s.release({1, i});
  }
  return seconds_since(start);
}

}  // namespace

void spill_and_restore(const options& o) {
  if (!wants(o, "store_spill") && !wants(o, "store_restore")) return;
  const std::uint64_t capacity = o.quick ? 64 * mib : 512 * mib;
  const std::uint64_t object = o.quick ? 8 * mib : 32 * mib;
  const std::uint64_t n = capacity / object;
  const double batch_gib = static_cast<double>(n * object) / gib;
  std::vector<double> writes, rewrites, warm, cold;
  for (int run = 0; run < o.repeat; ++run) {
    auto memory = prefaulted_arena(capacity);
    auto spill = must(os::spill_folder::open({.path = o.spill_path}), "spill folder");
    const auto directory = spill->directory();
    os::store s(memory, std::move(spill));
    for (std::uint64_t i = 1; i <= n; ++i) put(s, {1, i}, object);  // batch A fills the arena
    // Batch B: every create spills one object of A. Only create() is timed.
    double spilling = 0;
    for (std::uint64_t i = n + 1; i <= 2 * n; ++i) {
      const auto start = clock::now();
      auto data = must(s.create({1, i}, object), "create that spills");
      spilling += seconds_since(start);
      std::memset(data, static_cast<int>(i & 0xff), object);
      s.seal({1, i});
    }
    if (s.statistics().spills != n) fail("expected one spill per create");
    writes.push_back(batch_gib / spilling);
    // Warm: the files are still in the page cache. B goes, so A comes back without spilling.
    for (std::uint64_t i = n + 1; i <= 2 * n; ++i) s.remove({1, i});
    warm.push_back(batch_gib / time_restores(s, 1, n));
    // Spill A again (batch C): the restores just freed the page-cache pages of A's old files,
    // and the new files reuse them, as a node that spills steadily does.
    spilling = 0;
    for (std::uint64_t i = 2 * n + 1; i <= 3 * n; ++i) {
      const auto start = clock::now();
      auto data = must(s.create({1, i}, object), "create that spills");
      spilling += seconds_since(start);
      std::memset(data, static_cast<int>(i & 0xff), object);
      s.seal({1, i});
    }
    rewrites.push_back(batch_gib / spilling);
    // Cold: push A's files out of the page cache, then bring A back from the disk.
    for (std::uint64_t i = 2 * n + 1; i <= 3 * n; ++i) s.remove({1, i});
    evict_page_cache(directory);
    cold.push_back(batch_gib / time_restores(s, 1, n));
  }
  const auto sizes = std::to_string(n) + " x " + std::to_string(object / mib) + " MiB";
  emit(o, "store_spill_write_gib_s", writes, "GiB/s",
       "create() that spills one object each, into fresh page-cache pages, " + sizes);
  emit(o, "store_spill_rewrite_gib_s", rewrites, "GiB/s",
       "the same, page-cache pages of restored objects' files reused, " + sizes);
  emit(o, "store_restore_gib_s", warm, "GiB/s", "get() of spilled objects, files in page cache, " + sizes);
  emit(o, "store_restore_cold_gib_s", cold, "GiB/s", "get() of spilled objects, files read from disk, " + sizes);
}

int child_read(const std::string& name, std::uint64_t offset, std::uint64_t size) {
  const auto start = clock::now();
  auto view = os::attached_arena::attach(name);
  if (!view) return 3;
  auto bytes = view->read(offset, size);
  if (!bytes) return 3;
  const double attach_s = seconds_since(start);
  auto t = clock::now();
  const auto first = sum_words(bytes->data(), size);
  const double first_s = seconds_since(t);
  t = clock::now();
  const auto second = sum_words(bytes->data(), size);
  const double second_s = seconds_since(t);
  if (first != second) return 4;
  std::printf("%.9f %.9f %.9f %llu\n", attach_s, first_s, second_s, static_cast<unsigned long long>(first));
  return 0;
}

namespace {

// Runs this program as `--child-read ...` (fork + exec) and returns its one line of output.
std::string run_child(const options& o, const std::vector<std::string>& args) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) fail("pipe");
  posix_spawn_file_actions_t actions;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  std::vector<std::string> all{o.self};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int spawned = ::posix_spawn(&pid, o.self.c_str(), &actions, nullptr, argv.data(), environ);
  ::posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (spawned != 0) fail("cannot start " + o.self);
  std::string out;
  const auto deadline = clock::now() + std::chrono::seconds(120);
  for (char buffer[256];;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
    pollfd p{fds[0], POLLIN, 0};
    if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) {
      ::kill(pid, SIGKILL);
      break;
    }
    const auto got = ::read(fds[0], buffer, sizeof buffer);
    if (got <= 0) break;
    out.append(buffer, static_cast<std::size_t>(got));
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) fail("the reading child failed");
  return out;
}

}  // namespace

void cross_process_read(const options& o) {
  if (!wants(o, "cross_process") && !wants(o, "in_process_read_gib_s")) return;
  const std::uint64_t size = o.quick ? 32 * mib : 256 * mib;
  const auto name = must(os::segment_name("storebench"), "segment name");
  auto memory = prefaulted_arena(size + mib, name);
  os::store s(memory);
  put(s, {1, 1}, size);
  const auto bytes = must(s.get({1, 1}), "get");
  const auto expected_sum = sum_words(bytes.data(), size);
  std::vector<double> attach_us, first, second, local;
  for (int run = 0; run < o.repeat; ++run) {
    auto t = clock::now();
    if (sum_words(bytes.data(), size) != expected_sum) fail("the object changed");
    local.push_back(static_cast<double>(size) / gib / seconds_since(t));
    const auto line = run_child(o, {"--child-read", name, std::to_string(memory->offset_of(bytes.data())),
                                    std::to_string(size)});
    double a = 0, f = 0, w = 0;
    unsigned long long sum = 0;
    if (std::sscanf(line.c_str(), "%lf %lf %lf %llu", &a, &f, &w, &sum) != 4) fail("unreadable child output");
    if (sum != expected_sum) fail("the child read other bytes than the store holds");
    attach_us.push_back(a * 1e6);
    first.push_back(static_cast<double>(size) / gib / f);
    second.push_back(static_cast<double>(size) / gib / w);
  }
  s.release({1, 1});
  const auto object = std::to_string(size / mib) + " MiB object";
  emit(o, "cross_process_attach_us", attach_us, "us", "shm_open + mmap of the whole arena by another process");
  emit(o, "cross_process_first_read_gib_s", first, "GiB/s", "first pass in the reader: its page tables fill, " + object);
  emit(o, "cross_process_read_gib_s", second, "GiB/s", "second pass in the reader, in place, " + object);
  emit(o, "in_process_read_gib_s", local, "GiB/s", "the same loop in the store process, " + object);
}

void chunk_assembly(const options& o) {
  if (!wants(o, "chunk_assemble_gib_s")) return;
  const std::uint64_t size = o.quick ? 32 * mib : 256 * mib;
  const unsigned threads = std::clamp(std::thread::hardware_concurrency(), 1u, 4u);
  std::vector<std::byte> source(size, std::byte{7});
  auto memory = prefaulted_arena(size);
  os::store s(memory);
  const auto plan = must(os::chunk_plan::make(size), "plan");
  std::vector<double> runs;
  for (int run = 0; run < o.repeat; ++run) {
    const os::object_id id{2, static_cast<std::uint64_t>(run + 1)};
    const auto start = clock::now();
    auto in = must(os::chunk_assembler::start(s, id, plan), "assembler");
    std::atomic<std::uint64_t> next{0};
    std::vector<std::thread> workers;
    for (unsigned t = 0; t < threads; ++t)
      workers.emplace_back([&] {
        for (std::uint64_t i; (i = next.fetch_add(1)) < plan.count();)
          if (!in->write(i, *plan.slice(source, i))) fail("chunk refused");
      });
    for (auto& w : workers) w.join();
    const double took = seconds_since(start);
    if (!in->complete()) fail("the object was not sealed");
    runs.push_back(static_cast<double>(size) / gib / took);
    s.remove(id);
  }
  emit(o, "chunk_assemble_gib_s", runs, "GiB/s",
       std::to_string(size / mib) + " MiB in 8 MiB chunks by " + std::to_string(threads) + " threads");
}

}  // namespace store_bench
