#pragma once
/// Starting a worker process: the client's own executable, re-run with the environment that
/// makes actors::init() serve instead of returning (ARCHITECTURE.md §1). The variables are the
/// contract between a node manager and the workers it starts:
///
///     ACTORS_WORKER_ID       the id the node manager knows the worker by
///     ACTORS_WORKER_NODE     the node manager's address (unix:...), where the worker registers
///     ACTORS_WORKER_SOCKET   the Unix socket path the worker listens on for its clients
///     ACTORS_WORKER_TCP_HOST the node's IP: the worker listens there too, for other hosts
///     ACTORS_TOKEN_FILE      the cluster token (a 0600 file), for both connections
///     ACTORS_WORKER_CPUS     the CPU share of its lease; OMP/MKL/OpenBLAS threads are set to it
///     CUDA_VISIBLE_DEVICES   the GPUs of its lease, and none for a worker without
///     ACTORS_WORKER_DETACHED 1: it hosts one detached actor and exits once that actor ends
#include <actors/expected.hpp>

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace actors::cluster {

struct worker_launch {
  std::string executable;
  std::string worker_id;
  std::string node_socket;    // unix:<path>
  std::string listen_socket;  // <path>
  std::filesystem::path token_file;
  std::filesystem::path log_file;  // standard output and error go here
  double cpus = 1;
  std::string head_address;   // tcp://host:port: named actors and nodes() inside workers
  std::string ns;             // its client's namespace
  std::string tcp_host;       // the node's IP, where it also listens ("" : Unix socket only)
  std::vector<std::string> gpu_ids;  // the devices it may use
  bool detached = false;      // hosts one detached actor (worker_main.cpp, "Detached hosts")
};

/// 32 random hex digits: the ids of nodes, workers and drivers.
std::string random_id();

/// Starts the worker (posix_spawn, standard input from /dev/null); its pid, or why not.
actors::expected<pid_t, std::string> spawn_worker(const worker_launch& launch);

}  // namespace actors::cluster
