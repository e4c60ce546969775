#include "l2/domains.h"

#include "l2/ethernet.h"

namespace ferry {

uint32_t Domains::create(uint32_t max_entries, uint32_t aging_seconds) {
  uint32_t id = 0;
  while (id < domains_.size() && domains_[id]) id++;
  if (id == domains_.size()) domains_.emplace_back();
  domains_[id] = std::make_unique<Domain>(id, max_entries);
  domains_[id]->aging_seconds = aging_seconds;
  domains_[id]->macs.set_max_per_port(Domain::kDefaultMaxPerPort);
  return id;
}

void Domains::remove(uint32_t id, const StageContext& ctx) {
  Domain& d = get_or_throw(id);
  if (!d.ports.empty()) {
    std::string names;
    for (uint32_t p : d.ports) names += (names.empty() ? "" : ", ") + (ctx.port(p) ? ctx.port(p)->name : std::to_string(p));
    throw ControlError(ErrorCode::domain_in_use, "bridge domain " + std::to_string(id) + " still has " +
                                                     std::to_string(d.ports.size()) + " port(s) (" + names +
                                                     "); remove them first");
  }
  domains_[id].reset();
}

void Domains::join(uint32_t domain, uint32_t port) {
  Domain& d = get_or_throw(domain);
  if (port_domain_.size() <= port) port_domain_.resize(port + 1, kNoPort);
  port_domain_[port] = domain;
  d.ports.push_back(port);
}

void Domains::leave(uint32_t port) {
  Domain* d = of_port(port);
  if (!d) return;
  d->macs.flush_port(port);
  for (size_t i = 0; i < d->ports.size(); i++)
    if (d->ports[i] == port) {
      d->ports.erase(d->ports.begin() + long(i));
      break;
    }
  port_domain_[port] = kNoPort;
}

bool Domains::icc_allows(const StageContext& ctx, const Domain& d, uint32_t from, uint32_t to) {
  if (d.icc) return true;
  const Port* a = ctx.port(from);
  const Port* b = ctx.port(to);
  return (a && a->role == PortRole::host) || (b && b->role == PortRole::host);
}

bool Domains::fits(const Port* out, const Packet* p) {
  if (!out->mtu || vnet_is_gso(p->vnet)) return true;
  const uint32_t l2 = EthernetView(p->data).header_len();
  return p->len <= l2 || p->len - l2 <= out->mtu;
}

uint32_t Domains::flood(StageContext& ctx, const Domain& d, Packet* p, uint32_t from, bool* too_big) {
  uint32_t sent = 0;
  for (uint32_t member : d.ports) {
    if (member == from || (!d.icc && !icc_allows(ctx, d, from, member))) continue;
    Port* out = ctx.port(member);
    if (!fits(out, p)) {
      *too_big = true;
      continue;
    }
    ctx.tx(out, p);
    sent++;
  }
  return sent;
}

uint32_t Domains::output(StageContext& ctx, const Domain& d, Packet* p, uint64_t dst, uint32_t from, bool* too_big) {
  const MacEntry* e = d.macs.find(dst);
  if (!e) return flood(ctx, d, p, from, too_big);
  Port* out = ctx.port(e->port);
  if (!fits(out, p)) {
    *too_big = true;
    return 0;
  }
  ctx.tx(out, p);
  return 1;
}

}  // namespace ferry
