// Small conversions shared by the bindings: MAC text <-> integer, option
// reading with clear errors, ControlError -> JS error with a `code`.
#pragma once
#include <napi.h>

#include <cstdint>
#include <string>

namespace ferry {

bool parse_mac(const std::string& text, uint64_t* mac);
std::string format_mac(uint64_t mac);

// Throws a JS Error whose `code` property is `code`.
[[noreturn]] void throw_js(Napi::Env env, const std::string& code, const std::string& message);

uint32_t get_u32(const Napi::Object& o, const char* key, uint32_t fallback);
std::string get_string(const Napi::Object& o, const char* key, const std::string& fallback);

// Runs f, turning a ControlError into a JS error carrying its code.
template <typename F>
auto guarded(Napi::Env env, F f) -> decltype(f());

}  // namespace ferry

#include "core/engine.h"

namespace ferry {
template <typename F>
auto guarded(Napi::Env env, F f) -> decltype(f()) {
  try {
    return f();
  } catch (const ControlError& e) {
    throw_js(env, e.code, e.what());
  }
}
}  // namespace ferry
