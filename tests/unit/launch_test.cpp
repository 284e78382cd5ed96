// The secure loader's host-testable parts: naming and PCR choice (shared with
// `keel measure`), the ELF64 reader, the Multiboot2 builder, and the event-log
// writer, whose output the attestation parser must read back.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "attestation/eventlog/parser.hpp"
#include "attestation/eventlog/replay.hpp"
#include "hypervisor/kernel/multiboot2.hpp"
#include "hypervisor/tpm/event_log_writer.hpp"
#include "lib/elf64.hpp"
#include "mb2_builder.hpp"
#include "sinit/common/boot_info_builder.hpp"
#include "sinit/common/launch_plan.hpp"

using namespace keel;
using namespace keel::launch;

// The loader writes these event types and the attestation parser decodes them.
static_assert(KEEL_EV_SKINIT == eventlog::keel_ev_skinit && KEEL_EV_COMPONENT == eventlog::keel_ev_component &&
              KEEL_EV_LAUNCH_MANIFEST == eventlog::keel_ev_launch_manifest &&
              KEEL_EV_LAUNCH_METHOD == eventlog::keel_ev_launch_method &&
              KEEL_EV_DMA_PROTECTION == eventlog::keel_ev_dma_protection &&
              KEEL_EV_MEMORY_MAP == eventlog::keel_ev_memory_map);

namespace {

std::string str(StringView s) { return {s.data, s.size}; }

std::vector<uint8_t> sha256(const void* p, size_t n) {
    std::vector<uint8_t> out(32);
    unsigned len = 0;
    EVP_Digest(p, n, out.data(), &len, EVP_sha256(), nullptr);
    return out;
}

}  // namespace

TEST(LaunchPlan, HypervisorIsModuleZeroOthersAreNamedByTheirFirstWord) {
    Component hv = plan_module(0, "debug-exit=0xf4");
    EXPECT_EQ(str(hv.name), "hypervisor");
    EXPECT_EQ(hv.pcr, 17u);
    Component g = plan_module(1, "  guest linux console=ttyS0");
    EXPECT_EQ(str(g.name), "guest");
    EXPECT_EQ(g.pcr, 19u);
    EXPECT_EQ(str(plan_module(2, "").name), "unnamed");
}

TEST(LaunchPlan, ManifestAndEventData) {
    Component c[] = {plan_module(0, "x"), plan_module(1, "guest a"), plan_module(2, "config")};
    char out[64];
    size_t n = write_manifest(c, 3, out, sizeof out);
    EXPECT_EQ(std::string(out, n), "hypervisor@17 guest@19 config@19");
    EXPECT_EQ(write_manifest(c, 3, out, 10), 0u);  // does not fit: nothing half-written is used
    uint8_t data[32];
    n = write_event_data("guest", "guest a", data, sizeof data);
    EXPECT_EQ(std::string(reinterpret_cast<char*>(data), n), std::string("guest\0guest a", 13));
    EXPECT_EQ(write_event_data("guest", "guest a", data, 8), 0u);
}

TEST(Elf64, ReadsTheHypervisorImage) {
    std::ifstream f(KEEL_HYPERVISOR_ELF, std::ios::binary);
    std::vector<uint8_t> image{std::istreambuf_iterator<char>(f), {}};
    ASSERT_FALSE(image.empty());
    ElfImage elf;
    ASSERT_EQ(parse_elf64(image.data(), image.size(), elf), Status::Ok);
    EXPECT_GE(elf.segment_count, 3u);
    EXPECT_EQ(elf.segments[0].paddr, 0x100000u);
    EXPECT_GE(elf.entry, 0x100000u);
    // Every truncation of the headers is refused, never read past.
    for (size_t n : {0ul, 16ul, 63ul, 64ul, 100ul}) EXPECT_NE(parse_elf64(image.data(), n, elf), Status::Ok) << n;
    auto bad = image;
    bad[4] = 1;  // ELFCLASS32
    EXPECT_EQ(parse_elf64(bad.data(), bad.size(), elf), Status::Unsupported);
    bad = image;
    bad[24] = bad[25] = bad[26] = 0xff;  // entry outside every executable segment
    bad[27] = 0x7f;
    EXPECT_EQ(parse_elf64(bad.data(), bad.size(), elf), Status::Malformed);
}

