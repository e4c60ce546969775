// libFuzzer target: the VXLAN tunnel's offloads (native/vxlan/segment.h,
// coalesce.h), each record one buffer (records.h):
//
//   - as a UDP_GRO run as the underlay socket hands it (the virtio-net
//     header's gso_size as the run's datagram size, 0: one datagram), split
//     and merged by split_run; on a port byte of 2 mod 4 each datagram is
//     first "opened" as the sealed underlay opens ESP (a stand-in opener
//     that refuses some datagrams and strips a prefix from others), so the
//     run's first kept datagram may lie anywhere in its buffer;
//   - as a frame a container hands the tunnel: cut by segment_tcp with the
//     record's gso_size, or its checksum completed at the record's
//     csum_start/csum_offset.
//
// Besides the sanitizers: split_run gives at most one frame per datagram and
// no more bytes than it took in (less the headers merging drops), and every
// buffer it took goes back to the pool exactly once; every
// frame it merged is a TCP GSO frame that segment_tcp cuts again into as
// many datagrams as were merged, each no larger than the run's datagram size.
#include <sys/uio.h>

#include <cstdlib>
#include <vector>

#include "core/packet.h"
#include "records.h"
#include "vxlan/coalesce.h"
#include "vxlan/inner_tcp.h"
#include "vxlan/segment.h"
#include "vxlan/vxlan.h"

using namespace ferry;

namespace {

PacketPool& pool() {
  static PacketPool p(96);
  return p;
}

void check(bool ok) {
  if (!ok) std::abort();
}

// The room segment.h asks for, as the tunnel gives it.
std::vector<uint8_t>& headers() {
  static std::vector<uint8_t> s(kMaxSegments * kMaxSegmentHeader);
  return s;
}
iovec* iov() {
  static iovec v[2 * kMaxSegments];
  return v;
}

// Cuts p; checks every piece lies in the headers buffer or in p's frame, and the sizes add up.
bool cut(const Packet* p, SegmentedFrame* s) {
  if (!segment_tcp(p, 42, headers().data(), uint32_t(headers().size()), iov(), 2 * kMaxSegments, s)) return false;
  uint32_t bytes = 0;
  for (uint32_t k = 0; k < 2 * s->count; k++) {
    const uint8_t* b = static_cast<const uint8_t*>(iov()[k].iov_base);
    const size_t n = iov()[k].iov_len;
    const bool in_headers = b >= headers().data() && b + n <= headers().data() + headers().size();
    const bool in_frame = b >= p->data && b + n <= p->data + p->len;
    check(in_headers || in_frame);
    bytes += uint32_t(n);
    if (k % 2 == 0 && k + 2 < 2 * s->count) check(n + iov()[k + 1].iov_len == s->datagram);
  }
  check(bytes == s->bytes);
  return true;
}

// Refuses a datagram whose first byte is 0xff; strips the first byte's low
// nibble of bytes (at most the datagram) from the others, as ESP's header
// goes, and the last two bytes when there are more, as its trailer.
class StandInOpener : public DatagramOpener {
 public:
  bool open(uint8_t* d, uint32_t len, uint8_t** out, uint32_t* out_len) override {
    if (len == 0 || d[0] == 0xff) return false;
    const uint32_t head = std::min<uint32_t>(d[0] & 15, len);
    const uint32_t tail = len - head > 2 ? 2 : 0;
    *out = d + head;
    *out_len = len - head - tail;
    return true;
  }
};

void run(const fuzz::Record& r, bool opened) {
  Packet* src = pool().get();
  std::memcpy(src->data, r.frame, r.len);
  const uint32_t segment = r.vnet.gso_size ? r.vnet.gso_size : r.len;
  const uint32_t datagrams = r.len ? (r.len + segment - 1) / segment : 0;
  if (datagrams == 0 || datagrams > 64) {
    pool().put(src);
    return;
  }
  Packet* out[64];
  uint64_t lost = 0;
  StandInOpener opener;
  const size_t free_before = pool().available() + 1;  // src included
  const uint32_t n = split_run(pool(), src, r.len, segment, out, &lost, opened ? &opener : nullptr);
  check(n <= datagrams && lost == 0);
  uint32_t bytes = 0;
  for (uint32_t i = 0; i < n; i++) {
    Packet* p = out[i];
    bytes += p->len;
    if (vnet_is_gso(p->vnet)) {
      // A merged frame: a TCP GSO frame segment_tcp can cut again, into datagrams no larger than the run's.
      Packet copy = *p;
      copy.data = p->data + kVxlanHdrLen;
      copy.len = p->len - kVxlanHdrLen;
      SegmentedFrame s;
      check(cut(&copy, &s));
      check(s.count >= 2 && s.datagram <= segment);
    }
  }
  check(bytes <= r.len);
  for (uint32_t i = 0; i < n; i++) pool().put(out[i]);
  check(pool().available() == free_before);  // split_run put src back itself when it kept no datagram there
}

void transmit(const fuzz::Record& r) {
  Packet* p = pool().get();
  std::memcpy(p->data, r.frame, r.len);
  p->len = r.len;
  p->vnet = r.vnet;
  if (vnet_is_gso(p->vnet)) {
    SegmentedFrame s;
    cut(p, &s);
  } else if (p->vnet.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
    complete_checksum(p);
  }
  pool().put(p);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Records records(data, size);
  fuzz::Record r;
  while (records.next(r)) {
    if (r.port & 1) transmit(r);
    else run(r, r.port & 2);
  }
  return 0;
}
