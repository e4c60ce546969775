// ferry-log-shim -- CMD [ARG...]
//
// A container's first process, between its namespaces and its command: it
// runs CMD with stdout and stderr on a pipe, appends what comes out of the
// pipe to the log (fd 1, opened for append by the daemon) and, for every read,
// one record to the timestamp index (fd 3), so that `ferry logs --since` and
// `--timestamps` know when each line arrived. The log itself stays the raw
// bytes the command wrote; nothing else reads it differently.
//
// Index record (src/daemon/log-times.ts reads it; a test writes through this
// program and reads back with it): two little-endian 64-bit integers, the
// wall-clock time of the read in nanoseconds since the epoch and the log's
// length after the bytes of that read were appended.
//
// It is the process the daemon knows the container by, so it exits only after
// its command has exited and the pipe has been drained: when the daemon sees
// the container gone, its log is complete. It ignores the signals sent to the
// container's process group (they are for the command) and ends as its
// command ended: the same exit code, or killed by the same signal.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace {

constexpr int kLogFd = 1;
constexpr int kTimesFd = 3;

// Signals whose default action a process must keep for its own faults.
bool is_fault_signal(int sig) {
  return sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL || sig == SIGABRT || sig == SIGTRAP || sig == SIGSYS;
}

bool write_all(int fd, const char* data, size_t len) {
  while (len) {
    ssize_t n = write(fd, data, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    len -= size_t(n);
  }
  return true;
}

void put_le64(unsigned char* out, uint64_t v) {
  for (int i = 0; i < 8; i++) out[i] = static_cast<unsigned char>(v >> (8 * i));
}

// Appends one read's bytes to the log and its record to the index. A full
// disk loses output, never the command: errors here are not fatal.
void record(const char* data, size_t len) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  if (!write_all(kLogFd, data, len)) return;
  off_t end = lseek(kLogFd, 0, SEEK_CUR);  // O_APPEND: just past what was written
  if (end < 0) return;
  unsigned char rec[16];
  put_le64(rec, uint64_t(now.tv_sec) * 1000000000ull + uint64_t(now.tv_nsec));
  put_le64(rec + 8, uint64_t(end));
  write_all(kTimesFd, reinterpret_cast<const char*>(rec), sizeof rec);
}

// Reads what the pipe holds; false at end of file (every writer gone).
bool drain(int fd, bool* would_block) {
  static char buf[65536];
  *would_block = false;
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) {
      record(buf, size_t(n));
      if (size_t(n) < sizeof buf) return true;
      continue;
    }
    if (n == 0) return false;
    if (errno == EINTR) continue;
    if (errno == EAGAIN) {
      *would_block = true;
      return true;
    }
    return false;
  }
}

[[noreturn]] void end_like(int status) {
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    signal(sig, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigprocmask(SIG_UNBLOCK, &set, nullptr);
    raise(sig);
    _exit(128 + sig);
  }
  _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || strcmp(argv[1], "--") != 0) {
    fprintf(stderr, "usage: ferry-log-shim -- CMD [ARG...] (log on fd 1, timestamp index on fd 3)\n");
    return 125;
  }
  if (fcntl(kTimesFd, F_SETFD, FD_CLOEXEC) < 0) {
    fprintf(stderr, "ferry-log-shim: fd 3 (the timestamp index) is not open: %s\n", strerror(errno));
    return 125;
  }
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, nullptr);
  int sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  int pipefd[2];
  if (sfd < 0 || pipe2(pipefd, O_CLOEXEC) < 0) {
    fprintf(stderr, "ferry-log-shim: %s\n", strerror(errno));
    return 125;
  }
  pid_t child = fork();
  if (child < 0) {
    fprintf(stderr, "ferry-log-shim: fork: %s\n", strerror(errno));
    return 125;
  }
  if (child == 0) {
    sigprocmask(SIG_UNBLOCK, &chld, nullptr);
    dup2(pipefd[1], 1);
    dup2(pipefd[1], 2);
    execvp(argv[2], argv + 2);
    fprintf(stderr, "ferry: cannot run %s: %s\n", argv[2], strerror(errno));
    _exit(errno == ENOENT ? 127 : 126);
  }
  // The group's signals are for the command; this process keeps reading.
  for (int sig = 1; sig < NSIG; sig++)
    if (sig != SIGCHLD && sig != SIGKILL && sig != SIGSTOP && sig != SIGCONT && !is_fault_signal(sig)) signal(sig, SIG_IGN);
  close(pipefd[1]);
  int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (devnull >= 0) dup2(devnull, 0);  // stdin is the command's alone
  fcntl(pipefd[0], F_SETFL, O_NONBLOCK);

  bool open_pipe = true;
  for (;;) {
    struct pollfd fds[2] = {{sfd, POLLIN, 0}, {pipefd[0], POLLIN, 0}};
    if (poll(fds, open_pipe ? 2 : 1, -1) < 0 && errno != EINTR) break;
    bool would_block;
    if (open_pipe && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) open_pipe = drain(pipefd[0], &would_block);
    if (fds[0].revents & POLLIN) {
      struct signalfd_siginfo info;
      while (read(sfd, &info, sizeof info) == sizeof info) {
      }
      int status;
      if (waitpid(child, &status, WNOHANG) == child) {
        // What it wrote before it exited is in the pipe now; a child of its
        // own that keeps the pipe open writes after this to nobody.
        if (open_pipe) drain(pipefd[0], &would_block);
        end_like(status);
      }
    }
  }
  int status;
  waitpid(child, &status, 0);
  end_like(status);
}
