#pragma once
#include <napi.h>

namespace ferry {
Napi::Value WriteInNetns(const Napi::CallbackInfo& info);
Napi::Value OpenListenSockets(const Napi::CallbackInfo& info);
}
