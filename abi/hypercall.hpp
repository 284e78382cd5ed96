// The hypercalls: numbers, the register convention, and one encoder per
// hypercall, so that user level and the kernel agree on every bit in one
// place (the kernel decodes with the accessors of Args).
//
// Register convention (x86-64, the SYSCALL instruction; RCX and R11 are
// clobbered by the CPU):
//   RDI  p0: bits 0-3 hypercall number, bits 4-7 flags (a sub-operation),
//            bits 12-63 the selector the hypercall acts on
//   RSI  p1, RDX p2, RAX p3, R8 p4: arguments
// On return RDI's low byte holds the Status; RSI, RDX, RAX, R8 hold results
// where a hypercall has them; every other register is preserved.
#pragma once
#include <stdint.h>

#include "abi/capability.hpp"
#include "abi/status.hpp"

namespace keel::abi {

enum class Hypercall : uint8_t {
    Call = 0,  // call a portal: send the UTCB's message, donate the SC, wait for the reply
    Reply = 1,  // answer the call this EC serves and wait for the next one
    CreatePd = 2,
    CreateEc = 3,
    CreateSc = 4,
    CreatePt = 5,
    CreateSm = 6,
    CtrlPd = 7,  // delegate, revoke, look up capabilities
    CtrlEc = 8,  // recall a vCPU
    CtrlSc = 9,  // read consumed time
    CtrlPt = 10,  // set a portal's id
    CtrlSm = 11,  // up, down
    CtrlHw = 12,  // the kernel's health report, power off (root only)
    AssignInt = 13,  // deliver an interrupt to a semaphore
    AssignDev = 14,  // give a device's DMA to a PD's guest memory space (IOMMU); read its configuration
};
inline constexpr unsigned HYPERCALL_COUNT = 15;

// Sub-operations in p0's flags.
enum class PdOp : uint8_t { Delegate = 0, Revoke = 1, RevokeChildren = 2, Lookup = 3, Quota = 4 };
enum class SmOp : uint8_t { Up = 0, Down = 1 };
// Console: p1 bytes from the caller's UTCB words to the kernel's console
// (the kernel escapes control characters; it is the only writer of the
// serial port, so no line is torn or forged).
enum class HwOp : uint8_t { Health = 0, PowerOff = 1, Console = 2 };
enum class DevOp : uint8_t { Assign = 0, ReadConfig = 1 };
enum class EcFlag : uint8_t { Local = 0, Global = 1, Vcpu = 2 };  // create_ec: a portal handler, a thread, a vCPU

struct Args {
    uint64_t p0 = 0, p1 = 0, p2 = 0, p3 = 0, p4 = 0;