TEST(BootInfoBuilder, CopiesLoaderTagsAndRebuildsModules) {
    auto in = test::Mb2Builder()
                  .cmdline("prelaunch")
                  .loader("GRUB")
                  .module(0x200000, 0x210000, "debug-exit=0xf4")
                  .module(0x300000, 0x300100, "guest demo")
                  .memory_map({{0, 0x9fc00, 1}, {0x100000, 0x1000000, 1}})
                  .build();
    std::vector<uint8_t> out(4096);
    BootInfoBuilder b(out.data(), out.size());
    ASSERT_EQ(b.copy_loader_tags(in.data(), in.size()), Status::Ok);
    StringView cmdline, module;
    ASSERT_EQ(b.add_cmdline("debug-exit=0xf4", cmdline), Status::Ok);
    ASSERT_EQ(b.add_module(0x300000, 0x300100, "guest demo", module), Status::Ok);
    size_t size = b.finish();
    ASSERT_GT(size, 0u);
    auto info = std::make_unique<mb2::BootInfo>();
    ASSERT_EQ(mb2::parse(out.data(), size, *info), Status::Ok);
    EXPECT_EQ(str(info->cmdline), "debug-exit=0xf4");
    EXPECT_EQ(str(info->loader_name), "GRUB");
    ASSERT_EQ(info->module_count, 1u);  // the hypervisor's own module is gone
    EXPECT_EQ(str(info->modules[0].cmdline), "guest demo");
    EXPECT_EQ(info->modules[0].cmdline.data, module.data);  // the copy that was measured is the one handed over
    EXPECT_EQ(info->region_count, 2u);
    // A DRTM tag from the boot loader is dropped: only the SLB may add one.
    auto forged = test::Mb2Builder().tag(0x4b4c0001, std::vector<uint8_t>(32, 0x41)).build();
    std::vector<uint8_t> clean(256);
    BootInfoBuilder f(clean.data(), clean.size());
    ASSERT_EQ(f.copy_loader_tags(forged.data(), forged.size()), Status::Ok);
    size_t clean_size = f.finish();
    ASSERT_EQ(mb2::parse(clean.data(), clean_size, *info), Status::Ok);
    EXPECT_FALSE(info->drtm.present);
    EXPECT_EQ(clean_size, 16u);  // header and end tag only
    // Too small a buffer: finish() says so instead of writing past it.
    std::vector<uint8_t> small(40);
    BootInfoBuilder s(small.data(), small.size());
    (void)s.copy_loader_tags(in.data(), in.size());
    EXPECT_EQ(s.finish(), 0u);
}

TEST(EventLogWriter, WritesALogTheParserReadsAndReplays) {
    uint16_t algs[] = {0x000b};
    size_t sizes[] = {32};
    std::vector<uint8_t> buf(4096);
    tpm::EventLogWriter w;
    ASSERT_EQ(w.init(buf.data(), buf.size(), algs, sizes, 1), Status::Ok);
    tpm::DigestList d{};
    d.count = 1;
    d.digests[0].alg = 0x000b;
    auto slb = sha256("slb", 3);
    std::copy(slb.begin(), slb.end(), d.digests[0].bytes);
    uint8_t data[64];
    size_t n = write_event_data("slb", "x", data, sizeof data);
    ASSERT_EQ(w.append(17, KEEL_EV_SKINIT, d, data, n), Status::Ok);
    auto hv = sha256("hv", 2);
    std::copy(hv.begin(), hv.end(), d.digests[0].bytes);
    n = write_event_data("hypervisor", "debug-exit=0xf4", data, sizeof data);
    ASSERT_EQ(w.append(17, KEEL_EV_COMPONENT, d, data, n), Status::Ok);
    buf.resize(w.size());

    auto log = eventlog::parse(buf);
    ASSERT_EQ(log.events.size(), 3u);  // Spec ID header + 2
    EXPECT_EQ(log.spec_id->signature, "Spec ID Event03");
    ASSERT_TRUE(log.events[2].keel);
    EXPECT_EQ(log.events[2].keel->name, "hypervisor");
    EXPECT_EQ(log.events[2].keel->detail, "debug-exit=0xf4");

    std::vector<uint8_t> pcr(32, 0), both;
    for (const auto& digest : {slb, hv}) {
        both = pcr;
        both.insert(both.end(), digest.begin(), digest.end());
        pcr = sha256(both.data(), both.size());
    }
    auto replay = eventlog::replay(log);
    EXPECT_EQ(replay.pcrs.at(eventlog::AlgorithmId(0x000b)).at(17), pcr);
}

