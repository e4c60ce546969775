#include "vxlan/underlay_port.h"

#include <arpa/inet.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/netns_scope.h"
#include "ports/mmsg.h"

namespace ferry {

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
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = std::string("cannot open the underlay's UDP socket: ") + strerror(errno);
    return nullptr;
  }
  // Deep buffers: a burst of full-size datagrams arrives between two polls.
  int buf = 32 << 20;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof buf) != 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
  if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof buf) != 0) setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
  if (bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin) != 0) {
    *error = "cannot bind the underlay to " + opts.address + ":" + std::to_string(opts.port) + ": " + strerror(errno);
    close(fd);
    return nullptr;
  }
  UnderlayPort* p = new UnderlayPort(fd, opts.port);
  p->name = opts.address + ":" + std::to_string(opts.port);
  return p;
}

UnderlayPort::~UnderlayPort() { close(fd_); }

uint32_t UnderlayPort::rx_burst(PacketPool& pool, Packet** out, uint32_t max) {
  Packet* pkts[kBatchMax];
  mmsghdr msgs[kBatchMax];
  iovec iovs[kBatchMax];
  bool drained = false;
  const uint32_t got = recv_burst(fd_, pool, pkts, msgs, max, &drained, [&](uint32_t i, Packet* p, msghdr& h) {
    iovs[i] = {p->data, kMaxFrame};
    h.msg_iov = &iovs[i];
    h.msg_iovlen = 1;
  });
  uint32_t n = 0;
  for (uint32_t i = 0; i < got; i++) {
    Packet* p = pkts[i];
    if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
      count_drop(CoreDrop::oversize);
      pool.put(p);
      continue;
    }
    p->len = msgs[i].msg_len;
    p->in_port = id;
    counters.rx_packets++;
    counters.rx_bytes += p->len;
    out[n++] = p;
  }
  return n;
}

void UnderlayPort::send(mmsghdr* msgs, uint32_t n) {
  send_burst(
      fd_, msgs, n,
      [&](uint32_t i) {
        counters.tx_packets++;
        counters.tx_bytes += msgs[i].msg_len;
      },
      [&](int) { count_drop(CoreDrop::tx_error); });  // this one refused (ENOBUFS, EMSGSIZE): the rest still go
}

}  // namespace ferry
