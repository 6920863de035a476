// actors-transfer-bench: pulling one large object from another node's store into this one's
// (actors_transfer: object_server -> object_puller over TCP loopback, two processes), beside a
// raw TCP loopback transfer of the same size between the same two processes, in the same run.
// One JSON line per metric, mode "cluster" (docs/object_transfer.md has the numbers).
//
//   actors-transfer-bench                 # 1 GiB, 3 timed runs of each after a warm-up
//   actors-transfer-bench --quick         # 64 MiB: seconds
#include "transfer_bench.hpp"

#include "../bench/json_line.hpp"

#include "transfer/object_puller.hpp"
#include "transport/io_pool.hpp"

#include <actors/object_store/arena.hpp>
#include <actors/object_store/store.hpp>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <sstream>
#include <string_view>
#include <vector>

namespace transfer_bench {

namespace net = actors::net;
namespace os = actors::object_store;
using clock_type = std::chrono::steady_clock;

void fill(std::span<std::byte> bytes) {
  std::uint64_t i = 0;
  for (; (i + 1) * 8 <= bytes.size(); ++i) {
    const std::uint64_t w = pattern_word(i);
    std::memcpy(bytes.data() + i * 8, &w, 8);
  }
  std::memset(bytes.data() + i * 8, 0x5a, bytes.size() - i * 8);
}

bool looks_right(std::span<const std::byte> bytes) {
  const std::uint64_t words = bytes.size() / 8;
  for (std::uint64_t k = 0; k < 64 && words > 0; ++k) {
    const std::uint64_t i = k * (words - 1) / 63;
    std::uint64_t w;
    std::memcpy(&w, bytes.data() + i * 8, 8);
    if (w != pattern_word(i)) return false;
  }
  return true;
}

void die(const std::string& why) {
  std::fprintf(stderr, "actors-transfer-bench: %s\n", why.c_str());
  std::exit(1);
}

double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

namespace {

/// The server process, its stdin and stdout on pipes.
struct server_process {
  pid_t pid = -1;
  int in = -1;
  int out = -1;

  server_process(const options& o) {
    int to[2], from[2];
    if (::pipe2(to, O_CLOEXEC) != 0 || ::pipe2(from, O_CLOEXEC) != 0) die("pipe");
    posix_spawn_file_actions_t actions;
    ::posix_spawn_file_actions_init(&actions);
    ::posix_spawn_file_actions_adddup2(&actions, to[0], STDIN_FILENO);
    ::posix_spawn_file_actions_adddup2(&actions, from[1], STDOUT_FILENO);
    std::vector<std::string> args{o.self, "--serve", std::to_string(o.size)};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (::posix_spawn(&pid, o.self.c_str(), &actions, nullptr, argv.data(), environ) != 0)
      die("cannot start " + o.self);
    ::posix_spawn_file_actions_destroy(&actions);
    ::close(to[0]);
    ::close(from[1]);
    in = to[1];
    out = from[0];
  }

  /// Its "ready ..." line, within a minute (it fills two buffers of the transfer's size first).
  std::string ready_line() {
    std::string text;
    const auto deadline = clock_type::now() + std::chrono::seconds(120);
    while (text.find('\n') == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now()).count();
      pollfd p{out, POLLIN, 0};
      if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) die("the server process did not get ready");
      char c[256];
      const auto n = ::read(out, c, sizeof c);
      if (n <= 0) die("the server process ended before it was ready");
      text.append(c, static_cast<std::size_t>(n));
    }
    return text.substr(0, text.find('\n'));
  }

