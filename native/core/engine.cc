#include "core/engine.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ferry {

// The pool holds two batches in flight plus what the router generates (at most
// one packet per packet in a run, and ARP requests) and holds for ARP.
Engine::Engine(const EngineConfig& config)
    : config_(config),
      pool_(3 * kBatchMax + RouterStage::kMaxPendingNeighbors * RouterStage::kHoldPerNeighbor),
      router_(pool_, config.conntrack_max) {
  if (config_.burst == 0 || config_.burst > kBatchMax) config_.burst = kBatchMax;
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epoll_fd_ < 0 || wake_fd_ < 0)
    throw ControlError("engine_start", std::string("cannot create the worker's epoll/eventfd: ") + strerror(errno));
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u32 = kWakeToken;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
  update_clock();
  start_ns_ = now_ns_;
  now_s_ = 0;
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
  fabric_.ports.clear();  // closes every TAP fd: the devices disappear with them
  fabric_.domains.clear();
  {
    // Anyone still waiting gets an error rather than hanging.
    std::lock_guard<std::mutex> lock(mu_);
    for (Command* c : commands_) {
      c->error = std::make_exception_ptr(ControlError("engine_stopped", "the engine has been shut down"));
      c->done = true;
    }
    commands_.clear();
  }
  cv_.notify_all();
  close(wake_fd_);
  close(epoll_fd_);
}

void Engine::run(const std::function<void(Engine&)>& fn) {
  if (stopped_) throw ControlError("engine_stopped", "the engine has been shut down");
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

Domain& Engine::domain_or_throw(uint32_t id) {
  Domain* d = fabric_.domain(id);
  if (!d) throw ControlError("no_such_domain", "bridge domain " + std::to_string(id) + " does not exist");
  return *d;
}

Port& Engine::port_or_throw(uint32_t id) {
  Port* p = fabric_.port(id);
  if (!p) throw ControlError("no_such_port", "port " + std::to_string(id) + " does not exist");
  return *p;
}

uint32_t Engine::create_domain(uint32_t max_entries, uint32_t aging_seconds) {
  uint32_t id = 0;
  while (id < fabric_.domains.size() && fabric_.domains[id]) id++;
  if (id == fabric_.domains.size()) fabric_.domains.emplace_back();
  fabric_.domains[id] = std::make_unique<Domain>(id, max_entries);
  fabric_.domains[id]->aging_seconds = aging_seconds;
  return id;
}

void Engine::remove_domain(uint32_t id) {
  Domain& d = domain_or_throw(id);
  if (!d.ports.empty()) {
    std::string names;
    for (uint32_t p : d.ports) names += (names.empty() ? "" : ", ") + fabric_.ports[p]->name;
    throw ControlError("domain_in_use", "bridge domain " + std::to_string(id) + " still has " +
                                            std::to_string(d.ports.size()) + " port(s) (" + names +
                                            "); remove them first");
  }
  if (d.l3.routed) router_.remove_network(d.l3.subnet, d.l3.prefix_len);
  fabric_.domains[id].reset();
}

// Gives the port an id and a place in the poll set; shared by every kind of attach.
uint32_t Engine::register_port(std::unique_ptr<Port>& port, uint32_t domain) {
  uint32_t id = 0;
  while (id < fabric_.ports.size() && fabric_.ports[id]) id++;
  if (id >= kWakeToken) throw ControlError("too_many_ports", "the engine's port table is full");
  port->id = id;
  port->domain = domain;
  int fd = port->rx_fd();
  if (fd >= 0) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = id;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0)
      throw ControlError("port_poll", "cannot poll port " + port->name + ": " + strerror(errno));
  }
  if (id == fabric_.ports.size()) fabric_.ports.emplace_back();
  fabric_.ports[id] = std::move(port);
  return id;
}

uint32_t Engine::attach_port(std::unique_ptr<Port> port, uint32_t domain) {
  Domain& d = domain_or_throw(domain);
  uint32_t id = register_port(port, domain);
  d.ports.push_back(id);
  return id;
}

void Engine::configure_network(uint32_t id, const NetworkL3& l3) {
  Domain& d = domain_or_throw(id);
  if (d.l3.routed) router_.remove_network(d.l3.subnet, d.l3.prefix_len);
  d.l3 = l3;
  if (l3.routed) router_.add_network(l3.subnet, l3.prefix_len, id);
}

uint32_t Engine::attach_uplink(std::unique_ptr<Port> port, UplinkConfig config) {
  if (fabric_.uplink_port != kNoPort) throw ControlError("uplink_exists", "the engine already has an uplink (port " + std::to_string(fabric_.uplink_port) + "); remove it first");
  config.port = register_port(port, kNoPort);
  router_.set_uplink(config, fabric_);
  flush_tx();  // the gratuitous ARP
  return config.port;
}

void Engine::detach_port(uint32_t id, bool destroy) {
  Port& p = port_or_throw(id);
  if (id == fabric_.uplink_port) router_.clear_uplink(fabric_);
  if (destroy) p.destroy_on_close();
  if (p.rx_fd() >= 0) epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, p.rx_fd(), nullptr);
  if (Domain* d = fabric_.domain(p.domain)) {
    d->macs.flush_port(id);
    for (size_t i = 0; i < d->ports.size(); i++)
      if (d->ports[i] == id) {
        d->ports.erase(d->ports.begin() + long(i));
        break;
      }
  }
  fabric_.ports[id].reset();
}

}  // namespace ferry
