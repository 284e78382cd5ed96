#include "vmm/root/probes.hpp"

#include "abi/capability.hpp"
#include "abi/hip.hpp"
#include "abi/layout.hpp"
#include "vmm/root/child.hpp"
#include "vmm/runtime/console.hpp"
#include "vmm/runtime/hypercall.hpp"

namespace keel::root {
namespace {

namespace enc = abi::encode;
using abi::Crd;
using abi::SpaceKind;
constexpr uint64_t KERNEL_IMAGE = 0x100000;  // where the hypervisor is linked (boot/linker/hypervisor.ld)
constexpr uint64_t TPM_LOCALITY1 = abi::TPM_LOCALITY0 + 0x1000;
constexpr uint8_t RW = abi::perm::MEM_R | abi::perm::MEM_W;
constexpr uint64_t PROBE_QUOTA_PAGES = 16;  // an empty PD's tables and a few objects

uint64_t read64(uint64_t address) { return *reinterpret_cast<volatile uint64_t*>(address); }
void write64(uint64_t address, uint64_t v) { *reinterpret_cast<volatile uint64_t*>(address) = v; }

// Faulting probes: the kernel reports the fault; nothing after them runs.
void read_kernel(const abi::Hip&) {
    user::console::print("probe: reading the kernel's image at 0x%lx\n", KERNEL_IMAGE);
    (void)read64(KERNEL_IMAGE);
}
void write_kernel(const abi::Hip&) {
    user::console::print("probe: writing the kernel's image at 0x%lx\n", KERNEL_IMAGE);
    write64(KERNEL_IMAGE, 0);
}
void write_hip(const abi::Hip&) {
    user::console::print("probe: writing the read-only information page\n");
    write64(abi::HIP_ADDRESS, 0);
}
void read_tpm_locality1(const abi::Hip&) {
    user::console::print("probe: reading TPM locality 1 where the root task's devices appear\n");
    (void)read64(abi::ROOT_PHYS_BASE + TPM_LOCALITY1);
}
// After a measured launch: the DRTM event log reads, and a write faults
// (the kernel maps it read-only: a root task could otherwise rewrite what
// the management VM is told was measured).
void write_event_log(const abi::Hip& hip) {
    for (uint32_t i = 0; i < hip.memory_count; ++i) {
        const abi::HipMemory& m = hip.memory[i];
        if (m.kind != uint32_t(abi::HipMemoryKind::DrtmEventLog)) continue;
        const auto* log = reinterpret_cast<const volatile uint32_t*>(m.address);
        user::console::print("probe: the DRTM event log (%lu bytes) reads: its first event is for PCR %u, type %u\n",
                             m.size, log[0], log[1]);
        user::console::print("probe: writing the DRTM event log\n");
        write64(m.address, 0);
        return;
    }
    user::console::print("probe: the information page lists no DRTM event log\n");
}
void port_com1(const abi::Hip&) {
    user::console::print("probe: reading COM1's line status (port 0x3fd), the kernel's console\n");
    uint8_t v;
    asm volatile("inb %1, %0" : "=a"(v) : "Nd"(uint16_t(0x3fd)));
}
void port_pci(const abi::Hip&) {
    user::console::print("probe: writing the PCI configuration address (port 0xcf8)\n");
    asm volatile("outl %0, %1" ::"a"(0x80000000u), "Nd"(uint16_t(0xcf8)));
}
void read_msr(const abi::Hip&) {
    user::console::print("probe: reading MSR EFER\n");
    uint32_t lo, hi;
    asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0xc0000080u));
}
void use_fpu(const abi::Hip&) {
    user::console::print("probe: loading 1.0 onto the x87 stack\n");
    asm volatile("fld1");
}
void use_sse(const abi::Hip&) {
    user::console::print("probe: zeroing XMM0\n");
    asm volatile(".byte 0x0f, 0x57, 0xc0");  // xorps %xmm0, %xmm0 (this code is built without SSE)
}
// The root task holds its RAM with every right, but no user page is
// writable and executable at once: code written to RAM cannot run.
void run_written_code(const abi::Hip& hip) {
    auto* code = reinterpret_cast<volatile uint8_t*>(first_ram(hip) + 0x200000);
    code[0] = 0xc3;  // ret
    user::console::print("probe: running code written to RAM at 0x%lx\n", first_ram(hip) + 0x200000);
    reinterpret_cast<void (*)()>(const_cast<uint8_t*>(code))();
}
void disable_interrupts(const abi::Hip&) {
    user::console::print("probe: executing CLI\n");
    asm volatile("cli");
}

