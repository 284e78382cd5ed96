#include "vmm/root/vm_launch.hpp"

#include "abi/event.hpp"
#include "abi/hip.hpp"
#include "abi/hypercall.hpp"
#include "abi/layout.hpp"
#include "abi/utcb.hpp"
#include "lib/civil_time.hpp"
#include "lib/elf64.hpp"
#include "lib/format.hpp"
#include "lib/string.hpp"
#include "vmm/launch/vmm_start.hpp"
#include "vmm/root/device_grant.hpp"
#include "vmm/root/host_clock.hpp"
#include "vmm/root/vm_config.hpp"
#include "vmm/root/vm_report.hpp"
#include "vmm/runtime/console.hpp"
#include "vmm/runtime/hypercall.hpp"
#include "vmm/runtime/tsc.hpp"

namespace keel::root {
namespace {

namespace enc = abi::encode;
using abi::Crd;
using abi::SpaceKind;
using vmm::VmmStart;

constexpr unsigned MAX_VMS = 8;
constexpr uint64_t PAGE = 4096;
constexpr uint64_t GUEST_RAM = 1 << 20;
constexpr uint64_t IMAGE_GPA = 0x10000;  // 1000:0000
constexpr uint64_t MAX_IMAGE = 0xf000;  // the segment's last page is the stack's
constexpr uint64_t RAM_SKIP = 32 << 20;  // the root task's own use (probes' pages) stays below
constexpr uint8_t VMM_PRIORITY = 100;
// A VMM's kernel memory: its page tables (its image, its guest's RAM in
// its own and in the guest's space), its object space, some 40 portals,
// its threads' UTCBs, the vCPU's VMCB and FPU area: 28 pages for the
// 1 MiB guests of today (the root task prints what each used); 1 MiB
// leaves room. A VMM that makes objects without end meets this bound,
// not the kernel's pool.
constexpr uint64_t VMM_QUOTA_PAGES = 256;
// A Linux guest's RAM costs its VMM a page table per 2 MiB in its own
// space and one in its guest's: two pages per 2 MiB more.
uint64_t vmm_quota(uint64_t guest_ram) { return VMM_QUOTA_PAGES + guest_ram / (1 << 20); }
constexpr uint64_t LARGE = 2 << 20;  // Linux guests' RAM goes in 2 MiB pieces
constexpr uint32_t VMM_QUANTUM_US = 10000;
// The root task's selectors for VMs: the semaphore, a start-up and a
// service handler on each CPU (portals are CPU-local), then 16 per VM.
constexpr unsigned MAX_CPUS = 16;
constexpr abi::Selector DONE_SM = 202, HANDLERS = 208, VM_BASE = 256;
static_assert(HANDLERS + 2 * MAX_CPUS <= VM_BASE);
abi::Selector startup_ec(unsigned cpu) { return HANDLERS + 2 * cpu; }
abi::Selector service_ec(unsigned cpu) { return HANDLERS + 2 * cpu + 1; }
uint64_t startup_utcb(unsigned cpu) { return abi::UTCB_AREA + 0x20000 + cpu * 0x2000; }
uint64_t service_utcb(unsigned cpu) { return startup_utcb(cpu) + 0x1000; }
constexpr uint8_t R = abi::perm::MEM_R, W = abi::perm::MEM_W, X = abi::perm::MEM_X;

struct VmSlot {
    char name[48];
    bool done, passed;
    uint32_t cpu;
    uint64_t entry;  // its VMM's
};
constinit VmSlot vms[MAX_VMS] = {};
constinit unsigned vm_count = 0;
constinit uint64_t ram_next = 0, ram_end = 0;
constinit int64_t wall_clock_seconds = 0;  // the host's RTC at wall_clock_tsc (0: unknown)
constinit uint64_t wall_clock_tsc = 0;

alignas(16) uint8_t startup_stack[MAX_CPUS][4096];
alignas(16) uint8_t service_stack[MAX_CPUS][16384];
constinit uint32_t handler_cpus = 0;  // CPUs with handlers

abi::Selector vm_sel(unsigned i, unsigned what) { return VM_BASE + 16 * i + what; }
// VCPU_SERVICE_PT + v: the service portal of a Linux VM's vCPU v, on its CPU.
enum : unsigned { PD, EC, SC, SERVICE_PT, STARTUP_PT, DEVICE_SM, VCPU_SERVICE_PT };
static_assert(VCPU_SERVICE_PT + vmm::VCPUS_MAX <= 16);
// A service portal's id: the VM and the CPU whose handler serves it.
uint64_t service_id(unsigned vm, unsigned cpu) { return vm | uint64_t(cpu) << 8; }
static_assert(MAX_VMS <= 256);
static_assert(LINUX_VCPUS_MAX <= vmm::VCPUS_MAX);

// Pages from the root task's RAM, handed out once, never reused.
uint64_t take_ram(const abi::Hip& hip, uint64_t bytes, uint64_t align) {
    if (!ram_end) {
        for (uint32_t i = 0; i < hip.memory_count; ++i)
            if (hip.memory[i].kind == uint32_t(abi::HipMemoryKind::Ram) && hip.memory[i].size > RAM_SKIP + ram_end) {
                ram_next = hip.memory[i].address + RAM_SKIP;
                ram_end = hip.memory[i].address + hip.memory[i].size;
            }
    }
    uint64_t at = (ram_next + align - 1) & ~(align - 1);
    if (!ram_end || at + bytes > ram_end || at + bytes < at) return 0;
    ram_next = at + bytes;
    return at;
}

struct Module {
    const uint8_t* bytes;
    uint64_t size;
    StringView cmdline;
};

// The module whose command line's first word is `kind` and, if `name` is
// not empty, whose second word is `name`.
bool find_module(const abi::Hip& hip, StringView kind, StringView name, Module& out) {
    for (uint32_t i = 0; i < hip.memory_count; ++i) {
        const abi::HipMemory& c = hip.memory[i];
        if (c.kind != uint32_t(abi::HipMemoryKind::ModuleCommandLine) || c.address >= sizeof hip.module_cmdlines)
            continue;
        StringView cmdline(hip.module_cmdlines + c.address, c.size);
        if (nth_word(cmdline, 0) != kind || (!name.empty() && nth_word(cmdline, 1) != name)) continue;
        for (uint32_t j = 0; j < hip.memory_count; ++j) {
            const abi::HipMemory& m = hip.memory[j];
            if (m.kind == uint32_t(abi::HipMemoryKind::Module) && m.aux == c.aux) {
                out = {reinterpret_cast<const uint8_t*>(m.address), m.size, cmdline};
                return true;
            }
        }
    }
    return false;
}

// Copies the VMM's image into fresh pages and maps them into its PD where
// it was linked, each segment with its own rights.
bool load_vmm(const abi::Hip& hip, const char* vm, const Module& image, abi::Selector pd, uint64_t& entry) {
    launch::ElfImage elf;
    if (launch::parse_elf64(image.bytes, image.size, elf, {abi::USER_SPACE_BASE, abi::USER_END, true}) != Status::Ok) {
        user::console::print("root: VM %s: the module 'vmm' is not a user-level ELF image\n", vm);
        return false;
    }
    for (size_t i = 0; i < elf.segment_count; ++i) {
        const launch::Segment& s = elf.segments[i];
        uint64_t first = s.paddr & ~(PAGE - 1), end = (s.paddr + s.mem_size + PAGE - 1) & ~(PAGE - 1);
        uint64_t ram = take_ram(hip, end - first, PAGE);
        if (!ram) {
            user::console::print("root: VM %s: out of RAM for its VMM\n", vm);
            return false;
        }
        auto* dst = reinterpret_cast<uint8_t*>(ram);
        for (uint64_t b = 0; b < end - first; ++b) {
            uint64_t at = first + b;
            bool in_file = at >= s.paddr && at - s.paddr < s.file_size;
            dst[b] = in_file ? image.bytes[s.file_offset + (at - s.paddr)] : 0;
        }
        uint8_t perms = R | (s.writable ? W : 0) | (s.executable ? X : 0);
        for (uint64_t p = 0; p < end - first; p += PAGE)
            if (!ok(vm, "mapping its VMM's image",
                    user::hypercall(enc::delegate(abi::SEL_OWN_PD, pd,
                                                  Crd(SpaceKind::HostMemory, (ram + p) >> 12, 0, perms),
                                                  (first + p) >> 12))))
                return false;
    }
    entry = elf.entry;
    return true;
}

// The guest's RAM, with execute rights for the VMM to pass on to its guest
// memory space (the kernel maps it writable but never executable in the
// VMM's own space).
bool give_guest(const abi::Hip& hip, const char* vm, const Module& guest, abi::Selector pd, VmmStart& start) {
    if (guest.size == 0 || guest.size > MAX_IMAGE) {
        user::console::print("root: VM %s: guest image '%.*s' is %lu bytes; a real-mode image must have 1 to %lu\n", vm,
                             int(guest.cmdline.size), guest.cmdline.data, guest.size, MAX_IMAGE);
        return false;
    }
    uint64_t ram = take_ram(hip, GUEST_RAM, GUEST_RAM);
    if (!ram) {
        user::console::print("root: VM %s: out of RAM for its guest\n", vm);
        return false;
    }
    auto* p = reinterpret_cast<uint8_t*>(ram);
    for (uint64_t b = 0; b < GUEST_RAM; ++b) p[b] = 0;
    for (uint64_t b = 0; b < guest.size; ++b) p[IMAGE_GPA + b] = guest.bytes[b];
    start.guest_ram_bytes = GUEST_RAM;
    start.image_gpa = IMAGE_GPA;
    start.image_bytes = guest.size;
    bool builtin = has_word(guest.cmdline, "check-probe");
    start.flags = builtin ? vmm::START_CHECK_PROBE : 0;
    start.stack_pointer = builtin ? 0x1000 : 0;  // the built-in guest's stack shares its page
    return ok(vm, "giving it its guest's RAM",
              user::hypercall(enc::delegate(abi::SEL_OWN_PD, pd, Crd(SpaceKind::HostMemory, ram >> 12, 8, R | W | X),
                                            vmm::GUEST_WINDOW >> 12)));
}

// The management VM's TPM: locality 0's registers (the kernel keeps 1-4)
// for its VMM to map at the TIS address, and a copy of the DRTM event log
// in its guest's RAM for the ACPI TPM2 table to point at.
bool give_tpm(const abi::Hip& hip, const char* vm, uint8_t* guest_ram, abi::Selector pd, VmmStart& start) {
    start.flags |= vmm::START_TPM;
    for (uint32_t i = 0; i < hip.memory_count; ++i) {
        const abi::HipMemory& m = hip.memory[i];
        if (m.kind != uint32_t(abi::HipMemoryKind::DrtmEventLog)) continue;
        if (m.size > vmm::EVENT_LOG_MAX) {
            user::console::print("root: VM %s: the DRTM event log (%lu bytes) is larger than its %lu-byte area\n", vm,
                                 m.size, vmm::EVENT_LOG_MAX);
            return false;
        }
        const auto* log = reinterpret_cast<const uint8_t*>(m.address);
        for (uint64_t b = 0; b < m.size; ++b) guest_ram[vmm::EVENT_LOG_GPA + b] = log[b];
        start.event_log_bytes = uint32_t(m.size);
    }
    if (!start.event_log_bytes)
        user::console::print("root: VM %s: no DRTM event log (no measured launch) to give with the TPM\n", vm);
    return ok(vm, "giving it TPM locality 0",
              user::hypercall(
                  enc::delegate(abi::SEL_OWN_PD, pd,
                                Crd(SpaceKind::HostMemory, (abi::ROOT_PHYS_BASE + abi::TPM_LOCALITY0) >> 12, 0, R | W),
                                vmm::TPM_WINDOW >> 12)));
}

// Copies a module to [gpa, +bytes) of a guest's RAM.
void stage(uint8_t* ram, uint64_t gpa, const Module& m) {
    for (uint64_t b = 0; b < m.size; ++b) ram[gpa + b] = m.bytes[b];
}

// A Linux guest's RAM, zeroed, with its kernel and initrd staged at the top
// (the initrd last, where it stays; the VMM copies the kernel to 1 MiB and
// checks where everything lies): the VMM, not the root task, parses them.
bool give_linux_guest(const abi::Hip& hip, const char* vm, const VmSpec& spec, const Module& kernel,
                      const Module* initrd, abi::Selector pd, VmmStart& start) {
    const uint64_t bytes = spec.mem_mib << 20;
    auto up = [](uint64_t n) { return (n + PAGE - 1) & ~(PAGE - 1); };
    uint64_t initrd_room = initrd ? up(initrd->size) : 0, kernel_room = up(kernel.size);
    if (kernel.size == 0 || kernel_room + initrd_room > bytes / 2) {
        user::console::print("root: VM %s: its kernel and initrd (%lu bytes) do not fit in half its %lu MiB\n", vm,
                             kernel.size + (initrd ? initrd->size : 0), spec.mem_mib);
        return false;
    }
    uint64_t ram = take_ram(hip, bytes, LARGE);
    if (!ram) {
        user::console::print("root: VM %s: out of RAM for its %lu MiB guest\n", vm, spec.mem_mib);
        return false;
    }
    auto* p = reinterpret_cast<uint8_t*>(ram);
    for (uint64_t b = 0; b < bytes; ++b) p[b] = 0;
    start.guest_ram_bytes = bytes;
    start.initrd_gpa = bytes - initrd_room;
    start.initrd_bytes = initrd ? initrd->size : 0;
    start.kernel_gpa = start.initrd_gpa - kernel_room;
    start.kernel_bytes = kernel.size;
    stage(p, start.kernel_gpa, kernel);
    if (initrd) stage(p, start.initrd_gpa, *initrd);
    start.vcpus = uint32_t(spec.vcpus);
    for (size_t c = 0; c < spec.command_line.size && c + 1 < sizeof start.command_line; ++c)
        start.command_line[c] = spec.command_line[c];
    if (spec.tpm && !give_tpm(hip, vm, p, pd, start)) return false;
    for (uint64_t at = 0; at < bytes; at += LARGE)
        if (!ok(vm, "giving it its guest's RAM",
                user::hypercall(enc::delegate(abi::SEL_OWN_PD, pd,
                                              Crd(SpaceKind::HostMemory, (ram + at) >> 12, 9, R | W | X),
                                              (vmm::GUEST_WINDOW + at) >> 12))))
            return false;
    return true;
}

// The MSRs the kernel lets guests reach without an exit (the HIP lists
// them; the hardware switches them with each guest): every VMM's, so its
// guest's SYSCALL set-up and FS/GS bases cost no exit.
bool give_msrs(const abi::Hip& hip, const char* vm, abi::Selector pd) {
    for (uint32_t i = 0; i < hip.memory_count; ++i) {
        if (hip.memory[i].kind != uint32_t(abi::HipMemoryKind::Msr)) continue;
        for (uint64_t msr = hip.memory[i].address; msr < hip.memory[i].address + hip.memory[i].size; ++msr)
            if (!ok(vm, "giving its VMM the guest's MSRs",
                    user::hypercall(enc::delegate(
                        abi::SEL_OWN_PD, pd, Crd(SpaceKind::Msr, msr, 0, abi::perm::MSR_R | abi::perm::MSR_W), msr))))
                return false;
    }
    return true;
}

// A VMM's start-up portal (its id: the VM's index): where its first thread
// begins and a stack (its crt0 sets its own).
extern "C" [[noreturn]] void vmm_startup(uint64_t id) {
    auto* utcb = reinterpret_cast<abi::Utcb*>(startup_utcb(vms[id % MAX_VMS].cpu));
    utcb->word[0] = vms[id % MAX_VMS].entry;
    utcb->word[1] = vmm::START_PAGE + PAGE - 8;
    (void)user::hypercall(enc::reply(2, 0));
    for (;;) {}
}

// The root task's service to its VMMs: their console lines, prefixed with
// the VM's name, and their verdict.
extern "C" [[noreturn]] void vm_service(uint64_t portal_id, uint64_t words) {
    const uint64_t id = portal_id & 0xff, cpu = (portal_id >> 8) % MAX_CPUS;
    auto* utcb = reinterpret_cast<abi::Utcb*>(service_utcb(unsigned(cpu)));
    uint64_t op = utcb->word[0] & 0xff, bytes = utcb->word[0] >> 8 & 0xffffff, text_word = utcb->word[0] >> 32;
    if (id < vm_count && op == uint64_t(vmm::ServiceOp::Console) && text_word >= 1 && text_word < words) {
        // Only what the call carried: a VMM cannot make the root task read
        // beyond its message. One line buffer per CPU: the handlers of
        // different CPUs run at once.
        static char lines[MAX_CPUS][sizeof utcb->word];
        char* line = lines[cpu];
        uint64_t room = (words - text_word) * 8;
        if (bytes > room) bytes = room;
        size_t n = format_to(line, sizeof lines[0], "[%s] ", vms[id].name);
        for (uint64_t b = 0; b < bytes && n + 1 < sizeof lines[0]; ++b)
            line[n++] = reinterpret_cast<const char*>(&utcb->word[text_word])[b];
        for (size_t b = 0; b < n; ++b) reinterpret_cast<char*>(utcb->word)[b] = line[b];
        (void)user::hypercall(enc::hw_console(n));
    } else if (id < vm_count && op == uint64_t(vmm::ServiceOp::Done) && !vms[id].done) {
        vms[id].done = true;
        vms[id].passed = bytes == 1;
        (void)user::hypercall(enc::sm_up(DONE_SM));
    }
    (void)user::hypercall(enc::reply(0, 0));
    for (;;) {}
}

bool make_handlers(const abi::Hip& hip) {
    auto top = [](uint8_t* stack, size_t size) { return reinterpret_cast<uint64_t>(stack + size - 8); };
    handler_cpus = hip.cpu_count < MAX_CPUS ? hip.cpu_count : MAX_CPUS;
    for (uint16_t c = 0; c < handler_cpus; ++c)
        if (!ok("-", "creating a start-up handler",
                user::hypercall(enc::create_ec(startup_ec(c), abi::SEL_OWN_PD, abi::EcFlag::Local, c, startup_utcb(c),
                                               top(startup_stack[c], sizeof startup_stack[c]), 0))) ||
            !ok("-", "creating a service handler",
                user::hypercall(enc::create_ec(service_ec(c), abi::SEL_OWN_PD, abi::EcFlag::Local, c, service_utcb(c),
                                               top(service_stack[c], sizeof service_stack[c]), 0))))
            return false;
    return ok("-", "creating the semaphore", user::hypercall(enc::create_sm(DONE_SM, abi::SEL_OWN_PD, 0)));
}

// One service portal per vCPU of a Linux VM, each on that vCPU's CPU,
// where its exit handler runs and calls.
bool give_vcpu_service(unsigned i, const VmmStart& start, abi::Selector pd) {
    using namespace abi::perm;
    const char* vm = vms[i].name;
    for (unsigned v = 0; v < start.vcpus && v < vmm::VCPUS_MAX; ++v) {
        const abi::Selector pt = vm_sel(i, VCPU_SERVICE_PT + v);
        const unsigned cpu = start.vcpu_cpus[v];
        if (!ok(vm, "creating a vCPU's service portal",
                user::hypercall(enc::create_pt(pt, abi::SEL_OWN_PD, service_ec(cpu), 0,
                                               reinterpret_cast<uint64_t>(&vm_service)))) ||
            !ok(vm, "naming a vCPU's service portal", user::hypercall(enc::pt_set_id(pt, service_id(i, cpu)))) ||
            !ok(vm, "giving it a vCPU's service portal",
                user::hypercall(enc::delegate(abi::SEL_OWN_PD, pd, Crd(SpaceKind::Object, pt, 0, PT_CALL),
                                              vmm::SEL_VCPU_SERVICE + v))))
            return false;
    }
    return true;
}

bool start_vm(const abi::Hip& hip, unsigned i, const VmSpec& spec, const Module& vmm_image, const Module& guest,
              const Module* initrd) {
    const char* vm = vms[i].name;
    const uint16_t cpu = uint16_t(vms[i].cpu);
    const bool linux_vm = spec.kind == VmKind::Linux;
    abi::Selector pd = vm_sel(i, PD);
    VmmStart start{};
    uint64_t entry = 0;
    uint64_t start_page = take_ram(hip, PAGE, PAGE);
    uint64_t quota = linux_vm ? vmm_quota(spec.mem_mib << 20) : VMM_QUOTA_PAGES;
    if (!start_page ||
        !ok(vm, "creating its VMM's PD", user::hypercall(enc::create_pd(pd, abi::SEL_OWN_PD, quota, VMM_PRIORITY))) ||
        !load_vmm(hip, vm, vmm_image, pd, entry) ||
        !(linux_vm ? give_linux_guest(hip, vm, spec, guest, initrd, pd, start)
                   : give_guest(hip, vm, guest, pd, start)) ||
        (spec.has_pci && !give_device(hip, vm, spec, pd, vm_sel(i, DEVICE_SM), uint16_t(cpu), start)) ||
        !give_msrs(hip, vm, pd))
        return false;
    start.timeout_ms = spec.timeout_ms;
    start.wall_clock_seconds = wall_clock_seconds;
    start.wall_clock_tsc = wall_clock_tsc;
    start.magic = vmm::START_MAGIC;
    start.tsc_khz = hip.tsc_khz;
    start.cpu = cpu;
    // A Linux VM's vCPUs on consecutive CPUs from its own (its VMM's
    // thread and vCPU 0 share one, as a one-vCPU VM's do).
    for (unsigned v = 0; v < vmm::VCPUS_MAX; ++v) start.vcpu_cpus[v] = uint16_t((cpu + v) % handler_cpus);
    if (linux_vm && spec.vcpus > handler_cpus)
        user::console::print("root: VM %s: %lu vCPUs on %u CPUs: some share a CPU (slower, not wrong)\n", vm,
                             spec.vcpus, handler_cpus);
    vms[i].entry = entry;
    for (size_t c = 0; c + 1 < sizeof start.name && vm[c]; ++c) start.name[c] = vm[c];
    *reinterpret_cast<VmmStart*>(start_page) = start;
    using namespace abi::perm;
    return ok(vm, "giving it its start page",
              user::hypercall(enc::delegate(abi::SEL_OWN_PD, pd, Crd(SpaceKind::HostMemory, start_page >> 12, 0, R),
                                            vmm::START_PAGE >> 12))) &&
           ok(vm, "giving it its own PD",
              user::hypercall(enc::delegate(abi::SEL_OWN_PD, pd, Crd(SpaceKind::Object, pd, 0, PD_CREATE | PD_DELEGATE),
                                            abi::SEL_OWN_PD))) &&
           ok(vm, "creating its service portal",
              user::hypercall(enc::create_pt(vm_sel(i, SERVICE_PT), abi::SEL_OWN_PD, service_ec(cpu), 0,
                                             reinterpret_cast<uint64_t>(&vm_service)))) &&
           ok(vm, "naming its service portal",
              user::hypercall(enc::pt_set_id(vm_sel(i, SERVICE_PT), service_id(i, cpu)))) &&
           give_vcpu_service(i, start, pd) &&
           ok(vm, "giving it its service portal",
              user::hypercall(enc::delegate(
                  abi::SEL_OWN_PD, pd, Crd(SpaceKind::Object, vm_sel(i, SERVICE_PT), 0, PT_CALL), vmm::SEL_SERVICE))) &&
           ok(vm, "creating its start-up portal",
              user::hypercall(enc::create_pt(vm_sel(i, STARTUP_PT), abi::SEL_OWN_PD, startup_ec(cpu), 0,
                                             reinterpret_cast<uint64_t>(&vmm_startup)))) &&
           ok(vm, "naming its start-up portal", user::hypercall(enc::pt_set_id(vm_sel(i, STARTUP_PT), i))) &&
           ok(vm, "giving it its start-up portal",
              user::hypercall(enc::delegate(abi::SEL_OWN_PD, pd,
                                            Crd(SpaceKind::Object, vm_sel(i, STARTUP_PT), 0, PT_CALL),
                                            vmm::SEL_EVENTS + abi::THREAD_EVENT_STARTUP))) &&
           ok(vm, "creating its VMM's thread",
              user::hypercall(enc::create_ec(vm_sel(i, EC), pd, abi::EcFlag::Global, cpu, vmm::MAIN_UTCB,
                                             vmm::START_PAGE + PAGE - 8, vmm::SEL_EVENTS))) &&
           ok(vm, "giving its VMM time",
              user::hypercall(
                  enc::create_sc(vm_sel(i, SC), abi::SEL_OWN_PD, vm_sel(i, EC), VMM_PRIORITY, VMM_QUANTUM_US)));
}

}  // namespace

unsigned start_vms(const abi::Hip& hip) {
    Module config, vmm_image, linux_vmm;
    if (!find_module(hip, "config", "", config)) {
        user::console::print("root: no boot configuration module ('config'): no VM to start\n");
        return 0;
    }
    const bool have_vmm = find_module(hip, "vmm", "", vmm_image);
    const bool have_linux_vmm = find_module(hip, "vmm-linux", "", linux_vmm);
    if (!have_vmm && !have_linux_vmm) {
        user::console::print("root: no VMM module ('vmm' or 'vmm-linux'): no VM can start\n");
        return 0;
    }
    if (!make_handlers(hip)) return 0;
    if (read_host_clock(wall_clock_seconds)) {
        wall_clock_tsc = user::rdtsc();
        civil::Time t = civil::from_unix(wall_clock_seconds);
        user::console::print("root: the host's clock says %04ld-%02u-%02u %02u:%02u:%02u UTC\n", t.year, t.month, t.day,
                             t.hour, t.minute, t.second);
    } else {
        wall_clock_seconds = 0;
        user::console::print("root: the host's RTC does not answer sensibly: guests' clocks start at 1970\n");
    }
    StringView text(reinterpret_cast<const char*>(config.bytes), config.size);
    unsigned line_number = 0, started = 0;
    char tpm_vm[48] = {};  // the VM that has the TPM (locality 0), once one has it
    int device_vm[MAX_VMS];  // the VM each assigned device went to, by the order they came
    uint16_t devices[MAX_VMS];
    unsigned device_count = 0;
    for (size_t i = 0; i < text.size;) {
        size_t end = i;
        while (end < text.size && text[end] != '\n') ++end;
        StringView line = text.substr(i, end - i);
        i = end + 1;
        ++line_number;
        VmSpec spec;
        const char* why = "";
        LineKind kind = parse_vm_line(line, spec, why);
        if (kind == LineKind::Blank) continue;
        if (kind == LineKind::Invalid) {
            user::console::print("root: config line %u: %s; skipped\n", line_number, why);
            continue;
        }
        // A device goes to one VM: a second would share its DMA and its registers.
        bool taken = false;
        for (unsigned d = 0; spec.has_pci && d < device_count && !taken; ++d)
            if (devices[d] == spec.pci) {
                user::console::print("root: config line %u: device %02x:%02x.%x is VM %s's already; skipped\n",
                                     line_number, spec.pci >> 8, spec.pci >> 3 & 31, spec.pci & 7,
                                     vms[device_vm[d]].name);
                taken = true;
            }
        if (taken) continue;
        const bool linux_vm = spec.kind == VmKind::Linux;
        uint64_t cpu = spec.has_cpu ? spec.cpu : vm_count % handler_cpus;
        if (cpu >= handler_cpus) {
            user::console::print("root: config line %u: cpu=%lu, but CPUs 0-%u run; skipped\n", line_number, cpu,
                                 handler_cpus - 1);
            continue;
        }
        if (linux_vm ? !have_linux_vmm : !have_vmm) {
            user::console::print("root: config line %u: no module '%s' to run it; skipped\n", line_number,
                                 linux_vm ? "vmm-linux" : "vmm");
            continue;
        }
        Module guest, initrd;
        if (!find_module(hip, linux_vm ? "kernel" : "guest", spec.name, guest)) {
            user::console::print("root: config line %u: no module '%s %.*s'; skipped\n", line_number,
                                 linux_vm ? "kernel" : "guest", int(spec.name.size), spec.name.data);
            continue;
        }
        const bool has_initrd = linux_vm && find_module(hip, "initrd", spec.name, initrd);
        if (spec.tpm && tpm_vm[0]) {
            user::console::print("root: config line %u: VM %s has the TPM already: one VM gets it; skipped\n",
                                 line_number, tpm_vm);
            continue;
        }
        if (vm_count == MAX_VMS) {
            user::console::print("root: config line %u: at most %u VMs; skipped\n", line_number, MAX_VMS);
            continue;
        }
        VmSlot& slot = vms[vm_count];
        for (size_t c = 0; c < spec.name.size; ++c) slot.name[c] = spec.name[c];
        slot.cpu = uint32_t(cpu);
        ++vm_count;
        if (spec.tpm)
            for (size_t c = 0; c < sizeof tpm_vm - 1 && slot.name[c]; ++c) tpm_vm[c] = slot.name[c];
        if (spec.has_pci) {
            devices[device_count] = spec.pci;
            device_vm[device_count++] = int(vm_count - 1);
        }
        if (start_vm(hip, vm_count - 1, spec, linux_vm ? linux_vmm : vmm_image, guest,
                     has_initrd ? &initrd : nullptr)) {
            user::console::print("root: VM %s: started its VMM on CPU %u\n", slot.name, slot.cpu);
            ++started;
        } else {
            slot.done = true;  // it never ran: it did not pass
        }
    }
    return started;
}

unsigned wait_vms(unsigned count) {
    for (unsigned i = 0; i < count; ++i) (void)user::hypercall(enc::sm_down(DONE_SM, 0));
    unsigned passed = 0;
    for (unsigned i = 0; i < vm_count; ++i) {
        passed += vms[i].passed ? 1 : 0;
        abi::Args q = enc::quota(vm_sel(i, PD));
        if (user::hypercall(q, &q) == abi::Status::Success)
            user::console::print("root: VM %s: its VMM used %lu of its %lu pages of kernel memory\n", vms[i].name, q.p2,
                                 q.p1);
    }
    return passed;
}

unsigned vms_named() { return vm_count; }

}  // namespace keel::root
