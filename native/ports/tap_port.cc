#include "ports/tap_port.h"

#include <fcntl.h>
#include <linux/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/netns_scope.h"

namespace ferry {

namespace {

// The TAP's tx ring (frames the kernel has for us) is tx_queue_len long and the
// kernel drops when it is full. 500 (tun's default) overflows under a bulk TCP
// stream when the worker is briefly descheduled on a 2-core machine; 4096 does
// not, and costs nothing until used.
constexpr int kDefaultTxQueueLen = 4096;

// Tried in order: the first set the kernel accepts wins. USO needs linux 6.2.
constexpr unsigned kOffloadSets[] = {
    TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN | TUN_F_USO4 | TUN_F_USO6,
    TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN,
    TUN_F_CSUM,
    0,
};

std::string errno_text(const char* what, const std::string& name) {
  return std::string(what) + " for TAP \"" + name + "\": " + strerror(errno);
}

}  // namespace

TapPort* TapPort::open(const TapOptions& opts, std::string* error) {
  if (opts.name.size() >= IFNAMSIZ) {
    *error = "TAP name \"" + opts.name + "\" is longer than 15 characters";
    return nullptr;
  }
  NetnsScope scope(opts.netns_path);
  if (!scope.ok()) {
    *error = scope.error();
    return nullptr;
  }
  int fd = ::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    *error = errno_text("cannot open /dev/net/tun", opts.name);
    return nullptr;
  }
  struct ifreq ifr {};
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
  strncpy(ifr.ifr_name, opts.name.c_str(), IFNAMSIZ - 1);
  if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
    *error = errno_text("TUNSETIFF failed", opts.name);
    ::close(fd);
    return nullptr;
  }
  std::string actual(ifr.ifr_name);
  int hdr_len = kVnetHdrLen;
  if (ioctl(fd, TUNSETVNETHDRSZ, &hdr_len) != 0) {
    *error = errno_text("TUNSETVNETHDRSZ failed", actual);
    ::close(fd);
    return nullptr;
  }
  if (opts.persist && ioctl(fd, TUNSETPERSIST, 1) != 0) {
    *error = errno_text("TUNSETPERSIST failed", actual);
    ::close(fd);
    return nullptr;
  }
  unsigned offloads = 0;
  for (unsigned set : kOffloadSets) {
    if (!opts.offloads) set = 0;
    if (ioctl(fd, TUNSETOFFLOAD, set) == 0) {
      offloads = set;
      break;
    }
  }
  int ctl = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  int ifindex = 0;
  uint32_t mtu = 0;
  if (ctl >= 0) {
    struct ifreq q {};
    strncpy(q.ifr_name, actual.c_str(), IFNAMSIZ - 1);
    q.ifr_qlen = opts.tx_queue_len > 0 ? opts.tx_queue_len : kDefaultTxQueueLen;
    if (ioctl(ctl, SIOCSIFTXQLEN, &q) != 0) {
      *error = errno_text("cannot set the tx queue length", actual);
      ::close(ctl);
      if (opts.persist) ioctl(fd, TUNSETPERSIST, 0);
      ::close(fd);
      return nullptr;
    }
    if (opts.mtu) {
      q.ifr_mtu = int(opts.mtu);
      if (ioctl(ctl, SIOCSIFMTU, &q) != 0) {
        *error = errno_text(("cannot set MTU " + std::to_string(opts.mtu)).c_str(), actual);
        ::close(ctl);
        if (opts.persist) ioctl(fd, TUNSETPERSIST, 0);
        ::close(fd);
        return nullptr;
      }
    }
    if (ioctl(ctl, SIOCGIFMTU, &q) == 0) mtu = uint32_t(q.ifr_mtu);
    if (ioctl(ctl, SIOCGIFINDEX, &q) == 0) ifindex = q.ifr_ifindex;
    ::close(ctl);
  }
  TapPort* port = new TapPort(fd, offloads, ifindex);
  port->name = actual;
  port->mtu = mtu;
  return port;
}

int TapPort::open_netns() const { return ioctl(fd_, TUNGETDEVNETNS); }

TapPort::~TapPort() {
  if (destroy_on_close_) ioctl(fd_, TUNSETPERSIST, 0);  // the device goes with the last fd
  ::close(fd_);
}

// The frame is read and written with its vnet header directly in front of it
// in the packet buffer (the headroom holds it), so each transfer is one plain
// read()/write() on contiguous memory: no iovec to import. Raw syscall() skips
// glibc's cancellation-point wrappers. Profiling 64-byte forwarding showed the
// iovec import and the wrappers at about a sixth of the worker's time.
namespace {
inline ssize_t raw_read(int fd, void* buf, size_t len) { return syscall(SYS_read, fd, buf, len); }
inline ssize_t raw_write(int fd, const void* buf, size_t len) { return syscall(SYS_write, fd, buf, len); }
}  // namespace

uint32_t TapPort::rx_burst(PacketPool& pool, Packet** out, uint32_t max) {
  uint32_t n = 0;
  while (n < max) {
    Packet* p = pool.get();
    if (!p) break;
    uint8_t* hdr = p->data - kVnetHdrLen;
    ssize_t r = raw_read(fd_, hdr, kVnetHdrLen + kMaxFrame);
    if (r < 0) {
      pool.put(p);
      break;  // EAGAIN: drained. EBADFD etc.: the device went away; the control plane removes it.
    }
    if (r < kVnetHdrLen) {  // cannot happen with IFF_VNET_HDR; count rather than trust
      count_drop(CoreDrop::runt);
      pool.put(p);
      continue;
    }
    std::memcpy(&p->vnet, hdr, kVnetHdrLen);
    p->len = uint32_t(r - kVnetHdrLen);
    p->in_port = id;
    counters.rx_packets++;
    counters.rx_bytes += p->len;
    if (p->len >= kMaxFrame) {  // filled the buffer: the frame was cut short
      count_drop(CoreDrop::oversize);
      pool.put(p);
      continue;
    }
    out[n++] = p;
  }
  return n;
}

void TapPort::tx_burst(Packet* const* pkts, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) {
    Packet* p = pkts[i];
    uint8_t* hdr = p->data - kVnetHdrLen;  // headroom: always at least kVnetHdrLen in front of data
    std::memcpy(hdr, &p->vnet, kVnetHdrLen);
    if (raw_write(fd_, hdr, kVnetHdrLen + p->len) < 0) {
      count_drop(errno == EIO ? CoreDrop::port_down : CoreDrop::tx_error);
      continue;
    }
    counters.tx_packets++;
    counters.tx_bytes += p->len;
  }
}

}  // namespace ferry