// Probes answered with a status.
void capabilities(const abi::Hip& hip) {
    // A capability never given: slot 40 is empty.
    expect("semaphore up on an empty selector", user::hypercall(enc::sm_up(40)), abi::Status::BadCapability);
    // One revoked: create, revoke, use.
    expect("create a semaphore", user::hypercall(enc::create_sm(40, abi::SEL_OWN_PD, 0)), abi::Status::Success);
    expect("revoke it",
           user::hypercall(enc::revoke(abi::SEL_OWN_PD, Crd(SpaceKind::Object, 40, 0, abi::perm::ALL), false)),
           abi::Status::Success);
    expect("semaphore up after the revocation", user::hypercall(enc::sm_up(40)), abi::Status::BadCapability);
    // The kernel window: nothing is delegated into it, not even by the root.
    expect("create a PD", user::hypercall(enc::create_pd(41, abi::SEL_OWN_PD, PROBE_QUOTA_PAGES)),
           abi::Status::Success);
    uint64_t ram = first_ram(hip) >> 12;
    expect("delegate RAM into a PD's kernel window",
           user::hypercall(
               enc::delegate(abi::SEL_OWN_PD, 41, Crd(SpaceKind::HostMemory, ram, 0, RW), abi::UTCB_AREA >> 12)),
           abi::Status::BadParameter);
    // A guest-physical space ends where a nested page table's lower half does.
    expect("delegate RAM to the top of a PD's guest-physical space",
           user::hypercall(
               enc::delegate(abi::SEL_OWN_PD, 41, Crd(SpaceKind::GuestMemory, ram, 0, RW), (uint64_t(1) << 35) - 1)),
           abi::Status::Success);
    expect(
        "delegate RAM beyond it",
        user::hypercall(enc::delegate(abi::SEL_OWN_PD, 41, Crd(SpaceKind::GuestMemory, ram, 0, RW), uint64_t(1) << 35)),
        abi::Status::BadParameter);
    expect("delegate RAM below the user half",
           user::hypercall(enc::delegate(abi::SEL_OWN_PD, 41, Crd(SpaceKind::HostMemory, ram, 0, RW), 0x100)),
           abi::Status::BadParameter);
    // What the root task never received it cannot hand out.
    expect("delegate TPM locality 1",
           user::hypercall(enc::delegate(abi::SEL_OWN_PD, 41,
                                         Crd(SpaceKind::HostMemory, (abi::ROOT_PHYS_BASE + TPM_LOCALITY1) >> 12, 0, RW),
                                         abi::USER_SPACE_BASE >> 12)),
           abi::Status::BadCapability);
    expect("delegate the kernel's image",
           user::hypercall(enc::delegate(abi::SEL_OWN_PD, 41,
                                         Crd(SpaceKind::HostMemory, (abi::ROOT_PHYS_BASE + KERNEL_IMAGE) >> 12, 0, RW),
                                         abi::USER_SPACE_BASE >> 12)),
           abi::Status::BadCapability);
    expect("delegate COM1's ports",
           user::hypercall(
               enc::delegate(abi::SEL_OWN_PD, 41, Crd(SpaceKind::Pio, 0x3f8, 3, abi::perm::PIO_ACCESS), 0x3f8)),
           abi::Status::BadCapability);
    expect("delegate EFER",
           user::hypercall(
               enc::delegate(abi::SEL_OWN_PD, 41, Crd(SpaceKind::Msr, 0xc0000080, 0, abi::perm::ALL), 0xc0000080)),
           abi::Status::BadCapability);
    expect("delegate VM_HSAVE_PA",
           user::hypercall(
               enc::delegate(abi::SEL_OWN_PD, 41, Crd(SpaceKind::Msr, 0xc0010117, 0, abi::perm::ALL), 0xc0010117)),
           abi::Status::BadCapability);
    expect("delegate LSTAR, which the hardware switches with a guest",
           user::hypercall(
               enc::delegate(abi::SEL_OWN_PD, 41, Crd(SpaceKind::Msr, 0xc0000082, 0, abi::perm::ALL), 0xc0000082)),
           abi::Status::Success);
    // Priority ceilings: a PD given time up to 100 cannot make more.
    expect("create a PD whose SCs run at priority 100 at most",
           user::hypercall(enc::create_pd(43, abi::SEL_OWN_PD, PROBE_QUOTA_PAGES, 100)), abi::Status::Success);
    expect("create an SC from it at priority 101", user::hypercall(enc::create_sc(44, 43, abi::SEL_OWN_EC, 101, 1000)),
           abi::Status::BadParameter);
    expect("create a PD from it with ceiling 200", user::hypercall(enc::create_pd(45, 43, PROBE_QUOTA_PAGES / 2, 200)),
           abi::Status::BadParameter);
}

