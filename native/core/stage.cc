#include "core/stage.h"

#include "core/trace.h"

namespace ferry {

const char* port_role_name(PortRole r) {
  static const char* const names[] = {
#define FERRY_X(name, help) #name,
      FERRY_PORT_ROLES(FERRY_X)
#undef FERRY_X
  };
  return int(r) < kPortRoleCount ? names[int(r)] : "?";
}

void StageContext::tx_traced(Port* out, Packet* p) {
  if (p->trace && tracer_) {
    TraceTx t{out->id, dry_run};
    tracer_->record(p->trace, TraceEntry::tx, current, &t, sizeof t, now_ns);
  }
  if (dry_run) return;
  out->enqueue(p, *tx_dirty_);
}

Packet* StageContext::new_packet() {
  Packet* q = new_held_packet();
  if (q) finished_->push_back(q);
  return q;
}

Packet* StageContext::new_held_packet() {
  if (dry_run) return nullptr;
  Packet* q = pool_->get();
  if (!q && pool_empty_) (*pool_empty_)++;
  return q;
}

void StageContext::drop_held(Packet* p, uint16_t reason) {
  if (Port* in = port(p->in_port)) in->counters.drops[reason]++;
  pool_->put(p);
}

void StageContext::trace_bytes(const Packet* p, const void* rec, uint32_t len) {
  if (tracer_) tracer_->record(p->trace, TraceEntry::stage, current, rec, len, now_ns);
}

}  // namespace ferry
