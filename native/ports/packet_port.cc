#include "ports/packet_port.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/netns_scope.h"
#include "l2/vlan.h"
#include "ports/mmsg.h"

namespace ferry {

namespace {
std::string sys_error(const std::string& what, const std::string& ifname) {
  return what + " (interface \"" + ifname + "\"): " + strerror(errno);
}
}  // namespace

PacketPort* PacketPort::open(const PacketPortOptions& opts, std::string* error) {
  NetnsScope scope(opts.netns_path);
  if (!scope.ok()) {
    *error = scope.error();
    return nullptr;
  }
  unsigned ifindex = if_nametoindex(opts.ifname.c_str());
  if (ifindex == 0) {
    *error = sys_error("cannot find the interface", opts.ifname);
    return nullptr;
  }
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
  if (fd < 0) {
    *error = sys_error("cannot open an AF_PACKET socket", opts.ifname);
    return nullptr;
  }
  auto fail = [&](const char* what) -> PacketPort* {
    *error = sys_error(what, opts.ifname);
    close(fd);
    return nullptr;
  };
  int one = 1;
  if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof one) != 0) return fail("PACKET_VNET_HDR failed");
  if (setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one) != 0) return fail("PACKET_QDISC_BYPASS failed");
  if (setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one) != 0) return fail("PACKET_IGNORE_OUTGOING failed");
  if (opts.vlan_tags && setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof one) != 0) return fail("PACKET_AUXDATA failed");
  // A deep receive queue: while the worker writes 64 KB frames elsewhere, a
  // sender behind this interface keeps sending. SO_RCVBUFFORCE may exceed
  // rmem_max (we run as root); what still overflows is counted as
  // rx_queue_full from PACKET_STATISTICS.
  int buf = 32 << 20;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof buf) != 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
  if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof buf) != 0) setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
  sockaddr_ll sll{};
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ETH_P_ALL);
  sll.sll_ifindex = int(ifindex);
  if (bind(fd, reinterpret_cast<sockaddr*>(&sll), sizeof sll) != 0) return fail("cannot bind");
  packet_mreq mr{};
  mr.mr_ifindex = int(ifindex);
  mr.mr_type = PACKET_MR_PROMISC;
  if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof mr) != 0) return fail("cannot enter promiscuous mode");
  PacketPort* port = new PacketPort(fd, opts.vlan_tags);
  port->name = opts.ifname;
  struct ifreq q {};
  strncpy(q.ifr_name, opts.ifname.c_str(), IFNAMSIZ - 1);
  if (ioctl(fd, SIOCGIFMTU, &q) == 0) port->mtu = uint32_t(q.ifr_mtu);
  return port;
}

PacketPort::~PacketPort() { close(fd_); }

namespace {
// The tag the kernel took off a received frame, put back where it was.
void restore_tag(Packet* p, msghdr& msg) {
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA) continue;
    tpacket_auxdata aux;
    std::memcpy(&aux, CMSG_DATA(c), sizeof aux);
    if (!(aux.tp_status & TP_STATUS_VLAN_VALID)) return;
    const uint16_t tpid = (aux.tp_status & TP_STATUS_VLAN_TPID_VALID) ? aux.tp_vlan_tpid : kEtherTypeVlan;
    if (p->len >= kEthHdrLen) push_vlan(p, aux.tp_vlan_tci, tpid);
    return;
  }
}
}  // namespace

uint32_t PacketPort::rx_burst(PacketPool& pool, Packet** out, uint32_t max) {
  Packet* pkts[kBatchMax];
  mmsghdr msgs[kBatchMax];
  iovec iovs[kBatchMax][2];
  // Room for one tpacket_auxdata per frame, when tags are wanted.
  union Control {
    cmsghdr align;
    char buf[CMSG_SPACE(sizeof(tpacket_auxdata))];
  };
  static thread_local Control controls[kBatchMax];
  bool drained = false;
  const uint32_t got = recv_burst(fd_, pool, pkts, msgs, max, &drained, [&](uint32_t i, Packet* p, msghdr& h) {
    iovs[i][0] = {&p->vnet, sizeof(VnetHdr)};
    iovs[i][1] = {p->data, kMaxFrame};
    h.msg_iov = iovs[i];
    h.msg_iovlen = 2;
    if (vlan_tags_) {
      h.msg_control = controls[i].buf;
      h.msg_controllen = sizeof controls[i].buf;
    }
  });
  if (drained) {
    // Drained: a cheap moment to collect what the kernel dropped meanwhile
    // (reading the statistics resets them).
    tpacket_stats st{};
    socklen_t len = sizeof st;
    if (getsockopt(fd_, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0) counters.drops[int(CoreDrop::rx_queue_full)] += st.tp_drops;
  }
  uint32_t n = 0;
  for (uint32_t i = 0; i < got; i++) {
    Packet* p = pkts[i];
    uint32_t len = msgs[i].msg_len;
    if (len < uint32_t(kVnetHdrLen) || (msgs[i].msg_hdr.msg_flags & MSG_TRUNC)) {
      count_drop(len < uint32_t(kVnetHdrLen) ? CoreDrop::runt : CoreDrop::oversize);
      pool.put(p);
      continue;
    }
    p->len = len - kVnetHdrLen;
    p->in_port = id;
    if (vlan_tags_) restore_tag(p, msgs[i].msg_hdr);
    counters.rx_packets++;
    counters.rx_bytes += p->len;
    out[n++] = p;
  }
  return n;
}

void PacketPort::tx_burst(Packet* const* pkts, uint32_t n) {
  mmsghdr msgs[kBatchMax];
  iovec iovs[kBatchMax][2];
  for (uint32_t i = 0; i < n; i++) {
    iovs[i][0] = {const_cast<VnetHdr*>(&pkts[i]->vnet), sizeof(VnetHdr)};
    iovs[i][1] = {pkts[i]->data, pkts[i]->len};
    msgs[i] = {};
    msgs[i].msg_hdr.msg_iov = iovs[i];
    msgs[i].msg_hdr.msg_iovlen = 2;
  }
  // A refused one (ENETDOWN, ENOBUFS, EINVAL for a bad header) is counted; the rest still go.
  send_burst(
      fd_, msgs, n,
      [&](uint32_t i) {
        counters.tx_packets++;
        counters.tx_bytes += pkts[i]->len;
      },
      [&](int err) { count_drop(err == ENETDOWN ? CoreDrop::port_down : CoreDrop::tx_error); });
}

}  // namespace ferry