// --- probes from a child PD (child.hpp) ---------------------------------
// The child runs the root task's code but has none of its data: these
// functions touch only the child's mailbox and make hypercalls inline.

constinit volatile uint64_t root_secret = 0x5ec2e7;  // in the root task's data: never the child's

uint64_t status_of(const abi::Args& a) { return uint64_t(user::hypercall(a)); }

[[noreturn]] void child_reads_root() {
    Mailbox& m = child_mailbox();
    m.word[0] = 1;
    m.word[1] = root_secret;  // faults: the page is not in the child's space
    m.word[2] = 1;
    for (;;) {}
}

[[noreturn]] void child_uses_ports() {
    Mailbox& m = child_mailbox();
    m.word[0] = 1;
    uint8_t v;
    asm volatile("inb %1, %0" : "=a"(v) : "Nd"(uint16_t(0x2f8)));  // COM2: the root task's, never delegated
    m.word[2] = 1;
    for (;;) {}
}

[[noreturn]] void child_uses_capabilities() {
    Mailbox& m = child_mailbox();
    m.word[1] = status_of(enc::sm_up(40));  // delegated to it
    m.word[2] = status_of(enc::sm_up(41));  // never given
    m.word[3] = status_of(enc::hw_health());  // the root task's alone
    m.word[4] = status_of(
        enc::create_pd(42, abi::SEL_OWN_PD, PROBE_QUOTA_PAGES));  // it holds no PD capability, not even its own
    m.word[0] = 1;
    while (!m.word[5]) {}  // the root task revokes selector 40
    m.word[6] = status_of(enc::sm_up(40));
    m.word[7] = 1;
    asm volatile("ud2");  // done: the thread ends here
    for (;;) {}
}

[[noreturn]] void child_spins() {
    Mailbox& m = child_mailbox();
    m.word[0] = 1;
    for (;;) m.word[1] = m.word[1] + 1;
}

constexpr uint8_t ROOT_PRIORITY = 128, BELOW_ROOT = 100;

void report_child(const Mailbox& m, const char* attempt) {
    user::console::print("probe: the child %s; its %s %s\n", m.word[0] ? "ran" : "DID NOT RUN", attempt,
                         m.word[2] ? "SUCCEEDED (UNEXPECTED)" : "did not complete (as documented)");
}

void child_reads_root_probe(const abi::Hip& hip) {
    user::console::print("probe: a child PD reads the root task's data at 0x%lx\n",
                         reinterpret_cast<uint64_t>(&root_secret));
    Mailbox* m = start_child(hip, child_reads_root, BELOW_ROOT);
    if (!m) return;
    sleep_ms(hip, 50);
    report_child(*m, "read");
}

