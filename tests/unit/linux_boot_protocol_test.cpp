// The Linux boot protocol as the Linux VMM follows it: Debian's real cloud
// kernel, and images broken in each way a header can lie.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include "vmm/linux/boot_protocol.hpp"

namespace keel::vmm::boot {
namespace {

std::vector<uint8_t> read_file(const char* path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

template <typename T> void put(std::vector<uint8_t>& b, size_t at, T v) { std::memcpy(&b[at], &v, sizeof v); }
template <typename T> T get(const uint8_t* b, size_t at) {
    T v;
    std::memcpy(&v, b + at, sizeof v);
    return v;
}

// A minimal bzImage: protocol 2.15, 64-bit, one setup sector besides the
// boot sector, `kernel` bytes of kernel.
std::vector<uint8_t> synthetic(size_t kernel = 4096) {
    std::vector<uint8_t> b(2 * 512 + kernel, 0);
    b[0x1f1] = 1;
    put<uint16_t>(b, 0x1fe, 0xaa55);
    b[0x200] = 0xeb;
    b[0x201] = 0x6a;  // the header ends at 0x26c, as in 6.1
    put<uint32_t>(b, 0x202, 0x53726448);
    put<uint16_t>(b, 0x206, 0x020f);
    b[0x211] = 1;
    put<uint32_t>(b, 0x22c, 0x7fffffff);
    put<uint16_t>(b, 0x236, 0x7f);
    put<uint32_t>(b, 0x238, 2047);
    put<uint64_t>(b, 0x258, 0x1000000);
    put<uint32_t>(b, 0x260, 0x800000);
    put<uint32_t>(b, 0x1f4, uint32_t(kernel / 16));
    return b;
}

Status parse(const std::vector<uint8_t>& b, KernelImage& k) {
    const char* why = "";
    return parse_bzimage(b.data(), b.size(), k, why);
}

TEST(BootProtocol, DebiansCloudKernelParses) {
    std::vector<uint8_t> image = read_file(KEEL_GUEST_VMLINUZ);
    ASSERT_GT(image.size(), 1u << 20) << KEEL_GUEST_VMLINUZ;
    KernelImage k;
    const char* why = "";
    ASSERT_EQ(parse_bzimage(image.data(), image.size(), k, why), Status::Ok) << why;
    EXPECT_GE(k.protocol, 0x020f);
    EXPECT_EQ(k.kernel_offset, (image[0x1f1] + 1u) * 512);
    EXPECT_EQ(k.kernel_offset + k.kernel_bytes, image.size());
    EXPECT_EQ(k.pref_address, 0x1000000u);  // CONFIG_PHYSICAL_START
    EXPECT_GT(k.init_size, k.kernel_bytes);  // it decompresses into more than it is
    EXPECT_EQ(k.cmdline_size, 2047u);
}

TEST(BootProtocol, TheZeroPageCarriesTheHeaderCommandLineInitrdAndMap) {
    std::vector<uint8_t> image = read_file(KEEL_GUEST_VMLINUZ);
    KernelImage k;
    const char* why = "";
    ASSERT_EQ(parse_bzimage(image.data(), image.size(), k, why), Status::Ok) << why;
    const uint64_t ram = 128 << 20;
    LoadPlan plan;
    ASSERT_EQ(plan_load(k, ram, ram - 0x200000, 0x123456, plan, why), Status::Ok) << why;
    MemoryRange map[8];
    size_t n = guest_memory_map(ram, map, 8);
    std::vector<uint8_t> zp(BOOT_PARAMS_SIZE, 0xcc);
    ASSERT_EQ(write_boot_params(zp.data(), image.data(), k, plan, 20, map, n, 0xe0000), Status::Ok);
    // The setup header as in the image, then what a loader sets.
    EXPECT_EQ(get<uint32_t>(zp.data(), 0x202), 0x53726448u);
    EXPECT_EQ(get<uint16_t>(zp.data(), 0x206), k.protocol);
    EXPECT_EQ(zp[0x210], 0xff);
    EXPECT_EQ(get<uint32_t>(zp.data(), 0x228), CMDLINE_GPA);
    EXPECT_EQ(get<uint32_t>(zp.data(), 0x218), ram - 0x200000);
    EXPECT_EQ(get<uint32_t>(zp.data(), 0x21c), 0x123456u);
    EXPECT_EQ(get<uint32_t>(zp.data(), 0x0c0), 0u);
    EXPECT_EQ(get<uint64_t>(zp.data(), 0x070), 0xe0000u) << "acpi_rsdp_addr";
    // Nothing past the header but the memory map; no video, no EFI.
    for (size_t i = 0; i < 0x1e8; ++i) {
        if ((i < 0x0c0 || i >= 0x0cc) && (i < 0x070 || i >= 0x078)) { EXPECT_EQ(zp[i], 0) << "offset " << i; }
    }
    ASSERT_EQ(zp[0x1e8], n);
    EXPECT_EQ(get<uint64_t>(zp.data(), 0x2d0), 0u);
    EXPECT_EQ(get<uint64_t>(zp.data(), 0x2d8), LOW_RAM_END);
    EXPECT_EQ(get<uint32_t>(zp.data(), 0x2e0), uint32_t(E820_RAM));
    size_t last = 0x2d0 + 20 * (n - 1);
    EXPECT_EQ(get<uint64_t>(zp.data(), last), KERNEL_GPA);
    EXPECT_EQ(get<uint64_t>(zp.data(), last + 8), ram - KERNEL_GPA);
    for (size_t i = 0x2d0 + 20 * n; i < BOOT_PARAMS_SIZE; ++i) EXPECT_EQ(zp[i], 0) << "offset " << i;
}

TEST(BootProtocol, TheMemoryMapKeepsTheLegacyHoleAndFirmwareAreaReserved) {
    MemoryRange map[8];
    size_t n = guest_memory_map(256 << 20, map, 8);
    ASSERT_EQ(n, 4u);
    uint64_t ram = 0;
    for (size_t i = 0; i < n; ++i) {
        if (i) { EXPECT_GE(map[i].base, map[i - 1].base + map[i - 1].size); }
        if (map[i].type == E820_RAM) ram += map[i].size;
        // Nothing in 0xa0000-0xe0000 (VGA, option ROMs) is RAM.
        if (map[i].type == E820_RAM) { EXPECT_TRUE(map[i].base + map[i].size <= 0xa0000 || map[i].base >= KERNEL_GPA); }
    }
    EXPECT_EQ(ram, LOW_RAM_END + (256u << 20) - KERNEL_GPA);
    EXPECT_EQ(guest_memory_map(256 << 20, map, 2), 2u);
}

TEST(BootProtocol, RefusesWhatIsNotABootableBzImage) {
    KernelImage k;
    auto broken = [](auto change) {
        std::vector<uint8_t> b = synthetic();
        change(b);
        return b;
    };
    EXPECT_EQ(parse(synthetic(), k), Status::Ok);
    EXPECT_EQ(parse(std::vector<uint8_t>(0x200, 0), k), Status::Truncated);
    EXPECT_EQ(parse(broken([](auto& b) { b[0x1fe] = 0; }), k), Status::Malformed);  // no boot flag
    EXPECT_EQ(parse(broken([](auto& b) { b[0x202] = 'X'; }), k), Status::Malformed);  // no HdrS
    EXPECT_EQ(parse(broken([](auto& b) { put<uint16_t>(b, 0x206, 0x020b); }), k), Status::Unsupported);
    EXPECT_EQ(parse(broken([](auto& b) { b[0x211] = 0; }), k), Status::Unsupported);  // a zImage
    EXPECT_EQ(parse(broken([](auto& b) { put<uint16_t>(b, 0x236, 0); }), k), Status::Unsupported);  // 32-bit only
    EXPECT_EQ(parse(broken([](auto& b) { b[0x201] = 0x10; }), k), Status::Malformed);  // header too short
    EXPECT_EQ(parse(broken([](auto& b) { b[0x201] = 0xff; }), k), Status::Malformed);  // into the e820 table
    EXPECT_EQ(parse(broken([](auto& b) { b[0x1f1] = 200; }), k), Status::Truncated);  // setup beyond the image
    EXPECT_EQ(parse(broken([](auto& b) { put<uint32_t>(b, 0x1f4, 0x10000); }), k), Status::Truncated);  // syssize
    EXPECT_EQ(parse(broken([](auto& b) { put<uint32_t>(b, 0x260, 0); }), k), Status::Malformed);
    EXPECT_EQ(parse(broken([](auto& b) { put<uint64_t>(b, 0x258, ~0ull); }), k), Status::Malformed);
    // setup_sects 0 means 4.
    std::vector<uint8_t> four = broken([](auto& b) { b[0x1f1] = 0; });
    four.resize(5 * 512 + 4096);
    ASSERT_EQ(parse(four, k), Status::Ok);
    EXPECT_EQ(k.kernel_offset, 5u * 512);
}

TEST(BootProtocol, TheInitrdMustLieAboveTheKernelsWorkingAreaAndInRam) {
    KernelImage k;
    ASSERT_EQ(parse(synthetic(), k), Status::Ok);
    const uint64_t ram = 64 << 20, work_end = 0x1000000 + 0x800000;
    LoadPlan plan;
    const char* why = "";
    ASSERT_EQ(plan_load(k, ram, work_end, 4096, plan, why), Status::Ok) << why;
    EXPECT_EQ(plan.kernel_end, work_end);
    EXPECT_EQ(plan_load(k, ram, work_end - 4096, 4096, plan, why), Status::OutOfMemory);  // overlaps
    EXPECT_EQ(plan_load(k, ram, work_end + 1, 4096, plan, why), Status::BadArgument);  // not page-aligned
    EXPECT_EQ(plan_load(k, ram, ram - 4096, 8192, plan, why), Status::BadArgument);  // past the end
    EXPECT_EQ(plan_load(k, ram, ~0ull & ~4095ull, 8192, plan, why), Status::BadArgument);  // wraps
    EXPECT_EQ(plan_load(k, work_end - 1, 0, 0, plan, why), Status::OutOfMemory);  // RAM too small
    ASSERT_EQ(plan_load(k, ram, 0, 0, plan, why), Status::Ok);  // no initrd
    EXPECT_EQ(plan.initrd_bytes, 0u);
    std::vector<uint8_t> low = synthetic();
    put<uint32_t>(low, 0x22c, 0x1ffffff);  // initrd_addr_max
    ASSERT_EQ(parse(low, k), Status::Ok);
    EXPECT_EQ(plan_load(k, ram, 0x2000000, 4096, plan, why), Status::Unsupported);
}

TEST(BootProtocol, ACommandLineLongerThanTheKernelReadsIsRefusedNotCut) {
    std::vector<uint8_t> b = synthetic();
    put<uint32_t>(b, 0x238, 100);
    KernelImage k;
    ASSERT_EQ(parse(b, k), Status::Ok);
    LoadPlan plan{};
    std::vector<uint8_t> zp(BOOT_PARAMS_SIZE);
    EXPECT_EQ(write_boot_params(zp.data(), b.data(), k, plan, 100, nullptr, 0, 0), Status::Ok);
    EXPECT_EQ(write_boot_params(zp.data(), b.data(), k, plan, 101, nullptr, 0, 0), Status::Truncated);
}

}  // namespace
}  // namespace keel::vmm::boot
