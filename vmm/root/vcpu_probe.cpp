// The vcpu-reply probe: the root task makes a vCPU of its own (no guest
// memory at all) and answers its start-up exit first with state the kernel
// must refuse, then properly. The refused reply must come back as a status
// with the handler's registers intact; the guest's first instruction fetch
// then exits with a nested page fault that has no portal, which ends that
// vCPU only.
#include "abi/event.hpp"
#include "abi/hypercall.hpp"
#include "abi/layout.hpp"
#include "abi/mtd.hpp"
#include "abi/utcb.hpp"
#include "vmm/root/child.hpp"
#include "vmm/root/probes.hpp"
#include "vmm/runtime/console.hpp"
#include "vmm/runtime/hypercall.hpp"

namespace keel::root {
namespace {

namespace enc = abi::encode;
constexpr abi::Selector HANDLER = 80, VCPU = 81, VCPU_SC = 82, DONE_SM = 83;
constexpr abi::Selector EVENTS = 96;  // + VcpuEvent: only Startup has a portal
constexpr uint64_t HANDLER_UTCB = abi::UTCB_AREA + 0x4000;
constexpr uint64_t MAGIC = 0x6b65656c72656731;  // kept in R12 across the refused reply

alignas(16) uint8_t handler_stack[8192];
constinit abi::Status refused = abi::Status::Success;
constinit bool kept = false;

// A reply that keeps a value in R12 across the hypercall and reports it.
abi::Status reply_keeping_r12(uint64_t mtd, bool& r12_kept) {
    uint64_t p0 = enc::reply(0, mtd).p0, p1 = 0, p2 = mtd, seen;
    asm volatile("mov %[magic], %%r12\n\tsyscall\n\tmov %%r12, %[seen]"
                 : "+D"(p0), "+S"(p1), "+d"(p2), [seen] "=r"(seen)
                 : [magic] "r"(MAGIC)
                 : "rax", "rcx", "r8", "r11", "r12", "memory");
    r12_kept = seen == MAGIC;
    return abi::Status(p0 & 0xff);
}

extern "C" [[noreturn]] void vcpu_startup(uint64_t) {
    // The qualification is read-only: the kernel refuses, changes nothing,
    // and this handler still serves the exit.
    refused = reply_keeping_r12(abi::mtd::QUAL | abi::mtd::RIP_LEN, kept);
    (void)user::hypercall(enc::sm_up(DONE_SM));
    (void)user::hypercall(enc::reply(0, 0));  // the reset state as it is
    for (;;) {}
}

}  // namespace

void vcpu_reply_probe(const abi::Hip& hip) {
    auto sp = reinterpret_cast<uint64_t>(handler_stack + sizeof handler_stack - 8);
    bool made = user::hypercall(enc::create_sm(DONE_SM, abi::SEL_OWN_PD, 0)) == abi::Status::Success &&
                user::hypercall(enc::create_ec(HANDLER, abi::SEL_OWN_PD, abi::EcFlag::Local, 0, HANDLER_UTCB, sp, 0)) ==
                    abi::Status::Success &&
                user::hypercall(enc::create_pt(EVENTS + uint8_t(abi::VcpuEvent::Startup), abi::SEL_OWN_PD, HANDLER, 0,
                                               reinterpret_cast<uint64_t>(&vcpu_startup))) == abi::Status::Success &&
                user::hypercall(enc::create_ec(VCPU, abi::SEL_OWN_PD, abi::EcFlag::Vcpu, 0, 0, 0, EVENTS)) ==
                    abi::Status::Success &&
                user::hypercall(enc::create_sc(VCPU_SC, abi::SEL_OWN_PD, VCPU, 1, 1000)) == abi::Status::Success;
    if (!made) {
        user::console::print("probe: could not make the vCPU (UNEXPECTED)\n");
        return;
    }
    // The vCPU's SC has the lowest priority: it runs once this thread waits.
    (void)user::hypercall(enc::sm_down(DONE_SM, 0));
    user::console::print("probe: a reply naming the read-only qualification: %s (%s); R12 %s\n",
                         abi::status_name(refused),
                         refused == abi::Status::BadParameter ? "as documented" : "UNEXPECTED", kept ? "kept" : "LOST");
    sleep_ms(hip, 100);  // the vCPU runs into its nested page fault meanwhile
    user::console::print("probe: the root task runs on after its vCPU's unhandled exit\n");
}

}  // namespace keel::root
