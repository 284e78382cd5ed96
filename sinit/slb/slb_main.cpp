// The Secure Loader Block's work after SKINIT: measure everything the
// hypervisor will trust, log it, load the hypervisor as GRUB would, and
// enter it through its Multiboot2 entry.
//
// The hand-off block and the boot information come from the unmeasured
// pre-launch stage: every address is checked to lie below 4 GiB, outside the
// SLB and clear of every other region before it is written or jumped to.
#include "../../hypervisor/arch/x86/cpu.hpp"
#include "../../hypervisor/kernel/multiboot2.hpp"
#include "../common/boot_info_builder.hpp"
#include "../common/drtm_tag.hpp"
#include "../common/handoff.hpp"
#include "../common/launch_plan.hpp"
#include "core_result.hpp"
#include "hypervisor/kernel/memory_map_check.hpp"
#include "lib/elf64.hpp"
#include "sinit/slb/amd_iommu.hpp"
#include "slb_console.hpp"
#include "tpm_measure.hpp"

extern "C" void keel_leave_long_mode(uint32_t entry, uint32_t arg1, uint32_t arg2, uint32_t mode);

namespace keel::slb {
namespace {

constexpr uint64_t LIMIT = 1ull << 32;
constexpr uint64_t LOW_MEMORY = 1ull << 20;  // below: real-mode memory, VGA and BIOS windows
constexpr uint32_t MSR_TOP_MEM = 0xc001001a;
constexpr uint32_t MSR_APIC_BASE = 0x1b;
static_assert(launch::MAX_COMPONENTS == mb2::BootInfo::MAX_MODULES, "keel measure and the SLB must agree");
constexpr size_t MAX_REGIONS = 4 + mb2::BootInfo::MAX_MODULES + launch::ElfImage::MAX_SEGMENTS;

struct Region {
    uint64_t base, size;
    const char* what;
};

constinit mb2::BootInfo boot_info;
constinit launch::Component components[mb2::BootInfo::MAX_MODULES];
constinit char manifest[launch::MAX_MANIFEST];
constinit Region regions[MAX_REGIONS];
constinit size_t region_count;
constinit uint64_t ram_ceiling;  // 0 until the memory map has been checked

bool below_4g(uint64_t base, uint64_t size) { return base < LIMIT && size <= LIMIT - base; }

// Everything the SLB reads or writes for the pre-launch stage must be RAM,
// never a device: a "module" in a PCI window could answer the hash pass and
// the load pass differently, and a write into a device register could do
// anything. RAM is what the checked memory map calls usable, below TOP_MEM.
void require_ram(const Region& r) {
    if (r.base + r.size <= ram_ceiling && mb2::is_usable_ram(boot_info, r.base, r.size)) return;
    print("keel-slb: %s at 0x%lx (+0x%lx) is not in usable RAM below 0x%lx\n", r.what, r.base, r.size, ram_ceiling);
    fatal("checking the memory layout", Status::BadArgument);
}

// Records a region that must not overlap any recorded before it. Before the
// memory map is checked only the bounds are; check_memory_map() then
// requires every region recorded so far to be RAM.
void claim(uint64_t base, uint64_t size, const char* what) {
    if (!below_4g(base, size) || size == 0 || base < LOW_MEMORY) {
        print("keel-slb: %s at 0x%lx (+0x%lx) is not between 1 MiB and 4 GiB\n", what, base, size);
        fatal("checking the memory layout", Status::BadArgument);
    }
    for (size_t i = 0; i < region_count; ++i)
        if (base < regions[i].base + regions[i].size && regions[i].base < base + size) {
            print("keel-slb: %s at 0x%lx-0x%lx overlaps %s at 0x%lx-0x%lx\n", what, base, base + size - 1,
                  regions[i].what, regions[i].base, regions[i].base + regions[i].size - 1);
            fatal("checking the memory layout", Status::Exists);
        }
    if (region_count == MAX_REGIONS) fatal("checking the memory layout", Status::OutOfMemory);
    regions[region_count++] = {base, size, what};
    if (ram_ceiling) require_ram(regions[region_count - 1]);
}

// The map is sanity-checked whole (sorted, disjoint, no RAM over a device),
// then TOP_MEM against it: on AMD everything below TOP_MEM is DRAM, so a map
// that calls memory above it RAM was changed. An emulator that does not
// implement TOP_MEM (it reads 0) is allowed only on an emulated launch, which
// the launch-method event says; RAM then ends where the checked map says.
void check_memory_map(launch::LaunchMethod method, bool report) {
    uint64_t apic = x86::rdmsr(MSR_APIC_BASE) & 0x000ffffffffff000ull;
    mb2::DeviceWindow apic_window{apic, apic + 0x1000, "the local APIC"};
    mb2::MapProblem p;
    if (mb2::check_memory_map(boot_info, &apic_window, 1, p) != Status::Ok) {
        print("keel-slb: memory map refused: %s (entry %zu: 0x%lx-0x%lx%s%s)\n", p.what, p.index, p.base, p.end,
              p.window ? ", " : "", p.window ? p.window : "");
        fatal("checking the memory map", Status::Malformed);
    }
    uint64_t top_mem = x86::rdmsr(MSR_TOP_MEM), map_top = mb2::usable_top_below(boot_info, LIMIT);
    switch (mb2::compare_with_top_mem(boot_info, top_mem)) {
    case mb2::TopMem::MapAbove:
        print("keel-slb: the memory map says RAM up to 0x%lx, above TOP_MEM = 0x%lx\n", map_top, top_mem);
        fatal("checking the memory map against TOP_MEM", Status::Malformed);
    case mb2::TopMem::Agrees:
        ram_ceiling = top_mem;
        if (report) print("keel-slb: memory map checked; RAM below TOP_MEM = 0x%lx\n", ram_ceiling);
        break;
    case mb2::TopMem::NotImplemented:
        if (method != launch::LaunchMethod::Emulated) {
            print("keel-slb: TOP_MEM reads 0x%lx, which no AMD CPU that ran SKINIT leaves\n", top_mem);
            fatal("checking the memory map against TOP_MEM", Status::Unsupported);
        }
        ram_ceiling = map_top;
        if (report)
            print("keel-slb: memory map checked; TOP_MEM not implemented (an emulator): RAM below 0x%lx as the map "
                  "says\n",
                  ram_ceiling);
        break;
    }
    for (size_t i = 0; i < region_count; ++i) require_ram(regions[i]);
}

void check(Status s, const char* what) {
    if (s != Status::Ok) fatal(what, s);
}

// Before anything outside the SLB is measured, no device may write memory:
// the IOMMUs block all DMA (or the pre-launch stage's boot option switched
// that off, which the dma-protection event then says). Returns the event's
// text.
StringView protect_from_dma(const launch::Handoff& h, IommuFound& found) {
    found = {};
    if (h.flags & launch::HANDOFF_DMA_UNPROTECTED) {
        print("keel-slb: DMA protection switched off by '%s': devices can change what is measured\n",
              launch::DMA_UNPROTECTED_OPTION);
        return launch::DMA_UNPROTECTED;
    }
    if (x86::amd_iommu::find(found) != Status::Ok) {
        print("keel-slb: an IOMMU has no MMIO base, or there are more than %zu: DMA through it cannot be blocked\n",
              size_t(MAX_IOMMUS));
        fatal("finding the IOMMUs", Status::Unsupported);
    }
    if (found.count == 0) {
        print("keel-slb: no AMD IOMMU found: device DMA cannot be blocked (boot the pre-launch stage with '%s' to "
              "launch anyway; the event log will say so)\n",
              launch::DMA_UNPROTECTED_OPTION);
        fatal("protecting the launch from DMA", Status::NotFound);
    }
    for (size_t i = 0; i < found.count; ++i)
        if (mb2::is_usable_ram(boot_info, found.mmio[i], 0x4000)) {
            print("keel-slb: the IOMMU at %02x:%02x.%x has its registers at 0x%lx, in RAM\n", found.function[i].bus,
                  found.function[i].device, found.function[i].function, found.mmio[i]);
            fatal("finding the IOMMUs", Status::Malformed);
        }
    check(block_all_dma(found, h.dma_tables), "blocking device DMA with the IOMMU");
    for (size_t i = 0; i < found.count; ++i)
        print("keel-slb: IOMMU %02x:%02x.%x (registers at 0x%lx) blocks all device DMA\n", found.function[i].bus,
              found.function[i].device, found.function[i].function, found.mmio[i]);
    return launch::DMA_PROTECTED;
}

template <typename T> T* at(uint64_t pa) { return reinterpret_cast<T*>(pa); }

}  // namespace
}  // namespace keel::slb

