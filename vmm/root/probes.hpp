// Hostile acts the root task performs on request (`probe=NAME` on its
// command line), one per boot, so the isolation tests see each fail with
// the documented outcome: a status for a hypercall, or a fault that ends
// the thread while the kernel carries on and reports itself healthy.
#pragma once
#include "abi/capability.hpp"
#include "abi/hip.hpp"
#include "abi/status.hpp"
#include "lib/string.hpp"

namespace keel::root {

// Runs the probe; false if there is none of that name. A probe that faults
// does not return.
bool run_probe(StringView name, const abi::Hip& hip);
// The address of the root task's first RAM range.
uint64_t first_ram(const abi::Hip& hip);
// Prints what a hypercall answered and whether that is the documented answer.
void expect(const char* what, abi::Status got, abi::Status want);
// The pages of kernel memory `pd` uses (ctrl_pd's Quota); all ones if refused.
uint64_t pages_used(abi::Selector pd);
// chain_probe.cpp: a chain of PDs, each holding the next, revoked at its head.
void pd_chain_probe(const abi::Hip& hip);
// vcpu_probe.cpp: a vCPU's refused reply, and its exit without a portal.
void vcpu_reply_probe(const abi::Hip& hip);
// smp_probe.cpp: threads on every CPU; a TLB shootdown.
void smp_cpus_probe(const abi::Hip& hip);
void smp_shootdown_probe(const abi::Hip& hip);
// dma_probe.cpp: a device assigned to a PD (assign_dev) against revocation.
void dma_assign_probe(const abi::Hip& hip);
// interrupt_probe.cpp: a device's interrupt bound to a semaphore (assign_int).
void interrupt_assign_probe(const abi::Hip& hip);
void list_probes();

}  // namespace keel::root
