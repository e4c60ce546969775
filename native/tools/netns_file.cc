// writeInNetns(netnsPath, file, text): writes a file as seen from inside a
// network namespace. /proc/sys/net/* resolves against the namespace of the
// task that opens it, so this is how the control plane sets a container's
// sysctls (disable_ipv6, say) without spawning `ip netns exec sysctl`.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/netns_scope.h"
#include "napi/convert.h"
#include "tools/netns_file.h"

namespace ferry {

Napi::Value WriteInNetns(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string netns = info[0].As<Napi::String>().Utf8Value();
  std::string file = info[1].As<Napi::String>().Utf8Value();
  std::string text = info[2].As<Napi::String>().Utf8Value();
  std::string error;
  {
    NetnsScope scope(netns);
    if (!scope.ok()) throw_js(env, ErrorCode::netns, scope.error());
    int fd = open(file.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
      error = "cannot open " + file + " in " + netns + ": " + strerror(errno);
    } else {
      if (write(fd, text.data(), text.size()) != ssize_t(text.size()))
        error = "cannot write " + file + " in " + netns + ": " + strerror(errno);
      close(fd);
    }
  }
  if (!error.empty()) throw_js(env, ErrorCode::netns, error);
  return env.Undefined();
}

}  // namespace ferry
