// What a stage keeps for some of the engine's ports (a rate limit, an
// identity), indexed by port id, and how many ports have one: a stage with
// none is bypassed by the graph. Lookups are one bounds check and a flag,
// on the worker's path for every packet.
#pragma once
#include <cstdint>
#include <vector>

namespace ferry {

template <typename T>
class PortTable {
 public:
  T* find(uint32_t port) { return port < slots_.size() && slots_[port].on ? &slots_[port].value : nullptr; }
  const T* find(uint32_t port) const { return port < slots_.size() && slots_[port].on ? &slots_[port].value : nullptr; }
  // The port's value, made (default) if it had none; the caller fills it in.
  T& set(uint32_t port) {
    if (slots_.size() <= port) slots_.resize(port + 1);
    if (!slots_[port].on) count_++;
    slots_[port].on = true;
    return slots_[port].value;
  }
  void clear(uint32_t port) {
    if (!find(port)) return;
    slots_[port] = Slot{};
    count_--;
  }
  bool any() const { return count_ > 0; }

 private:
  struct Slot {
    bool on = false;
    T value{};
  };
  std::vector<Slot> slots_;
  uint32_t count_ = 0;
};

}  // namespace ferry
