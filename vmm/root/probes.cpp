#include "vmm/root/probes.hpp"

#include "abi/capability.hpp"
#include "abi/layout.hpp"
#include "vmm/runtime/console.hpp"
#include "vmm/runtime/hypercall.hpp"

namespace keel::root {
namespace {

namespace enc = abi::encode;
using abi::Crd;
using abi::SpaceKind;
constexpr uint64_t KERNEL_IMAGE = 0x100000;  // where the hypervisor is linked (boot/linker/hypervisor.ld)
constexpr uint64_t TPM_LOCALITY1 = 0xfed41000;
constexpr uint8_t RW = abi::perm::MEM_R | abi::perm::MEM_W;

void expect(const char* what, abi::Status got, abi::Status want) {
    user::console::print("probe: %s: %s (%s)\n", what, abi::status_name(got),
                         got == want ? "as documented" : "UNEXPECTED");
}

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
    expect("create a PD", user::hypercall(enc::create_pd(41, abi::SEL_OWN_PD)), abi::Status::Success);
    uint64_t ram = first_ram(hip) >> 12;
    expect("delegate RAM into a PD's kernel window",
           user::hypercall(
               enc::delegate(abi::SEL_OWN_PD, 41, Crd(SpaceKind::HostMemory, ram, 0, RW), abi::UTCB_AREA >> 12)),
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
    expect("delegate an MSR",
           user::hypercall(
               enc::delegate(abi::SEL_OWN_PD, 41, Crd(SpaceKind::Msr, 0xc0000080, 0, abi::perm::ALL), 0xc0000080)),
           abi::Status::BadCapability);
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
    {"port-com1", port_com1},
    {"port-pci", port_pci},
    {"msr", read_msr},
    {"cli", disable_interrupts},
    {"capabilities", capabilities},
};

}  // namespace

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
