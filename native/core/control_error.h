// A failed control operation. Its code is one of the list below: stable,
// exported to TypeScript by the addon (src/dataplane/errors.ts reads it), and
// mapped there to a typed error; what() is the sentence for people.
#pragma once
#include <stdexcept>
#include <string>

#define FERRY_CONTROL_ERRORS(X)                                                    \
  X(bad_argument, "an argument is missing, of the wrong type or out of range")    \
  X(engine_start, "the worker's epoll or eventfd could not be made")              \
  X(engine_stopped, "the engine has been shut down")                              \
  X(no_such_domain, "no bridge domain with that id")                              \
  X(no_such_port, "no port with that id")                                         \
  X(domain_in_use, "the bridge domain still has ports")                           \
  X(port_not_in_domain, "the port is in another bridge domain")                   \
  X(mac_table_full, "the bridge domain's MAC table is full")                      \
  X(too_many_ports, "the engine's port table is full")                            \
  X(port_poll, "the port's fd could not be added to the worker's epoll")          \
  X(tap_open, "the TAP device could not be made or configured")                  \
  X(packet_open, "the AF_PACKET socket could not be opened or bound")            \
  X(uplink_exists, "the engine already has an uplink")                           \
  X(port_in_use, "the protocol and port are already published")                  \
  X(netns, "a network namespace could not be entered, or a file in it written")  \
  X(no_such_interface, "no interface with that name")                            \
  X(socket, "a socket could not be opened or configured")                        \
  X(send, "the kernel refused to send a frame")                                  \
  X(closed, "the socket is closed")                                               \
  X(no_such_segment, "no macvlan/ipvlan segment with that id")                    \
  X(segment_exists, "the parent already carries a segment on that VLAN")          \
  X(segment_in_use, "the segment still has members, or a passthru one is taken")

namespace ferry {

enum class ErrorCode {
#define FERRY_X(name, help) name,
  FERRY_CONTROL_ERRORS(FERRY_X)
#undef FERRY_X
};

inline const char* error_code_name(ErrorCode c) {
  static const char* const names[] = {
#define FERRY_X(name, help) #name,
      FERRY_CONTROL_ERRORS(FERRY_X)
#undef FERRY_X
  };
  return names[int(c)];
}

class ControlError : public std::runtime_error {
 public:
  ControlError(ErrorCode code, const std::string& message) : std::runtime_error(message), code(code) {}
  ErrorCode code;
};

}  // namespace ferry
