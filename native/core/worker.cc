// The worker loop and the pipeline run. See engine.h for why it is shaped so.
#include <pthread.h>
#include <sched.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cstring>
#include <ctime>
#include <string>

#include "core/engine.h"

namespace ferry {

namespace {
constexpr uint64_t kAgeIntervalNs = 1000000000ull;  // sweep once a second
constexpr int kMaxEvents = 256;
}  // namespace

void Engine::update_clock() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  now_ns_ = uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
  now_s_ = uint32_t((now_ns_ - start_ns_) / 1000000000ull);
}

int Engine::sleep_timeout_ms() const {
  bool ages = router_.needs_tick();
  for (const auto& d : fabric_.domains) ages = ages || (d && d->macs.dynamic_count() > 0);
  if (!ages) return -1;  // nothing will age: sleep until traffic or a command
  if (next_age_ns_ <= now_ns_) return 0;
  return int((next_age_ns_ - now_ns_) / 1000000ull) + 1;
}

void Engine::age_tables() {
  for (auto& d : fabric_.domains)
    if (d) d->counters.aged += d->macs.age(now_s_, d->aging_seconds);
  router_.tick(fabric_, now_s_);
  flush_tx();  // ARP retries
  worker_.age_sweeps++;
  next_age_ns_ = now_ns_ + kAgeIntervalNs;
}

void Engine::run_pipeline(Batch& batch) {
  worker_.batches++;
  worker_.packets += batch.n;
  parse_.process(batch);
  bridge_.process(batch, fabric_, now_s_);
  router_.process(batch, fabric_, now_s_);
  flush_tx();

  for (uint32_t i = 0; i < batch.n; i++) {
    Packet* p = batch.pkts[i];
    if (p->dropped) {
      if (Port* in = fabric_.port(p->in_port)) in->count_drop(p->drop_reason);
    }
    if (!p->held) pool_.put(p);
  }
  batch.n = 0;
}

void Engine::flush_tx() {
  for (Port* out : fabric_.tx_dirty) {
    out->tx_burst(out->txq, out->txq_len);
    out->txq_len = 0;
    out->tx_pending = false;
  }
  fabric_.tx_dirty.clear();
  for (Packet* p : router_.finished()) pool_.put(p);
  router_.finished().clear();
}

void Engine::pin_worker(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  const int n = int(sysconf(_SC_NPROCESSORS_CONF));
  if (cpu >= n) throw ControlError("bad_argument", "CPU " + std::to_string(cpu) + " does not exist (0.." + std::to_string(n - 1) + ")");
  for (int c = 0; c < n; c++)
    if (cpu < 0 || c == cpu) CPU_SET(c, &set);
  int err = pthread_setaffinity_np(pthread_self(), sizeof set, &set);
  if (err != 0) throw ControlError("bad_argument", "cannot pin the worker to CPU " + std::to_string(cpu) + ": " + strerror(err));
  config_.cpu = cpu;
}

void Engine::loop() {
  if (config_.cpu >= 0) {
    try {
      pin_worker(config_.cpu);
    } catch (const ControlError&) {
      config_.cpu = -1;  // the constructor's caller validated it; stay unpinned rather than die
    }
  }
  pthread_setname_np(pthread_self(), "ferry-worker");
  epoll_event events[kMaxEvents];
  uint32_t ready[kMaxEvents];
  Batch batch;
  const uint64_t spin_ns = uint64_t(config_.spin_us) * 1000ull;
  uint64_t last_work_ns = 0;
  next_age_ns_ = now_ns_ + kAgeIntervalNs;

  while (!stopping_.load(std::memory_order_relaxed)) {
    const bool spinning = now_ns_ - last_work_ns < spin_ns;
    const int timeout = spinning ? 0 : sleep_timeout_ms();
    int n = epoll_wait(epoll_fd_, events, kMaxEvents, timeout);
    if (spinning) {
      worker_.polls++;
    } else {
      worker_.wakeups++;
    }
    update_clock();

    uint32_t nready = 0;
    for (int i = 0; i < n; i++) {
      if (events[i].data.u32 == kWakeToken) {
        uint64_t v;
        (void)!read(wake_fd_, &v, sizeof v);
      } else {
        ready[nready++] = events[i].data.u32;
      }
    }
    if (commands_pending_.load(std::memory_order_acquire)) run_commands();

    // Gather one burst from each ready port into shared batches, so every
    // stage runs over many packets at once.
    for (uint32_t i = 0; i < nready; i++) {
      Port* port = fabric_.port(ready[i]);
      if (!port) continue;  // removed by a command just now
      if (batch.n + config_.burst > kBatchMax) run_pipeline(batch);
      batch.n += port->rx_burst(pool_, batch.pkts + batch.n, config_.burst);
    }
    if (batch.n > 0) {
      run_pipeline(batch);
      last_work_ns = now_ns_;
    }
    if (now_ns_ >= next_age_ns_) age_tables();
  }
}

}  // namespace ferry