void child_ports_probe(const abi::Hip& hip) {
    user::console::print("probe: a child PD reads COM2's port 0x2f8, which it was never given\n");
    Mailbox* m = start_child(hip, child_uses_ports, BELOW_ROOT);
    if (!m) return;
    sleep_ms(hip, 50);
    report_child(*m, "port access");
}

void child_capabilities_probe(const abi::Hip& hip) {
    user::console::print("probe: a child PD uses capabilities given, never given and revoked\n");
    Mailbox* m = start_child(hip, child_uses_capabilities, BELOW_ROOT);
    if (!m) return;
    expect("create a semaphore for the child", user::hypercall(enc::create_sm(71, abi::SEL_OWN_PD, 0)),
           abi::Status::Success);
    expect(
        "delegate it (up only) to the child",
        user::hypercall(enc::delegate(abi::SEL_OWN_PD, CHILD_PD, Crd(SpaceKind::Object, 71, 0, abi::perm::SM_UP), 40)),
        abi::Status::Success);
    for (int i = 0; i < 20 && !m->word[0]; ++i) sleep_ms(hip, 10);
    expect("child: up on the semaphore it was given", abi::Status(m->word[1]), abi::Status::Success);
    expect("child: up on a selector never given", abi::Status(m->word[2]), abi::Status::BadCapability);
    expect("child: the kernel's health check", abi::Status(m->word[3]), abi::Status::BadCapability);
    expect("child: create a PD", abi::Status(m->word[4]), abi::Status::BadCapability);
    expect("revoke the child's copy",
           user::hypercall(enc::revoke(abi::SEL_OWN_PD, Crd(SpaceKind::Object, 71, 0, abi::perm::ALL), true)),
           abi::Status::Success);
    m->word[5] = 1;
    for (int i = 0; i < 20 && !m->word[7]; ++i) sleep_ms(hip, 10);
    expect("child: up on the revoked semaphore", abi::Status(m->word[6]), abi::Status::BadCapability);
    expect("the child's one up arrived", user::hypercall(enc::sm_down(71, 1)), abi::Status::Success);
    expect("and only one", user::hypercall(enc::sm_down(71, 1)), abi::Status::Timeout);
}

// Kernel-memory quotas: a child given its own PD capability makes
// semaphores until its quota is gone; the root task, whose quota the
// child's came from, goes on, and gets it all back when the child goes.
[[noreturn]] void child_fills_its_quota() {
    Mailbox& m = child_mailbox();
    m.word[0] = 1;
    uint64_t made = 0;
    abi::Status last = abi::Status::Success;
    for (abi::Selector sel = 1000; last == abi::Status::Success && made < 1000000; ++sel)  // above its portals
        if ((last = user::hypercall(enc::create_sm(sel, abi::SEL_OWN_PD, 0))) == abi::Status::Success) ++made;
    m.word[1] = made;
    m.word[2] = uint64_t(last);
    m.word[3] = status_of(enc::create_pd(99, abi::SEL_OWN_PD, 1));  // a quota it no longer has
    m.word[7] = 1;
    for (;;) {}
}

void child_quota_probe(const abi::Hip& hip) {
    user::console::print("probe: a child PD makes semaphores until its kernel memory runs out\n");
    const uint64_t before = pages_used(abi::SEL_OWN_PD);
    Mailbox* m = make_child(hip);
    if (!m) return;
    abi::Status given = user::hypercall(enc::delegate(
        abi::SEL_OWN_PD, CHILD_PD, Crd(SpaceKind::Object, CHILD_PD, 0, abi::perm::PD_CREATE | abi::perm::PD_DELEGATE),
        abi::SEL_OWN_PD));
    expect("give the child its own PD", given, abi::Status::Success);
    if (given != abi::Status::Success || !run_child(child_fills_its_quota, BELOW_ROOT, 0)) return;
    for (int i = 0; i < 200 && !m->word[7]; ++i) sleep_ms(hip, 10);
    abi::Args q = enc::quota(CHILD_PD);
    (void)user::hypercall(q, &q);
    user::console::print("probe: the child made %lu semaphores and used %lu of its %lu pages\n", m->word[1], q.p2,
                         q.p1);
    expect("child: the next semaphore", abi::Status(m->word[2]), abi::Status::OutOfMemory);
    expect("child: a PD with a quota it no longer has", abi::Status(m->word[3]), abi::Status::OutOfMemory);
    expect("a semaphore of the root task's", user::hypercall(enc::create_sm(72, abi::SEL_OWN_PD, 0)),
           abi::Status::Success);
    expect("revoke the child's PD, thread and SC",
           user::hypercall(enc::revoke(abi::SEL_OWN_PD, Crd(SpaceKind::Object, CHILD_PD, 2, abi::perm::ALL), false)),
           abi::Status::Success);
    user::console::print("probe: the root task's kernel memory: %lu pages in use before the child, %lu after it went\n",
                         before, pages_used(abi::SEL_OWN_PD));
}

