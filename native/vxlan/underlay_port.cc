#include "vxlan/underlay_port.h"

#include <arpa/inet.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/netns_scope.h"

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
  uint32_t want = 0;
  for (; want < max; want++) {
    Packet* p = pool.get();
    if (!p) break;
    pkts[want] = p;
    iovs[want] = {p->data, kMaxFrame};
    msgs[want] = {};
    msgs[want].msg_hdr.msg_iov = &iovs[want];
    msgs[want].msg_hdr.msg_iovlen = 1;
  }
  int got = want ? recvmmsg(fd_, msgs, want, MSG_DONTWAIT, nullptr) : 0;
  if (got < 0) got = 0;
  uint32_t n = 0;
  for (uint32_t i = 0; i < want; i++) {
    Packet* p = pkts[i];
    if (int(i) >= got) {
      pool.put(p);
      continue;
    }
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

uint32_t UnderlayPort::send(mmsghdr* msgs, uint32_t n) {
  uint32_t done = 0;
  while (done < n) {
    int sent = sendmmsg(fd_, msgs + done, n - done, MSG_DONTWAIT);
    if (sent <= 0) {
      count_drop(CoreDrop::tx_error);  // this one refused (ENOBUFS, EMSGSIZE): the rest still go
      done++;
      continue;
    }
    for (int i = 0; i < sent; i++) {
      counters.tx_packets++;
      counters.tx_bytes += msgs[done + uint32_t(i)].msg_len;
    }
    done += uint32_t(sent);
  }
  return done;
}

}  // namespace ferry
