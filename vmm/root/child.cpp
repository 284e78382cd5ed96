#include "vmm/root/child.hpp"

#include "abi/event.hpp"
#include "abi/layout.hpp"
#include "vmm/root/probes.hpp"
#include "vmm/runtime/console.hpp"
#include "vmm/runtime/hypercall.hpp"
#include "vmm/runtime/tsc.hpp"

extern "C" char __image_first[], __text_end[], __rodata_end[];  // vmm/runtime/user.ld

namespace keel::root {
namespace {

namespace enc = abi::encode;
using abi::Crd;
using abi::SpaceKind;

constexpr abi::Selector STARTUP_EC = 67, STARTUP_PT = 68, SLEEP_SM = 69;
constexpr abi::Selector CHILD_EVENTS = 128;  // the event base in the child's object space
constexpr uint64_t STARTUP_UTCB = abi::UTCB_AREA + 0x1000;
constexpr uint64_t CHILD_RAM_OFFSET = 0x100000;  // which page of the root task's RAM the child gets
constexpr uint8_t RW = abi::perm::MEM_R | abi::perm::MEM_W;

alignas(16) uint8_t startup_stack[4096];

bool ok(const char* what, abi::Status s) {
    if (s != abi::Status::Success) user::console::print("child: %s failed: %s\n", what, abi::status_name(s));
    return s == abi::Status::Success;
}

bool share(uint64_t first, uint64_t end, uint8_t perms) {
    return ok("sharing the root task's code", delegate_same_pages(CHILD_PD, first, end, perms));
}

}  // namespace

abi::Status delegate_same_pages(abi::Selector to, uint64_t first, uint64_t end, uint8_t perms) {
    abi::Status s = abi::Status::Success;
    for (uint64_t a = first; s == abi::Status::Success && a < end; a += 4096)
        s = user::hypercall(enc::delegate(abi::SEL_OWN_PD, to, Crd(SpaceKind::HostMemory, a >> 12, 0, perms), a >> 12));
    return s;
}

// The child's start-up portal: runs in the root task's PD, on the child's
// SC, and answers with where the child begins (the portal's id) and its
// stack (the top of its page, as if a call had pushed a return address).
extern "C" [[noreturn]] void child_startup(uint64_t entry) {
    auto* utcb = reinterpret_cast<abi::Utcb*>(STARTUP_UTCB);
    utcb->word[0] = entry;
    utcb->word[1] = CHILD_PAGE + 4096 - 8;
    (void)user::hypercall(enc::reply(2, 0));
    for (;;) {}  // a reply does not return
}

Mailbox* make_child(const abi::Hip& hip, uint64_t quota) {
    uint64_t ram = first_ram(hip) + CHILD_RAM_OFFSET;
    auto* mailbox = reinterpret_cast<Mailbox*>(ram);
    for (auto& w : mailbox->word) w = 0;
    auto image = reinterpret_cast<uint64_t>(__image_first), text = reinterpret_cast<uint64_t>(__text_end),
         rodata = reinterpret_cast<uint64_t>(__rodata_end);
    if (!ok("creating its PD", user::hypercall(enc::create_pd(CHILD_PD, abi::SEL_OWN_PD, quota))) ||
        !share(image, text, abi::perm::MEM_R | abi::perm::MEM_X) || !share(text, rodata, abi::perm::MEM_R) ||
        !ok("giving it its page",
            user::hypercall(enc::delegate(abi::SEL_OWN_PD, CHILD_PD, Crd(SpaceKind::HostMemory, ram >> 12, 0, RW),
                                          CHILD_PAGE >> 12))))
        return nullptr;
    return mailbox;
}

Mailbox* start_child(const abi::Hip& hip, void (*entry)(), uint8_t priority) {
    Mailbox* mailbox = make_child(hip);
    return mailbox && run_child(entry, priority, 0) ? mailbox : nullptr;
}

bool run_child(void (*entry)(), uint8_t priority, uint16_t cpu) {
    auto* stack_top = startup_stack + sizeof startup_stack - 8;
    return ok("creating the start-up handler",
              user::hypercall(enc::create_ec(STARTUP_EC, abi::SEL_OWN_PD, abi::EcFlag::Local, cpu, STARTUP_UTCB,
                                             reinterpret_cast<uint64_t>(stack_top), 0))) &&
           ok("creating the start-up portal",
              user::hypercall(enc::create_pt(STARTUP_PT, abi::SEL_OWN_PD, STARTUP_EC, 0,
                                             reinterpret_cast<uint64_t>(&child_startup)))) &&
           ok("setting the entry", user::hypercall(enc::pt_set_id(STARTUP_PT, reinterpret_cast<uint64_t>(entry)))) &&
           ok("giving it the start-up portal",
              user::hypercall(enc::delegate(abi::SEL_OWN_PD, CHILD_PD,
                                            Crd(SpaceKind::Object, STARTUP_PT, 0, abi::perm::PT_CALL),
                                            CHILD_EVENTS + abi::THREAD_EVENT_STARTUP))) &&
           ok("creating its thread",
              user::hypercall(enc::create_ec(CHILD_EC, CHILD_PD, abi::EcFlag::Global, cpu, abi::UTCB_AREA,
                                             CHILD_PAGE + 4096 - 8, CHILD_EVENTS))) &&
           ok("giving it time", user::hypercall(enc::create_sc(CHILD_SC, abi::SEL_OWN_PD, CHILD_EC, priority, 10000)));
}

void sleep_ms(const abi::Hip& hip, uint64_t ms) {
    static bool made = false;
    if (!made)
        made = ok("creating a semaphore to sleep on", user::hypercall(enc::create_sm(SLEEP_SM, abi::SEL_OWN_PD, 0)));
    uint64_t khz = hip.tsc_khz ? hip.tsc_khz : 1000000;
    (void)user::hypercall(enc::sm_down(SLEEP_SM, user::rdtsc() + ms * khz));
}

}  // namespace keel::root