// Preemption: a child that never stops, at the root task's own priority;
// the root task must still get the CPU in every round.
void spin_probe(const abi::Hip& hip) {
    user::console::print("probe: a child PD spins on this CPU at the root task's priority\n");
    Mailbox* m = start_child(hip, child_spins, ROOT_PRIORITY);
    if (!m) return;
    uint64_t last = 0, rounds = 0;
    for (int i = 0; i < 5; ++i) {
        sleep_ms(hip, 20);
        if (m->word[1] > last) ++rounds;
        last = m->word[1];
    }
    user::console::print("probe: the root task ran again %d times while the child spun (%lu iterations, advancing in "
                         "%lu of 5 rounds)\n",
                         5, last, rounds);
    expect("revoke the child's SC",
           user::hypercall(enc::revoke(abi::SEL_OWN_PD, Crd(SpaceKind::Object, CHILD_SC, 0, abi::perm::ALL), false)),
           abi::Status::Success);
    uint64_t before = m->word[1];
    sleep_ms(hip, 30);
    user::console::print("probe: without its SC the child %s\n",
                         m->word[1] == before ? "stopped (as documented)" : "RAN ON (UNEXPECTED)");
}

struct Probe {
    const char* name;
    void (*run)(const abi::Hip&);
};
constexpr Probe PROBES[] = {
    {"read-kernel", read_kernel},
    {"write-kernel", write_kernel},
    {"write-hip", write_hip},
    {"tpm-locality1", read_tpm_locality1},
    {"write-event-log", write_event_log},
    {"port-com1", port_com1},
    {"port-pci", port_pci},
    {"msr", read_msr},
    {"cli", disable_interrupts},
    {"run-ram", run_written_code},
    {"fpu", use_fpu},
    {"sse", use_sse},
    {"capabilities", capabilities},
    {"child-reads-root", child_reads_root_probe},
    {"child-ports", child_ports_probe},
    {"child-capabilities", child_capabilities_probe},
    {"child-quota", child_quota_probe},
    {"pd-chain", pd_chain_probe},
    {"spin", spin_probe},
    {"vcpu-reply", vcpu_reply_probe},
    {"smp-cpus", smp_cpus_probe},
    {"smp-shootdown", smp_shootdown_probe},
    {"dma-assign", dma_assign_probe},
    {"interrupt-assign", interrupt_assign_probe},
};

}  // namespace

void expect(const char* what, abi::Status got, abi::Status want) {
    user::console::print("probe: %s: %s (%s)\n", what, abi::status_name(got),
                         got == want ? "as documented" : "UNEXPECTED");
}

uint64_t pages_used(abi::Selector pd) {
    abi::Args q = enc::quota(pd);
    return user::hypercall(q, &q) == abi::Status::Success ? q.p2 : ~uint64_t(0);
}

bool run_probe(StringView name, const abi::Hip& hip) {
    for (const Probe& p : PROBES)
        if (name == p.name) {
            p.run(hip);
            return true;
        }
    return false;
}

void list_probes() {
    user::console::print("probes:");
    for (const Probe& p : PROBES) user::console::print(" %s", p.name);
    user::console::print("\n");
}

}  // namespace keel::root