    constexpr Hypercall number() const { return Hypercall(p0 & 0xf); }
    constexpr uint8_t flags() const { return uint8_t(p0 >> 4 & 0xf); }
    constexpr Selector sel() const { return p0 >> 12; }
};

inline constexpr Selector MAX_SELECTOR = (uint64_t(1) << 52) - 1;
// create_pd's quota for "all the owner has left".
inline constexpr uint64_t QUOTA_ALL_LEFT = ~uint64_t(0);

constexpr uint64_t p0(Hypercall h, uint8_t flags, Selector sel) {
    return uint64_t(h) | uint64_t(flags & 0xf) << 4 | sel << 12;
}

// One encoder per hypercall: the arguments by name, in the registers above.
namespace encode {
// call(pt, mtd): the UTCB holds the message; `words` untyped words travel.
constexpr Args call(Selector pt, uint64_t words) { return {p0(Hypercall::Call, 0, pt), words}; }
// reply(words): for an exit portal, `mtd` names the state the reply writes back.
constexpr Args reply(uint64_t words, uint64_t mtd) { return {p0(Hypercall::Reply, 0, 0), words, mtd}; }
// create_pd(sel, owner, quota, max_priority): an empty PD at `sel` in the
// caller's object space, made from kernel memory of the PD `owner`
// (PD_CREATE), which gives it `quota` pages of its own kernel memory: all
// the kernel will ever allocate for it and for what is made from it (its
// tables, objects, mapping nodes; ctrl_pd's Quota tells how much is used).
// QUOTA_ALL_LEFT: all the owner has left.
// OutOfMemory when the owner has not that much left or the quota cannot
// hold the new PD's tables; the owner gets it back when the PD and all
// made from it are gone. No SC made from the new PD's memory may have a
// priority above `max_priority` (0: the owner's own ceiling; above it:
// BadParameter).
constexpr Args create_pd(Selector sel, Selector owner, uint64_t quota, uint8_t max_priority = 0) {
    return {p0(Hypercall::CreatePd, 0, sel), owner, max_priority, quota};
}
// create_ec(sel, pd, kind, cpu, utcb, sp, event_base): an EC in `pd` on `cpu`.
// Local and global ECs get a UTCB page at `utcb` in the PD's host space and
// start with `sp`; a vCPU has neither. Its exceptions or exits go to the
// portals at event_base + event (event.hpp) in `pd`'s object space.
constexpr Args create_ec(Selector sel, Selector pd, EcFlag kind, uint16_t cpu, uint64_t utcb, uint64_t sp,
                         Selector event_base) {
    return {p0(Hypercall::CreateEc, uint8_t(kind), sel), pd, uint64_t(cpu) | event_base << 16, utcb, sp};
}
// create_sc(sel, pd, ec, priority, budget_us): time for a global EC or vCPU
// on its CPU: `priority` 1-255 (higher runs first, at most `pd`'s ceiling),
// round robin with a `budget_us` quantum among equal priorities.
constexpr Args create_sc(Selector sel, Selector pd, Selector ec, uint8_t priority, uint32_t budget_us) {
    return {p0(Hypercall::CreateSc, 0, sel), pd, ec, uint64_t(priority) | uint64_t(budget_us) << 8};
}
// create_pt(sel, pd, ec, mtd, ip): a portal into local EC `ec`, entered at
// `ip`; for an exit portal, `mtd` names the guest state it receives.
constexpr Args create_pt(Selector sel, Selector pd, Selector ec, uint64_t mtd, uint64_t ip) {
    return {p0(Hypercall::CreatePt, 0, sel), pd, ec, mtd, ip};
}
constexpr Args create_sm(Selector sel, Selector pd, uint64_t count) {
    return {p0(Hypercall::CreateSm, 0, sel), pd, count};
}
// ctrl_pd(src_pd, dst_pd, what, dst_base): delegate the range `what` of
// src_pd's space to dst_pd's space of the same kind at dst_base, with
// what.perms() (never more than the source has).
constexpr Args delegate(Selector src_pd, Selector dst_pd, Crd what, uint64_t dst_base) {
    return {p0(Hypercall::CtrlPd, uint8_t(PdOp::Delegate), src_pd), dst_pd, what.raw, dst_base};
}
// Revoke: remove what.perms() from the range in pd's space and from
// everything delegated from it, recursively (RevokeChildren: only from what
// was delegated from it).
constexpr Args revoke(Selector pd, Crd what, bool children_only = false) {
    return {p0(Hypercall::CtrlPd, uint8_t(children_only ? PdOp::RevokeChildren : PdOp::Revoke), pd), 0, what.raw};
}
// Lookup: p1 returns the Crd of what `what.base()` maps to in pd's space.
constexpr Args lookup(Selector pd, Crd what) { return {p0(Hypercall::CtrlPd, uint8_t(PdOp::Lookup), pd), 0, what.raw}; }
// Quota: p1 returns pd's quota of kernel memory in pages, p2 the pages it
// uses (its tables, objects, and the quotas it gave on).
constexpr Args quota(Selector pd) { return {p0(Hypercall::CtrlPd, uint8_t(PdOp::Quota), pd)}; }
constexpr Args recall(Selector ec) { return {p0(Hypercall::CtrlEc, 0, ec)}; }
constexpr Args sc_time(Selector sc) { return {p0(Hypercall::CtrlSc, 0, sc)}; }
constexpr Args pt_set_id(Selector pt, uint64_t id) { return {p0(Hypercall::CtrlPt, 0, pt), id}; }
// sm_down with deadline 0 waits for ever; else until the TSC passes it.
constexpr Args sm_up(Selector sm) { return {p0(Hypercall::CtrlSm, uint8_t(SmOp::Up), sm)}; }
constexpr Args sm_down(Selector sm, uint64_t deadline) {
    return {p0(Hypercall::CtrlSm, uint8_t(SmOp::Down), sm), deadline};
}
constexpr Args hw_health() { return {p0(Hypercall::CtrlHw, uint8_t(HwOp::Health), 0)}; }
// hw_power_off(failed): `failed` says what the root task ran (its VMs)
// failed; the kernel's exit status on a test machine says so too.
constexpr Args hw_power_off(bool failed = false) {
    return {p0(Hypercall::CtrlHw, uint8_t(HwOp::PowerOff), 0), failed ? 1u : 0u};
}
constexpr Args hw_console(uint64_t bytes) { return {p0(Hypercall::CtrlHw, uint8_t(HwOp::Console), 0), bytes}; }
// assign_int(sm, cpu, gsi): interrupt `gsi` ups `sm`, handled on `cpu`.
constexpr Args assign_int(Selector sm, uint16_t cpu, uint32_t gsi) {
    return {p0(Hypercall::AssignInt, 0, sm), cpu, gsi};
}
// assign_dev(pd, bdf): DMA of PCI device `bdf` goes through pd's guest memory space.
constexpr Args assign_dev(Selector pd, uint16_t bdf) {
    return {p0(Hypercall::AssignDev, uint8_t(DevOp::Assign), pd), bdf};
}
// dev_config(pd, bdf, offset): p1 returns the dword at `offset` (0-252,
// aligned) of the configuration space of device `bdf`, whose DMA must go
// through pd's guest memory space: the VMM of an assigned device reads its
// identity, BARs and capabilities (it never writes: the kernel keeps
// configuration space, and assign_dev already let the device decode its
// registers and master the bus).
constexpr Args dev_config(Selector pd, uint16_t bdf, uint16_t offset) {
    return {p0(Hypercall::AssignDev, uint8_t(DevOp::ReadConfig), pd), bdf, offset};
}
}  // namespace encode

}  // namespace keel::abi
