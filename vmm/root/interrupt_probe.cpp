// A device's interrupt reaches the semaphore it was bound to (assign_int),
// once per arrival: QEMU's edu raises its PCI line on request. The root
// task binds each PCI GSI (16-23) to a semaphore of its own, finds which
// one edu's line ups, and then checks NOVA's rule for level-triggered
// lines: masked from arrival until the driver's next down, so a device that
// keeps its line asserted cannot flood the CPU, and after that down the
// next assertion arrives again.
#include "abi/hypercall.hpp"
#include "vmm/root/edu.hpp"
#include "vmm/root/probes.hpp"
#include "vmm/runtime/console.hpp"
#include "vmm/runtime/hypercall.hpp"
#include "vmm/runtime/tsc.hpp"

namespace keel::root {
namespace {

namespace enc = abi::encode;
using abi::Status;

constexpr abi::Selector FIRST_SM = 96;
constexpr uint32_t FIRST_PCI_GSI = 16, PCI_GSIS = 8;

unsigned failures = 0;

void expect_status(const char* what, Status got, Status want) {
    failures += got != want;
    expect(what, got, want);
}

// Downs `sm` with a deadline `ms` from now.
Status down_within(const abi::Hip& hip, abi::Selector sm, uint64_t ms) {
    return user::hypercall(enc::sm_down(sm, user::rdtsc() + hip.tsc_khz * ms));
}

// Downs `sm` until it times out (at most 64 times): how many ups it had.
unsigned drain(const abi::Hip& hip, abi::Selector sm) {
    unsigned n = 0;
    while (n < 64 && down_within(hip, sm, 20) == Status::Success) ++n;
    return n;
}

}  // namespace

void interrupt_assign_probe(const abi::Hip& hip) {
    EduFound edu_at = find_edu(hip);
    for (uint32_t i = 0; i < PCI_GSIS; ++i)
        expect_status("create a semaphore", user::hypercall(enc::create_sm(FIRST_SM + i, abi::SEL_OWN_PD, 0)),
                      Status::Success);
    expect_status("assign_int of GSI 4 (the kernel's COM1)", user::hypercall(enc::assign_int(FIRST_SM, 0, 4)),
                  Status::BadDevice);
    expect_status("assign_int of GSI 0 (the kernel's timer)", user::hypercall(enc::assign_int(FIRST_SM, 0, 0)),
                  Status::BadDevice);
    expect_status("assign_int of GSI 200", user::hypercall(enc::assign_int(FIRST_SM, 0, 200)), Status::BadDevice);
    expect_status("assign_int to CPU 99", user::hypercall(enc::assign_int(FIRST_SM, 99, FIRST_PCI_GSI)),
                  Status::BadCpu);
    for (uint32_t i = 0; i < PCI_GSIS; ++i)
        expect_status("assign_int of a PCI GSI", user::hypercall(enc::assign_int(FIRST_SM + i, 0, FIRST_PCI_GSI + i)),
                      Status::Success);
    expect_status("assign_int of a GSI another semaphore has",
                  user::hypercall(enc::assign_int(FIRST_SM, 0, FIRST_PCI_GSI + 1)), Status::Busy);
    if (!edu_at.registers) {
        user::console::print("probe: int: no edu device with its registers in the information page\n");
        return;
    }
    // edu decodes its registers once it is assigned (to the root task itself).
    expect_status("assign_dev of edu", user::hypercall(enc::assign_dev(abi::SEL_OWN_PD, edu_at.device)),
                  Status::Success);
    Edu edu(edu_at.registers, hip.tsc_khz);

    // Nothing arrives while edu is quiet.
    unsigned quiet = 0;
    for (uint32_t i = 0; i < PCI_GSIS; ++i) quiet += down_within(hip, FIRST_SM + i, 1) == Status::Success;
    user::console::print("probe: int: %u semaphores upped before edu raised its line\n", quiet);
    failures += quiet != 0;

    edu.raise_interrupt();
    int found = -1;
    for (uint32_t i = 0; i < PCI_GSIS; ++i)
        if (down_within(hip, FIRST_SM + i, 20) == Status::Success) {
            found = int(i);
            break;
        }
    if (found < 0) {
        user::console::print("probe: int: edu's interrupt reached no semaphore (UNEXPECTED)\n");
        ++failures;
        return;
    }
    abi::Selector sm = FIRST_SM + abi::Selector(found);
    user::console::print("probe: int: edu's interrupt arrived on GSI %u\n", FIRST_PCI_GSI + unsigned(found));
    // A driver quiets its device, then downs again. The down that found
    // the interrupt unmasked a line still asserted: at most one more up.
    edu.lower_interrupt();
    unsigned extra = drain(hip, sm);
    user::console::print("probe: int: %u more up(s) from the down while the line was still asserted\n", extra);
    failures += extra > 1;
    expect_status("with edu quiet, no interrupt", down_within(hip, sm, 50), Status::Timeout);
    edu.raise_interrupt();
    expect_status("edu raises its line again: it arrives again", down_within(hip, sm, 1000), Status::Success);
    edu.lower_interrupt();
    (void)drain(hip, sm);
    // No flood: a line held asserted for 100 ms without a down arrives
    // once (masked from its arrival until the down).
    edu.raise_interrupt();
    for (uint64_t until = user::rdtsc() + hip.tsc_khz * 100; user::rdtsc() < until;) {}
    edu.lower_interrupt();
    unsigned ups = drain(hip, sm);
    user::console::print("probe: int: a line held asserted for 100 ms without a down upped the semaphore %u time(s)\n",
                         ups);
    failures += ups != 1;
    unsigned others = 0;
    for (uint32_t i = 0; i < PCI_GSIS; ++i) others += down_within(hip, FIRST_SM + i, 1) == Status::Success;
    user::console::print("probe: int: %u semaphores upped without a cause\n", others);
    failures += others != 0;
    user::console::print("probe: int: %u unexpected\n", failures);
}

}  // namespace keel::root
