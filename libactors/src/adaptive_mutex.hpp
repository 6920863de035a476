#pragma once
// A mutex that spins briefly before it sleeps (glibc's adaptive mutex). The scheduler's critical
// sections last well under a microsecond while putting a thread to sleep and waking it costs
// tens: under contention, spinning first is much cheaper.

#include <pthread.h>

namespace actors::detail {

/// Satisfies Lockable; use with std::unique_lock and std::condition_variable_any.
class adaptive_mutex {
 public:
  adaptive_mutex() noexcept {
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP);
    pthread_mutex_init(&m_, &attr);
    pthread_mutexattr_destroy(&attr);
  }
  ~adaptive_mutex() { pthread_mutex_destroy(&m_); }
  adaptive_mutex(const adaptive_mutex&) = delete;
  adaptive_mutex& operator=(const adaptive_mutex&) = delete;

  void lock() noexcept { pthread_mutex_lock(&m_); }
  bool try_lock() noexcept { return pthread_mutex_trylock(&m_) == 0; }
  void unlock() noexcept { pthread_mutex_unlock(&m_); }

 private:
  pthread_mutex_t m_;
};

}  // namespace actors::detail
