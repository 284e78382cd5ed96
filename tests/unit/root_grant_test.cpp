// What the root task receives at start-up (hypervisor/kernel/root_grant):
// nothing the kernel keeps, no TPM locality but 0, none of the kernel's ports.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "hypervisor/kernel/root_grant.hpp"
#include "mb2_builder.hpp"

using keel::GrantRange;
using keel::test::Mb2Builder;

namespace {

std::vector<GrantRange> memory(const std::vector<Mb2Builder::Region>& map, const std::vector<GrantRange>& kept) {
    auto bytes = Mb2Builder().memory_map(map).build();
    auto info = std::make_unique<keel::mb2::BootInfo>();
    EXPECT_EQ(keel::mb2::parse(bytes.data(), bytes.size(), *info), keel::Status::Ok);
    std::vector<GrantRange> out(64);
    size_t n = keel::root_memory(*info, kept.data(), kept.size(), out.data(), out.size());
    out.resize(n);
    return n <= 64 ? out : std::vector<GrantRange>{};
}

bool overlaps(const std::vector<GrantRange>& a, uint64_t base, uint64_t end) {
    for (const auto& r : a)
        if (r.base < end && base < r.end) return true;
    return false;
}

}  // namespace

TEST(RootGrant, RamWithoutAnythingTheKernelKeeps) {
    // QEMU's map; the kernel image at 1 MiB, page tables, the event log, a VMCB.
    std::vector<GrantRange> kept = {
        {0x100000, 0x128000}, {0x170000, 0x171000}, {0x190000, 0x390000}, {0x1ffc0123, 0x1ffc0124}};
    auto ram =
        memory({{0, 0x9fc00, 1}, {0x9fc00, 0x400, 2}, {0x100000, 0x1fecf000, 1}, {0xfd00000000, 0x300000000, 2}}, kept);
    for (const auto& k : kept) EXPECT_FALSE(overlaps(ram, k.base & ~0xfffull, (k.end + 0xfff) & ~0xfffull));
    EXPECT_FALSE(overlaps(ram, 0x9f000, 0xa0000)) << "a page that is only partly RAM is not handed out";
    EXPECT_TRUE(overlaps(ram, 0x128000, 0x129000));
    EXPECT_TRUE(overlaps(ram, 0x0, 0x1000));
    for (const auto& r : ram) {
        EXPECT_EQ(r.base % 4096, 0u);
        EXPECT_EQ(r.end % 4096, 0u);
        EXPECT_LT(r.base, r.end);
    }
    uint64_t total = 0;
    for (const auto& r : ram) total += r.end - r.base;
    EXPECT_EQ(total, 0x9f000u + 0x1fecf000u - 0x28000 - 0x1000 - 0x200000 - 0x1000);
}

TEST(RootGrant, DeviceWindowsNeverBecomeRam) {
    // Even a map that claims the TPM's window is usable (the map check
    // refuses it earlier): kept ranges still come out.
    auto ram = memory({{0xfed40000, 0x5000, 1}}, {{0xfed41000, 0xfed45000}});
    EXPECT_FALSE(overlaps(ram, 0xfed41000, 0xfed45000)) << "TPM localities 1-4";
    EXPECT_TRUE(overlaps(ram, 0xfed40000, 0xfed41000));
}

TEST(RootGrant, TheKernelsPortsStayTheKernels) {
    GrantRange out[16];
    size_t n = keel::root_ports(0xf4, out, 16);
    std::vector<GrantRange> ports(out, out + n);
    for (const auto& k : keel::KERNEL_PORTS) EXPECT_FALSE(overlaps(ports, k.base, k.end)) << std::hex << k.base;
    // Named here, not only through the list the kernel keeps: a port dropped
    // from that list must fail this test too.
    EXPECT_FALSE(overlaps(ports, 0xcf8, 0xd00)) << "PCI configuration: the IOMMU is programmed through it";
    EXPECT_FALSE(overlaps(ports, 0x3f8, 0x400)) << "COM1, the kernel's console";
    EXPECT_FALSE(overlaps(ports, 0x20, 0x22)) << "the master PIC";
    EXPECT_FALSE(overlaps(ports, 0xa0, 0xa2)) << "the slave PIC";
    EXPECT_FALSE(overlaps(ports, 0xf4, 0xf5)) << "QEMU's debug-exit port";
    EXPECT_TRUE(overlaps(ports, 0x2f8, 0x300)) << "COM2 is the root's to hand out";
    EXPECT_TRUE(overlaps(ports, 0xffff, 0x10000));
    uint64_t total = 0;
    for (const auto& r : ports) total += r.end - r.base;
    EXPECT_EQ(total, 0x10000u - 2 - 4 - 2 - 8 - 8 - 1);
}

namespace {

bool grantable(const std::vector<Mb2Builder::Region>& map, const std::vector<GrantRange>& kept, uint64_t base,
               uint64_t size) {
    auto bytes = Mb2Builder().memory_map(map).build();
    auto info = std::make_unique<keel::mb2::BootInfo>();
    EXPECT_EQ(keel::mb2::parse(bytes.data(), bytes.size(), *info), keel::Status::Ok);
    return keel::device_memory_grantable(*info, kept.data(), kept.size(), base, size);
}

}  // namespace

// A BAR is where the unmeasured firmware put it: the root task gets it only
// where it cannot be the kernel's RAM, the platform's registers or an IOMMU's.
TEST(RootGrant, DeviceMemoryOnlyOutsideRamThePlatformWindowAndWhatTheKernelKeeps) {
    const std::vector<Mb2Builder::Region> map = {
        {0, 0x9fc00, 1}, {0x100000, 0x1fee0000, 1}, {0x1ffe0000, 0x20000, 2}, {0xfeffc000, 0x4000, 2}};
    const std::vector<GrantRange> iommu = {{0xfd200000, 0xfd280000}};
    EXPECT_TRUE(grantable(map, iommu, 0xfea00000, 0x100000));  // QEMU's edu
    EXPECT_TRUE(grantable(map, iommu, 0x8000000000, 0x4000)) << "a 64-bit BAR above RAM";
    EXPECT_TRUE(grantable(map, iommu, 0x1ffe0000, 0x1000)) << "a reserved range is no RAM";
    EXPECT_FALSE(grantable(map, iommu, 0x1000000, 0x100000)) << "over usable RAM";
    EXPECT_FALSE(grantable(map, iommu, 0x1ffdf000, 0x2000)) << "partly over RAM";
    EXPECT_FALSE(grantable(map, iommu, 0xfed40000, 0x5000)) << "the TPM";
    EXPECT_FALSE(grantable(map, iommu, 0xfee00000, 0x1000)) << "the local APIC";
    EXPECT_FALSE(grantable(map, iommu, 0xfec00000, 0x1000)) << "the I/O APIC";
    EXPECT_FALSE(grantable(map, iommu, 0xfd27f000, 0x2000)) << "an IOMMU's registers";
    EXPECT_FALSE(grantable(map, {}, 0xfea00800, 0x800)) << "not whole pages";
    EXPECT_FALSE(grantable(map, {}, 0, 0x1000));
    EXPECT_FALSE(grantable(map, {}, 0xfffffffffffff000, 0x2000)) << "wraps around";
    EXPECT_FALSE(grantable({{0, 0x9fc00, 1}, {0x100000, 0x1000000, 3}}, {}, 0x200000, 0x1000)) << "ACPI tables";
    EXPECT_FALSE(grantable({{0, 0x9fc00, 1}, {0x100000, 0x1000000, 20}}, {}, 0x200000, 0x1000))
        << "a type Multiboot2 does not define";
}
