// The other node of actors-transfer-bench: an object server over its own store, and the raw
// TCP sender, in a process of their own.
#include "transfer_bench.hpp"

#include "transfer/object_server.hpp"
#include "transport/io_pool.hpp"
#include "transport/listener.hpp"

#include <actors/object_store/arena.hpp>
#include <actors/object_store/store.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <thread>

namespace transfer_bench {

namespace net = actors::net;
namespace os = actors::object_store;

int serve(std::uint64_t size) {
  std::string hex;
  for (char c; ::read(STDIN_FILENO, &c, 1) == 1 && c != '\n';) hex += c;
  const auto token = net::cluster_token::from_hex(hex);
  if (!token) die("serve: no token on stdin");

  // The object is written here, so its pages are this process's own and touched, as a node's
  // objects are once made.
  auto memory = os::arena::open({.capacity = size + (64ull << 20), .prefault_ahead = 0});
  if (!memory) die("serve: arena: " + std::string(os::to_string(memory.error())));
  os::store store(*memory);
  auto data = store.create(object, size);
  if (!data) die("serve: create: " + std::string(os::to_string(data.error())));
  fill({*data, size});
  store.seal(object);

  auto raw = std::make_unique_for_overwrite<std::byte[]>(size);
  fill({raw.get(), size});
  std::uint16_t raw_port = 0;
  const int raw_listening = raw_listen(raw_port);
  std::thread raw_sender([&] { raw_serve(raw_listening, {raw.get(), size}); });

  int status = 0;
  {
    net::io_pool io(1);
    auto server = actors::transfer::object_server::make(store);
    auto l = net::listener::open(io.context(), *net::parse_address("tcp://127.0.0.1:0"), *token, server->handlers());
    if (!l) die("serve: listen: " + to_string(l.error()));
    std::printf("ready %s %u\n", (*l)->local_address().to_string().c_str(), static_cast<unsigned>(raw_port));
    std::fflush(stdout);
    for (char c; ::read(STDIN_FILENO, &c, 1) > 0;) {
    }
    if (server->statistics().opens == 0) status = 3;  // the driver never got here: say so
    (*l)->close();
    io.stop();
  }
  ::shutdown(raw_listening, SHUT_RDWR);  // unblocks an accept that never came
  raw_sender.join();
  ::close(raw_listening);
  return status;
}

}  // namespace transfer_bench
