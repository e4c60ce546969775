#include "l3/reassembly_stage.h"

#include <cstring>

#include "dataplane/drops.h"
#include "l2/ethernet.h"
#include "l3/ipv4.h"
#include "nat/rewrite.h"

namespace ferry {

namespace {

enum class ReassemblyDecision : uint8_t { kept, complete, would_keep, duplicate, overlap, limit, malformed, bad_datagram };

struct ReassemblyTrace {
  uint32_t src, dst;
  uint16_t id;
  uint16_t offset, len;
  bool more;
  ReassemblyDecision decision;
  uint32_t total;
};

}  // namespace

Ip4ReassemblyStage::Datagram* Ip4ReassemblyStage::find(uint32_t src, uint32_t dst, uint16_t id, uint8_t proto) {
  for (Datagram& d : table_)
    if (d.used && d.src == src && d.dst == dst && d.id == id && d.proto == proto) return &d;
  return nullptr;
}

Ip4ReassemblyStage::Datagram* Ip4ReassemblyStage::open(StageContext& ctx, Packet* p, uint32_t src, uint32_t dst, uint16_t id,
                                                       uint8_t proto, uint16_t* why) {
  *why = uint16_t(DropReason::frag_limit);
  Datagram* free_slot = nullptr;
  uint32_t from_source = 0;
  for (Datagram& d : table_) {
    if (!d.used) {
      if (!free_slot) free_slot = &d;
    } else if (d.src == src) {
      from_source++;
    }
  }
  if (!free_slot || from_source >= kMaxPerSource) return nullptr;
  Packet* buf = ctx.new_held_packet();
  if (!buf) {
    *why = uint16_t(DropReason::no_buffer);
    return nullptr;
  }
  buf->reset();
  buf->in_port = p->in_port;
  Datagram& d = *free_slot;
  d.used = true;
  d.src = src;
  d.dst = dst;
  d.id = id;
  d.proto = proto;
  d.pieces = 0;
  d.buf = buf;
  d.expires = ctx.now + timeout_seconds;
  d.total = 0;
  d.received = 0;
  d.header_len = 0;
  busy_++;
  return &d;
}

Ip4ReassemblyStage::Added Ip4ReassemblyStage::add(Datagram& d, const Packet& p) {
  Ipv4Packet ip;
  ip.parse(p.data + kEthHdrLen, p.len - kEthHdrLen);
  const uint32_t offset = uint32_t(ip.frag() & kIpFragOffsetMask) * 8;
  const uint32_t len = ip.total_len() - ip.hdr_len;
  const bool more = ip.frag() & kIpMoreFragments;
  const uint32_t end = offset + len;
  if (len == 0 || (more && len % 8) || end + ip.hdr_len > 65535 || d.pieces == kMaxPieces) return Added::malformed;
  if (!more) {
    if (d.total && d.total != end) return Added::overlap;  // two different ends: inconsistent, as Linux drops
    for (uint32_t i = 0; i < d.pieces; i++)
      if (d.ranges[i].end > end) return Added::overlap;
  } else if (d.total && end > d.total) {
    return Added::overlap;
  }
  for (uint32_t i = 0; i < d.pieces; i++) {
    const Datagram::Range& r = d.ranges[i];
    if (r.begin == offset && r.end == end) return Added::duplicate;
    if (offset < r.end && r.begin < end) return Added::overlap;
  }
  if (!more) d.total = end;
  d.ranges[d.pieces++] = {uint16_t(offset), uint16_t(end)};
  std::memcpy(d.buf->data + kPayloadAt + offset, ip.ip + ip.hdr_len, len);
  d.received += len;
  if (offset == 0) {
    d.header_len = kEthHdrLen + ip.hdr_len;
    std::memcpy(d.header, p.data, d.header_len);
  }
  return d.total && d.received == d.total ? Added::complete : Added::kept;
}

// The buffer becomes the whole datagram: the offset-0 fragment's headers in
// front of the payload, the length its own, no fragment fields.
Packet* Ip4ReassemblyStage::finish(Datagram& d, Packet* last) {
  Packet* whole = d.buf;
  whole->data += kPayloadAt - d.header_len;
  std::memcpy(whole->data, d.header, d.header_len);
  uint8_t* h = whole->data + kEthHdrLen;
  const uint32_t hdr_len = d.header_len - kEthHdrLen;
  store16(h + Ipv4Offsets::total_len, uint16_t(hdr_len + d.total));
  store16(h + Ipv4Offsets::frag, load16(h + Ipv4Offsets::frag) & kIpDontFragment);
  store16(h + Ipv4Offsets::checksum, 0);
  store16(h + Ipv4Offsets::checksum, csum_finish(csum_partial(h, hdr_len)));
  whole->len = d.header_len + d.total;
  whole->in_port = last->in_port;
  whole->vnet = VnetHdr{};
  whole->trace = last->trace;
  std::memcpy(whole->meta, last->meta, sizeof whole->meta);
  d.used = false;
  d.buf = nullptr;
  busy_--;
  return whole;
}

void Ip4ReassemblyStage::close(StageContext& ctx, Datagram& d, uint16_t reason) {
  ctx.drop_held(d.buf, reason);
  d.used = false;
  d.buf = nullptr;
  busy_--;
}

void Ip4ReassemblyStage::process(StageContext& ctx, Packet** pkts, uint32_t n) {
  ReassemblyCounters& c = ctx.dry_run ? scratch : counters;
  for (uint32_t i = 0; i < n; i++) {
    Packet* p = pkts[i];
    Ipv4Packet ip;
    ip.parse(p->data + kEthHdrLen, p->len - kEthHdrLen);
    ReassemblyTrace t{ip.src(), ip.dst(), load16(ip.ip + Ipv4Offsets::id), uint16_t((ip.frag() & kIpFragOffsetMask) * 8),
                      uint16_t(ip.total_len() - ip.hdr_len), bool(ip.frag() & kIpMoreFragments), ReassemblyDecision::kept, 0};
    if (ctx.dry_run) {  // nothing is kept in a dry run
      p->next = kNodeSent;
      t.decision = ReassemblyDecision::would_keep;
      ctx.trace(p, t);
      continue;
    }
    Datagram* d = find(t.src, t.dst, t.id, ip.proto());
    uint16_t why = 0;
    if (!d) d = open(ctx, p, t.src, t.dst, t.id, ip.proto(), &why);
    if (!d) {
      drop(p, why);
      t.decision = ReassemblyDecision::limit;
      ctx.trace(p, t);
      continue;
    }
    switch (add(*d, *p)) {
      case Added::kept:
        p->next = kNodeSent;  // its bytes are in the datagram's buffer; the fragment is let go
        c.fragments++;
        break;
      case Added::duplicate:
        drop(p, DropReason::frag_duplicate);
        t.decision = ReassemblyDecision::duplicate;
        break;
      case Added::malformed:
        drop(p, DropReason::frag_malformed);
        t.decision = ReassemblyDecision::malformed;
        break;
      case Added::overlap:
        drop(p, DropReason::frag_overlap);
        close(ctx, *d, uint16_t(DropReason::frag_overlap));
        t.decision = ReassemblyDecision::overlap;
        break;
      case Added::complete: {
        c.fragments++;
        t.total = d->total;
        Packet* whole = finish(*d, p);
        ctx.release(p);  // the last fragment is let go; the datagram takes its place in the batch
        pkts[i] = whole;
        L3Meta& m = whole->meta_as<L3Meta>();
        Ipv4Packet w;
        if (!w.parse(whole->data + kEthHdrLen, whole->len - kEthHdrLen) || !flow_key_of(w, &m.key, &m.icmp_error)) {
          drop(whole, DropReason::bad_ip);
          t.decision = ReassemblyDecision::bad_datagram;
          break;
        }
        whole->next = next_of(Next::nat);
        c.reassembled++;
        t.decision = ReassemblyDecision::complete;
        ctx.trace(whole, t);
        continue;
      }
    }
    ctx.trace(p, t);
  }
}

void Ip4ReassemblyStage::clear(StageContext& ctx) {
  for (Datagram& d : table_)
    if (d.used) {
      ctx.free(d.buf);
      d.used = false;
      d.buf = nullptr;
    }
  busy_ = 0;
}

void Ip4ReassemblyStage::tick(StageContext& ctx) {
  for (Datagram& d : table_)
    if (d.used && ctx.now >= d.expires) close(ctx, d, uint16_t(DropReason::frag_timeout));
}

std::string Ip4ReassemblyStage::format_trace(const uint8_t* record, uint32_t len) const {
  ReassemblyTrace t;
  std::memcpy(&t, record, sizeof t);
  std::string s = "fragment " + ipv4_text(t.src) + " > " + ipv4_text(t.dst) + " id " + std::to_string(t.id) + " offset " +
                  std::to_string(t.offset) + " len " + std::to_string(t.len) + (t.more ? " MF" : "") + ": ";
  switch (t.decision) {
    case ReassemblyDecision::kept: return s + "kept for reassembly";
    case ReassemblyDecision::complete: return s + "datagram complete (" + std::to_string(t.total) + " bytes): to the NAT";
    case ReassemblyDecision::would_keep: return s + "would be kept for reassembly";
    case ReassemblyDecision::duplicate: return s + "duplicate";
    case ReassemblyDecision::overlap: return s + "overlaps another: the datagram dropped";
    case ReassemblyDecision::limit: return s + "no room: too many datagrams in reassembly";
    case ReassemblyDecision::malformed: return s + "malformed";
    case ReassemblyDecision::bad_datagram: return s + "complete, but not a valid datagram";
  }
  return s;
}

}  // namespace ferry
