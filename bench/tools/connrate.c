/*
 * New TCP connections per second, for the `nat` suite: every connection is a
 * new flow through a published port, so this measures connection setup in
 * the datapath (conntrack entry creation, DNAT, the first packets) rather
 * than throughput. Written in C because a Node.js generator tops out below
 * what the kernel's NAT handles on this machine.
 *
 *   connrate server PORT
 *       accepts and closes connections until killed
 *   connrate client IP PORT SECONDS CONCURRENCY
 *       keeps CONCURRENCY connects in flight; each completed handshake is
 *       counted and closed with RST (SO_LINGER 0), so client ports are reused
 *       at once rather than waiting in TIME_WAIT; prints connections/s
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int server(int port) {
  int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  if (bind(s, (struct sockaddr *)&a, sizeof a) || listen(s, 4096)) {
    perror("server");
    return 1;
  }
  for (;;) {
    int c = accept(s, NULL, NULL);
    if (c >= 0) close(c);
  }
}

static int start(int ep, struct sockaddr_in *to) {
  int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  struct linger l = {1, 0};
  setsockopt(s, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  if (connect(s, (struct sockaddr *)to, sizeof *to) && errno != EINPROGRESS) {
    close(s);
    return -1;
  }
  struct epoll_event ev = {.events = EPOLLOUT, .data.fd = s};
  epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);
  return s;
}

static int client(const char *ip, int port, double seconds, int concurrency) {
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port)};
  inet_pton(AF_INET, ip, &to.sin_addr);
  int ep = epoll_create1(0);
  for (int i = 0; i < concurrency; i++) start(ep, &to);
  long done = 0, failed = 0;
  double t0 = now(), end = t0 + seconds;
  struct epoll_event evs[256];
  while (now() < end) {
    int n = epoll_wait(ep, evs, 256, 100);
    for (int i = 0; i < n; i++) {
      int s = evs[i].data.fd, err = 0;
      socklen_t len = sizeof err;
      getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err) failed++;
      else done++;
      close(s);
      start(ep, &to);
    }
  }
  printf("%.0f %ld\n", done / (now() - t0), failed);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 3 && !strcmp(argv[1], "server")) return server(atoi(argv[2]));
  if (argc == 6 && !strcmp(argv[1], "client")) return client(argv[2], atoi(argv[3]), atof(argv[4]), atoi(argv[5]));
  fprintf(stderr, "usage: connrate server PORT | connrate client IP PORT SECONDS CONCURRENCY\n");
  return 2;
}
