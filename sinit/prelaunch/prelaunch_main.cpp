// The pre-launch stage: a Multiboot2 kernel GRUB starts with the hypervisor
// (module 0) and every other module. It is not measured and not trusted: it
// only prepares memory for the Secure Loader Block and starts the dynamic
// launch. Everything it hands over, the SLB checks.
#include "../../hypervisor/arch/x86/cpu.hpp"
#include "../../hypervisor/arch/x86/serial.hpp"
#include "../../hypervisor/kernel/console.hpp"
#include "../../hypervisor/kernel/multiboot2.hpp"
#include "../common/handoff.hpp"
#include "../common/launch_plan.hpp"
#include "dma_protection.hpp"
#include "hypervisor/arch/x86/pci_config.hpp"
#include "lib/elf64.hpp"
#include "platform_port.hpp"

extern "C" char __image_start[], __image_end[];
extern "C" const uint8_t slb_image[], slb_image_end[];
extern "C" void keel_leave_long_mode(uint32_t entry, uint32_t arg1, uint32_t arg2, uint32_t mode);

namespace keel::prelaunch {
namespace {

constexpr uint64_t LIMIT = 1ull << 32;
constexpr uint64_t LOW_MEMORY = 1ull << 20;  // the secure loader accepts nothing below it as RAM
constexpr uint64_t AREA = 0x10000;  // the SLB, the log, the next boot information, the copy: 64 KiB each
constexpr uint32_t LAUNCH_HARDWARE = 2, LAUNCH_EMULATED = 1;  // keel_leave_long_mode's modes
constexpr uint32_t CPUID_EXT_ECX_SVM = 1u << 2, CPUID_EXT_ECX_SKINIT = 1u << 12;  // CPUID 8000_0001h
constinit mb2::BootInfo boot_info;

[[noreturn]] void fail(const char* why) {
    console::print("keel-prelaunch: %s; not starting the hypervisor\n", why);
    for (;;) asm volatile("cli; hlt");
}

// The emulator's protocol is a way to start the SLB without SKINIT: on real
// hardware it must never be tried, so only a pre-launch stage booted for the
// emulator (launch::EMULATOR_OPTION on its own command line) speaks it.

// Test-only attacks on the boot data this untrusted stage hands over, so
// that the tests can show the secure loader refusing them: one usable entry
// grown over the next one, or the firmware's reserved flash entry below
// 4 GiB turned into usable RAM. A real attacker writes its own pre-launch
// stage; these words only save the tests from building one.
constexpr char ATTACK_MAP_OVERLAP[] = "test-attack-memory-map=overlap";
constexpr char ATTACK_MAP_DEVICE_RAM[] = "test-attack-memory-map=device-ram";
constexpr uint32_t MB2_TAG_MMAP = 6;

void attack_memory_map(uint64_t info) {
    bool overlap = has_word(boot_info.cmdline, ATTACK_MAP_OVERLAP);
    bool device_ram = has_word(boot_info.cmdline, ATTACK_MAP_DEVICE_RAM);
    if (!overlap && !device_ram) return;
    auto* p = reinterpret_cast<uint8_t*>(info);
    uint32_t total = *reinterpret_cast<uint32_t*>(p);
    for (uint32_t off = 8; off + 16 <= total;) {
        auto* tag = reinterpret_cast<uint32_t*>(p + off);
        if (tag[0] == 0 || tag[1] < 8) return;
        if (tag[0] == MB2_TAG_MMAP) {
            uint32_t entry_size = tag[2];
            if (entry_size < 24) return;
            uint32_t n = (tag[1] - 16) / entry_size;
            for (uint32_t i = 0; i < n; ++i) {
                auto* e = p + off + 16 + i * entry_size;
                auto* base = reinterpret_cast<uint64_t*>(e);
                auto* length = reinterpret_cast<uint64_t*>(e + 8);
                auto* type = reinterpret_cast<uint32_t*>(e + 16);
                uint64_t next_base = i + 1 < n ? *reinterpret_cast<uint64_t*>(e + entry_size) : 0;
                if (overlap && *type == 1 && *base >= 0x100000 && next_base > *base && next_base < 0xa0000000) {
                    *length = next_base - *base + 0x1000;
                    console::print("keel-prelaunch: TEST ATTACK: memory map entry %u now overlaps the next\n", i);
                    return;
                }
                if (device_ram && *type != 1 && *base >= 0xfec00000 && *base < (1ull << 32)) {
                    *type = 1;
                    console::print("keel-prelaunch: TEST ATTACK: memory map entry %u (0x%lx) now says usable RAM\n", i,
                                   *base);
                    return;
                }
            }
            return;
        }
        off += (tag[1] + 7) & ~7u;
    }
}

// Test-only: a malicious pre-launch stage with bus-master devices (QEMU's
// "edu") programs each to overwrite, about 100 ms after this stage ends, one
// thing the SLB will have measured by then: the guest module's text, the
// hypervisor's loaded code and data, the DRTM event log. The tests show the
// SLB's IOMMU tables block these writes, and that they land without them.
constexpr char ATTACK_DMA[] = "test-attack-dma";
constexpr uint32_t EDU_ID = 0x11e81234;
constexpr uint64_t EDU_BUFFER = 0x40000;  // the device's own 4 KiB buffer
enum EduReg : uint32_t { EDU_SRC = 0x80, EDU_DST = 0x88, EDU_COUNT = 0x90, EDU_CMD = 0x98 };
constexpr uint32_t EDU_RUN = 1, EDU_TO_RAM = 2;
constinit uint8_t dma_payload[3][32];

// The first occurrence of `text` in [start, end), or 0.
uint64_t find_text(uint64_t start, uint64_t end, const char* text) {
    size_t n = 0;
    while (text[n]) ++n;
    for (uint64_t p = start; p + n <= end; ++p) {
        size_t i = 0;
        while (i < n && reinterpret_cast<const char*>(p)[i] == text[i]) ++i;
        if (i == n) return p;
    }
    return 0;
}

// Where the SLB will load the hypervisor's byte at file offset `at`.
uint64_t loaded_address(uint64_t at) {
    const auto& hv = boot_info.modules[0];
    launch::ElfImage elf;
    if (launch::parse_elf64(reinterpret_cast<const uint8_t*>(uint64_t(hv.start)), hv.end - hv.start, elf) != Status::Ok)
        return 0;
    uint64_t offset = at - hv.start;
    for (size_t i = 0; i < elf.segment_count; ++i) {
        const auto& s = elf.segments[i];
        if (offset >= s.file_offset && offset < s.file_offset + s.file_size) return s.paddr + offset - s.file_offset;
    }
    return 0;
}

void edu_write(uint64_t bar, EduReg r, uint64_t v) {
    *reinterpret_cast<volatile uint32_t*>(bar + r) = uint32_t(v);
    *reinterpret_cast<volatile uint32_t*>(bar + r + 4) = uint32_t(v >> 32);
}

// Turns on an edu device's registers and its DMA; returns where BAR 0 is.
uint64_t enable_edu(x86::pci::Address a) {
    x86::pci::write32(a, x86::pci::COMMAND,
                      x86::pci::read32(a, x86::pci::COMMAND) | x86::pci::COMMAND_MEMORY | x86::pci::COMMAND_BUS_MASTER);
    return x86::pci::read32(a, x86::pci::BAR0) & ~0xfull;
}

bool edu_busy(uint64_t bar) { return *reinterpret_cast<volatile uint32_t*>(bar + EDU_CMD) & EDU_RUN; }

// Test-only, with "test-attack-dma-stale-iotlb": before the attack, turn
// QEMU's IOMMU on with a device table that lets every bus-0 device read and
// write, and have the first device read its target, so that the IOMMU holds
// a cached read-write translation for it. An SLB that installed its blocking
// table without invalidating the IOMMU's caches would let the write through.
constexpr char ATTACK_DMA_STALE_IOTLB[] = "test-attack-dma-stale-iotlb";
constexpr uint64_t QEMU_IOMMU = 0xfed80000;

void prime_iotlb(uint64_t bar, uint64_t target, uint64_t tables) {
    auto* dte = reinterpret_cast<volatile uint64_t*>(tables);
    for (unsigned id = 0; id < 256; ++id) {  // bus 0: V, TV, IR, IW
        dte[id * 4] = 0x3ull | 1ull << 61 | 1ull << 62;
        dte[id * 4 + 1] = 0;
        dte[id * 4 + 2] = 0;
        dte[id * 4 + 3] = 0;
    }
    auto* iommu = reinterpret_cast<volatile uint32_t*>(QEMU_IOMMU);
    iommu[0] = uint32_t(tables) | 1;  // two pages: 256 entries
    iommu[1] = uint32_t(tables >> 32);
    iommu[0x18 / 4] = 1;  // IommuEn
    edu_write(bar, EDU_SRC, target);
    edu_write(bar, EDU_DST, EDU_BUFFER);
    edu_write(bar, EDU_COUNT, 1);
    edu_write(bar, EDU_CMD, EDU_RUN);
    for (uint32_t spins = 0; edu_busy(bar) && spins < 2'000'000'000; ++spins) x86::pause();
    console::print("keel-prelaunch: TEST ATTACK: the IOMMU at 0x%lx now caches a read-write translation of 0x%lx\n",
                   QEMU_IOMMU, target);
}

// Test-only, with "test-attack-msi-init": the first edu device is made to
// send an INIT as its MSI when a DMA completes, ~100 ms from now: a device
// pulling the CPU out of the hypervisor into the firmware, PCRs uncapped.
constexpr char ATTACK_MSI_INIT[] = "test-attack-msi-init";
constexpr uint8_t CAP_MSI = 0x05;
constexpr uint32_t EDU_RAISE_IRQ = 4;
constexpr uint32_t MSI_INIT = 0x500;  // delivery mode INIT, to APIC 0
constinit uint8_t msi_scratch[16];

void attack_with_msi_init() {
    if (!has_word(boot_info.cmdline, ATTACK_MSI_INIT)) return;
    x86::pci::for_each_function([&](x86::pci::Address a, uint32_t id, uint32_t) {
        if (id != EDU_ID) return true;
        uint32_t cap = x86::pci::find_capability(a, CAP_MSI);
        if (!cap) return true;
        uint64_t bar = enable_edu(a);
        uint32_t control = x86::pci::read32(a, cap);
        bool wide = control & (1u << 23);  // 64-bit message address
        x86::pci::write32(a, cap + 4, 0xfee00000);
        if (wide) x86::pci::write32(a, cap + 8, 0);
        x86::pci::write32(a, cap + (wide ? 12 : 8), MSI_INIT);
        x86::pci::write32(a, cap, control | (1u << 16));  // MSI enable
        edu_write(bar, EDU_SRC, reinterpret_cast<uint64_t>(msi_scratch));
        edu_write(bar, EDU_DST, EDU_BUFFER);
        edu_write(bar, EDU_COUNT, sizeof msi_scratch);
        edu_write(bar, EDU_CMD, EDU_RUN | EDU_RAISE_IRQ);
        console::print("keel-prelaunch: TEST ATTACK: device %02x:%02x.%x will send an INIT as its MSI\n", a.bus,
                       a.device, a.function);
        return false;
    });
}

void attack_with_dma(uint64_t event_log, uint64_t tables) {
    if (!has_word(boot_info.cmdline, ATTACK_DMA)) return;
    struct Target {
        uint64_t at;
        const char* text;
        const char* what;
        const char* shown;
    } targets[3] = {};
    for (size_t i = 1; i < boot_info.module_count; ++i) {
        const auto& g = boot_info.modules[i];
        if (!has_word(g.cmdline, "guest")) continue;  // the guest image, among the root task, VMM, configuration
        targets[0] = {find_text(g.start, g.end, "module guest says hello"), "MODULE GUEST SAYS HELLO", "the guest",
                      "MODULE GUEST SAYS HELLO"};
        break;
    }
    const auto& hv = boot_info.modules[0];
    targets[1] = {loaded_address(find_text(hv.start, hv.end, "keel: powering off")), "KEEL: POWERING OFF",
                  "the hypervisor's code and data", "KEEL: POWERING OFF"};
    targets[2] = {event_log + 0x100, "\xee\xee\xee\xee\xee\xee\xee\xee", "the event log", "0xee x 8"};
    // First every device loads its payload (the IOMMU is not on yet); only
    // then do all start their write-back, so that each lands ~100 ms of
    // emulated time from now: after the SLB has measured its target.
    uint64_t bars[3] = {};
    size_t lengths[3] = {}, next = 0;
    x86::pci::for_each_function([&](x86::pci::Address a, uint32_t id, uint32_t) {
        while (next < 3 && !targets[next].at) ++next;
        if (id != EDU_ID || next == 3) return next < 3;
        uint64_t bar = enable_edu(a);
        if (next == 0 && has_word(boot_info.cmdline, ATTACK_DMA_STALE_IOTLB)) prime_iotlb(bar, targets[0].at, tables);
        size_t n = 0;
        while (targets[next].text[n] && n < sizeof dma_payload[next]) {
            dma_payload[next][n] = uint8_t(targets[next].text[n]);
            ++n;
        }
        edu_write(bar, EDU_SRC, reinterpret_cast<uint64_t>(dma_payload[next]));
        edu_write(bar, EDU_DST, EDU_BUFFER);
        edu_write(bar, EDU_COUNT, n);
        edu_write(bar, EDU_CMD, EDU_RUN);
        for (uint32_t spins = 0; edu_busy(bar) && spins < 2'000'000'000; ++spins) x86::pause();
        console::print("keel-prelaunch: TEST ATTACK: device %02x:%02x.%x will write \"%s\" over %s at 0x%lx\n", a.bus,
                       a.device, a.function, targets[next].shown, targets[next].what, targets[next].at);
        bars[next] = bar;
        lengths[next] = n;
        ++next;
        return true;
    });
    for (size_t i = 0; i < 3; ++i) {
        if (!bars[i]) continue;
        edu_write(bars[i], EDU_SRC, EDU_BUFFER);
        edu_write(bars[i], EDU_DST, targets[i].at);
        edu_write(bars[i], EDU_COUNT, lengths[i]);
        edu_write(bars[i], EDU_CMD, EDU_RUN | EDU_TO_RAM);
    }
}

uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }

void copy(uint64_t dst, const void* src, size_t n) {
    auto* d = reinterpret_cast<uint8_t*>(dst);
    auto* s = static_cast<const uint8_t*>(src);
    for (size_t i = 0; i < n; ++i) d[i] = s ? s[i] : 0;
}

// SKINIT runs on the boot CPU alone: every other CPU must be in INIT.
void park_other_cpus() {
    uint64_t apic = x86::rdmsr(x86::msr::APIC_BASE) & ~0xfffull;
    auto* icr_low = reinterpret_cast<volatile uint32_t*>(apic + 0x300);
    auto* icr_high = reinterpret_cast<volatile uint32_t*>(apic + 0x310);
    *icr_high = 0;
    *icr_low = 0x000c4500;  // INIT, level assert, all excluding self
    for (unsigned spins = 0; (*icr_low & (1u << 12)) && spins < 1'000'000; ++spins) x86::pause();
    console::print("keel-prelaunch: INIT sent to every other CPU\n");
}

// Points the `index`-th module tag of the boot information at `info` to its
// new place.
void move_module_tag(uint64_t info, size_t index, uint64_t start, uint64_t end) {
    auto* p = reinterpret_cast<uint8_t*>(info);
    uint32_t total = *reinterpret_cast<uint32_t*>(p);
    size_t seen = 0;
    for (uint32_t off = 8; off + 16 <= total;) {
        auto* tag = reinterpret_cast<uint32_t*>(p + off);
        if (tag[0] == 0 || tag[1] < 8) return;
        if (tag[0] == 3 && seen++ == index) {
            tag[2] = uint32_t(start);
            tag[3] = uint32_t(end);
            return;
        }
        off += (tag[1] + 7) & ~7u;
    }
}

struct Range {
    uint64_t lo, hi;
    bool overlaps(uint64_t start, uint64_t end) const { return start < hi && lo < end; }
};

// Where the hypervisor's ELF segments will be loaded (from 1 MiB up).
Range hypervisor_range() {
    const auto& hv = boot_info.modules[0];
    launch::ElfImage elf;
    if (launch::parse_elf64(reinterpret_cast<const uint8_t*>(uint64_t(hv.start)), hv.end - hv.start, elf) != Status::Ok)
        fail("module 0 is not an x86-64 ELF executable (the hypervisor, keel.elf)");
    Range r{~0ull, 0};
    for (size_t i = 0; i < elf.segment_count; ++i) {
        if (elf.segments[i].paddr < r.lo) r.lo = elf.segments[i].paddr;
        if (elf.segments[i].paddr + elf.segments[i].mem_size > r.hi)
            r.hi = elf.segments[i].paddr + elf.segments[i].mem_size;
    }
    if (r.overlaps(reinterpret_cast<uint64_t>(__image_start), reinterpret_cast<uint64_t>(__image_end)))
        fail("the hypervisor would be loaded over the pre-launch stage");
    return r;
}

uint64_t page_up(uint64_t v) { return align_up(v, 0x1000); }

// Where `size` bytes of the layout can go: 64 KiB-aligned, inside one usable
// region, clear of everything GRUB loaded and of where the hypervisor will be
// loaded. Under UEFI usable memory comes in many pieces, and GRUB often puts
// modules high, so "just above the last module" is not enough. The secure
// loader accepts nothing at or above EMULATOR_RAM_CEILING when the CPU lacks
// TOP_MEM (an emulator), so the search stays below it.
constexpr uint64_t LAYOUT_CEILING = 0xb0000000;

uint64_t find_layout(uint64_t size, Range hv, uint64_t info_pa) {
    Range taken[3 + mb2::BootInfo::MAX_MODULES] = {
        {reinterpret_cast<uint64_t>(__image_start), reinterpret_cast<uint64_t>(__image_end)},
        {info_pa, info_pa + boot_info.total_size},
        hv,
    };
    size_t count = 3;
    for (size_t i = 0; i < boot_info.module_count; ++i)
        taken[count++] = {boot_info.modules[i].start, boot_info.modules[i].end};
    for (size_t r = 0; r < boot_info.region_count; ++r) {
        const auto& region = boot_info.regions[r];
        if (region.type != uint32_t(mb2::MemoryType::Usable)) continue;
        uint64_t end = region.base + region.length < LAYOUT_CEILING ? region.base + region.length : LAYOUT_CEILING;
        uint64_t at = align_up(region.base < LOW_MEMORY ? LOW_MEMORY : region.base, AREA);
        for (bool moved = true; moved && at + size <= end;) {
            moved = false;
            for (size_t t = 0; t < count; ++t)
                if (taken[t].overlaps(at, at + size)) {
                    at = align_up(taken[t].hi, AREA);
                    moved = true;
                }
        }
        if (at + size <= end) return at;
    }
    fail("no usable memory below 0xb0000000 for the SLB, the event log and the boot information");
}

// GRUB puts modules wherever it likes: often right where the hypervisor's
// ELF segments must go, and under UEFI even below 1 MiB, which the secure
// loader does not accept as RAM. Those are moved: how much room that takes,
// and then the move itself, to `dest` (already checked to be RAM).
bool must_move(Range hv, const mb2::Module& m) { return hv.overlaps(m.start, m.end) || m.start < LOW_MEMORY; }

uint64_t room_for_moves(Range hv) {
    uint64_t room = 0;
    for (size_t i = 0; i < boot_info.module_count; ++i)
        if (must_move(hv, boot_info.modules[i])) room += page_up(boot_info.modules[i].end - boot_info.modules[i].start);
    return room;
}

void move_modules(Range hv, uint64_t info_copy, uint64_t dest) {
    for (size_t i = 0; i < boot_info.module_count; ++i) {
        auto& m = boot_info.modules[i];
        if (!must_move(hv, m)) continue;
        uint64_t size = m.end - m.start;
        copy(dest, reinterpret_cast<const void*>(uint64_t(m.start)), size);
        console::print(
            "keel-prelaunch: moved module %zu from 0x%x to 0x%lx (clear of low memory and of the hypervisor at "
            "0x%lx-0x%lx)\n",
            i, m.start, dest, hv.lo, hv.hi - 1);
        move_module_tag(info_copy, i, dest, dest + size);
        m.start = uint32_t(dest);
        m.end = uint32_t(dest + size);
        dest = page_up(dest + size);
    }
}

}  // namespace
}  // namespace keel::prelaunch

using namespace keel;
using namespace keel::prelaunch;

extern "C" [[noreturn]] void kmain(uint32_t magic, uint32_t info_pa) {
    x86::serial::init();
    console::print("keel-prelaunch: Keel pre-launch stage (AMD SKINIT)\n");
    if (magic != mb2::BOOTLOADER_MAGIC) fail("not started by a Multiboot2 loader");
    auto* info = reinterpret_cast<const uint8_t*>(uint64_t(info_pa));
    if (mb2::parse(info, 1 << 20, boot_info) != Status::Ok) fail("the boot information does not parse");
    if (boot_info.module_count == 0) fail("no hypervisor module (module 0) was loaded");

    size_t slb_size = size_t(slb_image_end - slb_image);
    launch::SlbHeader header;
    copy(reinterpret_cast<uint64_t>(&header), slb_image, sizeof header);
    if (slb_size > header.handoff_offset || header.handoff_offset + launch::HANDOFF_MAX > launch::SLB_SIZE ||
        header.measured_length > header.image_length || header.image_length > slb_size)
        fail("the built-in SLB does not have the expected layout");

    if (boot_info.total_size > AREA) fail("the boot information is larger than 64 KiB");
    for (size_t i = 0; i < boot_info.module_count; ++i)
        if (boot_info.modules[i].end == boot_info.modules[i].start) fail("a module is empty");

    // The layout, in one piece of usable memory: a copy of the boot
    // information, the modules that must move, then the SLB, the event log
    // and the hypervisor's boot information, 64 KiB each. Found and checked
    // before any of it is written.
    Range hv = hypervisor_range();
    uint64_t room = align_up(room_for_moves(hv), AREA);
    uint64_t tables_room = align_up(launch::DMA_TABLES_SIZE, AREA);
    uint64_t info_copy = find_layout(4 * AREA + room + tables_room, hv, info_pa), moved = info_copy + AREA;
    uint64_t slb = moved + room;
    uint64_t log = slb + AREA, next_info = log + AREA, dma_tables = next_info + AREA;
    copy(info_copy, info, boot_info.total_size);
    move_modules(hv, info_copy, moved);
    attack_memory_map(info_copy);

    copy(slb, nullptr, launch::SLB_SIZE);
    copy(slb, slb_image, slb_size);
    bool has_skinit = x86::cpuid(0x80000001).ecx & CPUID_EXT_ECX_SKINIT;
    bool for_emulator = has_word(boot_info.cmdline, launch::EMULATOR_OPTION);
    if (!has_skinit && !for_emulator)
        fail("this CPU has no SKINIT, and this pre-launch stage was not booted for the platform emulator (the "
             "command-line word 'platform-emulator'): no dynamic launch possible");
    launch::Handoff h{launch::HANDOFF_MAGIC,
                      launch::HANDOFF_VERSION,
                      info_copy,
                      boot_info.total_size,
                      log,
                      AREA,
                      next_info,
                      AREA,
                      has_skinit ? launch::LaunchMethod::Skinit : launch::LaunchMethod::Emulated,
                      has_word(boot_info.cmdline, launch::DMA_UNPROTECTED_OPTION) ? launch::HANDOFF_DMA_UNPROTECTED : 0,
                      dma_tables};
    attack_with_dma(log, dma_tables);
    attack_with_msi_init();
    copy(slb + header.handoff_offset, &h, sizeof h);
    console::print("keel-prelaunch: SLB at 0x%lx (core %u bytes, measured by SKINIT; %u bytes in all), event log at "
                   "0x%lx, %zu modules\n",
                   slb, header.measured_length, header.image_length, log, boot_info.module_count);

    park_other_cpus();
    report_dma_protection();

    if (has_skinit) {
        console::print("keel-prelaunch: executing SKINIT (hardware dynamic launch)\n");
        x86::wrmsr(x86::msr::EFER, x86::rdmsr(x86::msr::EFER) | x86::efer::SVME);
        keel_leave_long_mode(0, uint32_t(slb), 0, LAUNCH_HARDWARE);
    }
    console::print("keel-prelaunch: this CPU has no SKINIT; asking the platform emulator on COM2\n");
    if (!platform_present())
        fail("SKINIT is not available and no platform emulator answered on COM2 (no dynamic launch possible)");
    console::print("keel-prelaunch: requesting an emulated SKINIT of the SLB at 0x%lx\n", slb);
    char reply[128];
    if (!platform_skinit(slb, reply, sizeof reply)) {
        console::print("keel-prelaunch: platform emulator answered: %s\n", reply[0] ? reply : "(nothing)");
        fail("the emulated SKINIT failed");
    }
    console::print("keel-prelaunch: %s\n", reply);
    console::print("keel-prelaunch: EMULATED SKINIT: entering the SLB in the state SKINIT leaves\n");
    // SKINIT leaves GIF = 0; so does the emulation, where the CPU has SVM.
    if (x86::cpuid(0x80000001).ecx & CPUID_EXT_ECX_SVM) {
        x86::wrmsr(x86::msr::EFER, x86::rdmsr(x86::msr::EFER) | x86::efer::SVME);
        asm volatile("clgi");
    }
    keel_leave_long_mode(uint32_t(slb + header.entry), uint32_t(slb), 0, LAUNCH_EMULATED);
    fail("could not enter the SLB");
}
