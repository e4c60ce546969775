#include "vxlan/underlay_port.h"

#include <arpa/inet.h>
#include <netinet/udp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "core/netns_scope.h"
#include "ports/mmsg.h"
#include "vxlan/coalesce.h"
#include "vxlan/sealed.h"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103  // linux 4.18
#endif
#ifndef UDP_GRO
#define UDP_GRO 104  // linux 5.0
#endif

namespace ferry {

namespace {

int udp_socket(const sockaddr_in& at, std::string* error) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = std::string("cannot open the underlay's UDP socket: ") + strerror(errno);
    return -1;
  }
  // Deep buffers: a burst of full-size datagrams arrives between two polls.
  int buf = 32 << 20;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof buf) != 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
  if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof buf) != 0) setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
  if (bind(fd, reinterpret_cast<const sockaddr*>(&at), sizeof at) != 0) {
    char ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &at.sin_addr, ip, sizeof ip);
    *error = std::string("cannot bind the underlay to ") + ip + ":" + std::to_string(ntohs(at.sin_port)) + ": " + strerror(errno);
    close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

UnderlayPort* UnderlayPort::open(const UnderlayOptions& opts, std::string* error) {
  NetnsScope scope(opts.netns_path);
  if (!scope.ok()) {
    *error = scope.error();
    return nullptr;
  }
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(opts.port);
  if (inet_pton(AF_INET, opts.address.c_str(), &sin.sin_addr) != 1) {
    *error = "underlay address \"" + opts.address + "\" is not an IPv4 address";
    return nullptr;
  }
  const int fd = udp_socket(sin, error);
  if (fd < 0) return nullptr;
  int on = 1;
  setsockopt(fd, SOL_UDP, UDP_GRO, &on, sizeof on);  // a kernel without it hands datagrams one by one
  UnderlayPort* p = new UnderlayPort(fd, opts.port);
  p->name = opts.address + ":" + std::to_string(opts.port);
  if (opts.sealed) p->esp_ = std::make_unique<EspPeers>(ntohl(sin.sin_addr.s_addr), opts.generation);
  // Sending sockets on ports of the dynamic range (49152-65535), from a random start.
  std::random_device rd;
  uint32_t port = 49152 + rd() % 16384;
  for (uint32_t tries = 0; p->tx_fds_.size() < kSourcePorts && tries < 256; tries++, port = 49152 + (port - 49152 + 1) % 16384) {
    sin.sin_port = htons(uint16_t(port));
    std::string ignored;
    const int tx = udp_socket(sin, &ignored);
    if (tx >= 0) p->tx_fds_.push_back(tx);
  }
  if (p->tx_fds_.empty()) {
    *error = "cannot bind any sending socket of the underlay on " + opts.address + " (ports 49152-65535 taken)";
    delete p;
    return nullptr;
  }
  return p;
}

// Buffers of runs still held stay out of the pool until the engine ends (its
// storage is one allocation): an underlay is removed with its daemon.
UnderlayPort::~UnderlayPort() {
  close(fd_);
  for (int fd : tx_fds_) close(fd);
}

uint32_t UnderlayPort::rx_burst(PacketPool& pool, Packet** out, uint32_t max) {
  uint32_t n = 0;
  // Runs held back from the last burst go first, in order.
  while (!held_.empty() && n + held_.front().datagrams() <= max) {
    n += expand(pool, held_.front(), out + n);
    held_.pop_front();
  }
  if (!held_.empty() || n == max) return n;
  Packet* pkts[kBatchMax];
  mmsghdr msgs[kBatchMax];
  iovec iovs[kBatchMax];
  alignas(cmsghdr) uint8_t control[kBatchMax][CMSG_SPACE(sizeof(int))];
  bool drained = false;
  const uint32_t got = recv_burst(fd_, pool, pkts, msgs, max - n, &drained, [&](uint32_t i, Packet* p, msghdr& h) {
    iovs[i] = {p->data, kMaxFrame};
    h.msg_iov = &iovs[i];
    h.msg_iovlen = 1;
    h.msg_control = control[i];
    h.msg_controllen = sizeof control[i];
  });
  for (uint32_t i = 0; i < got; i++) {
    Packet* p = pkts[i];
    msghdr& h = msgs[i].msg_hdr;
    if (h.msg_flags & MSG_TRUNC) {
      count_drop(CoreDrop::oversize);
      pool.put(p);
      continue;
    }
    Run r{p, msgs[i].msg_len, msgs[i].msg_len};
    for (cmsghdr* c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(&h, c))
      if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO) {
        int size;
        std::memcpy(&size, CMSG_DATA(c), sizeof size);
        if (size > 0 && uint32_t(size) < r.len) r.segment = uint32_t(size);
      }
    if (r.len == 0) {
      pool.put(p);
      continue;
    }
    if (held_.empty() && n + r.datagrams() <= max) n += expand(pool, r, out + n);
    else held_.push_back(r);
  }
  return n;
}

// One run into frames (coalesce.h), each datagram opened first when sealed (sealed.h).
uint32_t UnderlayPort::expand(PacketPool& pool, const Run& r, Packet** out) {
  counters.rx_packets += r.datagrams();
  counters.rx_bytes += r.len;
  r.p->in_port = id;
  uint64_t lost = 0;
  uint32_t k;
  if (esp_) {
    EspOpener opener(*esp_, counters);
    k = split_run(pool, r.p, r.len, r.segment, out, &lost, &opener);
  } else {
    k = split_run(pool, r.p, r.len, r.segment, out, &lost);
  }
  counters.drops[static_cast<int>(CoreDrop::no_buffer)] += lost;
  return k;
}

void UnderlayPort::send(uint32_t flow, mmsghdr* msgs, uint32_t n) {
  send_burst(
      tx_fd(flow), msgs, n,
      [&](uint32_t i) {
        counters.tx_packets++;
        counters.tx_bytes += msgs[i].msg_len;
      },
      [&](int) { count_drop(CoreDrop::tx_error); });  // this one refused (ENOBUFS, EMSGSIZE): the rest still go
}

bool UnderlayPort::send_segments(uint32_t flow, const sockaddr_in& to, const iovec* iov, uint32_t iovcnt, uint32_t bytes, uint32_t datagram, uint32_t count) {
  alignas(cmsghdr) uint8_t control[CMSG_SPACE(sizeof(uint16_t))] = {};
  msghdr h{};
  h.msg_name = const_cast<sockaddr_in*>(&to);
  h.msg_namelen = sizeof to;
  h.msg_iov = const_cast<iovec*>(iov);
  h.msg_iovlen = iovcnt;
  if (count > 1) {
    h.msg_control = control;
    h.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&h);
    c->cmsg_level = SOL_UDP;
    c->cmsg_type = UDP_SEGMENT;
    c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
    const uint16_t size = uint16_t(datagram);
    std::memcpy(CMSG_DATA(c), &size, sizeof size);
  }
  if (sendmsg(tx_fd(flow), &h, MSG_DONTWAIT) < 0) {
    count_drop(CoreDrop::tx_error);
    return false;
  }
  counters.tx_packets += count;
  counters.tx_bytes += bytes;
  return true;
}

}  // namespace ferry