  /// Closes its stdin (its signal to stop) and reaps it; its exit status.
  int stop() {
    ::close(in);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ::close(out);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const auto n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void emit(const options& o, const std::string& metric, const std::vector<double>& runs, const char* unit,
          const char* what) {
  actors_bench::json_line line(metric, median(runs), unit);
  line.add("size_bytes", static_cast<double>(o.size))
      .add("chunk_size", static_cast<double>(o.chunk_size))
      .add("window", static_cast<int>(o.window))
      .add("transport", "tcp_loopback")
      .add("repeats", static_cast<int>(runs.size()))
      .add("runs", runs)
      .add("what", what);
  std::printf("%s\n", line.str("cluster").c_str());
  std::fflush(stdout);
}

int run(const options& o) {
  server_process server(o);
  const auto token = net::cluster_token::generate();
  const std::string hex = token.to_hex() + "\n";
  if (::write(server.in, hex.data(), hex.size()) != static_cast<ssize_t>(hex.size())) die("cannot give the token");
  std::istringstream ready(server.ready_line());
  std::string word, where;
  unsigned raw_port = 0;
  ready >> word >> where >> raw_port;
  const auto at = net::parse_address(where);
  if (word != "ready" || !at || raw_port == 0) die("the server process said something else than ready");

  // This node's store and the raw receive buffer. The arena is not prefaulted in the
  // background (that thread would compete for the 2 cores); the warm-up runs touch both, and
  // a node's arena is prefaulted in advance anyway (object_store/README.md).
  auto memory = os::arena::open({.capacity = o.size + (64ull << 20), .prefault_ahead = 0});
  if (!memory) die("arena: " + std::string(os::to_string(memory.error())));
  os::store store(*memory);
  auto sink = std::make_unique_for_overwrite<std::byte[]>(o.size);
  std::memset(sink.get(), 0, o.size);
  const int raw = raw_connect(static_cast<std::uint16_t>(raw_port));

  std::vector<double> object_s, raw_s;
  {
    net::io_pool io(1);
    actors::transfer::puller_options po;
    po.chunk_size = o.chunk_size;
    po.window = o.window;
    po.timeout = std::chrono::seconds(60);
    auto puller = actors::transfer::object_puller::make(io.context(), store, token, po);
    if (!puller) die("puller: " + to_string(puller.error()));
    auto pull_once = [&] {
      const auto start = clock_type::now();
      auto r = (*puller)->pull(object, *at).get();
      const double s = seconds_since(start);
      if (!r) die("pull: " + to_string(r.error()));
      auto bytes = store.get(object);
      if (!bytes || bytes->size() != o.size || !looks_right(*bytes)) die("the pulled object is not what was sent");
      store.release(object);
      store.remove(object);  // the next run lands in the same, now touched, block
      return s;
    };
    // Warm-up: connections, page tables, and the first touch of every receiving page.
    pull_once();
    raw_fetch(raw, {sink.get(), o.size});
    if (!looks_right({sink.get(), o.size})) die("the raw bytes are not what was sent");
    // Interleaved, so that both see the same load on the machine.
    for (int i = 0; i < o.repeat; ++i) {
      object_s.push_back(pull_once());
      raw_s.push_back(raw_fetch(raw, {sink.get(), o.size}));
    }
    (*puller).reset();
    io.stop();
  }
  ::close(raw);
  if (const int status = server.stop(); status != 0) die("the server process exited with " + std::to_string(status));

  std::vector<double> object_gbs, raw_gbs, ratios;
  for (int i = 0; i < o.repeat; ++i) {
    object_gbs.push_back(static_cast<double>(o.size) / object_s[i] / 1e9);
    raw_gbs.push_back(static_cast<double>(o.size) / raw_s[i] / 1e9);
    ratios.push_back(object_gbs.back() / raw_gbs.back());
  }
  emit(o, "object_transfer_gigabytes", object_gbs, "GB/s",
       "object_puller <- object_server, store to store, two processes");
  emit(o, "raw_tcp_gigabytes", raw_gbs, "GB/s", "plain send/recv loop, memory to memory, the same two processes");
  emit(o, "object_transfer_vs_raw_tcp", ratios, "ratio", "per run: object transfer / raw tcp; value: the median");
  return 0;
}

void usage(std::FILE* to) {
  std::fprintf(to,
               "usage: actors-transfer-bench [--quick] [--size BYTES] [--repeat N] [--chunk-size BYTES] [--window N]\n"
               "Pulls one object from a server process's store into this process's store over TCP\n"
               "loopback, and moves as many bytes over a plain TCP socket between the same processes.\n"
               "Prints one JSON object per metric and line:\n"
               "  {\"metric\": ..., \"value\": ..., \"unit\": ..., \"mode\": \"cluster\", \"repeats\": N, \"runs\": [...]}\n"
               "  --size BYTES        bytes per transfer (default 1073741824; K, M, G suffixes allowed)\n"
               "  --quick             64 MiB per transfer: seconds, not a minute\n"
               "  --repeat N          timed runs of each, after one warm-up; the median is the value (default 3)\n"
               "  --chunk-size BYTES  the puller's chunk size (default 8M)\n"
               "  --window N          chunks in flight per object (default 4)\n"
               "Metrics: object_transfer_gigabytes raw_tcp_gigabytes object_transfer_vs_raw_tcp\n");
}

/// "1073741824", "64M", "1G": bytes; 0 when it does not parse.
std::uint64_t parse_bytes(std::string_view text) {
  if (text.empty()) return 0;
  std::uint64_t shift = 0;
  switch (text.back()) {
    case 'K': case 'k': shift = 10; break;
    case 'M': case 'm': shift = 20; break;
    case 'G': case 'g': shift = 30; break;
    default: break;
  }
  if (shift) text.remove_suffix(1);
  std::uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9' || v > (~0ull >> 34)) return 0;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v << shift;
}

}  // namespace
}  // namespace transfer_bench

int main(int argc, char** argv) {
  using namespace transfer_bench;
  if (argc == 3 && std::string_view(argv[1]) == "--serve") return serve(parse_bytes(argv[2]));

  options o;
  o.self = "/proc/self/exe";  // the same binary, however it was started
  bool sized = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--quick") {
      if (!sized) o.size = 64ull << 20;
    } else if (a == "--size" && has_value) {
      o.size = parse_bytes(argv[++i]);
      sized = true;
      if (o.size == 0) die("--size needs a number of bytes above zero");
    } else if (a == "--repeat" && has_value) {
      o.repeat = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--chunk-size" && has_value) {
      o.chunk_size = parse_bytes(argv[++i]);
      if (o.chunk_size == 0) die("--chunk-size needs a number of bytes above zero");
    } else if (a == "--window" && has_value) {
      o.window = static_cast<std::uint32_t>(std::max(1, std::atoi(argv[++i])));
    } else if (a == "--help" || a == "-h") {
      usage(stdout);
      return 0;
    } else {
      std::fprintf(stderr, "actors-transfer-bench: unknown or incomplete argument '%s'\n", argv[i]);
      usage(stderr);
      return 2;
    }
  }
  return run(o);
}
