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

class DeviceAssigner;
class InterruptAssigner;
class Ec;
class Scheduler;
class VcpuFactory;

struct HypercallContext {
    PdHardware& hardware;
    Pd* root;  // the root task's PD: only it may use ctrl_hw
    // ctrl_hw: the kernel's own consistency checks, power off, and the
    // console (text is the caller's UTCB, `bytes` at most its words' size).
    bool (*healthy)(void* ctx);
    // `failed`: the root task reports that what it ran failed (its VMs).
    void (*power_off)(void* ctx, bool failed);
    void (*console)(void* ctx, const char* text, size_t bytes);
    void* ctx;
    // The calling thread's UTCB as the kernel reaches it; nullptr where the
    // caller has none (host tests without ECs).
    abi::Utcb* utcb = nullptr;
    // Each CPU's scheduler, by index (cpu_count of them): ECs, SCs,
    // portals, blocking downs (nullptr in host tests of the PD-level
    // hypercalls: those answer BadFeature).
    Scheduler* schedulers = nullptr;
    // Makes vCPUs (the virtualization backend); nullptr where there is
    // none: create_ec of a vCPU answers BadFeature.
    VcpuFactory* vcpus = nullptr;
    // assign_dev's IOMMU driver; nullptr where device DMA cannot be
    // confined (no IOMMU taken over from the secure loader): BadFeature.
    DeviceAssigner* devices = nullptr;
    // assign_int's interrupt controller; nullptr: BadFeature.
    InterruptAssigner* interrupts = nullptr;
    uint16_t cpu_count = 1;
    uint64_t now = 0;  // TSC at entry: for a down's deadline
};

// Performs `args` for `caller`'s PD; results go back into args (p1-p4).
// The hypercalls that need the calling EC answer BadFeature here.
abi::Status hypercall(HypercallContext& k, Pd& caller, abi::Args& args);

// The thread `caller` made a hypercall (its arguments in its registers):
// performs it and writes the status and results into its registers, unless
// it now waits (a call in progress, a down that blocked): then they are
// written when it resumes. Who runs next is the scheduler's.
void hypercall(HypercallContext& k, Ec& caller);

}  // namespace keel
