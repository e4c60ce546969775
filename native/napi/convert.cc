#include "napi/convert.h"

#include <arpa/inet.h>

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

uint32_t ipv4_arg(Napi::Env env, const Napi::Value& v, const char* what) {
  in_addr a{};
  if (!v.IsString() || inet_pton(AF_INET, v.As<Napi::String>().Utf8Value().c_str(), &a) != 1)
    throw_js(env, ErrorCode::bad_argument, std::string(what) + " must be an IPv4 address such as 192.0.2.10");
  return ntohl(a.s_addr);
}

IpKey ip_arg(Napi::Env env, const std::string& text) {
  in_addr a4{};
  if (inet_pton(AF_INET, text.c_str(), &a4) == 1) return IpKey::v4(ntohl(a4.s_addr));
  in6_addr a6{};
  if (inet_pton(AF_INET6, text.c_str(), &a6) != 1) throw_js(env, ErrorCode::bad_argument, "address \"" + text + "\" is neither IPv4 nor IPv6");
  return IpKey::v6(a6.s6_addr);
}

void throw_js(Napi::Env env, ErrorCode code, const std::string& message) {
  Napi::Error err = Napi::Error::New(env, message);
  err.Set("code", Napi::String::New(env, error_code_name(code)));
  throw err;
}

uint32_t get_u32(const Napi::Object& o, const char* key, uint32_t fallback) {
  if (!o.Has(key) || o.Get(key).IsUndefined()) return fallback;
  Napi::Value v = o.Get(key);
  if (!v.IsNumber() || v.As<Napi::Number>().DoubleValue() < 0 || v.As<Napi::Number>().DoubleValue() > 4294967295.0)
    throw_js(o.Env(), ErrorCode::bad_argument, std::string("option ") + key + " must be a number from 0 to 4294967295");
  return v.As<Napi::Number>().Uint32Value();
}

std::string get_string(const Napi::Object& o, const char* key, const std::string& fallback) {
  if (!o.Has(key) || o.Get(key).IsUndefined()) return fallback;
  Napi::Value v = o.Get(key);
  if (!v.IsString()) throw_js(o.Env(), ErrorCode::bad_argument, std::string("option ") + key + " must be a string");
  return v.As<Napi::String>().Utf8Value();
}

bool get_bool(const Napi::Object& o, const char* key, bool fallback) {
  return o.Has(key) && !o.Get(key).IsUndefined() ? o.Get(key).ToBoolean().Value() : fallback;
}

Napi::Object object_arg(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() > i && info[i].IsObject()) return info[i].As<Napi::Object>();
  if (info.Length() > i && !info[i].IsUndefined()) throw_js(info.Env(), ErrorCode::bad_argument, "argument " + std::to_string(i + 1) + " must be an object");
  return Napi::Object::New(info.Env());
}

uint32_t u32_arg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (info.Length() <= i || !info[i].IsNumber() || info[i].As<Napi::Number>().DoubleValue() < 0)
    throw_js(info.Env(), ErrorCode::bad_argument, std::string(what) + " must be a non-negative number");
  return info[i].As<Napi::Number>().Uint32Value();
}

}  // namespace ferry
