#include "napi/convert.h"

#include <cstdio>

namespace ferry {

bool parse_mac(const std::string& text, uint64_t* mac) {
  unsigned b[6];
  char tail;
  if (std::sscanf(text.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &tail) != 6)
    return false;
  if (text.size() != 17) return false;
  *mac = 0;
  for (unsigned v : b) *mac = *mac << 8 | v;
  return true;
}

std::string format_mac(uint64_t mac) {
  char s[18];
  std::snprintf(s, sizeof s, "%02x:%02x:%02x:%02x:%02x:%02x", unsigned(mac >> 40 & 0xff), unsigned(mac >> 32 & 0xff),
                unsigned(mac >> 24 & 0xff), unsigned(mac >> 16 & 0xff), unsigned(mac >> 8 & 0xff), unsigned(mac & 0xff));
  return s;
}

void throw_js(Napi::Env env, const std::string& code, const std::string& message) {
  Napi::Error err = Napi::Error::New(env, message);
  err.Set("code", Napi::String::New(env, code));
  throw err;
}

uint32_t get_u32(const Napi::Object& o, const char* key, uint32_t fallback) {
  if (!o.Has(key) || o.Get(key).IsUndefined()) return fallback;
  Napi::Value v = o.Get(key);
  if (!v.IsNumber() || v.As<Napi::Number>().DoubleValue() < 0)
    throw_js(o.Env(), "bad_argument", std::string("option ") + key + " must be a non-negative number");
  return v.As<Napi::Number>().Uint32Value();
}

std::string get_string(const Napi::Object& o, const char* key, const std::string& fallback) {
  if (!o.Has(key) || o.Get(key).IsUndefined()) return fallback;
  Napi::Value v = o.Get(key);
  if (!v.IsString()) throw_js(o.Env(), "bad_argument", std::string("option ") + key + " must be a string");
  return v.As<Napi::String>().Utf8Value();
}

}  // namespace ferry
