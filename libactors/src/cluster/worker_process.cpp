#include "cluster/worker_process.hpp"

#include "cluster/gpu_slots.hpp"

#include <fcntl.h>
#include <spawn.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string_view>
#include <vector>

extern char** environ;

namespace actors::cluster {

std::string random_id() {
  std::random_device rd;
  static constexpr char hex[] = "0123456789abcdef";
  std::string id;
  for (int i = 0; i < 32; ++i) id += hex[rd() % 16];
  return id;
}

actors::expected<pid_t, std::string> spawn_worker(const worker_launch& launch) {
  const auto threads = std::to_string(std::max(1L, std::lround(launch.cpus)));
  std::vector<std::string> env;
  // The node manager's environment, less what would make the worker something else: a worker
  // never joins a cluster as a driver, and never inherits another worker's identity.
  for (char** e = environ; *e; ++e) {
    std::string_view v(*e);
    if (v.starts_with("ACTORS_WORKER_") || v.starts_with("ACTORS_ADDRESS=") || v.starts_with("ACTORS_TOKEN") ||
        v.starts_with("OMP_NUM_THREADS=") || v.starts_with("MKL_NUM_THREADS=") ||
        v.starts_with("OPENBLAS_NUM_THREADS=") || v.starts_with("CUDA_VISIBLE_DEVICES="))
      continue;
    env.emplace_back(v);
  }
  env.push_back("ACTORS_WORKER_ID=" + launch.worker_id);
  env.push_back("ACTORS_WORKER_NODE=" + launch.node_socket);
  if (!launch.head_address.empty()) env.push_back("ACTORS_WORKER_HEAD=" + launch.head_address);
  env.push_back("ACTORS_WORKER_NAMESPACE=" + launch.ns);
  env.push_back("ACTORS_WORKER_SOCKET=" + launch.listen_socket);
  if (!launch.tcp_host.empty()) env.push_back("ACTORS_WORKER_TCP_HOST=" + launch.tcp_host);
  if (launch.detached) env.push_back("ACTORS_WORKER_DETACHED=1");
  // Only the lease's GPUs: a task that asked for none must not grab a device another task holds.
  env.push_back("CUDA_VISIBLE_DEVICES=" + gpu_slots::visible_devices(launch.gpu_ids));
  env.push_back("ACTORS_TOKEN_FILE=" + launch.token_file.string());
  env.push_back("ACTORS_WORKER_CPUS=" + std::to_string(launch.cpus));
  for (const char* name : {"OMP_NUM_THREADS=", "MKL_NUM_THREADS=", "OPENBLAS_NUM_THREADS="})
    env.push_back(name + threads);
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string exe = launch.executable;
  char* argv[] = {exe.data(), nullptr};

  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&files, 1, launch.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&files, 1, 2);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  // Its own process group: a Ctrl-C meant for a foreground node manager does not hit workers
  // half-way through a call; the node manager ends them itself.
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);
  pid_t pid = 0;
  int rc = ::posix_spawn(&pid, exe.c_str(), &files, &attributes, argv, envp.data());
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&files);
  if (rc != 0) return actors::unexpected<std::string>("cannot run " + exe + ": " + std::strerror(rc));
  return pid;
}

}  // namespace actors::cluster
