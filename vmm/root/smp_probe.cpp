// The probes of several CPUs: threads of the root task on every CPU, which
// run at the same time as it and wake it across CPUs, calls that may not
// cross CPUs; and a TLB shootdown: a child PD on another CPU reads a page
// in a loop while the root task takes the page away, and must fault at
// once instead of reading on through what its CPU cached.
#include "abi/event.hpp"
#include "abi/hypercall.hpp"
#include "abi/layout.hpp"
#include "vmm/root/child.hpp"
#include "vmm/root/probes.hpp"
#include "vmm/runtime/console.hpp"
#include "vmm/runtime/hypercall.hpp"
#include "vmm/runtime/tsc.hpp"

namespace keel::root {
namespace {

namespace enc = abi::encode;
using abi::Crd;
using abi::SpaceKind;

constexpr unsigned MAX_CPUS = 16;
constexpr abi::Selector ARRIVED_SM = 1000, REMOTE_EC = 1001, REMOTE_PT = 1002;
constexpr abi::Selector THREADS = 1024;  // + 4 * cpu: handler, thread, SC
constexpr abi::Selector EVENTS = 2048;  // + 64 * cpu: a thread's event base (its start-up portal)
constexpr uint64_t UTCBS = abi::UTCB_AREA + 0x40000;  // + 0x2000 * cpu: handler, thread
constexpr uint64_t STACK = 4096;

alignas(16) uint8_t handler_stacks[MAX_CPUS][STACK];
alignas(16) uint8_t thread_stacks[MAX_CPUS][STACK];
constinit volatile uint64_t ran[MAX_CPUS] = {}, spins[MAX_CPUS] = {};

uint64_t top(uint8_t* stack) { return reinterpret_cast<uint64_t>(stack + STACK - 8); }

// A thread's start-up portal, served on the thread's CPU (id: the CPU).
extern "C" [[noreturn]] void smp_startup(uint64_t cpu);
// The thread: says it ran, wakes the root task, then counts.
extern "C" [[noreturn]] void smp_thread() {
    uint64_t sp;
    asm volatile("mov %%rsp, %0" : "=r"(sp));
    uint64_t cpu = (sp - reinterpret_cast<uint64_t>(thread_stacks)) / STACK;
    ran[cpu] = 1;
    (void)user::hypercall(enc::sm_up(ARRIVED_SM));
    for (;;) spins[cpu] = spins[cpu] + 1;
}
extern "C" [[noreturn]] void smp_startup(uint64_t cpu) {
    auto* utcb = reinterpret_cast<abi::Utcb*>(UTCBS + cpu * 0x2000);
    utcb->word[0] = reinterpret_cast<uint64_t>(&smp_thread);
    utcb->word[1] = top(thread_stacks[cpu]);
    (void)user::hypercall(enc::reply(2, 0));
    for (;;) {}
}

bool start_thread(uint16_t cpu) {
    abi::Selector base = THREADS + 4 * cpu, events = EVENTS + 64 * cpu;
    abi::Selector startup = events + abi::THREAD_EVENT_STARTUP;
    uint64_t utcb = UTCBS + cpu * 0x2000;
    auto entry = reinterpret_cast<uint64_t>(&smp_startup);
    return user::hypercall(enc::create_ec(base, abi::SEL_OWN_PD, abi::EcFlag::Local, cpu, utcb,
                                          top(handler_stacks[cpu]), 0)) == abi::Status::Success &&
           user::hypercall(enc::create_pt(startup, abi::SEL_OWN_PD, base, 0, entry)) == abi::Status::Success &&
           user::hypercall(enc::pt_set_id(startup, cpu)) == abi::Status::Success &&
           user::hypercall(enc::create_ec(base + 1, abi::SEL_OWN_PD, abi::EcFlag::Global, cpu, utcb + 0x1000,
                                          top(thread_stacks[cpu]), events)) == abi::Status::Success &&
           user::hypercall(enc::create_sc(base + 2, abi::SEL_OWN_PD, base + 1, 1, 10000)) == abi::Status::Success;
}

// Busy for `ms` without a hypercall: on one CPU nothing else could run.
void busy_ms(const abi::Hip& hip, uint64_t ms) {
    uint64_t end = user::rdtsc() + ms * (hip.tsc_khz ? hip.tsc_khz : 1000000);
    while (user::rdtsc() < end) {}
}

void cpus_probe(const abi::Hip& hip) {
    unsigned n = hip.cpu_count < MAX_CPUS ? hip.cpu_count : MAX_CPUS;
    user::console::print("probe: %u CPUs; a thread of the root task on each of CPUs 1-%u\n", n, n - 1);
    expect("create a thread on CPU n (one past the last)",
           user::hypercall(enc::create_ec(REMOTE_EC, abi::SEL_OWN_PD, abi::EcFlag::Local, uint16_t(n), UTCBS - 0x1000,
                                          top(handler_stacks[0]), 0)),
           abi::Status::BadCpu);
    if (n < 2) {
        user::console::print("probe: only one CPU: nothing runs beside the root task\n");
        return;
    }
    expect("create a semaphore", user::hypercall(enc::create_sm(ARRIVED_SM, abi::SEL_OWN_PD, 0)), abi::Status::Success);
    unsigned started = 0, arrived = 0;
    for (uint16_t c = 1; c < n; ++c) started += start_thread(c);
    uint64_t deadline = user::rdtsc() + 5000 * (hip.tsc_khz ? hip.tsc_khz : 1000000);
    for (unsigned i = 1; i < n; ++i)
        arrived += user::hypercall(enc::sm_down(ARRIVED_SM, deadline)) == abi::Status::Success;
    unsigned recorded = 0;
    for (unsigned c = 1; c < n; ++c) recorded += ran[c] ? 1 : 0;
    user::console::print("probe: %u threads started, %u woke the root task on CPU 0 from their own CPU, %u ran (%s)\n",
                         started, arrived, recorded,
                         started == n - 1 && arrived == n - 1 && recorded == n - 1 ? "as documented" : "UNEXPECTED");
    uint64_t before[MAX_CPUS];
    for (unsigned c = 1; c < n; ++c) before[c] = spins[c];
    busy_ms(hip, 30);
    unsigned advanced = 0;
    for (unsigned c = 1; c < n; ++c) advanced += spins[c] != before[c] ? 1 : 0;
    user::console::print("probe: while the root task kept CPU 0 busy, %u of %u threads ran on (%s)\n", advanced, n - 1,
                         advanced == n - 1 ? "as documented" : "UNEXPECTED");
    // Portals are CPU-local: a call from CPU 0 to a handler on CPU 1 fails.
    bool made = user::hypercall(enc::create_ec(REMOTE_EC, abi::SEL_OWN_PD, abi::EcFlag::Local, 1, UTCBS - 0x1000,
                                               top(handler_stacks[0]), 0)) == abi::Status::Success &&
                user::hypercall(enc::create_pt(REMOTE_PT, abi::SEL_OWN_PD, REMOTE_EC, 0,
                                               reinterpret_cast<uint64_t>(&smp_startup))) == abi::Status::Success;
    if (made)
        expect("call a portal whose handler is on CPU 1", user::hypercall(enc::call(REMOTE_PT, 0)),
               abi::Status::BadCpu);
    else
        user::console::print("probe: could not make the handler on CPU 1 (UNEXPECTED)\n");
}

// The child on the last CPU: reads the shared page in a loop, counting.
[[noreturn]] void child_reads_shared() {
    Mailbox& m = child_mailbox();
    for (;;) {
        m.word[1] = *reinterpret_cast<volatile uint64_t*>(CHILD_SHARED);
        m.word[2] = m.word[2] + 1;
    }
}

void shootdown_probe(const abi::Hip& hip) {
    constexpr uint64_t MAGIC = 0x73686f6f74646f77, SHARED_OFFSET = 0x108000;
    uint16_t cpu = uint16_t(hip.cpu_count - 1);
    if (!cpu) {
        user::console::print("probe: only one CPU: no other CPU can cache the page\n");
        return;
    }
    uint64_t page = first_ram(hip) + SHARED_OFFSET;
    *reinterpret_cast<volatile uint64_t*>(page) = MAGIC;
    Mailbox* m = make_child(hip);
    if (!m) return;
    constexpr uint8_t R = abi::perm::MEM_R;
    expect("give the child a page to read",
           user::hypercall(enc::delegate(abi::SEL_OWN_PD, CHILD_PD, Crd(SpaceKind::HostMemory, page >> 12, 0, R),
                                         CHILD_SHARED >> 12)),
           abi::Status::Success);
    if (!run_child(child_reads_shared, 1, cpu)) return;
    for (int i = 0; i < 200 && m->word[1] != MAGIC; ++i) sleep_ms(hip, 10);
    user::console::print("probe: the child on CPU %u reads the page: %s\n", cpu,
                         m->word[1] == MAGIC ? "yes" : "NO (UNEXPECTED)");
    expect("take the page back from the child",
           user::hypercall(enc::revoke(CHILD_PD, Crd(SpaceKind::HostMemory, CHILD_SHARED >> 12, 0, abi::perm::ALL))),
           abi::Status::Success);
    uint64_t at_revoke = m->word[2];
    *reinterpret_cast<volatile uint64_t*>(page) = 0;  // what a stale translation would still show
    sleep_ms(hip, 30);
    uint64_t later = m->word[2];
    sleep_ms(hip, 30);
    uint64_t last = m->word[2];
    bool stopped = last == later && later - at_revoke <= 1;
    user::console::print("probe: after the revocation the child read %lu more times, then %s\n", last - at_revoke,
                         stopped ? "stopped (as documented)" : "READ ON (UNEXPECTED)");
}

}  // namespace

void smp_cpus_probe(const abi::Hip& hip) { cpus_probe(hip); }
void smp_shootdown_probe(const abi::Hip& hip) { shootdown_probe(hip); }

}  // namespace keel::root
