// The engine: one worker thread that owns the Fabric (ports, domains, tables)
// and runs the pipeline over batches, and a command queue through which the
// Node thread changes that state.
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
// zero timeout) for spin_us; when nothing arrives for that long it sleeps in
// epoll_wait, waking only for traffic, a command, or an aging sweep when the
// tables hold dynamic entries. An idle engine with empty tables uses no CPU.
#pragma once
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "core/fabric.h"
#include "dataplane/parse_stage.h"
#include "l2/bridge_stage.h"
#include "l3/router.h"

namespace ferry {

// A failed control operation. `code` is stable and mapped to a typed error in
// TypeScript (src/dataplane/errors.ts); `what()` is the sentence for people.
class ControlError : public std::runtime_error {
 public:
  ControlError(std::string code, const std::string& message) : std::runtime_error(message), code(std::move(code)) {}
  std::string code;
};

struct WorkerCounters {
  uint64_t wakeups = 0;     // returns from a blocking epoll_wait
  uint64_t polls = 0;       // zero-timeout polls while spinning
  uint64_t batches = 0;     // pipeline runs
  uint64_t packets = 0;     // packets through the pipeline
  uint64_t commands = 0;    // control commands run
  uint64_t age_sweeps = 0;  // aging passes over the tables
};

struct EngineConfig {
  uint32_t burst = 64;    // max frames read from one port per poll
  uint32_t spin_us = 100; // keep polling this long after the last packet
  int cpu = -1;           // pin the worker to this CPU (-1: let the scheduler decide)
  uint32_t conntrack_max = Conntrack::kDefaultMax;
};

class Engine {
 public:
  explicit Engine(const EngineConfig& config);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Runs fn on the worker between two batches and waits for it. A ControlError
  // thrown by fn is rethrown here. After shutdown(), throws "engine_stopped".
  void run(const std::function<void(Engine&)>& fn);
  void shutdown();  // idempotent; closes every port

  // Worker side: called only from inside run().
  Fabric& fabric() { return fabric_; }
  uint32_t create_domain(uint32_t max_entries, uint32_t aging_seconds);
  void remove_domain(uint32_t id);
  Domain& domain_or_throw(uint32_t id);
  Port& port_or_throw(uint32_t id);
  uint32_t attach_port(std::unique_ptr<Port> port, uint32_t domain);
  // The router's port to the world: in no bridge domain; the router owns it.
  uint32_t attach_uplink(std::unique_ptr<Port> port, UplinkConfig config);
  RouterStage& router() { return router_; }
  // Makes a domain a routed network (or a plain L2 domain again with !l3.routed).
  void configure_network(uint32_t domain, const NetworkL3& l3);
  // Removes the port; with destroy, a persistent device is deleted too.
  void detach_port(uint32_t id, bool destroy = true);
  uint32_t now_seconds() const { return now_s_; }
  void pin_worker(int cpu);  // -1: any CPU

  const EngineConfig& config() const { return config_; }
  const WorkerCounters& worker_counters() const { return worker_; }
  const ParseStage& parse_stage() const { return parse_; }

 private:
  // Marks the eventfd in epoll data; ports use their id, which attach_port keeps below it.
  static constexpr uint32_t kWakeToken = 0xfffffff0u;

  struct Command {
    std::function<void(Engine&)> fn;
    std::exception_ptr error;
    bool done = false;
  };

  void loop();
  uint32_t register_port(std::unique_ptr<Port>& port, uint32_t domain);
  void run_pipeline(Batch& batch);
  void flush_tx();  // sends what stages queued, frees what they generated
  void run_commands();
  void age_tables();
  void update_clock();
  int sleep_timeout_ms() const;

  EngineConfig config_;
  Fabric fabric_;
  PacketPool pool_;
  ParseStage parse_;
  BridgeStage bridge_;
  RouterStage router_;
  WorkerCounters worker_;

  int epoll_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: a command is waiting
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  bool stopped_ = false;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Command*> commands_;
  std::atomic<bool> commands_pending_{false};

  uint64_t now_ns_ = 0;
  uint32_t now_s_ = 0;
  uint64_t start_ns_ = 0;
  uint64_t next_age_ns_ = 0;
};

}  // namespace ferry
