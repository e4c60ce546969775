// Runs a piece of code inside another network namespace, on the calling thread
// only. setns(CLONE_NEWNET) is per thread, so the rest of the process (Node's
// event loop, the worker) is unaffected, and sockets or TAP devices created in
// the scope stay in that namespace after the thread switches back.
#pragma once
#include <string>

namespace ferry {

class NetnsScope {
 public:
  // An empty path means "stay where we are". On failure ok() is false and
  // error() says why, naming the path.
  explicit NetnsScope(const std::string& netns_path);
  ~NetnsScope();
  NetnsScope(const NetnsScope&) = delete;
  NetnsScope& operator=(const NetnsScope&) = delete;

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

 private:
  int home_fd_ = -1;
  std::string error_;
};

}  // namespace ferry
