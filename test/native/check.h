// What the in-memory native tests share: CHECK, which reports a failed
// condition with its place and goes on, and the verdict main() returns.
#pragma once
#include <cstdio>

static int failures = 0;
#define CHECK(cond, what)                                                 \
  do {                                                                    \
    if (!(cond)) {                                                        \
      std::fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, what); \
      failures++;                                                         \
    }                                                                     \
  } while (0)

// "ok" and 0 when every CHECK held; the count of failures and 1 otherwise.
inline int verdict() {
  if (failures) {
    std::fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  std::printf("ok\n");
  return 0;
}
