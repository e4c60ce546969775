#include "core/engine.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

namespace ferry {

// The pool holds two batches in flight, what stages generate in a run (at
// most about one packet per packet, plus ARP requests), and what they hold.
Engine::Engine(const EngineConfig& config, Graph& graph)
    : config_(config), graph_(graph), pool_(3 * kBatchMax + config.held_packets) {
  if (config_.burst == 0 || config_.burst > kBatchMax) config_.burst = kBatchMax;
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epoll_fd_ < 0 || wake_fd_ < 0)
    throw ControlError(ErrorCode::engine_start, std::string("cannot create the worker's epoll/eventfd: ") + strerror(errno));
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u32 = kWakeToken;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
  ctx_.ports_ = &ports_;
  ctx_.tx_dirty_ = &tx_dirty_;
  ctx_.finished_ = &finished_;
  ctx_.pool_ = &pool_;
  ctx_.tracer_ = &tracer_;
  ctx_.pool_empty_ = &worker_.pool_empty;
  update_clock();
  start_ns_ = ctx_.now_ns;
  ctx_.now = 0;
  timespec rt;
  clock_gettime(CLOCK_REALTIME, &rt);
  realtime_offset_ns_ = int64_t(uint64_t(rt.tv_sec) * 1000000000ull + uint64_t(rt.tv_nsec)) - int64_t(ctx_.now_ns);
  thread_ = std::thread([this] { loop(); });
}

Engine::~Engine() { shutdown(); }

void Engine::shutdown() {
  if (stopped_) return;
  stopped_ = true;
  stopping_.store(true);
  uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof one);
  if (thread_.joinable()) thread_.join();
  ports_.clear();  // closes every TAP fd: non-persistent devices disappear with them
  {
    // Anyone still waiting gets an error rather than hanging.
    std::lock_guard<std::mutex> lock(mu_);
    for (Command* c : commands_) {
      c->error = std::make_exception_ptr(ControlError(ErrorCode::engine_stopped, "the engine has been shut down"));
      c->done = true;
    }
    commands_.clear();
  }
  cv_.notify_all();
  close(wake_fd_);
  close(epoll_fd_);
}

void Engine::run(const std::function<void(Engine&)>& fn) {
  if (stopped_) throw ControlError(ErrorCode::engine_stopped, "the engine has been shut down");
  Command cmd;
  cmd.fn = fn;
  {
    std::lock_guard<std::mutex> lock(mu_);
    commands_.push_back(&cmd);
    commands_pending_.store(true, std::memory_order_release);
  }
  uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof one);
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return cmd.done; });
  if (cmd.error) std::rethrow_exception(cmd.error);
}

void Engine::run_commands() {
  std::deque<Command*> todo;
  {
    std::lock_guard<std::mutex> lock(mu_);
    todo.swap(commands_);
    commands_pending_.store(false, std::memory_order_relaxed);
  }
  for (Command* c : todo) {
    try {
      c->fn(*this);
    } catch (...) {
      c->error = std::current_exception();
    }
    worker_.commands++;
    std::lock_guard<std::mutex> lock(mu_);
    c->done = true;
  }
  if (!todo.empty()) cv_.notify_all();
}

Port& Engine::port_or_throw(uint32_t id) {
  Port* p = port(id);
  if (!p) throw ControlError(ErrorCode::no_such_port, "port " + std::to_string(id) + " does not exist");
  return *p;
}

uint32_t Engine::attach_port(std::unique_ptr<Port> port, PortRole role) {
  uint32_t id = 0;
  while (id < ports_.size() && ports_[id]) id++;
  if (id >= kWakeToken) throw ControlError(ErrorCode::too_many_ports, "the engine's port table is full");
  port->id = id;
  port->role = role;
  int fd = port->rx_fd();
  if (fd >= 0) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = id;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0)
      throw ControlError(ErrorCode::port_poll, "cannot poll port " + port->name + ": " + strerror(errno));
  }
  if (id == ports_.size()) ports_.emplace_back();
  ports_[id] = std::move(port);
  return id;
}

void Engine::attach_tap(CaptureTap* tap, const std::vector<uint32_t>& ids) {
  for (uint32_t id : ids) port_or_throw(id);
  for (uint32_t id : ids) ports_[id]->taps.push_back(tap);
  taps_++;
}

void Engine::detach_tap(CaptureTap* tap) {
  for (auto& p : ports_)
    if (p) p->taps.erase(std::remove(p->taps.begin(), p->taps.end(), tap), p->taps.end());
  if (taps_) taps_--;
}

void Engine::capture_rx(Port* port, Packet** pkts, uint32_t n) {
  const uint64_t t = realtime_ns();
  for (CaptureTap* tap : port->taps)
    for (uint32_t i = 0; i < n; i++) tap->record(*pkts[i], port->id, CaptureDirection::in, t);
}

void Engine::detach_port(uint32_t id, bool destroy) {
  Port& p = port_or_throw(id);
  for (NodeId s = 0; s < graph_.size(); s++) graph_.stage(s).port_removed(id);
  if (destroy) p.destroy_on_close();
  if (p.rx_fd() >= 0) epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, p.rx_fd(), nullptr);
  ports_[id].reset();
}

StageContext& Engine::control_context() {
  ctx_.dry_run = false;
  return ctx_;
}

void Engine::flush() { finish_run(true); }

void Engine::inject(uint32_t port_id, const uint8_t* frame, uint32_t len, const VnetHdr& vnet, bool dry_run) {
  port_or_throw(port_id);
  if (len > kMaxFrame) throw ControlError(ErrorCode::bad_argument, "the frame is larger than a packet buffer");
  Packet* p = pool_.get();
  if (!p) throw ControlError(ErrorCode::bad_argument, "no free packet buffer");
  std::memcpy(p->data, frame, len);
  p->len = len;
  p->vnet = vnet;
  p->in_port = port_id;
  tracer_.start(p, ctx_.now_ns, true);
  Batch batch;
  batch.pkts[0] = p;
  batch.n = 1;
  ctx_.dry_run = dry_run;
  graph_.run(ctx_, batch, sent_, dropped_);
  finish_run(!dry_run);
  ctx_.dry_run = false;
}

void Engine::run_graph(Batch& batch) {
  worker_.batches++;
  worker_.packets += batch.n;
  if (tracer_.armed())
    for (uint32_t i = 0; i < batch.n; i++) tracer_.mark(batch.pkts[i], ctx_.now_ns);
  graph_.run(ctx_, batch, sent_, dropped_);
  finish_run(true);
}

void Engine::finish_run(bool count) {
  const uint64_t now = taps_ ? realtime_ns() : 0;
  for (Port* out : tx_dirty_) {
    out->capture_clock_ns = now;
    out->flush();
    out->tx_pending = false;
  }
  tx_dirty_.clear();
  for (uint32_t i = 0; i < dropped_.n; i++) {
    Packet* p = dropped_.pkts[i];
    if (count)
      if (Port* in = port(p->in_port)) {
        in->counters.drops[p->drop_reason]++;
        for (CaptureTap* tap : in->taps)
          if (tap->wants_drops()) tap->record(*p, in->id, CaptureDirection::dropped, now);
      }
    pool_.put(p);
  }
  dropped_.n = 0;
  for (uint32_t i = 0; i < sent_.n; i++) pool_.put(sent_.pkts[i]);
  sent_.n = 0;
  for (Packet* p : finished_) pool_.put(p);
  finished_.clear();
}

}  // namespace ferry
