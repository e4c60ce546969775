#include "core/netns_scope.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace ferry {

NetnsScope::NetnsScope(const std::string& netns_path) {
  if (netns_path.empty()) return;
  home_fd_ = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (home_fd_ < 0) {
    error_ = std::string("cannot open the current network namespace: ") + strerror(errno);
    return;
  }
  int target = open(netns_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (target < 0) {
    error_ = "network namespace " + netns_path + ": " + strerror(errno);
    close(home_fd_);
    home_fd_ = -1;
    return;
  }
  if (setns(target, CLONE_NEWNET) != 0) {
    error_ = "cannot enter network namespace " + netns_path + ": " + strerror(errno);
    close(home_fd_);
    home_fd_ = -1;
  }
  close(target);
}

NetnsScope::~NetnsScope() {
  if (home_fd_ < 0) return;
  if (setns(home_fd_, CLONE_NEWNET) != 0) {
    // Staying in the wrong namespace would silently misconfigure everything
    // this thread does next; that is worse than stopping.
    fprintf(stderr, "ferry: cannot return to the original network namespace: %s\n", strerror(errno));
    abort();
  }
  close(home_fd_);
}

}  // namespace ferry
