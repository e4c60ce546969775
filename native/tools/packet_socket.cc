// PacketSocket: an AF_PACKET socket bound to one interface in one network
// namespace. Tests and the demo use it to put exact bytes on a wire (a
// malformed frame, a raw ARP request, a frame with a chosen virtio-net header)
// and to watch what arrives on another. It is a real kernel socket, not a mock
// of one; the engine never uses it per packet.
#include "tools/packet_socket.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/netns_scope.h"
#include "core/vnet.h"
#include "napi/convert.h"

namespace ferry {

namespace {

std::string sys_error(const std::string& what) { return what + ": " + strerror(errno); }

VnetHdr vnet_from_js(const Napi::Object& o) {
  VnetHdr h{};
  h.flags = uint8_t(get_u32(o, "flags", 0));
  h.gso_type = uint8_t(get_u32(o, "gsoType", 0));
  h.hdr_len = uint16_t(get_u32(o, "hdrLen", 0));
  h.gso_size = uint16_t(get_u32(o, "gsoSize", 0));
  h.csum_start = uint16_t(get_u32(o, "csumStart", 0));
  h.csum_offset = uint16_t(get_u32(o, "csumOffset", 0));
  return h;
}

Napi::Object vnet_to_js(Napi::Env env, const VnetHdr& h) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("flags", h.flags);
  o.Set("gsoType", h.gso_type);
  o.Set("hdrLen", h.hdr_len);
  o.Set("gsoSize", h.gso_size);
  o.Set("csumStart", h.csum_start);
  o.Set("csumOffset", h.csum_offset);
  return o;
}

}  // namespace

Napi::Function PacketSocket::Init(Napi::Env env) {
  return DefineClass(env, "PacketSocket",
                     {
                         InstanceMethod<&PacketSocket::Send>("send"),
                         InstanceMethod<&PacketSocket::Recv>("recv"),
                         InstanceMethod<&PacketSocket::Close>("close"),
                     });
}

// new PacketSocket({ netns, ifname, vnetHdr })
PacketSocket::PacketSocket(const Napi::CallbackInfo& info) : Napi::ObjectWrap<PacketSocket>(info) {
  Napi::Env env = info.Env();
  Napi::Object o = info[0].As<Napi::Object>();
  std::string netns = get_string(o, "netns", "");
  std::string ifname = get_string(o, "ifname", "");
  vnet_ = o.Has("vnetHdr") && o.Get("vnetHdr").ToBoolean().Value();
  NetnsScope scope(netns);
  if (!scope.ok()) throw_js(env, ErrorCode::netns, scope.error());
  unsigned ifindex = if_nametoindex(ifname.c_str());
  if (ifindex == 0) throw_js(env, ErrorCode::no_such_interface, sys_error("interface \"" + ifname + "\" in " + netns));
  fd_ = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(ETH_P_ALL));
  if (fd_ < 0) throw_js(env, ErrorCode::socket, sys_error("AF_PACKET socket"));
  int one = 1;
  if (vnet_ && setsockopt(fd_, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof one) != 0) {
    std::string e = sys_error("PACKET_VNET_HDR");
    Close(info);
    throw_js(env, ErrorCode::socket, e);
  }
  sockaddr_ll sll{};
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ETH_P_ALL);
  sll.sll_ifindex = int(ifindex);
  if (bind(fd_, reinterpret_cast<sockaddr*>(&sll), sizeof sll) != 0) {
    std::string e = sys_error("bind to " + ifname);
    Close(info);
    throw_js(env, ErrorCode::socket, e);
  }
}

PacketSocket::~PacketSocket() {
  if (fd_ >= 0) close(fd_);
}

// send(frame: Buffer, vnet?: {...}) -> bytes sent; throws with the kernel's reason
Napi::Value PacketSocket::Send(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (fd_ < 0) throw_js(env, ErrorCode::closed, "the packet socket is closed");
  Napi::Buffer<uint8_t> frame = info[0].As<Napi::Buffer<uint8_t>>();
  VnetHdr h{};
  if (info.Length() > 1 && info[1].IsObject()) h = vnet_from_js(info[1].As<Napi::Object>());
  iovec iov[2] = {{&h, sizeof h}, {frame.Data(), frame.Length()}};
  ssize_t r = vnet_ ? writev(fd_, iov, 2) : writev(fd_, iov + 1, 1);
  if (r < 0) throw_js(env, ErrorCode::send, sys_error("send on packet socket"));
  return Napi::Number::New(env, double(r));
}

// recv(timeoutMs) -> { frame, vnet?, outgoing } | null
Napi::Value PacketSocket::Recv(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (fd_ < 0) throw_js(env, ErrorCode::closed, "the packet socket is closed");
  int timeout = info.Length() > 0 ? info[0].As<Napi::Number>().Int32Value() : 0;
  pollfd p{fd_, POLLIN, 0};
  if (poll(&p, 1, timeout) <= 0) return env.Null();
  static thread_local uint8_t buf[65536 + 1024];
  VnetHdr h{};
  iovec iov[2] = {{&h, sizeof h}, {buf, sizeof buf}};
  sockaddr_ll from{};
  msghdr msg{};
  msg.msg_name = &from;
  msg.msg_namelen = sizeof from;
  msg.msg_iov = vnet_ ? iov : iov + 1;
  msg.msg_iovlen = vnet_ ? 2 : 1;
  ssize_t r = recvmsg(fd_, &msg, 0);
  if (r < 0) return env.Null();
  size_t len = size_t(r) - (vnet_ ? sizeof h : 0);
  Napi::Object out = Napi::Object::New(env);
  out.Set("frame", Napi::Buffer<uint8_t>::Copy(env, buf, len));
  out.Set("outgoing", from.sll_pkttype == PACKET_OUTGOING);
  if (vnet_) out.Set("vnet", vnet_to_js(env, h));
  return out;
}

Napi::Value PacketSocket::Close(const Napi::CallbackInfo& info) {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  return info.Env().Undefined();
}

}  // namespace ferry