TEST(EventLogWriter, RefusesWhatDoesNotFitOrDoesNotMatchItsBanks) {
    uint16_t algs[] = {0x0004, 0x000b};
    size_t sizes[] = {20, 32};
    std::vector<uint8_t> buf(100);
    tpm::EventLogWriter w;
    ASSERT_EQ(w.init(buf.data(), buf.size(), algs, sizes, 2), Status::Ok);
    tpm::DigestList d{};
    d.count = 1;  // one bank missing
    uint8_t data[1] = {0};
    EXPECT_EQ(w.append(17, KEEL_EV_COMPONENT, d, data, 1), Status::BadArgument);
    d.count = 2;
    d.digests[0].alg = 0x0004;
    d.digests[1].alg = 0x000b;
    size_t before = w.size();
    EXPECT_EQ(w.append(17, KEEL_EV_COMPONENT, d, data, 1), Status::OutOfMemory);  // 100 bytes are too few
    EXPECT_EQ(w.size(), before);
    EXPECT_EQ(w.init(buf.data(), 20, algs, sizes, 2), Status::OutOfMemory);
}

// Data written straight into the log (the SLB's memory map, larger than any
// buffer it has) ends up exactly where append() would have put it.
TEST(EventLogWriter, DataWrittenInPlaceIsTheSameRecordAsAppended) {
    uint16_t algs[] = {0x000b};
    size_t sizes[] = {32};
    std::vector<uint8_t> a(400), b(400);
    tpm::EventLogWriter wa, wb;
    ASSERT_EQ(wa.init(a.data(), a.size(), algs, sizes, 1), Status::Ok);
    ASSERT_EQ(wb.init(b.data(), b.size(), algs, sizes, 1), Status::Ok);
    tpm::DigestList d{};
    d.count = 1;
    d.digests[0].alg = 0x000b;
    d.digests[0].bytes[0] = 0xab;
    const uint8_t data[] = {'m', 0, 'x', 'y'};
    ASSERT_EQ(wa.append(18, KEEL_EV_MEMORY_MAP, d, data, sizeof data), Status::Ok);
    size_t room = 0;
    uint8_t* slot = wb.data_slot(room);
    ASSERT_NE(slot, nullptr);
    EXPECT_EQ(room, b.size() - wb.size() - (4 * 4 + 2 + 32));
    std::copy(std::begin(data), std::end(data), slot);
    ASSERT_EQ(wb.append_in_place(18, KEEL_EV_MEMORY_MAP, d, sizeof data), Status::Ok);
    EXPECT_EQ(wa.size(), wb.size());
    EXPECT_EQ(a, b);
    EXPECT_EQ(wb.append_in_place(18, KEEL_EV_MEMORY_MAP, d, room + 1), Status::OutOfMemory);
    d.count = 2;
    EXPECT_EQ(wb.append_in_place(18, KEEL_EV_MEMORY_MAP, d, 1), Status::BadArgument);
}

TEST(LaunchPlan, MemoryMapLinesAreHexRangesWithMultiboot2TypeNames) {
    char out[128];
    size_t len = 0;
    ASSERT_TRUE(write_memory_map_line(0, 0x9fc00, 1, out, sizeof out, len));
    ASSERT_TRUE(write_memory_map_line(0x100000, 0x1fecf000, 4, out, sizeof out, len));
    ASSERT_TRUE(write_memory_map_line(0xfd00000000, 0x300000000, 20, out, sizeof out, len));
    EXPECT_EQ(std::string(out, len),
              "0x0-0x9fbff usable\n0x100000-0x1ffcefff ACPI NVS\n0xfd00000000-0xffffffffff type 20\n");
    // A line that does not fit is not written at all.
    size_t before = len;
    EXPECT_FALSE(write_memory_map_line(0xfffffffffffff000, 0x1000, 2, out, len + 20, len));
    EXPECT_EQ(len, before);
}
