// A burst through one recvmmsg or sendmmsg, for the ports that are sockets
// (AF_PACKET, the VXLAN underlay's UDP socket): the packets a read did not
// fill go back to the pool, and a message the kernel refuses on send is
// skipped, reported, and the rest still go.
#pragma once
#include <sys/socket.h>

#include <cerrno>
#include <cstdint>

#include "core/packet.h"

namespace ferry {

// Takes up to max packets from the pool into pkts, has prepare(i, p, hdr)
// point message i at packet p's buffers, reads once, and gives back to the
// pool what was not filled. Returns how many were read: pkts[0..n) and
// msgs[0..n). *drained: the socket had fewer than asked.
template <typename Prepare>
uint32_t recv_burst(int fd, PacketPool& pool, Packet** pkts, mmsghdr* msgs, uint32_t max, bool* drained, Prepare prepare) {
  uint32_t want = 0;
  for (; want < max; want++) {
    Packet* p = pool.get();
    if (!p) break;
    pkts[want] = p;
    msgs[want] = {};
    prepare(want, p, msgs[want].msg_hdr);
  }
  int got = want ? recvmmsg(fd, msgs, want, MSG_DONTWAIT, nullptr) : 0;
  if (got < 0) got = 0;
  for (uint32_t i = uint32_t(got); i < want; i++) pool.put(pkts[i]);
  *drained = uint32_t(got) < want;
  return uint32_t(got);
}

// Sends msgs[0..n): sent(i) for each message the kernel took, refused(errno)
// for each it refused (ENOBUFS, ENETDOWN, EMSGSIZE...).
template <typename Sent, typename Refused>
void send_burst(int fd, mmsghdr* msgs, uint32_t n, Sent sent, Refused refused) {
  uint32_t done = 0;
  while (done < n) {
    const int k = sendmmsg(fd, msgs + done, n - done, MSG_DONTWAIT);
    if (k <= 0) {
      refused(errno);
      done++;
      continue;
    }
    for (int i = 0; i < k; i++) sent(done + uint32_t(i));
    done += uint32_t(k);
  }
}

}  // namespace ferry
