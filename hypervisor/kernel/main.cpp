// The boot sequence: console, boot information, memory, CPU tables, paging,
// timer, virtualization, then user level: the root task, which starts the
// VMMs. The kernel runs no guest of its own.
#include <new>

#include "../arch/x86/cpu.hpp"
#include "../arch/x86/gdt.hpp"
#include "../arch/x86/global_interrupt_flag.hpp"
#include "../arch/x86/idt.hpp"
#include "../arch/x86/kernel_lock.hpp"
#include "../arch/x86/kernel_space.hpp"
#include "../arch/x86/lapic.hpp"
#include "../arch/x86/pic.hpp"
#include "../arch/x86/pit.hpp"
#include "../arch/x86/serial.hpp"
#include "../arch/x86/smp.hpp"
#include "abi/hip.hpp"
#include "boot_options.hpp"
#include "console.hpp"
#include "drtm_report.hpp"
#include "frame_allocator.hpp"
#include "hypervisor/arch/x86/amd_iommu/device_assignment.hpp"
#include "hypervisor/arch/x86/gsi_interrupts.hpp"
#include "hypervisor/arch/x86/ioapic.hpp"
#include "hypervisor/arch/x86/pci_bars.hpp"
#include "hypervisor/arch/x86/pd_tables.hpp"
#include "hypervisor/arch/x86/svm/msr_permission_map.hpp"
#include "hypervisor/arch/x86/svm/vcpu_factory.hpp"
#include "hypervisor/arch/x86/user_mode.hpp"
#include "hypervisor/kernel/frame_pages.hpp"
#include "hypervisor/kernel/memory_map_check.hpp"
#include "hypervisor/kernel/root_task.hpp"
#include "hypervisor/kernel/scheduler.hpp"
#include "hypervisor/kernel/user.hpp"
#include "lib/crypto/sha256.hpp"
#include "multiboot2.hpp"
#include "power.hpp"
#include "virt.hpp"

extern "C" char __image_start[], __image_end[], __text_start[], __text_end[], __rodata_start[], __rodata_end[],
    __data_start[], __stack_guard[], __stack_bottom[], __stack_top[];
extern "C" void (*__init_array_start[])(), (*__init_array_end[])();

