// How the root task reports a step of starting a VM that the kernel refused.
#pragma once
#include "abi/status.hpp"
#include "vmm/runtime/console.hpp"

namespace keel::root {

// True if `s` is Success; else prints "root: VM NAME: WHAT failed: STATUS".
inline bool ok(const char* vm, const char* what, abi::Status s) {
    if (s != abi::Status::Success) user::console::print("root: VM %s: %s failed: %s\n", vm, what, abi::status_name(s));
    return s == abi::Status::Success;
}

}  // namespace keel::root
