// Small conversions shared by the bindings: MAC and address text <->
// integers, option reading with clear errors, ControlError -> JS error with a
// `code`.
#pragma once
#include <napi.h>

#include <cstdint>
#include <string>

#include "core/control_error.h"
#include "l2/ethernet.h"
#include "l3/ip_key.h"

namespace ferry {

bool parse_mac(const std::string& text, uint64_t* mac);

// An IPv4 address given as dotted-quad text, in host order; `what` names it in the error.
uint32_t ipv4_arg(Napi::Env env, const Napi::Value& v, const char* what);
// An IPv4 or IPv6 address given as text, as a 16-byte key (IPv4 mapped).
IpKey ip_arg(Napi::Env env, const std::string& text);

// Throws a JS Error whose `code` property is the code's name.
[[noreturn]] void throw_js(Napi::Env env, ErrorCode code, const std::string& message);

uint32_t get_u32(const Napi::Object& o, const char* key, uint32_t fallback);
std::string get_string(const Napi::Object& o, const char* key, const std::string& fallback);
bool get_bool(const Napi::Object& o, const char* key, bool fallback);
// The argument at i as an object (an empty one when absent).
Napi::Object object_arg(const Napi::CallbackInfo& info, size_t i);
uint32_t u32_arg(const Napi::CallbackInfo& info, size_t i, const char* what);

// Runs f, turning a ControlError into a JS error carrying its code.
template <typename F>
auto guarded(Napi::Env env, F f) -> decltype(f()) {
  try {
    return f();
  } catch (const ControlError& e) {
    throw_js(env, e.code, e.what());
  }
}

}  // namespace ferry
