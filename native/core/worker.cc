// The worker loop. See engine.h for why it is shaped so.
#include <algorithm>
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
constexpr uint64_t kTickIntervalNs = 1000000000ull;  // stage ticks once a second
constexpr int kMaxEvents = 256;
}  // namespace

void Engine::update_clock() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  ctx_.now_ns = uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
  ctx_.now = uint32_t((ctx_.now_ns - start_ns_) / 1000000000ull);
}

int Engine::sleep_timeout_ms() const {
  bool ticks = false;
  for (NodeId s = 0; s < graph_.size() && !ticks; s++) ticks = graph_.stage(s).needs_tick();
  if (!ticks) return -1;  // nothing will age: sleep until traffic or a command
  if (next_tick_ns_ <= ctx_.now_ns) return 0;
  return int((next_tick_ns_ - ctx_.now_ns) / 1000000ull) + 1;
}

void Engine::tick() {
  ctx_.dry_run = false;
  for (NodeId s = 0; s < graph_.size(); s++) {
    ctx_.current = s;
    graph_.stage(s).tick(ctx_);
  }
  ctx_.current = kNodeUnset;
  finish_run(true);  // ARP retries
  worker_.ticks++;
  next_tick_ns_ = ctx_.now_ns + kTickIntervalNs;
}

void Engine::pin_worker(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  const int n = int(sysconf(_SC_NPROCESSORS_CONF));
  if (cpu >= n) throw ControlError(ErrorCode::bad_argument, "CPU " + std::to_string(cpu) + " does not exist (0.." + std::to_string(n - 1) + ")");
  for (int c = 0; c < n; c++)
    if (cpu < 0 || c == cpu) CPU_SET(c, &set);
  int err = pthread_setaffinity_np(pthread_self(), sizeof set, &set);
  if (err != 0) throw ControlError(ErrorCode::bad_argument, "cannot pin the worker to CPU " + std::to_string(cpu) + ": " + strerror(err));
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
  const uint64_t max_spin_ns = uint64_t(config_.max_spin_us) * 1000ull;
  const bool busy_poll = config_.poll == PollMode::busy;
  uint64_t last_work_ns = 0;
  // How long to keep polling after work: twice the learnt gap when that fits, else the floor.
  auto spin_window = [&] {
    const uint64_t learnt = 2 * worker_.gap_ns;
    return learnt <= max_spin_ns && learnt > spin_ns ? learnt : spin_ns;
  };
  next_tick_ns_ = ctx_.now_ns + kTickIntervalNs;

  while (!stopping_.load(std::memory_order_relaxed)) {
    const bool spinning = busy_poll || ctx_.now_ns - last_work_ns < spin_window();
    const int timeout = spinning || !pending_.empty() ? 0 : sleep_timeout_ms();
    int n = epoll_wait(epoll_fd_, events, kMaxEvents, timeout);
    if (spinning) {
      worker_.polls++;
    } else {
      worker_.wakeups++;
    }
    update_clock();
    const uint64_t busy_from = ctx_.now_ns;

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
    // Ports holding frames they read but could not hand over last time are read again, ready or not.
    for (uint32_t id : pending_)
      if (nready < uint32_t(kMaxEvents)) ready[nready++] = id;
    pending_.clear();

    // Gather one burst from each ready port into shared batches, so every
    // stage runs over many packets at once.
    for (uint32_t i = 0; i < nready; i++) {
      Port* port = this->port(ready[i]);
      if (!port) continue;  // removed by a command just now
      if (batch.n + config_.burst > kBatchMax) run_graph(batch);
      const uint32_t got = port->rx_burst(pool_, batch.pkts + batch.n, config_.burst);
      if (!port->taps.empty()) capture_rx(port, batch.pkts + batch.n, got);
      batch.n += got;
      if (port->rx_pending() && std::find(pending_.begin(), pending_.end(), port->id) == pending_.end()) pending_.push_back(port->id);
    }
    if (batch.n > 0) {
      // The idle gap this work ended, into the average (1/8 weight); a gap of
      // seconds counts as 4 ms, so one quiet spell does not take long to forget.
      if (last_work_ns) {
        const uint64_t gap = std::min<uint64_t>(busy_from - last_work_ns, 4 * max_spin_ns);
        worker_.gap_ns = worker_.gap_ns + (int64_t(gap) - int64_t(worker_.gap_ns)) / 8;
      }
      run_graph(batch);
      last_work_ns = ctx_.now_ns;
    }
    if (ctx_.now_ns >= next_tick_ns_) tick();
    if (n > 0) {
      update_clock();
      worker_.busy_ns += ctx_.now_ns - busy_from;
    }
  }
}

}  // namespace ferry
