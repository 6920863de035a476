// actors-transport-bench: the transport's round-trip latency and bulk throughput over Unix
// sockets and TCP loopback, beside raw Asio (no framing, no handshake) doing the same in the
// same run. One JSON line per metric (docs/transport.md has the numbers and how to read them).
//
//   actors-transport-bench            # ~10-20 s on the project's 2-core machines
#include "../bench/json_line.hpp"

#include "transport/address.hpp"
#include "transport/connect.hpp"
#include "transport/connection.hpp"
#include "transport/io_pool.hpp"
#include "transport/listener.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <future>
#include <thread>
#include <vector>

namespace net = actors::net;
namespace asio = boost::asio;
using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

constexpr int rtt_rounds = 5000;
constexpr std::size_t frame_bytes = 64u << 20;
constexpr int frames_per_gib = 16;

void emit(const std::string& metric, double value, const char* unit, const std::string& transport,
          const std::string& impl, double p50 = -1, double p99 = -1) {
  actors_bench::json_line line(metric, value, unit);
  line.add("transport", transport).add("impl", impl);
  if (p50 >= 0) line.add("p50", p50).add("p99", p99);
  std::printf("%s\n", line.str("transport").c_str());
  std::fflush(stdout);
}

double seconds_since(clock_type::time_point t) { return std::chrono::duration<double>(clock_type::now() - t).count(); }

struct stats {
  double mean, p50, p99;
};
stats summarize(std::vector<double> us) {
  std::sort(us.begin(), us.end());
  double sum = 0;
  for (double v : us) sum += v;
  return {sum / us.size(), us[us.size() / 2], us[us.size() * 99 / 100]};
}

net::address fresh_address(bool unix_socket) {
  if (unix_socket)
    return *net::parse_address("unix:/tmp/actors-transport-bench-" + std::to_string(::getpid()) + ".sock");
  return *net::parse_address("tcp://127.0.0.1:0");
}

// ---- the transport ----

void transport_runs(bool unix_socket, const std::vector<std::byte>& block) {
  const std::string name = unix_socket ? "uds" : "tcp";
  const auto token = net::cluster_token::generate();
  net::io_pool server_io(1), client_io(1);
  std::atomic<std::uint64_t> bulk_bytes{0};
  net::handlers sh;
  sh.on_frame = [&](const net::connection_ptr& c, net::frame&& f) {
    if (f.kind == net::first_user_kind) {  // echo
      net::message m{.kind = f.kind};
      auto body = std::make_shared<net::body_buffer>(std::move(f.body));
      m.append(net::payload::view(body->bytes(), body));
      c->reply(f, std::move(m));
    } else {  // bulk: count, and answer the last frame of a batch
      bulk_bytes += f.body.size();
      if (f.correlation_id) c->reply(f, net::make_message(f.kind, "done"));
    }
  };
  // Bulk bodies land in one pre-faulted buffer, as they will in the object store's arena;
  // `fresh` switches to the default of a new heap buffer per frame.
  auto sink = std::make_shared<std::vector<std::byte>>(frame_bytes, std::byte{0});
  std::atomic<bool> fresh{false};
  net::options so;
  so.allocate_body = [&](const net::frame_header& h) {
    if (h.kind == net::first_user_kind + 1 && h.length == frame_bytes && !fresh)
      return net::body_buffer(std::span(*sink), sink);
    return net::body_buffer(h.length);
  };
  auto l = net::listener::open(server_io.context(), fresh_address(unix_socket), token, sh, so);
  if (!l) {
    std::fprintf(stderr, "listen: %s\n", to_string(l.error()).c_str());
    std::exit(1);
  }
  auto c = net::connect(client_io.context(), (*l)->local_address(), token).get();
  if (!c) {
    std::fprintf(stderr, "connect: %s\n", to_string(c.error()).c_str());
    std::exit(1);
  }
  auto conn = *c;

  const std::string small(64, 'x');
  for (int i = 0; i < 200; ++i) conn->request(net::make_message(net::first_user_kind, small), 5s).get();
  std::vector<double> us;
  us.reserve(rtt_rounds);
  for (int i = 0; i < rtt_rounds; ++i) {
    const auto t = clock_type::now();
    auto r = conn->request(net::make_message(net::first_user_kind, small), 5s).get();
    us.push_back(seconds_since(t) * 1e6);
    if (!r) std::exit(1);
  }
  const auto s = summarize(us);
  emit("transport_rtt_" + name, s.mean, "us", name, "actors_transport", s.p50, s.p99);

  // 1 GiB as 16 frames of 64 MiB, each borrowing the same buffer: no copy on the sending side.
  auto send_gib = [&] {
    const auto t = clock_type::now();
    for (int i = 0; i < frames_per_gib - 1; ++i)
      conn->send(net::message{.kind = net::first_user_kind + 1}.append(net::payload::borrow(block)));
    auto last = conn->request(net::message{.kind = net::first_user_kind + 1}.append(net::payload::borrow(block)), 60s).get();
    if (!last) std::exit(1);
    return seconds_since(t);
  };
  send_gib();  // warm-up: both sides' buffers and page tables
  std::vector<double> secs;
  for (int i = 0; i < 3; ++i) secs.push_back(send_gib());
  std::sort(secs.begin(), secs.end());
  const double gbps = double(frames_per_gib) * frame_bytes / secs[1] / 1e9;
  emit("transport_throughput_" + name, gbps, "GB/s", name, "actors_transport");
  if (unix_socket) {  // once: at ~0.2 GB/s it is the slowest run here
    fresh = true;
    const double t = send_gib();
    emit("transport_throughput_" + name + "_fresh_buffers", double(frames_per_gib) * frame_bytes / t / 1e9, "GB/s",
         name, "actors_transport");
  }
  conn->close();
  server_io.stop();
  client_io.stop();
}

