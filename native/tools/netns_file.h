#pragma once
#include <napi.h>

namespace ferry {
Napi::Value WriteInNetns(const Napi::CallbackInfo& info);
}
