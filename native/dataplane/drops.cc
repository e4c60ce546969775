#include "dataplane/drops.h"

namespace ferry {

namespace {
const char* const kNames[] = {
#define FERRY_X(name, help) #name,
    FERRY_DROP_REASONS(FERRY_X)
#undef FERRY_X
};
const char* const kHelp[] = {
#define FERRY_X(name, help) help,
    FERRY_DROP_REASONS(FERRY_X)
#undef FERRY_X
};
}  // namespace

const char* drop_reason_name(int r) { return r >= 0 && r < kDropReasonCount ? kNames[r] : "?"; }
const char* drop_reason_help(int r) { return r >= 0 && r < kDropReasonCount ? kHelp[r] : "?"; }

}  // namespace ferry