// ---- raw Asio: the same transfers with no framing, no handshake, no queue ----

template <class Protocol>
void raw_runs(bool unix_socket, const std::vector<std::byte>& block, typename Protocol::endpoint ep) {
  const std::string name = unix_socket ? "uds" : "tcp";
  asio::io_context ctx;
  typename Protocol::acceptor acceptor(ctx, ep);
  const auto bound = acceptor.local_endpoint();
  std::thread server([&] {
    auto s = acceptor.accept();
    if constexpr (std::is_same_v<Protocol, asio::ip::tcp>) s.set_option(asio::ip::tcp::no_delay(true));
    std::vector<char> small(64);
    for (int i = 0; i < 200 + rtt_rounds; ++i) {
      asio::read(s, asio::buffer(small));
      asio::write(s, asio::buffer(small));
    }
    std::vector<std::byte> sink(frame_bytes);
    for (int round = 0; round < 4; ++round) {
      for (int i = 0; i < frames_per_gib; ++i) asio::read(s, asio::buffer(sink));
      asio::write(s, asio::buffer(small.data(), 1));
    }
  });
  typename Protocol::socket s(ctx);
  s.connect(bound);
  if constexpr (std::is_same_v<Protocol, asio::ip::tcp>) s.set_option(asio::ip::tcp::no_delay(true));
  std::vector<char> small(64, 'x');
  std::vector<double> us;
  for (int i = 0; i < 200 + rtt_rounds; ++i) {
    const auto t = clock_type::now();
    asio::write(s, asio::buffer(small));
    asio::read(s, asio::buffer(small));
    if (i >= 200) us.push_back(seconds_since(t) * 1e6);
  }
  const auto st = summarize(us);
  emit("raw_asio_rtt_" + name, st.mean, "us", name, "raw_asio", st.p50, st.p99);
  std::vector<double> secs;
  for (int round = 0; round < 4; ++round) {
    const auto t = clock_type::now();
    for (int i = 0; i < frames_per_gib; ++i) asio::write(s, asio::buffer(block));
    char ack;
    asio::read(s, asio::buffer(&ack, 1));
    if (round > 0) secs.push_back(seconds_since(t));
  }
  std::sort(secs.begin(), secs.end());
  emit("raw_asio_throughput_" + name, double(frames_per_gib) * frame_bytes / secs[1] / 1e9, "GB/s", name, "raw_asio");
  server.join();
}

}  // namespace

int main() {
  std::vector<std::byte> block(frame_bytes, std::byte{0x5a});  // touched once, reused by every send
  for (bool unix_socket : {true, false}) transport_runs(unix_socket, block);

  const std::string path = "/tmp/actors-transport-bench-raw-" + std::to_string(::getpid()) + ".sock";
  ::unlink(path.c_str());
  raw_runs<asio::local::stream_protocol>(true, block, asio::local::stream_protocol::endpoint(path));
  ::unlink(path.c_str());
  raw_runs<asio::ip::tcp>(false, block, asio::ip::tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  return 0;
}