namespace keel {
namespace {

constexpr size_t MAX_BOOT_INFO = 1 << 20;  // refuse to believe a larger block
constexpr uint64_t LOW_MEMORY = 1 << 20;  // BIOS data, real-mode IVT, option ROMs
// I/O APIC, TPM, HPET, local APIC, firmware flash: never RAM, whatever the
// (unmeasured) memory map says.
constexpr uint64_t DEVICE_WINDOW = 0xfec00000, DEVICE_WINDOW_END = 1ull << 32;
constexpr uint32_t TIMER_HZ = 250;
constexpr uint64_t TIMER_TICKS_TO_SEE = 13;
constinit mb2::BootInfo boot_info;
constinit FrameAllocator frames;
constinit uint64_t tsc_khz = 0;

uint64_t addr(const void* p) { return reinterpret_cast<uint64_t>(p); }

[[noreturn]] void fail(const char* what, Status s) {
    console::print("keel: %s failed: %s\n", what, status_name(s));
    power::halt(power::ExitCode::Panic);
}

void warn_option(StringView word, const char* why, void*) {
    console::print("cmdline: ignoring '%.*s': %s\n", int(word.size), word.data, why);
}

void print_memory_map() {
    uint64_t usable = 0;
    for (size_t i = 0; i < boot_info.region_count; ++i) {
        const auto& r = boot_info.regions[i];
        const char* name = mb2::memory_type_name(r.type);
        if (name)
            console::print("mem: 0x%016lx-0x%016lx %s\n", r.base, r.base + r.length - 1, name);
        else
            console::print("mem: 0x%016lx-0x%016lx type %u\n", r.base, r.base + r.length - 1, r.type);
        if (r.type == uint32_t(mb2::MemoryType::Usable)) usable += r.length;
    }
    console::print("mem: %lu KiB usable in %zu regions\n", usable >> 10, boot_info.region_count);
    if (boot_info.regions_dropped)
        console::print("mem: %zu more regions not used (Keel keeps at most %zu)\n", boot_info.regions_dropped,
                       mb2::BootInfo::MAX_REGIONS);
}

// The allocator and the identity map are built from the map: it must make
// sense, and this image must lie in what it calls RAM.
void check_memory_map() {
    uint64_t apic = x86::rdmsr(x86::msr::APIC_BASE) & 0x000ffffffffff000ull;
    mb2::DeviceWindow apic_window{apic, apic + PAGE_SIZE, "the local APIC"};
    mb2::MapProblem p;
    if (mb2::check_memory_map(boot_info, &apic_window, 1, p) != Status::Ok) {
        console::print("mem: memory map refused: %s (entry %zu: 0x%lx-0x%lx%s%s)\n", p.what, p.index, p.base, p.end,
                       p.window ? ", " : "", p.window ? p.window : "");
        fail("checking the memory map", Status::Malformed);
    }
    if (!mb2::is_usable_ram(boot_info, addr(__image_start), addr(__image_end) - addr(__image_start)))
        fail("finding this image in usable RAM", Status::Malformed);
}

void setup_frames(uint64_t info_pa) {
    for (size_t i = 0; i < boot_info.region_count; ++i) {
        const auto& r = boot_info.regions[i];
        if (r.type != uint32_t(mb2::MemoryType::Usable)) continue;
        // Too fragmented a map costs memory, not the boot.
        if (Status s = frames.add(r.base, r.length); s != Status::Ok)
            console::print("frames: not using 0x%lx-0x%lx: %s\n", r.base, r.base + r.length - 1, status_name(s));
    }
    const struct {
        uint64_t base, size;
    } taken[] = {
        {0, LOW_MEMORY},
        {DEVICE_WINDOW, DEVICE_WINDOW_END - DEVICE_WINDOW},
        {addr(__image_start), addr(__image_end) - addr(__image_start)},
        {info_pa, boot_info.total_size},
    };
    for (auto t : taken)
        if (Status s = frames.reserve(t.base, t.size); s != Status::Ok) fail("reserving memory", s);
    for (size_t i = 0; i < boot_info.module_count; ++i) {
        const auto& m = boot_info.modules[i];
        if (Status s = frames.reserve(m.start, m.end - m.start); s != Status::Ok) fail("reserving a module", s);
    }
    // The IOMMU tables that block all DMA since the secure loader wrote them:
    // the hypervisor keeps them as they are, so there is no window.
    if (boot_info.drtm.present && boot_info.drtm.dma_tables)
        if (Status s = frames.reserve(boot_info.drtm.dma_tables, boot_info.drtm.dma_tables_size); s != Status::Ok)
            fail("reserving the IOMMU tables", s);
    // The DRTM event log is evidence for the attestation agent: keep it.
    if (boot_info.drtm.present && boot_info.drtm.event_log_capacity)
        if (Status s = frames.reserve(boot_info.drtm.event_log, boot_info.drtm.event_log_capacity); s != Status::Ok)
            fail("reserving the DRTM event log", s);
    console::print("frames: %lu free pages (%lu MiB) in %zu ranges\n", frames.free_pages(),
                   frames.free_pages() * PAGE_SIZE >> 20, frames.range_count());
}

void report_init_redirect(x86::InitRedirect r) {
    if (r == x86::InitRedirect::Redirected)
        console::print("init: VM_CR.R_INIT set: an INIT arrives as #SX and is ignored\n");
    else if (r == x86::InitRedirect::NotKept)
        console::print("init: this CPU did not keep VM_CR.R_INIT (an emulator): an INIT outside a guest would reset "
                       "it\n");
}

void setup_paging() {
    x86::KernelSpaceReport report;
    if (Status s = x86::build_kernel_space(boot_info, frames, report); s != Status::Ok) fail("building page tables", s);
    console::print("paging: text 0x%lx-0x%lx RX, rodata 0x%lx-0x%lx R, data 0x%lx-0x%lx RW+NX\n", addr(__image_start),
                   addr(__text_end), addr(__rodata_start), addr(__rodata_end), addr(__data_start), addr(__image_end));
    console::print("paging: stack 0x%lx-0x%lx, guard page at 0x%lx unmapped\n", addr(__stack_bottom), addr(__stack_top),
                   addr(__stack_guard));
    console::print("paging: %lu mappings, %lu MiB, %lu writable+executable\n", report.leaf_count,
                   report.mapped_bytes >> 20, report.writable_executable);
    if (report.writable_executable) fail("W^X", Status::Malformed);
}

void setup_timer() {
    x86::pic::disable();
    uint64_t apic;
    if (Status s = x86::lapic::init(apic); s != Status::Ok) fail("local APIC", s);
    x86::lapic::TimerInfo info;
    if (Status s = x86::lapic::start_timer(TIMER_HZ, info); s != Status::Ok) {
        // Guests still run without a timer; only time-keeping is lost.
        console::print("lapic: timer not calibrated against the PIT (%s); running without a timer\n", status_name(s));
        return;
    }
    x86::sti();
    // The TSC's rate, measured over the ticks seen: user level's deadlines
    // are TSC values (the HIP passes the rate on).
    while (x86::lapic::ticks() < 1) x86::hlt();
    uint64_t first = x86::lapic::ticks(), tsc0 = x86::rdtsc();
    while (x86::lapic::ticks() < first + TIMER_TICKS_TO_SEE) x86::hlt();
    tsc_khz = (x86::rdtsc() - tsc0) * TIMER_HZ / TIMER_TICKS_TO_SEE / 1000;
    console::print("lapic: at 0x%lx, timer %u Hz (%u bus ticks/ms), %lu ticks seen; TSC %lu kHz\n", apic, info.hz,
                   info.bus_ticks_per_ms, x86::lapic::ticks(), tsc_khz);
}

// Each frame keeps a buffer alive across the call, so the stack must grow
// until it reaches the guard page.
[[gnu::noinline]] uint64_t recurse(uint64_t depth) {
    volatile uint8_t frame[512];
    frame[0] = uint8_t(depth);
    if (depth == ~0ull) return 0;
    return recurse(depth + 1) + frame[0];
}

// A stray interrupt on every vector a device or another CPU could send
// (32-254; 255 is the APIC's spurious vector), then an NMI storm: the host
// must count them all and carry on.
void interrupts_selftest() {
    constexpr uint32_t NMI_STORM = 1000;
    constexpr unsigned FIRST = 32, LAST = 254;
    uint32_t before[LAST + 1];
    for (unsigned v = FIRST; v <= LAST; ++v) before[v] = x86::idt::arrival_count(uint8_t(v));
    uint64_t strays = x86::idt::stray_count(), nmis = x86::idt::nmi_count();
    uint32_t sent = 0, arrived = 0;
    for (unsigned v = FIRST; v <= LAST; ++v)
        if (x86::lapic::send_self_ipi(uint8_t(v)) == Status::Ok) ++sent;
    for (unsigned v = FIRST; v <= LAST; ++v) {
        for (uint32_t spins = 0; x86::idt::arrival_count(uint8_t(v)) == before[v] && spins < 10'000'000; ++spins)
            x86::pause();
        if (x86::idt::arrival_count(uint8_t(v)) != before[v])
            ++arrived;
        else
            console::print("selftest: no interrupt arrived on vector %u\n", v);
    }
    uint64_t unhandled = x86::idt::stray_count() - strays;
    for (uint32_t i = 0; i < NMI_STORM; ++i) x86::lapic::send_self_nmi();
    for (uint32_t spins = 0; x86::idt::nmi_count() - nmis < NMI_STORM && spins < 100'000'000; ++spins) x86::pause();
    // Every vector must still be deliverable: none left an in-service bit
    // behind that blocks its priority class (the timer is class 3).
    uint64_t ticks = x86::lapic::ticks();
    for (uint32_t spins = 0; x86::lapic::ticks() == ticks && spins < 100'000'000; ++spins) x86::pause();
    uint32_t again = 0;
    for (unsigned v = FIRST; v <= LAST; ++v) {
        uint32_t seen = x86::idt::arrival_count(uint8_t(v));
        if (x86::lapic::send_self_ipi(uint8_t(v)) != Status::Ok) continue;
        for (uint32_t spins = 0; x86::idt::arrival_count(uint8_t(v)) == seen && spins < 10'000'000; ++spins)
            x86::pause();
        if (x86::idt::arrival_count(uint8_t(v)) != seen) ++again;
    }
    console::print("selftest: %u interrupts sent on vectors %u-%u, %u arrived (%lu without a handler), %u arrived "
                   "again; %u NMIs sent, %lu counted; timer still ticking: %s\n",
                   sent, FIRST, LAST, arrived, unhandled, again, NMI_STORM, x86::idt::nmi_count() - nmis,
                   x86::lapic::ticks() != ticks ? "yes" : "no");
}

// The DMA tests: a device programmed before the launch writes ~100 ms
// later; wait until it surely has, before this kernel reads its modules,
// prints from its image or dumps the event log.
void dma_wait_selftest() {
    constexpr uint32_t STEP_MS = 50, STEPS = 10;
    console::print("selftest: waiting %u ms for delayed device DMA\n", STEP_MS * STEPS);
    for (uint32_t i = 0; i < STEPS; ++i) x86::pit::delay_ms(STEP_MS);
}

void init_selftest() {
    console::print("selftest: sending this CPU an INIT\n");
    uint64_t before = x86::idt::init_count();
    x86::lapic::send_self_init();
    for (uint32_t spins = 0; x86::idt::init_count() == before && spins < 100'000'000; ++spins) x86::pause();
    console::print("selftest: still running after the INIT (%lu redirected to #SX)\n", x86::idt::init_count() - before);
}

void run_selftest(SelfTest t) {
    if (t == SelfTest::Interrupts) interrupts_selftest();
    if (t == SelfTest::Init) init_selftest();
    if (t == SelfTest::InvalidOpcode) {
        console::print("selftest: executing UD2\n");
        asm volatile("ud2");
    } else if (t == SelfTest::PageFault) {
        console::print("selftest: reading unmapped address 0x0\n");
        asm volatile("movq 0, %%rax" ::: "rax", "memory");  // in asm: a null dereference is UB in C++
    } else if (t == SelfTest::StackOverflow) {
        console::print("selftest: overflowing the kernel stack\n");
        (void)recurse(0);
    }
}

// The NMI runs on its IST stack, found through the task register: after a
// guest that loaded a TR of its own, this shows the host got its own back.
void nmi_selftest() {
    console::print("selftest: sending an NMI to this CPU\n");
    uint64_t before = x86::idt::nmi_count();
    x86::lapic::send_self_nmi();
    for (uint32_t spins = 0; x86::idt::nmi_count() == before && spins < 100'000'000; ++spins) x86::pause();
    if (x86::idt::nmi_count() == before) console::print("selftest: the NMI did not arrive\n");
}

[[noreturn]] void finish(const BootOptions& options, power::ExitCode code) {
    if (options.hold) {
        console::print("keel: holding for inspection\n");
        power::hold();
    }
    console::print(options.debug_exit_port ? "keel: powering off\n" : "keel: halting\n");
    power::halt(code);
}

// What ctrl_hw's health check looks at: the kernel's code and read-only
// data are as they were at boot, and the protections the CPU enforces for
// it (write protection, no-execute, SMEP/SMAP) are still on.
struct HealthBaseline {
    uint8_t image[crypto::Sha256::DIGEST_SIZE];
    uint64_t cr0, cr4, efer;
};
constinit HealthBaseline health_baseline = {};

void image_digest(uint8_t out[crypto::Sha256::DIGEST_SIZE]) {
    crypto::Sha256 h;
    h.init();
    h.update(__text_start, addr(__text_end) - addr(__text_start));
    h.update(__rodata_start, addr(__rodata_end) - addr(__rodata_start));
    h.finish(out);
}

void record_health_baseline() {
    image_digest(health_baseline.image);
    health_baseline.cr0 = x86::read_cr0();
    health_baseline.cr4 = x86::read_cr4();
    health_baseline.efer = x86::rdmsr(x86::msr::EFER);
}

bool devices_confined();

bool kernel_healthy(void*) {
    uint8_t now[crypto::Sha256::DIGEST_SIZE];
    image_digest(now);
    bool image = true;
    for (size_t i = 0; i < sizeof now; ++i) image = image && now[i] == health_baseline.image[i];
    bool cpu = x86::read_cr0() == health_baseline.cr0 && x86::read_cr4() == health_baseline.cr4 &&
               x86::rdmsr(x86::msr::EFER) == health_baseline.efer;
    bool devices = devices_confined();
    console::print("keel: health check: kernel text and rodata %s, CPU protections %s: %s\n",
                   image ? "unchanged" : "CHANGED", cpu ? "as at boot" : "CHANGED",
                   image && cpu && devices ? "healthy" : "NOT HEALTHY");
    return image && cpu && devices;
}

// The root task's console: its lines, marked as its own, with control
// characters escaped so it can neither forge a kernel line nor drive the
// terminal.
constinit bool root_line_start = true;
void root_console(void*, const char* text, size_t n) {
    for (size_t i = 0; i < n; ++i) {
        auto c = uint8_t(text[i]);
        if (root_line_start) console::print("[root] ");
        root_line_start = c == '\n';
        if (c == '\n' || (c >= 0x20 && c < 0x7f))
            console::print("%c", c);
        else
            console::print("\\x%02x", c);
    }
}

bool is_ram(uint64_t phys) { return mb2::is_usable_ram(boot_info, phys, PAGE_SIZE); }

// The kernel's objects and tables, made once the root task is loaded.
alignas(FramePages) uint8_t frame_pages_storage[sizeof(FramePages)];
alignas(KernelMemory) uint8_t kernel_memory_storage[sizeof(KernelMemory)];
alignas(x86::PdTables) uint8_t pd_tables_storage[sizeof(x86::PdTables)];
constinit Scheduler schedulers[x86::MAX_CPUS];
constinit unsigned cpus_online = 1;
constinit const Pd* root_pd = nullptr;

constinit uint64_t thread_faults = 0;
constexpr uint64_t THREAD_FAULTS_REPORTED = 8;  // then counted: a fuzzer's threads must not flood the console

constinit const Ec* root_ec = nullptr;

void report_thread_fault(const Ec& ec, uint64_t vector, uint64_t error, uint64_t address) {
    if (&ec != root_ec && ++thread_faults > THREAD_FAULTS_REPORTED) return;
    if (ec.vcpu)
        console::print("user: a vCPU of PD %p exited (event %lu) with no portal to handle it; it was stopped\n",
                       static_cast<const void*>(&ec.pd), vector);
    else if (&ec == root_ec)
        console::print("root: the root task faulted (vector %lu, error 0x%lx) at rip 0x%lx, address 0x%lx; it was "
                       "stopped and the kernel carries on\n",
                       vector, error, ec.regs.rip, address);
    else
        console::print("user: a thread of %s %p faulted (vector %lu, error 0x%lx) at rip 0x%lx, address 0x%lx, "
                       "with no portal to handle it; it was stopped\n",
                       &ec.pd == root_pd ? "the root task's PD" : "PD", static_cast<const void*>(&ec.pd), vector, error,
                       ec.regs.rip, address);
}

// Virtualization is on before the health baseline (it sets EFER.SVME) and
// before user level, whose VMMs make vCPUs. A machine without it runs
// nothing: Keel is a hypervisor.
virt::Support start_virtualization(const BootOptions& options) {
    virt::Support svm = virt::probe();
    if (!svm.usable) {
        console::print("virt: %s %s\n", svm.technology, svm.detail);
        console::print("keel: this machine cannot run guests; stopping\n");
        finish(options, power::ExitCode::NoVirtualization);
    }
    console::print("virt: %s %s (%u ASIDs)\n", svm.technology, svm.detail, svm.asid_count);
    if (Status s = virt::enable(frames); s != Status::Ok) fail("enabling virtualization", s);
    return svm;
}

// An application processor, its CPU state set up (smp.cpp): virtualization
// on, then user level with everyone else. One at a time (the frame
// allocator is not shared).
void ap_entry(x86::CpuLocal& cpu) {
    x86::kernel_lock::acquire();
    Status s = virt::enable(frames);
    if (s != Status::Ok)
        console::print("smp: CPU %u (APIC %u): enabling virtualization failed (%s); it stays out\n", cpu.index,
                       cpu.apic_id, status_name(s));
    else
        cpu.ready = true;
    x86::kernel_lock::release();
    if (s == Status::Ok) user::run_ap();
}

// A page below 1 MiB for the start-up code: usable RAM that holds nothing
// this kernel keeps or was handed (boot information, modules, event log,
// IOMMU tables, the secure loader). 0 if there is none.
uint64_t choose_start_page(uint64_t info_pa) {
    auto clear = [&](uint64_t page) {
        auto overlaps = [&](uint64_t base, uint64_t size) {
            return size && base < page + PAGE_SIZE && page < base + size;
        };
        if (!mb2::is_usable_ram(boot_info, page, PAGE_SIZE) || overlaps(info_pa, boot_info.total_size)) return false;
        const auto& d = boot_info.drtm;
        if (d.present && (overlaps(d.event_log, d.event_log_capacity) || overlaps(d.dma_tables, d.dma_tables_size) ||
                          overlaps(d.slb_base, 0x10000)))
            return false;
        for (size_t i = 0; i < boot_info.module_count; ++i)
            if (overlaps(boot_info.modules[i].start, boot_info.modules[i].end - boot_info.modules[i].start))
                return false;
        return true;
    };
    for (uint64_t page = 0x9e000; page >= 0x1000; page -= PAGE_SIZE)
        if (clear(page)) return page;
    return 0;
}

// Every other CPU, after the boot CPU's own set-up: they copy its CR0 and
// CR4, and share its timer calibration and intercept bitmaps.
void start_other_cpus(const BootOptions& options, uint64_t info_pa) {
    constexpr uint64_t QUIET_TICKS = 100 * TIMER_HZ / 1000;  // no new CPU for 100 ms: all that will come have
    if (options.single_cpu) {
        console::print("smp: 'nosmp' on the command line: the other CPUs stay in INIT\n");
        return;
    }
    uint64_t page = choose_start_page(info_pa);
    x86::smp::StartReport report;
    Status s = page ? x86::smp::start_others(page, ap_entry, QUIET_TICKS, report) : Status::NotFound;
    if (s != Status::Ok) {
        console::print("smp: other CPUs not started: %s\n", page ? status_name(s) : "no free page below 1 MiB");
        return;
    }
    // User level numbers the CPUs that run it 0 .. n-1, without gaps.
    while (cpus_online < x86::MAX_CPUS && x86::cpu_local(cpus_online).ready) ++cpus_online;
    console::print("smp: %u CPUs online (%u in all answered; start-up code at 0x%lx)%s\n", cpus_online, report.online,
                   page, report.parked ? ", more than Keel has room for: those wait" : "");
    for (unsigned i = 0; i < cpus_online; ++i) console::print("smp: CPU %u is APIC %u\n", i, x86::cpu_local(i).apic_id);
}

// The IOMMUs the secure loader programmed to block all DMA, taken over as
// they are: devices may then be assigned to PDs, and their registers given
// to the root task.
constinit x86::amd_iommu::Iommu iommu;
alignas(x86::amd_iommu::DeviceAssignment) uint8_t device_assignment_storage[sizeof(x86::amd_iommu::DeviceAssignment)];
constexpr size_t MAX_DEVICE_RANGES = 64;
constinit DeviceMemory device_memory[MAX_DEVICE_RANGES];
// Each IOMMU's registers (512 KiB with the performance counters).
constexpr uint64_t IOMMU_MMIO_SIZE = 0x80000;

// Device interrupts for the root task's drivers (assign_int); every
// I/O APIC pin masked until one is bound.
constinit x86::GsiInterrupts gsi_interrupts;
constinit bool gsi_interrupts_ready = false;

void setup_device_interrupts() {
    if (Status s = gsi_interrupts.init(user::device_interrupt); s != Status::Ok) {
        console::print("ioapic: none at 0xfec00000 (%s): assign_int is off\n", status_name(s));
        return;
    }
    gsi_interrupts_ready = true;
    console::print(
        "ioapic: %u pins masked; GSIs 1, 3 and 5-%u can be bound to semaphores\n", x86::ioapic::pins(),
        (x86::ioapic::pins() < x86::GsiInterrupts::MAX_GSIS ? x86::ioapic::pins() : x86::GsiInterrupts::MAX_GSIS) - 1);
}

// Part of the health check: no device entry names a domain no PD has.
bool devices_confined() {
    if (!iommu.active()) return true;
    bool ok = iommu.consistent();
    console::print("keel: health check: %s\n", ok ? "every device the IOMMU translates belongs to a live PD"
                                                  : "a DEVICE STILL TRANSLATES THROUGH A DOMAIN NO PD HAS");
    return ok;
}

void adopt_iommus() {
    const auto& d = boot_info.drtm;
    if (!d.present || !d.dma_tables) return;  // drtm_report said why DMA is not blocked
    const char* why;
    if (iommu.adopt(d.dma_tables, d.dma_tables_size, d.iommu_count, why) != Status::Ok) {
        console::print("iommu: not taken over (%s): DMA stays blocked for every device, assign_dev is off\n", why);
        return;
    }
    console::print("iommu: %zu IOMMU(s) taken over from the secure loader; devices can be assigned to PDs%s\n",
                   iommu.count(), iommu.caches_absent() ? " (they cache absent entries)" : "");
    for (size_t i = 0; i < iommu.count(); ++i) {
        x86::pci::Address f = iommu.function(i);
        console::print("iommu: %02x:%02x.%x, registers at 0x%lx\n", f.bus, f.device, f.function, iommu.mmio(i));
    }
}

// The memory BARs of every function but the IOMMUs', for the root task.
size_t find_device_memory() {
    x86::pci::MemoryBar bars[MAX_DEVICE_RANGES];
    size_t found =
        x86::pci::memory_bars(bars, MAX_DEVICE_RANGES, [](x86::pci::Address a) { return iommu.is_iommu(a); });
    size_t n = found < MAX_DEVICE_RANGES ? found : MAX_DEVICE_RANGES;
    for (size_t i = 0; i < n; ++i) {
        const auto& b = bars[i];
        device_memory[i] = {uint16_t(b.function.bus << 8 | b.function.device << 3 | b.function.function),
                            b.index,
                            b.id,
                            b.class_revision,
                            b.base,
                            b.size};
    }
    if (found > n) console::print("pci: %zu memory BARs, the root task gets at most %zu\n", found, n);
    return n;
}

[[noreturn]] void run_root_task(const BootOptions& options, uint64_t info_pa) {
    const mb2::Module* module = find_root_module(boot_info);
    if (!module) {
        console::print("keel: no root task (a boot module whose command line starts with 'root'): nothing to run\n");
        finish(options, power::ExitCode::GuestFailed);
    }
    auto* pages = new (frame_pages_storage) FramePages(frames);
    auto* memory = new (kernel_memory_storage) KernelMemory(*pages, frames.free_pages());
    auto* kernel_root = reinterpret_cast<const uint64_t*>(x86::read_cr3() & x86::pte::ADDR_MASK);
    auto* tables = new (pd_tables_storage) x86::PdTables(kernel_root, is_ram);
    uint64_t apic = x86::rdmsr(x86::msr::APIC_BASE) & x86::pte::ADDR_MASK;
    GrantRange kept[6 + x86::amd_iommu::MAX_IOMMUS] = {
        {0, LOW_MEMORY},
        {addr(__image_start), addr(__image_end)},
        {info_pa, info_pa + boot_info.total_size},
        {boot_info.drtm.dma_tables, boot_info.drtm.dma_tables + boot_info.drtm.dma_tables_size},
        {boot_info.drtm.event_log, boot_info.drtm.event_log + boot_info.drtm.event_log_capacity},
        {apic, apic + PAGE_SIZE},
    };
    size_t kept_count = 6;
    for (size_t i = 0; i < iommu.count(); ++i) kept[kept_count++] = {iommu.mmio(i), iommu.mmio(i) + IOMMU_MMIO_SIZE};
    virt::Support svm = virt::probe();  // usable: start_virtualization() checked
    uint32_t features = (svm.usable ? uint32_t(abi::HipFeature::Svm) | uint32_t(abi::HipFeature::NestedPaging) : 0) |
                        (boot_info.drtm.present ? uint32_t(abi::HipFeature::DrtmLaunch) : 0) |
                        (iommu.active() ? uint32_t(abi::HipFeature::Iommu) : 0);
    RootTaskSetup setup{boot_info,
                        frames,
                        *memory,
                        schedulers[0],
                        *tables,
                        kept,
                        kept_count,
                        options.debug_exit_port,
                        features,
                        tsc_khz,
                        uint16_t(cpus_online)};
    // Where guests can run, every PD's MSR space is a permission map, and
    // the root task receives the MSRs the hardware switches with a guest.
    GrantRange msrs[sizeof x86::svm::PASS_THROUGH / sizeof x86::svm::PASS_THROUGH[0]];
    if (svm.usable) {
        tables->set_msr_tables(&x86::svm::msr_tables());
        for (size_t i = 0; i < sizeof msrs / sizeof msrs[0]; ++i)
            msrs[i] = {x86::svm::PASS_THROUGH[i].first, x86::svm::PASS_THROUGH[i].end};
        setup.msrs = msrs;
        setup.msr_count = sizeof msrs / sizeof msrs[0];
    }
    // Device registers only where the IOMMU confines what the devices do
    // with them: without one, a device could be made to write anywhere.
    if (iommu.active()) {
        setup.devices = device_memory;
        setup.device_count = find_device_memory();
    }
    RootTaskReport report;
    Ec* ec = nullptr;
    if (abi::Status s = create_root_task(setup, *module, ec, report); s != abi::Status::Success) {
        console::print("root: not started: %s failed (%s)\n", report.failure, abi::status_name(s));
        finish(options, power::ExitCode::GuestFailed);
    }
    root_pd = &ec->pd;
    root_ec = ec;
    console::print("root: '%.*s' loaded: %zu segments, entry 0x%lx\n", int(module->cmdline.size), module->cmdline.data,
                   report.segments, report.entry);
    console::print("root: granted %lu MiB of RAM in %lu ranges at 0x%lx + physical, %zu modules (%zu copied out of "
                   "the kernel's pages), TPM locality 0%s, %zu port ranges, %zu MSR ranges; the kernel keeps a pool of "
                   "%lu KiB%s\n",
                   report.ram_pages * PAGE_SIZE >> 20, report.ram_ranges, abi::ROOT_PHYS_BASE, report.modules,
                   report.modules_copied, report.event_log_given ? ", the DRTM event log (read-only)" : "",
                   report.port_ranges, report.msr_ranges, report.pool_pages * PAGE_SIZE >> 10,
                   report.hip_truncated ? " (the information page lists only part of it)" : "");
    if (report.event_log_refused)
        console::print(
            "root: the DRTM event log is not in RAM on whole pages of its own: not given to the root task\n");
    if (iommu.active())
        console::print(
            "root: %zu device memory ranges granted, %zu refused (over RAM, the platform's or the kernel's)\n",
            report.device_ranges, report.device_ranges_refused);
    console::print("root: ring 3 with SMEP %s, SMAP %s\n", x86::user::smep() ? "on" : "not offered by this CPU",
                   x86::user::smap() ? "on" : "not offered by this CPU");
    HypercallContext k{*tables,      &ec->pd, kernel_healthy, [](void*, bool failed) { user::power_off(failed); },
                       root_console, nullptr};
    k.schedulers = schedulers;
    k.cpu_count = uint16_t(cpus_online);
    if (iommu.active()) k.devices = new (device_assignment_storage) x86::amd_iommu::DeviceAssignment(iommu);
    if (gsi_interrupts_ready) k.interrupts = &gsi_interrupts;
    if (iommu.active())
        gsi_interrupts.set_remap(
            [](uint8_t vector, uint32_t apic_id) { iommu.remap_ioapic_interrupt(vector, uint8_t(apic_id)); });
    // vCPUs for the VMMs the root task starts, where the CPU can run them.
    alignas(x86::svm::VcpuFactory) static uint8_t vcpu_factory_storage[sizeof(x86::svm::VcpuFactory)];
    if (svm.usable) k.vcpus = new (vcpu_factory_storage) x86::svm::VcpuFactory(x86::svm::shared_states());
    user::Outcome o = user::run(schedulers, cpus_online, k, report_thread_fault);
    // After guests ran and loaded state of their own (a TR): the host's
    // NMI must still find its own stack.
    if (options.selftest == SelfTest::NmiAfterGuest) nmi_selftest();
    if (!root_line_start) console::print("\n");
    if (thread_faults > THREAD_FAULTS_REPORTED)
        console::print("user: %lu threads faulted without a portal to handle it (%lu reported above)\n", thread_faults,
                       THREAD_FAULTS_REPORTED);
    if (o == user::Outcome::PoweredOff || o == user::Outcome::PoweredOffFailed) {
        bool failed = o == user::Outcome::PoweredOffFailed;
        console::print("root: the root task powered the machine off%s\n", failed ? ", reporting a failure" : "");
        finish(options, failed ? power::ExitCode::GuestFailed : power::ExitCode::Success);
    }
    // The root task ended without powering off (it faulted, or every
    // thread waits for ever): the kernel says whether it is still intact.
    console::print("user: no thread can run any more\n");
    finish(options, kernel_healthy(nullptr) ? power::ExitCode::Success : power::ExitCode::Panic);
}

}  // namespace

extern "C" [[noreturn]] void kmain(uint32_t magic, uint32_t info_pa) {
    for (auto* f = __init_array_start; f != __init_array_end; ++f) (*f)();
    x86::serial::init();
    console::print("\nKeel microhypervisor 0.1.0 (x86_64)\n");
    if (magic != mb2::BOOTLOADER_MAGIC) {
        console::print("keel: not started by a Multiboot2 loader (magic 0x%x); halting\n", magic);
        power::halt(power::ExitCode::Panic);
    }
    const auto* info = reinterpret_cast<const uint8_t*>(uintptr_t(info_pa));
    if (Status s = mb2::parse(info, MAX_BOOT_INFO, boot_info); s != Status::Ok) fail("parsing boot information", s);
    BootOptions options = parse_boot_options(boot_info.cmdline, warn_option, nullptr);
    power::set_debug_exit_port(options.debug_exit_port);
    if (options.selftest == SelfTest::DmaWait) dma_wait_selftest();
    console::print("boot: loader '%.*s', command line '%.*s'\n", int(boot_info.loader_name.size),
                   boot_info.loader_name.data, int(boot_info.cmdline.size), boot_info.cmdline.data);
    if (!boot_info.has_memory_map) fail("finding the memory map", Status::NotFound);
    print_memory_map();
    check_memory_map();
    setup_frames(info_pa);

    x86::gdt::init(x86::cpu_local(0));
    x86::idt::init();
    user::init(1000000 / TIMER_HZ);
    report_init_redirect(x86::set_global_interrupt_flag());  // only now: our IDT is in place
    setup_paging();
    setup_timer();
    setup_device_interrupts();
    report_drtm(boot_info, options.dump_event_log);
    adopt_iommus();
    run_selftest(options.selftest);
    start_virtualization(options);
    x86::cpu_local(0).ready = true;
    start_other_cpus(options, info_pa);
    record_health_baseline();
    run_root_task(options, info_pa);
}

}  // namespace keel
