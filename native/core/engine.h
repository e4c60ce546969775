// The engine: one worker thread that owns the ports and runs the graph over
// batches, and a command queue through which the Node thread changes state.
//
// Why commands and not locks: a stage never waits for the control plane. The
// control plane posts a closure; the worker runs it between two batches, so a
// configuration change costs forwarding at most one closure's time, and
// packets are never processed against half-updated tables. Heavy preparation
// (opening a TAP, which takes the kernel's RTNL lock) is done on the calling
// thread before posting, so the worker only links the result in.
//
// Why one worker for now: with 2 cores, one worker plus the kernel's own work
// for the TAPs saturates the machine. Ports are the unit of work, so later
// workers each take a share of the ports; per-domain tables then need either a
// shared table with atomic updates or per-worker tables with learning
// broadcast, and that choice belongs with the measurement that motivates it.
//
// Adaptive polling: after a batch, the worker keeps polling (epoll_wait with a
// zero timeout) for a while; when nothing arrives for that long it sleeps in
// epoll_wait, waking only for traffic, a command, or a stage's once-a-second
// tick while some stage needs one (aging, conntrack, ARP retries). An idle
// engine with empty tables uses no CPU. How long it polls is learnt: the
// worker keeps an average of the idle gaps between its bursts of work, and
// when twice that fits in max_spin_us it polls that long (traffic that
// comes every few hundred microseconds finds it awake, not paying a
// wake-up each time); otherwise it polls spin_us. PollMode::busy never
// sleeps, for a user who gives the worker a core: the lowest latency, one
// CPU always busy.
//
// The engine knows ports, packets and the graph runner, never a particular
// stage: the dataplane (native/dataplane/) builds the graph and owns the
// stages and their tables.
#pragma once
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/control_error.h"
#include "core/graph.h"
#include "core/port.h"
#include "core/trace.h"

namespace ferry {

struct WorkerCounters {
  uint64_t wakeups = 0;     // returns from a blocking epoll_wait
  uint64_t polls = 0;       // zero-timeout polls while spinning
  uint64_t batches = 0;     // graph runs
  uint64_t packets = 0;     // packets through the graph
  uint64_t commands = 0;    // control commands run
  uint64_t ticks = 0;       // once-a-second stage ticks
  uint64_t pool_empty = 0;  // a generated packet skipped: no free buffer
  uint64_t busy_ns = 0;     // time spent on packets and commands, not waiting
  uint64_t gap_ns = 0;      // the learnt idle gap between bursts of work (an average)
};

enum class PollMode : uint8_t { adaptive, busy };

struct EngineConfig {
  uint32_t burst = 64;     // max frames read from one port per poll
  uint32_t spin_us = 100;  // keep polling at least this long after the last packet
  uint32_t max_spin_us = 1000;  // the longest a learnt gap makes it poll
  PollMode poll = PollMode::adaptive;
  int cpu = -1;            // pin the worker to this CPU (-1: let the scheduler decide)
  uint32_t held_packets = 0;  // buffers stages may keep past a run (packets waiting for ARP)
};

class Engine {
 public:
  // The graph (and its stages) must outlive the engine.
  Engine(const EngineConfig& config, Graph& graph);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Runs fn on the worker between two batches and waits for it. A ControlError
  // thrown by fn is rethrown here. After shutdown(), throws engine_stopped.
  void run(const std::function<void(Engine&)>& fn);
  void shutdown();  // idempotent; closes every port

  // Worker side: called only from inside run().
  Port* port(uint32_t id) const { return id < ports_.size() ? ports_[id].get() : nullptr; }
  Port& port_or_throw(uint32_t id);
  const std::vector<std::unique_ptr<Port>>& ports() const { return ports_; }
  uint32_t attach_port(std::unique_ptr<Port> port, PortRole role);
  // Removes the port (every stage forgets it first); with destroy, a persistent device is deleted too.
  void detach_port(uint32_t id, bool destroy = true);
  // A context for a control command that sends packets (a gratuitous ARP); call flush() after.
  StageContext& control_context();
  void flush();
  // Runs one frame through the graph as if it had arrived on the port, traced.
  // A dry run transmits nothing and changes no table (ferry trace --inject).
  void inject(uint32_t port, const uint8_t* frame, uint32_t len, const VnetHdr& vnet, bool dry_run);

  // Captures: a tap watches the given ports until it is detached.
  void attach_tap(CaptureTap* tap, const std::vector<uint32_t>& ports);
  void detach_tap(CaptureTap* tap);

  Graph& graph() { return graph_; }
  Tracer& tracer() { return tracer_; }
  uint32_t now_seconds() const { return ctx_.now; }
  void pin_worker(int cpu);  // -1: any CPU
  const EngineConfig& config() const { return config_; }
  const WorkerCounters& worker_counters() const { return worker_; }
  uint64_t uptime_ns() const { return ctx_.now_ns - start_ns_; }
  uint64_t now_ns() const { return ctx_.now_ns; }  // the clock stages see (monotonic)

 private:
  // Marks the eventfd in epoll data; ports use their id, which attach_port keeps below it.
  static constexpr uint32_t kWakeToken = 0xfffffff0u;

  struct Command {
    std::function<void(Engine&)> fn;
    std::exception_ptr error;
    bool done = false;
  };

  void loop();
  void run_graph(Batch& batch);
  void capture_rx(Port* port, Packet** pkts, uint32_t n);
  uint64_t realtime_ns() const { return uint64_t(int64_t(ctx_.now_ns) + realtime_offset_ns_); }
  void finish_run(bool count);  // transmit what was queued, count drops, free what is done
  void run_commands();
  void tick();
  void update_clock();
  int sleep_timeout_ms() const;

  EngineConfig config_;
  Graph& graph_;
  PacketPool pool_;
  Tracer tracer_;
  WorkerCounters worker_;
  std::vector<std::unique_ptr<Port>> ports_;  // index = port id; null = free slot
  std::vector<Port*> tx_dirty_;               // ports with frames queued this run
  std::vector<uint32_t> pending_;             // ports with frames read but not yet handed over (Port::rx_pending)
  Batch sent_, dropped_;           // this run's packets that were sent or dropped
  std::vector<Packet*> finished_;  // generated or released this run, freed after transmit
  StageContext ctx_;

  int epoll_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: a command is waiting
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  bool stopped_ = false;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Command*> commands_;
  std::atomic<bool> commands_pending_{false};

  uint64_t start_ns_ = 0;
  uint64_t next_tick_ns_ = 0;
  int64_t realtime_offset_ns_ = 0;  // CLOCK_REALTIME - CLOCK_MONOTONIC, for capture timestamps
  uint32_t taps_ = 0;               // taps attached anywhere: 0 makes every capture hook one test
};

}  // namespace ferry
