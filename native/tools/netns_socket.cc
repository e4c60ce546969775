// openListenSockets(netnsPath, address, port) -> { udp, tcp }: a UDP socket
// and a listening TCP socket bound inside a network namespace, as fds that
// Node adopts (dgram bind({fd}), net listen({fd})). This is how the embedded
// DNS resolver answers at 127.0.0.11 inside each container: the socket lives
// in the container's namespace, so only that container can reach it, and the
// socket itself says who is asking.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/netns_scope.h"
#include "napi/convert.h"
#include "tools/netns_file.h"

namespace ferry {

namespace {
int bound_socket(int type, const sockaddr_in& addr, std::string* error) {
  int fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = std::string("socket: ") + strerror(errno);
    return -1;
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 || (type == SOCK_STREAM && listen(fd, 128) != 0)) {
    *error = std::string(type == SOCK_STREAM ? "TCP" : "UDP") + " bind/listen: " + strerror(errno);
    close(fd);
    return -1;
  }
  return fd;
}
}  // namespace

Napi::Value OpenListenSockets(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string netns = info[0].As<Napi::String>().Utf8Value();
  std::string address = info[1].As<Napi::String>().Utf8Value();
  uint32_t port = info[2].As<Napi::Number>().Uint32Value();
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(uint16_t(port));
  if (inet_pton(AF_INET, address.c_str(), &addr.sin_addr) != 1) throw_js(env, ErrorCode::bad_argument, "\"" + address + "\" is not an IPv4 address");
  std::string error;
  int udp = -1, tcp = -1;
  {
    NetnsScope scope(netns);
    if (!scope.ok()) throw_js(env, ErrorCode::netns, scope.error());
    udp = bound_socket(SOCK_DGRAM, addr, &error);
    if (udp >= 0) tcp = bound_socket(SOCK_STREAM, addr, &error);
  }
  if (tcp < 0) {
    if (udp >= 0) close(udp);
    throw_js(env, ErrorCode::socket, "cannot listen on " + address + ":" + std::to_string(port) + " in " + netns + ": " + error);
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("udp", udp);
  out.Set("tcp", tcp);
  return out;
}

}  // namespace ferry
