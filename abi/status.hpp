// What a hypercall returns (in the low byte of RDI). Status codes, not
// exceptions: both sides are freestanding.
#pragma once
#include <stdint.h>

namespace keel::abi {

enum class Status : uint8_t {
    Success = 0,
    Timeout = 1,  // a semaphore down with a deadline that passed
    Aborted = 2,  // the partner went away (its EC or PD was destroyed, its portal revoked)
    BadHypercall = 3,  // no such hypercall number
    BadCapability = 4,  // the selector is empty, names another object type, or lacks a permission
    BadParameter = 5,  // an argument out of range (a selector beyond the space, an unaligned range)
    BadFeature = 6,  // the hardware lacks what was asked for
    BadCpu = 7,  // the objects are bound to different CPUs (portals are CPU-local, as in NOVA)
    BadDevice = 8,  // no such device, or one the kernel keeps
    OutOfMemory = 9,  // the kernel's memory for objects is exhausted
    Refused = 10,  // a resource the kernel never hands out: its own memory, TPM localities 1-4
    Busy = 11,  // the selector is already in use, or the EC is not waiting for a reply
};

inline constexpr uint8_t STATUS_COUNT = 12;

constexpr const char* status_name(Status s) {
    switch (s) {
    case Status::Success: return "success";
    case Status::Timeout: return "timeout";
    case Status::Aborted: return "aborted";
    case Status::BadHypercall: return "bad hypercall";
    case Status::BadCapability: return "bad capability";
    case Status::BadParameter: return "bad parameter";
    case Status::BadFeature: return "bad feature";
    case Status::BadCpu: return "bad cpu";
    case Status::BadDevice: return "bad device";
    case Status::OutOfMemory: return "out of memory";
    case Status::Refused: return "refused";
    case Status::Busy: return "busy";
    }
    return "?";
}

}  // namespace keel::abi
