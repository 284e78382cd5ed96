// A chain of PDs as deep as a quota allows, each holding the only
// capability to the next, and then its head revoked: the kernel must take
// the whole chain down with its own stack (16 KiB a CPU) no deeper for a
// chain of hundreds than for one PD. Any PD with the right to create PDs
// can build such a chain from its quota: the child here does it alone.
//
// The child's thread makes PD 2 from all its kernel memory, gives it the
// root task's code (shared), the mailbox page, the stacks and the right to
// create PDs over itself, makes a handler EC in it with a portal, and calls
// the portal: the handler, running in PD 2 on the child's SC, does the same
// for PD 3, and so on until the quota or the stacks run out. Each level's
// capabilities (the next PD, its handler and portal) live only in its own
// object space.
#include "abi/hypercall.hpp"
#include "abi/layout.hpp"
#include "vmm/root/child.hpp"
#include "vmm/root/probes.hpp"
#include "vmm/runtime/console.hpp"
#include "vmm/runtime/hypercall.hpp"

extern "C" char __image_first[], __text_end[], __rodata_end[];  // vmm/runtime/user.ld

namespace keel::root {
namespace {

namespace enc = abi::encode;
using abi::Crd;
using abi::SpaceKind;
using abi::Status;

constexpr abi::Selector NEXT_PD = 40, NEXT_EC = 41, NEXT_PT = 42;  // in each PD of the chain
constexpr uint64_t STACKS = CHILD_PAGE + 0x100000;  // in each PD of the chain: one slice per level
constexpr uint64_t STACK_PAGES = 128, SLICE = 1024, MAX_DEPTH = STACK_PAGES * 4096 / SLICE - 1;
constexpr uint64_t STACKS_RAM_OFFSET = 0x400000;  // which of the root task's RAM holds them
constexpr uint64_t CHAIN_QUOTA_PAGES = 8192;
constexpr uint8_t ROOT_PRIORITY_BELOW = 100;
constexpr uint8_t RW = abi::perm::MEM_R | abi::perm::MEM_W;

// Mailbox words (child.hpp's page, shared by every PD of the chain).
enum : unsigned { RAN, DEEPEST, STOPPED_BY, STOPPED_AT_STEP, STACKS_RAN_OUT, DONE = 7 };

// Code below runs in the chain's PDs: it touches only the mailbox and the
// stacks, and makes hypercalls inline.

extern "C" [[noreturn]] void chain_handler(uint64_t depth);

// Runs in PD number `depth` of the chain: makes the next and enters it.
// The chain ends where a step fails: out of memory once the quota is used
// up (documented), anything else is a failure of the probe.
void extend(uint64_t depth) {
    Mailbox& m = child_mailbox();
    m.word[DEEPEST] = depth;
    if (depth >= MAX_DEPTH) {
        m.word[STACKS_RAN_OUT] = 1;
        return;
    }
    auto image = reinterpret_cast<uint64_t>(__image_first), text = reinterpret_cast<uint64_t>(__text_end),
         rodata = reinterpret_cast<uint64_t>(__rodata_end);
    const uint64_t sp = STACKS + STACK_PAGES * 4096 - depth * SLICE - 8;
    const Crd own_pd(SpaceKind::Object, NEXT_PD, 0, abi::perm::PD_CREATE | abi::perm::PD_DELEGATE);
    Status s = Status::Success;
    unsigned step = 0;
    auto next = [&](Status result) {
        ++step;
        s = result;
        return s == Status::Success;
    };
    if (next(user::hypercall(enc::create_pd(NEXT_PD, abi::SEL_OWN_PD, abi::QUOTA_ALL_LEFT))) &&
        next(user::hypercall(enc::delegate(abi::SEL_OWN_PD, NEXT_PD, own_pd, abi::SEL_OWN_PD))) &&
        next(delegate_same_pages(NEXT_PD, image, text, abi::perm::MEM_R | abi::perm::MEM_X)) &&
        next(delegate_same_pages(NEXT_PD, text, rodata, abi::perm::MEM_R)) &&
        next(delegate_same_pages(NEXT_PD, CHILD_PAGE, CHILD_PAGE + 4096, RW)) &&
        next(delegate_same_pages(NEXT_PD, STACKS, STACKS + STACK_PAGES * 4096, RW)) &&
        next(user::hypercall(enc::create_ec(NEXT_EC, NEXT_PD, abi::EcFlag::Local, 0, abi::UTCB_AREA, sp, 0))) &&
        next(user::hypercall(
            enc::create_pt(NEXT_PT, NEXT_PD, NEXT_EC, 0, reinterpret_cast<uint64_t>(&chain_handler)))) &&
        next(user::hypercall(enc::pt_set_id(NEXT_PT, depth + 1))) && next(user::hypercall(enc::call(NEXT_PT, 0))))
        return;
    m.word[STOPPED_BY] = uint64_t(s);
    m.word[STOPPED_AT_STEP] = step;
}

// A level's portal: entered with its depth as the portal's id.
extern "C" [[noreturn]] void chain_handler(uint64_t depth) {
    extend(depth);
    (void)user::hypercall(enc::reply(0, 0));
    for (;;) {}
}

[[noreturn]] void chain_head() {
    Mailbox& m = child_mailbox();
    m.word[RAN] = 1;
    extend(1);
    m.word[DONE] = 1;
    asm volatile("ud2");  // done: the thread ends here
    for (;;) {}
}

}  // namespace

void pd_chain_probe(const abi::Hip& hip) {
    user::console::print("probe: a child PD builds a chain of PDs, each holding the next, from %lu pages\n",
                         CHAIN_QUOTA_PAGES);
    const uint64_t before = pages_used(abi::SEL_OWN_PD);
    Mailbox* m = make_child(hip, CHAIN_QUOTA_PAGES);
    if (!m) return;
    const uint64_t ram = first_ram(hip) + STACKS_RAM_OFFSET;
    bool given = user::hypercall(
                     enc::delegate(abi::SEL_OWN_PD, CHILD_PD,
                                   Crd(SpaceKind::Object, CHILD_PD, 0, abi::perm::PD_CREATE | abi::perm::PD_DELEGATE),
                                   abi::SEL_OWN_PD)) == Status::Success;
    for (uint64_t i = 0; given && i < STACK_PAGES; ++i)
        given =
            user::hypercall(enc::delegate(abi::SEL_OWN_PD, CHILD_PD, Crd(SpaceKind::HostMemory, (ram >> 12) + i, 0, RW),
                                          (STACKS >> 12) + i)) == Status::Success;
    expect("give the child its own PD and the chain's stacks", given ? Status::Success : Status::Aborted,
           Status::Success);
    if (!given || !run_child(chain_head, ROOT_PRIORITY_BELOW, 0)) return;
    for (int i = 0; i < 3000 && !m->word[DONE]; ++i) sleep_ms(hip, 10);
    user::console::print("probe: the chain is %lu PDs deep (%s), the child used %lu of its %lu pages\n",
                         m->word[DEEPEST], m->word[DONE] ? "built" : "NOT FINISHED (UNEXPECTED)", pages_used(CHILD_PD),
                         CHAIN_QUOTA_PAGES);
    user::console::print("probe: it ended at step %lu of the last PD with %s%s\n", m->word[STOPPED_AT_STEP],
                         abi::status_name(Status(m->word[STOPPED_BY])),
                         m->word[STACKS_RAN_OUT] ? ", the stacks ran out (UNEXPECTED)" : "");
    expect("revoke the chain's head, its thread and SC",
           user::hypercall(enc::revoke(abi::SEL_OWN_PD, Crd(SpaceKind::Object, CHILD_PD, 2, abi::perm::ALL), false)),
           Status::Success);
    user::console::print("probe: the root task's kernel memory: %lu pages in use before the chain, %lu after it went\n",
                         before, pages_used(abi::SEL_OWN_PD));
}

}  // namespace keel::root