using namespace keel;
using namespace keel::slb;

extern "C" [[noreturn]] void slb_loader_main(uint64_t base, const CoreResult* core) {
    Measurer measurer;
    auto* header = at<launch::SlbHeader>(base);
    print("keel-slb: running at 0x%lx: core %u bytes (measured by the CPU), loader %u bytes (measured by the core)\n",
          base, header->measured_length, header->image_length - header->measured_length);

    // Copy the hand-off block before looking at it: the pre-launch stage
    // wrote it, and only our copy cannot change under us.
    launch::Handoff h = *at<launch::Handoff>(base + header->handoff_offset);
    if (h.magic != launch::HANDOFF_MAGIC || h.version != launch::HANDOFF_VERSION ||
        (h.method != launch::LaunchMethod::Skinit && h.method != launch::LaunchMethod::Emulated))
        fatal("reading the hand-off block", Status::Malformed);
    claim(base, launch::SLB_SIZE, "the SLB");
    claim(h.boot_info, h.boot_info_size, "the boot information");
    claim(h.event_log, h.event_log_size, "the event log");
    claim(h.next_boot_info, h.next_boot_info_size, "the hypervisor's boot information");
    claim(h.dma_tables, launch::DMA_TABLES_SIZE, "the IOMMU tables");
    if (h.dma_tables % 4096) fatal("checking the memory layout", Status::BadArgument);

    check(mb2::parse(at<uint8_t>(h.boot_info), h.boot_info_size, boot_info), "parsing the boot information");
    check_memory_map(h.method, false);
    IommuFound iommus;
    StringView dma = protect_from_dma(h, iommus);
    // Until now a device could rewrite the boot information after it was
    // checked: read and check it again from bytes no device can change any
    // more. All the SLB measures, copies and uses from here on is this.
    check(mb2::parse(at<uint8_t>(h.boot_info), h.boot_info_size, boot_info), "parsing the boot information");
    check_memory_map(h.method, true);
    if (boot_info.module_count == 0) fatal("finding the hypervisor (module 0)", Status::NotFound);
    for (size_t i = 0; i < boot_info.module_count; ++i) {
        const auto& m = boot_info.modules[i];
        claim(m.start, m.end - m.start, i == 0 ? "the hypervisor image" : "a module");
    }

    check(measurer.open(*core, at<uint8_t>(h.event_log), h.event_log_size), "opening the TPM at locality 2");
    check(measurer.log_slb(at<uint8_t>(base), header->measured_length, *core), "logging the SLB");

    // The hypervisor's boot information first, so that every command line
    // is measured from the copy the hypervisor will read.
    launch::BootInfoBuilder next(at<uint8_t>(h.next_boot_info), h.next_boot_info_size);
    check(next.copy_loader_tags(at<uint8_t>(h.boot_info), boot_info.total_size), "copying the boot information");
    StringView cmdline;
    check(next.add_cmdline(boot_info.modules[0].cmdline, cmdline), "building the boot information");
    components[0] = launch::plan_module(0, cmdline);
    for (size_t i = 1; i < boot_info.module_count; ++i) {
        const auto& m = boot_info.modules[i];
        check(next.add_module(m.start, m.end, m.cmdline, cmdline), "building the boot information");
        components[i] = launch::plan_module(i, cmdline);
    }
    uint8_t* tag_payload = next.add(launch::MB2_TAG_KEEL_DRTM, nullptr, sizeof(launch::DrtmTag) - 8);
    if (!tag_payload) fatal("building the boot information", Status::OutOfMemory);
    auto* tag = reinterpret_cast<launch::DrtmTag*>(tag_payload - 8);
    size_t next_size = next.finish();
    if (next_size == 0) fatal("building the boot information", Status::OutOfMemory);

    for (size_t i = 0; i < boot_info.module_count; ++i) {
        const auto& m = boot_info.modules[i];
        const auto& c = components[i];
        check(measurer.measure_component(c.pcr, c.name, c.cmdline, at<uint8_t>(m.start), m.end - m.start),
              "measuring a component");
        print("keel-slb: measured %.*s (%u bytes) into PCR %u\n", int(c.name.size), c.name.data, m.end - m.start,
              c.pcr);
        if (i == 0) {
            size_t n = launch::write_manifest(components, boot_info.module_count, manifest, sizeof manifest);
            if (n == 0) fatal("writing the launch manifest", Status::OutOfMemory);
            check(measurer.measure_text(launch::PCR_MANIFEST, launch::KEEL_EV_LAUNCH_MANIFEST, launch::MANIFEST_NAME,
                                        StringView(manifest, n)),
                  "measuring the launch manifest");
            print("keel-slb: launch manifest \"%.*s\" into PCR %u\n", int(n), manifest, launch::PCR_MANIFEST);
        }
    }

    // Load the hypervisor from the bytes just measured, as GRUB would.
    const auto& hv = boot_info.modules[0];
    launch::ElfImage elf;
    check(launch::parse_elf64(at<uint8_t>(hv.start), hv.end - hv.start, elf), "reading the hypervisor's ELF image");
    for (size_t i = 0; i < elf.segment_count; ++i) claim(elf.segments[i].paddr, elf.segments[i].mem_size, "a segment");
    for (size_t i = 0; i < elf.segment_count; ++i) {
        const auto& s = elf.segments[i];
        auto* dst = at<uint8_t>(s.paddr);
        const uint8_t* src = at<uint8_t>(hv.start + s.file_offset);
        for (uint64_t b = 0; b < s.mem_size; ++b) dst[b] = b < s.file_size ? src[b] : 0;
    }

    StringView method(h.method == launch::LaunchMethod::Emulated ? launch::LAUNCH_EMULATED : launch::LAUNCH_SKINIT);
    check(
        measurer.measure_text(launch::PCR_MANIFEST, launch::KEEL_EV_LAUNCH_METHOD, launch::LAUNCH_METHOD_NAME, method),
        "measuring the launch method");
    print("keel-slb: launch method \"%.*s\" into PCR %u\n", int(method.size), method.data, launch::PCR_MANIFEST);
    check(measurer.measure_text(launch::PCR_MANIFEST, launch::KEEL_EV_DMA_PROTECTION, launch::DMA_PROTECTION_NAME, dma),
          "measuring the DMA protection");
    print("keel-slb: DMA protection \"%.*s\" into PCR %u\n", int(dma.size), dma.data, launch::PCR_MANIFEST);
    // The map the hypervisor gets is byte for byte this one (copied above,
    // with no device and no other CPU able to write either).
    check(measurer.measure_memory_map(boot_info), "measuring the memory map");
    print("keel-slb: memory map (%zu entries) into PCR %u\n", mb2::memory_map_entries(boot_info), launch::PCR_MANIFEST);
    *tag = {launch::MB2_TAG_KEEL_DRTM,
            sizeof(launch::DrtmTag),
            h.event_log,
            uint32_t(h.event_log_size),
            uint32_t(measurer.log_size()),
            base,
            header->measured_length,
            uint32_t(measurer.bank_count()),
            iommus.count ? h.dma_tables : 0,
            iommus.count ? uint32_t(launch::DMA_TABLES_SIZE) : 0,
            uint32_t(iommus.count)};
    measurer.close();
    print("keel-slb: event log at 0x%lx, %zu bytes; entering the hypervisor at 0x%lx\n", h.event_log,
          measurer.log_size(), elf.entry);
    // GIF stays 0 (interrupts, NMIs, SMIs held) until the hypervisor has its
    // own interrupt table; until then ours has limit 0, so any event ends in
    // a shutdown, never in code the pre-launch stage placed.
    keel_leave_long_mode(uint32_t(elf.entry), mb2::BOOTLOADER_MAGIC, uint32_t(h.next_boot_info), 0);
    fatal("entering the hypervisor", Status::Unsupported);
}
