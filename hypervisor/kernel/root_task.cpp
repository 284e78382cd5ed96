#include "hypervisor/kernel/root_task.hpp"

#include "abi/event.hpp"
#include "abi/hip.hpp"
#include "abi/hypercall.hpp"
#include "abi/layout.hpp"
#include "hypervisor/kernel/memory_map_check.hpp"
#include "lib/assert.hpp"
#include "lib/elf64.hpp"

namespace keel {
namespace {

constexpr uint64_t PAGE = 4096;
// The kernel keeps an eighth of free RAM for its objects and page tables
// (at least 16 MiB, at most 256 MiB); the root task gets the rest.
constexpr uint64_t POOL_MIN = (16ull << 20) / PAGE, POOL_MAX = (256ull << 20) / PAGE;
constexpr uint8_t RWX = abi::perm::MEM_R | abi::perm::MEM_W | abi::perm::MEM_X;
constexpr size_t MAX_GRANTS = FrameAllocator::MAX_RANGES;
// The root task's time: a middling priority (it may give its threads more
// or less) in 10 ms quanta (whole ticks: 12 ms at 250 Hz).
constexpr uint8_t ROOT_PRIORITY = 128;
constexpr uint32_t ROOT_BUDGET_US = 10000;

uint64_t root_page(uint64_t phys) { return (abi::ROOT_PHYS_BASE + phys) / PAGE; }

abi::Status fail(RootTaskReport& r, const char* what, abi::Status s) {
    r.failure = what;
    return s;
}

// Is [base, end) inside what root_grant says the root task may have?
bool within(const GrantRange* allowed, size_t n, uint64_t base, uint64_t end) {
    for (size_t i = 0; i < n; ++i)
        if (base >= allowed[i].base && end <= allowed[i].end) return true;
    return false;
}

void add_hip(abi::Hip& hip, abi::HipMemoryKind kind, uint64_t address, uint64_t size, uint32_t aux, RootTaskReport& r) {
    constexpr size_t CAP = sizeof hip.memory / sizeof hip.memory[0];
    if (hip.memory_count == CAP) {
        r.hip_truncated = true;
        return;
    }
    hip.memory[hip.memory_count++] = {address, size, uint32_t(kind), aux};
}

// Copies the image's segments into fresh frames from the pool and maps them
// where they were linked.
abi::Status load_image(RootTaskSetup& k, const mb2::Module& m, Pd& root, RootTaskReport& r) {
    const auto* image = reinterpret_cast<const uint8_t*>(uintptr_t(m.start));
    launch::ElfImage elf;
    if (launch::parse_elf64(image, m.end - m.start, elf, {abi::USER_SPACE_BASE, abi::USER_END, true}) != Status::Ok)
        return fail(r, "reading its ELF image (an x86-64 executable linked above abi::USER_SPACE_BASE)",
                    abi::Status::BadParameter);
    for (size_t i = 0; i < elf.segment_count; ++i) {
        const launch::Segment& s = elf.segments[i];
        if (s.paddr % PAGE)
            return fail(r, "placing a segment that does not start on a page", abi::Status::BadParameter);
        uint64_t pages = (s.mem_size + PAGE - 1) / PAGE, frame;
        if (k.frames.allocate(pages, frame) != Status::Ok)
            return fail(r, "allocating its image", abi::Status::OutOfMemory);
        auto* dst = reinterpret_cast<uint8_t*>(frame);
        for (uint64_t b = 0; b < pages * PAGE; ++b) dst[b] = b < s.file_size ? image[s.file_offset + b] : 0;
        uint8_t perms = abi::perm::MEM_R | (s.writable ? abi::perm::MEM_W : 0) | (s.executable ? abi::perm::MEM_X : 0);
        if (abi::Status st = root.host.grant_root(s.paddr / PAGE, frame / PAGE, pages, perms);
            st != abi::Status::Success)
            return fail(r, "mapping its image (overlapping segments?)", st);
    }
    r.entry = elf.entry;
    r.segments = elf.segment_count;
    return abi::Status::Success;
}

// The kernel keeps the lowest free pages as its pool; the rest of the free
// RAM becomes the root task's, and leaves the frame allocator for good.
size_t split_pool(FrameAllocator& frames, GrantRange* out, RootTaskReport& r) {
    uint64_t pool = frames.free_pages() / 8;
    if (pool < POOL_MIN) pool = POOL_MIN;
    if (pool > POOL_MAX) pool = POOL_MAX;
    if (pool > frames.free_pages() / 2) pool = frames.free_pages() / 2;
    size_t n = 0;
    uint64_t kept = 0;
    for (size_t i = 0; i < frames.range_count() && n < MAX_GRANTS; ++i) {
        FrameAllocator::Range fr = frames.range(i);
        uint64_t keep = fr.pages < pool - kept ? fr.pages : pool - kept;
        kept += keep;
        if (keep < fr.pages) out[n++] = {fr.base + keep * PAGE, fr.base + fr.pages * PAGE};
    }
    for (size_t i = 0; i < n; ++i) {
        Status s = frames.reserve(out[i].base, out[i].end - out[i].base);
        KEEL_ASSERT(s == Status::Ok);
    }
    r.pool_pages = frames.free_pages();
    return n;
}

}  // namespace

const mb2::Module* find_root_module(const mb2::BootInfo& info) {
    for (size_t i = 0; i < info.module_count; ++i) {
        const mb2::Module& m = info.modules[i];
        if (m.cmdline == "root" || m.cmdline.starts_with("root ")) return &m;
    }
    return nullptr;
}

namespace {

uint64_t place_module(RootTaskSetup& k, const mb2::Module& m, const GrantRange* allowed, size_t allowed_count,
                      RootTaskReport& r) {
    uint64_t size = m.end - m.start;
    uint64_t base = m.start & ~(PAGE - 1), end = (uint64_t(m.end) + PAGE - 1) & ~(PAGE - 1);
    if (end > base && within(allowed, allowed_count, base, end)) return m.start;
    uint64_t pages = (size + PAGE - 1) / PAGE, copy;
    if (pages == 0 || k.frames.allocate(pages, copy) != Status::Ok) return 0;
    auto* dst = reinterpret_cast<uint8_t*>(copy);
    const auto* src = reinterpret_cast<const uint8_t*>(uintptr_t(m.start));
    for (uint64_t b = 0; b < pages * PAGE; ++b) dst[b] = b < size ? src[b] : 0;
    ++r.modules_copied;
    return copy;
}

}  // namespace

abi::Status create_root_task(RootTaskSetup& k, const mb2::Module& module, Ec*& ec, RootTaskReport& r) {
    ec = nullptr;
    abi::Status st;
    // Its quota is all of the pool that is left once its RAM is split off
    // (set below): every other PD's kernel memory is part of it.
    Pd* root = Pd::create(k.memory, k.tables, st, KernelMemory::ALL_LEFT);
    if (!root) return fail(r, "creating its PD", st);
    root->hold();  // the kernel's: the root task cannot destroy itself
    mdb::insert_root(*root->objects.slot(abi::SEL_OWN_PD, true), *root, abi::perm::ALL);
    if ((st = load_image(k, module, *root, r)) != abi::Status::Success) return st;

    auto* hip = static_cast<abi::Hip*>(root->memory.allocate_page());
    if (!hip) return fail(r, "allocating its information page", abi::Status::OutOfMemory);
    *hip = {};
    hip->signature = abi::HIP_SIGNATURE;
    hip->abi_version = abi::ABI_VERSION;
    hip->size = sizeof(abi::Hip);
    hip->features = k.hip_features;
    hip->cpu_count = k.cpu_count;
    hip->hypercall_count = abi::HYPERCALL_COUNT;
    hip->selector_count = ObjectSpace::SELECTORS;
    hip->vcpu_events = abi::VCPU_EVENT_COUNT;
    hip->thread_events = abi::THREAD_EVENT_COUNT;
    hip->tsc_khz = k.tsc_khz;
    for (size_t i = 0; i < module.cmdline.size && i + 1 < sizeof hip->root_cmdline; ++i)
        hip->root_cmdline[i] = module.cmdline[i];

    // Boot modules stay where they are if their pages hold nothing else of
    // the kernel's; one that shares a page with the boot information, or
    // lies in the low memory the kernel keeps (UEFI firmware loads small
    // modules there), is copied into fresh frames first, before the rest of
    // RAM goes to the root task. 0: not given (no memory for the copy).
    GrantRange ram[MAX_GRANTS], allowed[MAX_GRANTS];
    size_t allowed_count = root_memory(k.info, k.kept, k.kept_count, allowed, MAX_GRANTS);
    KEEL_ASSERT(allowed_count <= MAX_GRANTS);
    uint64_t module_at[mb2::BootInfo::MAX_MODULES] = {};
    for (size_t i = 0; i < k.info.module_count; ++i)
        module_at[i] = place_module(k, k.info.modules[i], allowed, allowed_count, r);

    // RAM: what the frame allocator has free beyond the pool, each range
    // also within root_grant's bound (a kernel bug otherwise).
    size_t ram_count = split_pool(k.frames, ram, r);
    root->memory.set_available(k.frames.free_pages());
    for (size_t i = 0; i < ram_count; ++i) {
        KEEL_ASSERT(within(allowed, allowed_count, ram[i].base, ram[i].end));
        uint64_t pages = (ram[i].end - ram[i].base) / PAGE;
        if ((st = root->host.grant_root(root_page(ram[i].base), ram[i].base / PAGE, pages, RWX)) !=
            abi::Status::Success)
            return fail(r, "mapping its RAM", st);
        add_hip(*hip, abi::HipMemoryKind::Ram, abi::ROOT_PHYS_BASE + ram[i].base, pages * PAGE, 0, r);
        r.ram_pages += pages;
        ++r.ram_ranges;
    }
    // The boot modules (VMMs, guest images, the configuration), whole pages.
    size_t cmdline_used = 0;
    for (size_t i = 0; i < k.info.module_count; ++i) {
        const mb2::Module& m = k.info.modules[i];
        uint64_t at = module_at[i], size = m.end - m.start;
        uint64_t base = at & ~(PAGE - 1), end = (at + size + PAGE - 1) & ~(PAGE - 1);
        if (at && end > base &&
            root->host.grant_root(root_page(base), base / PAGE, (end - base) / PAGE, RWX) == abi::Status::Success) {
            ++r.modules;
            add_hip(*hip, abi::HipMemoryKind::Module, abi::ROOT_PHYS_BASE + at, size, uint32_t(i), r);
        }
        size_t room = sizeof hip->module_cmdlines - cmdline_used;
        if (room == 0) {
            r.hip_truncated = true;
            continue;
        }
        size_t length = m.cmdline.size < room ? m.cmdline.size : room - 1;
        if (length < m.cmdline.size) r.hip_truncated = true;
        for (size_t c = 0; c < length; ++c) hip->module_cmdlines[cmdline_used + c] = m.cmdline[c];
        hip->module_cmdlines[cmdline_used + length] = '\0';
        add_hip(*hip, abi::HipMemoryKind::ModuleCommandLine, cmdline_used, length, uint32_t(i), r);
        cmdline_used += length + 1;
    }
    // The agent's TPM locality; 1-4 are the kernel's for ever.
    if ((st = root->host.grant_root(root_page(TPM_LOCALITY0), TPM_LOCALITY0 / PAGE, 1,
                                    abi::perm::MEM_R | abi::perm::MEM_W)) != abi::Status::Success)
        return fail(r, "mapping TPM locality 0", st);
    // The DRTM event log, read-only, for the VM that gets the TPM: its kernel
    // publishes it as the platform's log, where standard tools look. Only a
    // log in RAM on whole pages of its own: the pages around it are the
    // kernel's, and a "log" the secure loader placed over device memory
    // (TPM localities among it) must not be mapped at all.
    const mb2::DrtmLaunch& drtm = k.info.drtm;
    const bool log_on_own_pages = !(drtm.event_log % PAGE) && !(drtm.event_log_capacity % PAGE) &&
                                  mb2::is_usable_ram(k.info, drtm.event_log, drtm.event_log_capacity);
    if (drtm.present && drtm.event_log_used && !log_on_own_pages) r.event_log_refused = true;
    if (drtm.present && drtm.event_log_used && drtm.event_log_used <= drtm.event_log_capacity && log_on_own_pages) {
        if ((st = root->host.grant_root(root_page(drtm.event_log), drtm.event_log / PAGE,
                                        drtm.event_log_capacity / PAGE, abi::perm::MEM_R)) != abi::Status::Success)
            return fail(r, "mapping the DRTM event log", st);
        add_hip(*hip, abi::HipMemoryKind::DrtmEventLog, abi::ROOT_PHYS_BASE + drtm.event_log, drtm.event_log_used, 0,
                r);
        r.event_log_given = true;
    }
    GrantRange ports[16];
    size_t port_count = root_ports(k.debug_exit_port, ports, 16);
    for (size_t i = 0; i < port_count; ++i)
        if ((st = root->pio.grant_root(ports[i].base, ports[i].base, ports[i].end - ports[i].base,
                                       abi::perm::PIO_ACCESS)) != abi::Status::Success)
            return fail(r, "granting its I/O ports", st);
    r.port_ranges = port_count;
    // The MSRs guests may reach directly, listed in the HIP so the root
    // task knows what it can pass on to its VMMs.
    for (size_t i = 0; i < k.msr_count; ++i) {
        uint64_t count = k.msrs[i].end - k.msrs[i].base;
        if ((st = root->msr.grant_root(k.msrs[i].base, k.msrs[i].base, count, abi::perm::MSR_R | abi::perm::MSR_W)) !=
            abi::Status::Success)
            return fail(r, "granting its MSRs", st);
        add_hip(*hip, abi::HipMemoryKind::Msr, k.msrs[i].base, count, 0, r);
    }
    r.msr_ranges = k.msr_count;
    // Device memory, each function listed once before its ranges.
    uint32_t listed = ~0u;
    for (size_t i = 0; i < k.device_count; ++i) {
        const DeviceMemory& d = k.devices[i];
        // A range the firmware put over RAM, the platform's or another
        // BAR's is left out (the rest still works).
        if (!device_memory_grantable(k.info, k.kept, k.kept_count, d.base, d.size) ||
            root->host.grant_root(root_page(d.base), d.base / PAGE, d.size / PAGE,
                                  abi::perm::MEM_R | abi::perm::MEM_W) != abi::Status::Success) {
            ++r.device_ranges_refused;
            continue;
        }
        if (listed != d.device)
            add_hip(*hip, abi::HipMemoryKind::PciFunction, d.id | uint64_t(d.class_revision) << 32, 0, d.device, r);
        listed = d.device;
        add_hip(*hip, abi::HipMemoryKind::DeviceMemory, abi::ROOT_PHYS_BASE + d.base, d.size,
                d.device | uint32_t(d.bar) << 16, r);
        ++r.device_ranges;
    }

    if (!root->table(0).map(abi::HIP_ADDRESS / PAGE, reinterpret_cast<uint64_t>(hip) / PAGE, 1, abi::perm::MEM_R))
        return fail(r, "mapping its information page", abi::Status::OutOfMemory);
    ec = Ec::create(k.scheduler, *root, Ec::Kind::Global, 0, abi::UTCB_AREA, 0, 0, st);
    if (!ec) return fail(r, "creating its first EC", st);
    mdb::insert_root(*root->objects.slot(abi::SEL_OWN_EC, true), *ec, abi::perm::ALL);
    ec->started = true;  // the kernel sets where it starts: no start-up portal
    ec->regs.rip = r.entry;
    ec->regs.rdi = abi::UTCB_AREA;
    ec->regs.rsi = abi::HIP_ADDRESS;
    Sc* sc = Sc::create(root->memory, k.scheduler, *ec, ROOT_PRIORITY, ROOT_BUDGET_US, st);
    if (!sc) return fail(r, "creating its first SC", st);
    mdb::insert_root(*root->objects.slot(abi::SEL_OWN_SC, true), *sc, abi::perm::ALL);
    return abi::Status::Success;
}

}  // namespace keel
