// A device assigned to a PD reaches that PD's guest memory and nothing
// else, for as long as the PD holds it (assign_dev; the attacker is the
// device, QEMU's edu, driven by the root task through its registers).
//
// The root task makes a PD with no thread, gives its guest memory space
// pages A, B and D (at guest addresses 0x10000, 0x11000, 0x12000) and
// assigns edu to it. edu copies between RAM and its own 4 KiB buffer: a read
// of guest address G into the buffer and a write of the buffer to G' show
// what the device can reach. Then: an address the PD never had, a page made
// read-only, a page taken away, and the PD itself gone. Each revocation
// comes after the IOMMU cached the translation (QEMU's IOTLB keeps it until
// the kernel invalidates): a missing invalidation shows.
#include "abi/hypercall.hpp"
#include "abi/layout.hpp"
#include "vmm/root/edu.hpp"
#include "vmm/root/probes.hpp"
#include "vmm/runtime/console.hpp"
#include "vmm/runtime/hypercall.hpp"
#include "vmm/runtime/tsc.hpp"

namespace keel::root {
namespace {

namespace enc = abi::encode;
using abi::Crd;
using abi::SpaceKind;
using abi::Status;

constexpr abi::Selector DMA_PD = 80;
constexpr uint64_t GUEST_A = 0x10, GUEST_B = 0x11, GUEST_D = 0x12;  // guest pages
constexpr uint8_t RW = abi::perm::MEM_R | abi::perm::MEM_W;
constexpr uint64_t PAGE = 4096;

unsigned checks = 0, failures = 0;

void check(const char* what, bool ran, bool ok) {
    ++checks;
    failures += !(ran && ok);
    user::console::print("probe: dma: %s: %s\n", what,
                         !ran ? "the device never finished (UNEXPECTED)"
                         : ok ? "yes (as documented)"
                              : "NO (UNEXPECTED)");
}

void expect_status(const char* what, Status got, Status want) {
    ++checks;
    failures += got != want;
    expect(what, got, want);
}

void fill(uint64_t at, uint8_t pattern) {
    auto* p = reinterpret_cast<volatile uint8_t*>(at);
    for (uint64_t i = 0; i < PAGE; ++i) p[i] = uint8_t(pattern + i);
}
bool holds(uint64_t at, uint8_t pattern) {
    auto* p = reinterpret_cast<volatile uint8_t*>(at);
    for (uint64_t i = 0; i < Edu::BYTES; ++i)
        if (p[i] != uint8_t(pattern + i)) return false;
    return true;
}

}  // namespace

void dma_assign_probe(const abi::Hip& hip) {
    if (!(hip.features & uint32_t(abi::HipFeature::Iommu))) {
        user::console::print("probe: dma: no IOMMU taken over (features 0x%x): assign_dev is off\n", hip.features);
        unsigned functions = 0, ranges = 0;
        for (uint32_t i = 0; i < hip.memory_count; ++i) {
            functions += hip.memory[i].kind == uint32_t(abi::HipMemoryKind::PciFunction);
            ranges += hip.memory[i].kind == uint32_t(abi::HipMemoryKind::DeviceMemory);
        }
        user::console::print("probe: dma: the information page lists %u PCI functions and %u device memory ranges\n",
                             functions, ranges);
        expect_status("assign_dev without an IOMMU", user::hypercall(enc::assign_dev(abi::SEL_OWN_PD, 0x20)),
                      Status::BadFeature);
        return;
    }
    EduFound edu_at = find_edu(hip);
    if (!edu_at.registers) {
        user::console::print("probe: dma: no edu device with its registers in the information page\n");
        return;
    }
    Edu edu(edu_at.registers, hip.tsc_khz);
    user::console::print("probe: dma: edu %02x:%02x.%x, registers at 0x%lx\n", edu_at.device >> 8,
                         edu_at.device >> 3 & 31, edu_at.device & 7, edu_at.registers);

    // Four pages of the root task's RAM the device can address, and their
    // physical addresses (the root task sees RAM at ROOT_PHYS_BASE + physical).
    uint64_t base = first_ram(hip) + 0x800000;
    uint64_t a = base, b = base + PAGE, c = base + 2 * PAGE, d = base + 3 * PAGE;
    uint64_t pa_c = c - abi::ROOT_PHYS_BASE;
    if (d - abi::ROOT_PHYS_BASE >= Edu::DMA_LIMIT) {
        user::console::print("probe: dma: no RAM below 256 MiB for the device\n");
        return;
    }
    constexpr uint8_t X = 0x11, Y = 0x5a, Z = 0xc3;
    fill(a, X);
    fill(b, Y);
    fill(c, Z);
    fill(d, Y);

    Status s = user::hypercall(enc::create_pd(DMA_PD, abi::SEL_OWN_PD, 64));
    expect_status("create a PD for the device", s, Status::Success);
    if (s != Status::Success) return;
    const uint64_t guest_pages[] = {GUEST_A, GUEST_B, GUEST_D}, hosts[] = {a, b, d};
    for (int i = 0; i < 3; ++i)
        expect_status(
            "give the PD a guest page",
            user::hypercall(enc::delegate(abi::SEL_OWN_PD, DMA_PD, Crd(SpaceKind::GuestMemory, hosts[i] / PAGE, 0, RW),
                                          guest_pages[i])),
            Status::Success);

    // Who and what may be assigned.
    abi::Args beyond = enc::assign_dev(DMA_PD, 0);
    beyond.p1 = 0x10000;
    expect_status("assign_dev of a requester ID beyond 16 bits", user::hypercall(beyond), Status::BadParameter);
    expect_status("assign_dev of a function that does not exist (00:10.0)",
                  user::hypercall(enc::assign_dev(DMA_PD, 0x10 << 3)), Status::BadDevice);
    expect_status("assign_dev of the host bridge (00:00.0)", user::hypercall(enc::assign_dev(DMA_PD, 0)),
                  Status::BadDevice);
    expect_status("assign_dev of the IOMMU (00:03.0)", user::hypercall(enc::assign_dev(DMA_PD, 3 << 3)),
                  Status::Refused);
    // Its configuration is read only through the PD whose memory its DMA
    // goes through (a VMM reads its own device's, nobody else's).
    expect_status("dev_config of edu through a PD it is not assigned to",
                  user::hypercall(enc::dev_config(DMA_PD, edu_at.device, 0)), Status::BadDevice);
    expect_status("assign_dev of edu", user::hypercall(enc::assign_dev(DMA_PD, edu_at.device)), Status::Success);
    abi::Args id = enc::dev_config(DMA_PD, edu_at.device, 0);
    expect_status("dev_config of edu through its PD", user::hypercall(id, &id), Status::Success);
    ++checks;
    failures += uint32_t(id.p1) != Edu::ID;
    user::console::print("probe: dma: edu's configuration through its PD: vendor and device 0x%08x\n", uint32_t(id.p1));
    expect_status("dev_config of edu through the root task's PD, which it is not assigned to",
                  user::hypercall(enc::dev_config(abi::SEL_OWN_PD, edu_at.device, 0)), Status::BadDevice);
    expect_status("assign_dev of edu again", user::hypercall(enc::assign_dev(DMA_PD, edu_at.device)), Status::Success);
    // The kernel let it decode its registers.
    user::console::print("probe: dma: edu says it is 0x%x\n", edu.id());

    // The PD's pages, as its guest sees them.
    bool ran = edu.read(GUEST_A * PAGE) && edu.write(GUEST_B * PAGE);
    check("the device copies guest page A to guest page B", ran, holds(b, X));

    // Addresses the PD never had: the physical addresses of C and A (what
    // an untranslated or pass-through entry would reach).
    ran = edu.write(pa_c);
    check("a write to a physical address outside the PD's memory is dropped", ran, holds(c, Z));
    fill(b, Y);
    fill(d, Z);
    ran = edu.read(GUEST_D * PAGE) && edu.read(a - abi::ROOT_PHYS_BASE) && edu.write(GUEST_B * PAGE);
    check("a read of a physical address outside the PD's memory brings nothing", ran, !holds(b, X));

    // Read-only: the device's write to B is dropped once the PD's right to
    // write B is revoked (the IOMMU had cached B as writable).
    fill(b, Y);
    expect_status("revoke the PD's right to write page B",
                  user::hypercall(enc::revoke(DMA_PD, Crd(SpaceKind::GuestMemory, GUEST_B, 0, abi::perm::MEM_W))),
                  Status::Success);
    ran = edu.read(GUEST_A * PAGE) && edu.write(GUEST_B * PAGE);
    check("the device cannot write a page made read-only", ran, holds(b, Y));
    ran = edu.read(GUEST_B * PAGE) && edu.write(GUEST_D * PAGE);
    check("the device still reads it", ran, holds(d, Y));

    // Taken away: A (cached by the IOMMU a moment ago) is no longer readable.
    fill(d, Y);
    ran = edu.read(GUEST_A * PAGE) && edu.write(GUEST_D * PAGE);
    check("the device reads page A before it is revoked", ran, holds(d, X));
    fill(d, Z);
    ran = edu.read(GUEST_D * PAGE);  // the buffer: Z, not X
    expect_status("revoke page A from the PD",
                  user::hypercall(enc::revoke(DMA_PD, Crd(SpaceKind::GuestMemory, GUEST_A, 0, abi::perm::ALL))),
                  Status::Success);
    ran = ran && edu.read(GUEST_A * PAGE) && edu.write(GUEST_D * PAGE);
    check("the device cannot read a page revoked from the PD", ran, !holds(d, X));

    // The PD goes: its device is blocked again (D was cached writable).
    fill(d, X);
    ran = edu.read(GUEST_D * PAGE);  // the buffer: X
    fill(d, Y);
    expect_status("revoke the PD",
                  user::hypercall(enc::revoke(abi::SEL_OWN_PD, Crd(SpaceKind::Object, DMA_PD, 0, abi::perm::ALL))),
                  Status::Success);
    ran = ran && edu.write(GUEST_D * PAGE);
    check("the device cannot write once its PD is gone", ran, holds(d, Y));
    ran = edu.write(pa_c);
    check("nor anywhere else", ran, holds(c, Z));

    user::console::print("probe: dma: %u checks, %u unexpected\n", checks, failures);
}

}  // namespace keel::root
