// The hypercall layer: decodes abi::Args (abi/hypercall.hpp), checks every
// selector and permission against the caller's PD, and acts. What it cannot
// do yet says BadFeature; nothing here trusts an argument, and bad input is
// a status, never a crash. Runs the same in host tests and fuzzing as in the
// kernel, where the SYSCALL entry will call it with the current PD.
#pragma once
#include "abi/hypercall.hpp"
#include "abi/utcb.hpp"
#include "hypervisor/kernel/kernel_memory.hpp"
#include "hypervisor/kernel/pd.hpp"

namespace keel {

struct HypercallContext {
    KernelMemory& memory;
    PdHardware& hardware;
    Pd* root;  // the root task's PD: only it may use ctrl_hw
    // ctrl_hw: the kernel's own consistency checks, power off, and the
    // console (text is the caller's UTCB, `bytes` at most its words' size).
    bool (*healthy)(void* ctx);
    void (*power_off)(void* ctx);
    void (*console)(void* ctx, const char* text, size_t bytes);
    void* ctx;
    // The calling thread's UTCB as the kernel reaches it; nullptr where the
    // caller has none (host tests without ECs).
    abi::Utcb* utcb = nullptr;
};

// Performs `args` for `caller`; results go back into args (p1-p4).
abi::Status hypercall(HypercallContext& k, Pd& caller, abi::Args& args);

}  // namespace keel
