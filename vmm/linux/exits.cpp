#include "abi/hypercall.hpp"
#include "abi/mtd.hpp"
#include "lib/format.hpp"
#include "vmm/common/exit_names.hpp"
#include "vmm/common/guest_exits.hpp"
#include "vmm/linux/acpi_tables.hpp"
#include "vmm/linux/assigned_device.hpp"
#include "vmm/linux/boot_protocol.hpp"
#include "vmm/linux/linux_vm.hpp"
#include "vmm/runtime/console.hpp"
#include "vmm/runtime/hypercall.hpp"
#include "vmm/runtime/tsc.hpp"
#include "vmm/x86/decoder.hpp"
#include "vmm/x86/emulator.hpp"
#include "vmm/x86/guest_walk.hpp"

namespace keel::vmm::linux_vm {
namespace {

namespace enc = abi::encode;
namespace mtd = abi::mtd;
using abi::VcpuEvent;

constexpr uint64_t STOP = ~uint64_t(0);  // a handler's answer: end the VM
constexpr uint64_t CR0_PE = 1, CR0_ET = 1 << 4, CR0_PG = 1ull << 31, RFLAGS_RESERVED = 1 << 1, RFLAGS_IF = 1 << 9;
// abi/utcb.hpp: inj_info. Type 0 is an external interrupt, 3 an exception.
constexpr uint64_t EVENT_VALID = 1ull << 31, EVENT_ERROR_VALID = 1ull << 11, EVENT_EXCEPTION = 3ull << 8;
constexpr uint8_t VECTOR_UD = 6, VECTOR_AC = 17;  // VMMCALL is no instruction of this PC
constexpr uint64_t EFER_LMA = 1 << 10, EFER_SVME = 1 << 12;
constexpr uint64_t APIC_BASE_BSP = 1 << 8, APIC_BASE_ENABLE = 1 << 11;
// Flat 4 GiB segments of the boot protocol's 32-bit entry (SVM's attribute
// form): code execute/read, data read/write, both accessed, 32-bit, 4 KiB
// granular.
constexpr uint16_t ATTR_CODE32 = 0xc9b, ATTR_DATA32 = 0xc93;
// Real mode's, for an application processor's start: present, accessed;
// code readable, data writable.
constexpr uint16_t ATTR_CODE16 = 0x9b, ATTR_DATA16 = 0x93;
constexpr uint16_t BOOT_CS = 0x10, BOOT_DS = 0x18;
constexpr uint64_t PAT_RESET = 0x0007040600070406;
constexpr uint8_t RWX = abi::perm::MEM_R | abi::perm::MEM_W | abi::perm::MEM_X;

constinit Vm vm_storage = {};

uint8_t* guest_ram(uint64_t gpa) { return reinterpret_cast<uint8_t*>(GUEST_WINDOW + gpa); }

void emit_line(const char* line, size_t n, void*) { user::console::print("guest: %.*s\n", int(n), line); }

// The guest's page-table entries, for the walker: eight bytes of its RAM.
bool read_guest_ram(void* ctx, uint64_t gpa, uint64_t& value) {
    const Vm& vm = *static_cast<const Vm*>(ctx);
    if (gpa > vm.start->guest_ram_bytes - 8) return false;
    value = *reinterpret_cast<const uint64_t*>(guest_ram(gpa));
    return true;
}

// Moves RIP past the instruction that exited: the length the hardware
// reported, else decoded from the guest's memory through its own page
// tables, for an instruction that exits. STOP if neither works.
uint64_t advance(Vm& vm, abi::VcpuState& s) {
    uint64_t length = s.instruction_length;
    if (!length) {
        uint8_t bytes[15];
        size_t got = 0;
        x86::Instruction insn;
        if (x86::fetch_instruction(x86::paging_of(s), x86::code_address(s), {read_guest_ram, &vm}, bytes, got) ==
                Status::Ok &&
            x86::decode(bytes, got, x86::mode_of(s), insn) == Status::Ok && x86::is_intercepted(insn.op))
            length = insn.length;
    }
    if (!length) {
        vm.why = "the exiting instruction could not be decoded";
        return STOP;
    }
    s.rip += length;
    return mtd::RIP_LEN;
}

// The handler waits on its vCPU's semaphore with the lock let go, until
// `deadline` (TSC; 0: until woken); a kick ups the semaphore meanwhile.
void wait_halted(Vm& vm, Vcpu& c, uint64_t deadline) {
    c.halted = true;
    unlock_vm(vm);
    (void)user::hypercall(enc::sm_down(vcpu_sel(c.index, VcpuSel::HaltSm), deadline));
    lock_vm(vm);
    c.halted = false;
    speak_through(vm, c.utcb);  // another handler printed meanwhile
}

// Whether the main thread ended the VM (its time ran out, or a failure):
// then `why` says so, for STOP.
bool stopped_by_main(Vm& vm, Vcpu& c) {
    if (!__atomic_load_n(&vm.timed_out, __ATOMIC_ACQUIRE)) return false;
    vm.why = vm.stop_why;
    vm.main_ended = true;  // whatever the vCPU was doing: not a pass
    if (!vm.why) {
        speak_through(vm, c.utcb);
        user::console::print("vmm: the guest ran for %lu ms without ending; recalling its vCPUs\n",
                             vm.start->timeout_ms);
        vm.why = "its time ran out";
    }
    return true;
}

// Before a handler waits again: a VM another vCPU ended parks it without an
// answer; one the main thread ended is this handler's to stop (true).
bool vm_over(Vm& vm, Vcpu& c) {
    if (vm.ended) park_handler(vm);
    return stopped_by_main(vm, c);
}

// What a start-up reply sets: the segments, RIP, RSP, RFLAGS, the control
// registers and the general registers.
constexpr uint64_t STARTUP_STATE = mtd::CS_SS | mtd::DS_ES | mtd::FS_GS | mtd::RIP_LEN | mtd::RSP | mtd::RFLAGS |
                                   mtd::CR | mtd::GPR_ACDB | mtd::GPR_BSD;

// An application processor begins as a PC's does: after INIT and a
// start-up message, in real mode at the message's page (CS = vector << 8).
uint64_t on_ap_startup(Vm& vm, Vcpu& c, abi::VcpuState& s) {
    int vector;
    while ((vector = the_pc().startup_vector(c.index)) < 0) {
        if (vm_over(vm, c)) return STOP;
        wait_halted(vm, c, 0);
    }
    if (vm.ended) park_handler(vm);  // it ended while this vCPU waited
    c.started = true;
    ++vm.started_vcpus;
    s.cs = {uint16_t(vector << 8), ATTR_CODE16, 0xffff, uint64_t(vector) << 12};
    s.ss = s.ds = s.es = s.fs = s.gs = {0, ATTR_DATA16, 0xffff, 0};
    s.rip = 0;
    s.rax = s.rbx = s.rcx = s.rdx = s.rbp = s.rsi = s.rdi = s.rsp = 0;
    s.rflags = RFLAGS_RESERVED;
    s.cr0 = CR0_ET, s.cr2 = s.cr3 = s.cr4 = s.efer = 0;
    return STARTUP_STATE;
}

uint64_t on_startup(Vm& vm, Vcpu& c, abi::VcpuState& s) {
    if (c.index != 0) return on_ap_startup(vm, c, s);
    s.cs = {BOOT_CS, ATTR_CODE32, 0xffffffff, 0};
    s.ss = s.ds = s.es = s.fs = s.gs = {BOOT_DS, ATTR_DATA32, 0xffffffff, 0};
    s.rip = boot::KERNEL_GPA;
    s.rsi = boot::BOOT_PARAMS_GPA;
    s.rax = s.rbx = s.rcx = s.rdx = s.rbp = s.rdi = s.rsp = 0;
    s.rflags = RFLAGS_RESERVED;
    s.cr0 = CR0_PE | CR0_ET, s.cr2 = s.cr3 = s.cr4 = s.efer = 0;
    return STARTUP_STATE;
}

uint64_t on_cpuid(Vm& vm, Vcpu& c, abi::VcpuState& s) {
    // The guest's XCR0 as the kernel saw it: where XSETBV does not exit
    // (QEMU's TCG) the guest set it without this VMM.
    if (s.xcr0 & 1) c.cpu.xcr0 = s.xcr0;
    answer_cpuid(c.cpu, s);
    uint64_t rip = advance(vm, s);
    return rip == STOP ? STOP : rip | mtd::GPR_ACDB;
}

uint64_t on_io(Vm& vm, abi::VcpuState& s) {
    const IoExit io = io_exit(s);
    const uint16_t port = io.port;
    const unsigned size = io.size;
    if (io.string) {
        user::console::print("vmm: string I/O on port 0x%x is not emulated; stopping the guest\n", port);
        vm.why = "string I/O";
        return STOP;
    }
    if (io.in) {
        uint64_t value = the_pc().read(port, size, now_ns(vm)) & io.mask();
        // As any 32-bit destination, IN EAX clears RAX's upper half.
        s.rax = size == 4 ? value : (s.rax & ~io.mask()) | value;
    } else {
        the_pc().write(port, size, uint32_t(s.rax & io.mask()), now_ns(vm));
    }
    if (vm.reset_requested) {
        vm.why = "it reset the machine (8042)";
        return STOP;
    }
    if (vm.powered_off) {
        vm.why = "it powered off (ACPI S5)";
        return STOP;
    }
    uint64_t rip = advance(vm, s);
    return rip == STOP ? STOP : rip | mtd::GPR_ACDB;
}

// HLT waits for the next interrupt: here, until the platform's next event
// makes one pending for this vCPU, or another vCPU's message does. With
// interrupts off none can come: the vCPU has stopped for good, and with
// the last of those started the guest (Linux's halt: its other CPUs stop
// first; one never started cannot be now, nobody is left to send INIT).
uint64_t on_hlt(Vm& vm, Vcpu& c, abi::VcpuState& s) {
    uint64_t rip = advance(vm, s);
    if (rip == STOP) return STOP;
    if (!(s.rflags & RFLAGS_IF)) {
        c.stopped = true;
        if (++vm.stopped_vcpus == vm.started_vcpus) {
            vm.why = "it halted with interrupts off";
            return STOP;
        }
        while (!vm_over(vm, c)) wait_halted(vm, c, 0);  // until the VM ends
        return STOP;
    }
    PcPlatform& pc = the_pc();
    for (;;) {
        if (vm_over(vm, c)) return STOP;  // while it waited
        uint64_t now = now_ns(vm);
        relay_device_interrupt(vm, pc);
        pc.update(now);
        kick(vm, pc.take_kicks(), c.index);
        if (pc.interrupt_pending(c.index)) break;
        uint64_t next = pc.next_event_ns(c.index, now);
        if (next == PcPlatform::NEVER && !pc.device_may_interrupt() && vm.started_vcpus - vm.stopped_vcpus == 1) {
            vm.why = "it halted with no interrupt to come";
            return STOP;
        }
        // An assigned device's interrupt and another vCPU's message up the
        // semaphore too.
        wait_halted(vm, c, next == PcPlatform::NEVER ? 0 : tsc_at(vm, next));
    }
    return rip;
}

bool mtrr_msr(uint32_t index) {
    return index == 0xfe || index == 0x2ff || (index >= 0x200 && index < 0x210) || index == 0x250 || index == 0x258 ||
           index == 0x259 || (index >= 0x268 && index < 0x270);
}

// The MSRs a Linux guest needs (EFER, PAT, the TSC, the APIC base; MTRRs
// as none; the microcode revision and the northbridge configuration as
// zero, writes dropped); any other raises #GP, as on a CPU without it.
uint64_t on_msr(Vm& vm, Vcpu& c, abi::VcpuState& s) {
    uint32_t index = uint32_t(s.rcx);
    bool write = s.qual[0] & 1;
    uint64_t value = (s.rdx & 0xffffffff) << 32 | (s.rax & 0xffffffff), reply = mtd::GPR_ACDB;
    bool known = true;
    if (index == 0xc0000080) {  // EFER: LMA is the CPU's; the kernel keeps SVME
        if (write) {
            s.efer = (value & ~EFER_LMA) | (s.efer & EFER_LMA);
            reply |= mtd::CR;
        } else {
            value = s.efer & ~EFER_SVME;  // the kernel's, for VMRUN: the guest never set it
        }
    } else if (index == 0x277) {
        if (write)
            c.pat = value;
        else
            value = c.pat;
    } else if (index == 0x1b) {
        // IA32_APIC_BASE: the xAPIC enabled at its fixed page, the first
        // vCPU the bootstrap processor. It neither moves nor turns off
        // (nor into x2APIC mode, which CPUID hides): another value is #GP.
        const uint64_t apic_base = dev::LocalApic::BASE | APIC_BASE_ENABLE | (c.index == 0 ? APIC_BASE_BSP : 0);
        if (!write)
            value = apic_base;
        else
            known = value == apic_base;
    } else if (index == 0x10) {
        if (!write) value = user::rdtsc();
    } else if (mtrr_msr(index) || index == 0x8b || index == 0xc001001f) {  // + microcode revision, AMD's NB_CFG
        if (!write) value = 0;
    } else {
        known = false;
    }
    if (!known) {
        s.inj_info = INJECT_GP0;
        return mtd::INJ;
    }
    if (!write) {
        s.rax = value & 0xffffffff;
        s.rdx = value >> 32;
    }
    uint64_t rip = advance(vm, s);
    return rip == STOP ? STOP : rip | reply;
}

uint64_t on_xsetbv(Vm& vm, Vcpu& c, abi::VcpuState& s) {
    if (!accept_xsetbv(c.cpu, s)) {
        user::console::print("vmm: guest set XCR%u to 0x%lx: #GP\n", uint32_t(s.rcx),
                             (s.rdx & 0xffffffff) << 32 | (s.rax & 0xffffffff));
        s.inj_info = INJECT_GP0;
        s.inj_request = 0;
        return mtd::INJ;
    }
    uint64_t rip = advance(vm, s);
    return rip == STOP ? STOP : rip | mtd::XCR0;
}

// Guest-physical addresses outside its RAM with no device model behind
// them (the TPM, the APICs, anything else of the host's) behave as an empty
// bus: reads give all ones, writes vanish. The guest never reaches the
// host's device; it learns only that nothing answers.
bool no_device(void*, uint64_t, unsigned size, bool write, uint64_t& value) {
    if (!write) value = size == 8 ? ~uint64_t(0) : (uint64_t(1) << (8 * size)) - 1;
    return true;
}

// The platform's device memory (the APICs; the local APIC's page is the
// vCPU's own), else nothing.
bool device_memory(void* ctx, uint64_t gpa, unsigned size, bool write, uint64_t& value) {
    Vcpu& c = *static_cast<Vcpu*>(ctx);
    Vm& vm = the_vm();
    if (the_pc().mmio(c.index, gpa, size, write, value, now_ns(vm))) {
        ++vm.apic_accesses;
        return true;
    }
    ++vm.device_accesses;
    return no_device(ctx, gpa, size, write, value);
}

// A nested page fault is an access outside the guest's RAM (all of which
// is mapped from the start): the instruction is decoded and emulated
// against the device at that address, then skipped.
uint64_t on_npf(Vm& vm, Vcpu& c, abi::VcpuState& s) {
    const uint64_t gpa = s.qual[1];
    if (gpa < vm.start->guest_ram_bytes) {
        user::console::print("vmm: nested page fault at 0x%lx inside the guest's RAM (access %lx)\n", gpa, s.qual[0]);
        vm.why = "a fault in its own RAM";
        return STOP;
    }
    uint8_t bytes[15];
    size_t got = 0;
    x86::Instruction insn;
    x86::Registers regs = x86::registers_of(s);
    const x86::Mode mode = x86::mode_of(s);
    // The bytes are read after the fault: the instruction must be one that
    // accesses memory the way the fault says (a write only if it writes).
    const bool write = s.qual[0] >> 1 & 1;
    if (x86::fetch_instruction(x86::paging_of(s), x86::code_address(s), {read_guest_ram, &vm}, bytes, got) !=
            Status::Ok ||
        x86::decode(bytes, got, mode, insn) != Status::Ok || !x86::memory_access(insn).size ||
        (write && !x86::memory_access(insn).write) ||
        x86::emulate(insn, mode, gpa, regs, {device_memory, &c}) != Status::Ok) {
        user::console::print("vmm: the guest's access to 0x%lx at rip 0x%lx is not an instruction this VMM emulates\n",
                             gpa, s.rip);
        vm.why = "an access to device memory it cannot emulate";
        return STOP;
    }
    x86::store_registers(regs, s);
    return mtd::GPR_ACDB | mtd::GPR_BSD | mtd::GPR_R8_R15 | mtd::RSP | mtd::RIP_LEN | mtd::RFLAGS;
}

uint64_t inject_exception(abi::VcpuState& s, uint8_t vector, bool has_error, uint32_t error) {
    s.inj_info = EVENT_VALID | EVENT_EXCEPTION | vector | (has_error ? EVENT_ERROR_VALID : 0) | uint64_t(error) << 32;
    s.inj_request = 0;
    return mtd::INJ;
}

// The exceptions the kernel always intercepts (#DB, #AC) are the guest's
// own: a process in it that single-steps or makes an unaligned access
// with alignment checks on takes them, as it would on a CPU of its own.
// Ending the VM instead would let any unprivileged program kill it.
uint64_t reinject_exception(abi::VcpuState& s) {
    uint8_t vector = uint8_t(s.qual[0]);
    bool has_error = vector == VECTOR_AC;
    return inject_exception(s, vector, has_error, uint32_t(s.qual[0] >> 32));
}

uint64_t handle(Vm& vm, Vcpu& c, VcpuEvent e, abi::VcpuState& s) {
    switch (e) {
    case VcpuEvent::Startup: return on_startup(vm, c, s);
    case VcpuEvent::Cpuid: return on_cpuid(vm, c, s);
    case VcpuEvent::Io: return on_io(vm, s);
    case VcpuEvent::Msr: return on_msr(vm, c, s);
    case VcpuEvent::NestedPageFault: return on_npf(vm, c, s);
    case VcpuEvent::Xsetbv: return on_xsetbv(vm, c, s);
    case VcpuEvent::Hlt: return on_hlt(vm, c, s);
    case VcpuEvent::Shutdown: vm.why = "it triple-faulted"; return STOP;
    case VcpuEvent::Exception: return reinject_exception(s);
    case VcpuEvent::Vmcall: return inject_exception(s, VECTOR_UD, false, 0);
    case VcpuEvent::Recall:  // the main thread's timer, another vCPU's kick, or the interrupt window opened
        return stopped_by_main(vm, c) ? STOP : 0;
    default: vm.why = "an exit this VMM does not emulate"; return STOP;
    }
}

// After each exit: the timers brought up to now, the main thread told if
// it must wake earlier, and a pending interrupt injected if the guest can
// take it now, else an interrupt window asked for (a Recall when it can).
uint64_t deliver_interrupts(Vm& vm, Vcpu& c, abi::VcpuState& s, uint64_t reply) {
    PcPlatform& pc = the_pc();
    relay_device_interrupt(vm, pc);
    uint64_t now = now_ns(vm);
    pc.update(now);
    kick(vm, pc.take_kicks(), c.index);  // what this exit sent the others
    uint64_t next = pc.next_event_ns(c.index, now);
    uint64_t wake = next == PcPlatform::NEVER ? 0 : tsc_at(vm, next);
    c.wake_tsc = wake;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);  // the main thread's publish_sleep() pairs with it
    if (wake && wake < vm.main_sleeps_until) wake_main();
    if (!pc.interrupt_pending(c.index)) return reply;
    bool can_take = (s.rflags & RFLAGS_IF) && !(s.interruptibility & 1) && !(s.inj_info & EVENT_VALID);
    if (can_take) {
        s.inj_info = EVENT_VALID | pc.acknowledge(c.index);
        s.inj_request = 0;
    } else {
        s.inj_request = 1;
    }
    return reply | mtd::INJ;
}

}  // namespace

Vm& the_vm() { return vm_storage; }
PcPlatform& the_pc() { return *vm_storage.pc; }

void com1_out(uint8_t byte, void* ctx) { static_cast<Vm*>(ctx)->console.put(byte, emit_line, nullptr); }
void reset_line(void* ctx) { static_cast<Vm*>(ctx)->reset_requested = true; }
void acpi_power_off(void* ctx) { static_cast<Vm*>(ctx)->powered_off = true; }

namespace {

// The TSC's rate as the HIP gave it; 1 GHz if the kernel could not measure it.
uint64_t tsc_khz(const VmmStart& start) { return start.tsc_khz ? start.tsc_khz : 1000000; }

}  // namespace

uint64_t now_ns(const Vm& vm) {
    return uint64_t((unsigned __int128)(user::rdtsc() - vm.tsc_at_start) * 1000000 / tsc_khz(*vm.start));
}

uint64_t tsc_at(const Vm& vm, uint64_t ns) {
    return vm.tsc_at_start + uint64_t((unsigned __int128)ns * tsc_khz(*vm.start) / 1000000);
}

namespace {

// The management VM's TPM: locality 0's page where the TIS puts it, so the
// guest's driver talks to the TPM without an exit. Localities 1-4 were never
// given to this VMM: the guest's accesses there exit and read as nothing.
bool map_tpm(const VmmStart& start) {
    static_assert(EVENT_LOG_GPA >= boot::BIOS_AREA && EVENT_LOG_GPA + EVENT_LOG_MAX <= boot::KERNEL_GPA,
                  "the log lies in the firmware area the memory map reserves");
    if (start.event_log_bytes > EVENT_LOG_MAX) {
        user::console::print("vmm: the DRTM event log's %u bytes are more than its area\n", start.event_log_bytes);
        return false;
    }
    if (user::hypercall(enc::delegate(
            abi::SEL_OWN_PD, abi::SEL_OWN_PD,
            abi::Crd(abi::SpaceKind::GuestMemory, TPM_WINDOW >> 12, 0, abi::perm::MEM_R | abi::perm::MEM_W),
            acpi::TPM_TIS_BASE >> 12)) != abi::Status::Success) {
        user::console::print("vmm: cannot map TPM locality 0 into the guest\n");
        return false;
    }
    user::console::print("vmm: the guest gets TPM locality 0 and a %u-byte DRTM event log\n", start.event_log_bytes);
    return true;
}

}  // namespace

bool init_vm(Vm& vm, PcPlatform& pc, const VmmStart& start) {
    vm.pc = &pc;
    vm.start = &start;
    if (start.vcpus < 1 || start.vcpus > VCPUS_MAX || start.vcpus != pc.vcpus()) {
        user::console::print("vmm: vcpus=%u: this VMM runs 1 to %u vCPUs; not started\n", start.vcpus, VCPUS_MAX);
        return false;
    }
    if (!the_pc().init(start.guest_ram_bytes)) {
        user::console::print("vmm: the platform's ports do not fit its port table\n");
        return false;
    }
    vm.vcpu_count = start.vcpus;
    for (unsigned v = 0; v < vm.vcpu_count; ++v) {
        Vcpu& c = vm.vcpus[v];
        c.index = v;
        c.utcb = reinterpret_cast<abi::Utcb*>(handler_utcb(v));
        init_guest_cpu(c.cpu);
        c.cpu.local_apic = true;
        c.cpu.apic_id = uint8_t(v);
        c.pat = PAT_RESET;
    }
    vm.vcpus[0].started = true;  // the others wait for the guest's start-up messages
    vm.started_vcpus = 1;
    if (start.guest_ram_bytes % (2 << 20)) {
        // All of it is mapped in 2 MiB pieces: a partial last piece would
        // reach past what the root task gave.
        user::console::print("vmm: the guest's RAM is not a multiple of 2 MiB; not started\n");
        return false;
    }
    const uint64_t ram = start.guest_ram_bytes;
    if (start.kernel_bytes > ram || start.kernel_gpa > ram - start.kernel_bytes || start.initrd_bytes > ram ||
        start.initrd_gpa > ram - start.initrd_bytes) {
        user::console::print("vmm: the staged kernel or initrd lies outside the guest's RAM\n");
        return false;
    }
    const uint8_t* image = guest_ram(start.kernel_gpa);
    boot::KernelImage k;
    boot::LoadPlan plan;
    const char* why = "";
    if (parse_bzimage(image, start.kernel_bytes, k, why) != Status::Ok ||
        plan_load(k, ram, start.initrd_gpa, start.initrd_bytes, plan, why) != Status::Ok) {
        user::console::print("vmm: cannot boot the kernel: %s\n", why);
        return false;
    }
    if (start.kernel_gpa < boot::KERNEL_GPA + k.kernel_bytes) {
        user::console::print("vmm: the staged kernel overlaps where it is loaded\n");
        return false;
    }
    uint64_t cmdline_bytes = 0;
    while (cmdline_bytes + 1 < sizeof start.command_line && start.command_line[cmdline_bytes]) ++cmdline_bytes;
    boot::MemoryRange map[8];
    size_t map_count = boot::guest_memory_map(ram, map, 8);
    acpi::TableOptions tables;
    tables.cpus = start.vcpus;
    if (start.flags & START_TPM) {
        if (!map_tpm(start)) return false;
        tables.tpm = true;
        tables.event_log_gpa = EVENT_LOG_GPA;
        tables.event_log_bytes = start.event_log_bytes;
    }
    if ((start.flags & START_DEVICE) && !attach_device(vm, pc, start, tables)) return false;
    const uint64_t rsdp =
        acpi::build_tables(guest_ram(boot::BIOS_AREA), boot::KERNEL_GPA - boot::BIOS_AREA, boot::BIOS_AREA, tables);
    if (write_boot_params(guest_ram(boot::BOOT_PARAMS_GPA), image, k, plan, cmdline_bytes, map, map_count, rsdp) !=
        Status::Ok) {
        user::console::print("vmm: the command line is longer than the kernel reads (%u bytes)\n", k.cmdline_size);
        return false;
    }
    for (uint64_t i = 0; i < cmdline_bytes; ++i) guest_ram(boot::CMDLINE_GPA)[i] = uint8_t(start.command_line[i]);
    guest_ram(boot::CMDLINE_GPA)[cmdline_bytes] = 0;
    uint8_t* dst = guest_ram(boot::KERNEL_GPA);
    for (uint64_t i = 0; i < k.kernel_bytes; ++i) dst[i] = image[k.kernel_offset + i];
    user::console::print("vmm: Linux boot protocol %u.%02u, kernel %lu bytes at 0x%lx, initrd %lu bytes at 0x%lx, "
                         "%lu MiB of RAM\n",
                         k.protocol >> 8, k.protocol & 0xff, k.kernel_bytes, boot::KERNEL_GPA, plan.initrd_bytes,
                         plan.initrd_gpa, ram >> 20);
    // All of its RAM at once, in 2 MiB pieces.
    constexpr uint64_t LARGE = 2 << 20;
    for (uint64_t at = 0; at < ram; at += LARGE)
        if (user::hypercall(enc::delegate(abi::SEL_OWN_PD, abi::SEL_OWN_PD,
                                          abi::Crd(abi::SpaceKind::GuestMemory, (GUEST_WINDOW + at) >> 12, 9, RWX),
                                          at >> 12)) != abi::Status::Success) {
            user::console::print("vmm: cannot map the guest's RAM at 0x%lx\n", at);
            return false;
        }
    vm.tsc_at_start = user::rdtsc();
    if (start.wall_clock_seconds) {
        // The root task read the host's clock a little earlier.
        uint64_t since = vm.tsc_at_start > start.wall_clock_tsc ? vm.tsc_at_start - start.wall_clock_tsc : 0;
        pc.set_wall_clock(start.wall_clock_seconds + int64_t(since / (tsc_khz(start) * 1000)));
    }
    return true;
}

bool report_vm(Vm& vm) {
    vm.console.flush(emit_line, nullptr);
    for (uint8_t e = 1; e < abi::VCPU_EVENT_COUNT; ++e)
        if (vm.exits[e]) user::console::print("vm: exits %-8s %lu\n", event_name(VcpuEvent(e)), vm.exits[e]);
    if (vm.device_accesses) user::console::print("vm: device accesses %lu\n", vm.device_accesses);
    if (vm.apic_accesses) user::console::print("vm: APIC accesses %lu\n", vm.apic_accesses);
    if (vm.device) user::console::print("vm: assigned device interrupts %lu\n", vm.device_interrupts);
    if (vm.pc->dropped_messages())
        user::console::print("vm: APIC messages no vCPU took (NMI, INIT, start-up) %lu\n", vm.pc->dropped_messages());
    char which[32] = "";
    if (vm.vcpu_count > 1) format_to(which, sizeof which, ", vCPU %u of %u", vm.last_vcpu, vm.vcpu_count);
    user::console::print("vm: guest stopped on %s at rip 0x%lx (%s)%s\n", event_name(vm.last), vm.last_rip, vm.why,
                         which);
    // A guest passes when it ended as Linux ends: powered off, or halted
    // (its last vCPU with interrupts off), not stopped by the main thread.
    return !vm.main_ended && (vm.powered_off || (vm.last == VcpuEvent::Hlt && !(vm.last_rflags & RFLAGS_IF)));
}

// Every exit portal of every vCPU calls this, on that vCPU's handler EC;
// the portal's id names the event and the vCPU.
extern "C" [[noreturn]] void exit_entry(uint64_t id) {
    Vm& vm = the_vm();
    const uint64_t event = id & 0xff;
    Vcpu& c = vm.vcpus[(id >> 8) % VCPUS_MAX];
    auto e = VcpuEvent(event);
    abi::VcpuState& s = c.utcb->vcpu;
    lock_vm(vm);
    if (vm.ended) park_handler(vm);  // another vCPU ended it: this one runs no more
    // An application processor's start-up exit comes while the main thread
    // may still print (it makes vCPU 0 last); it prints nothing before it
    // waits, and wait_halted() takes the console after.
    if (e != VcpuEvent::Startup || c.index == 0) speak_through(vm, c.utcb);
    if (event < abi::VCPU_EVENT_COUNT) ++vm.exits[event];
    uint64_t reply = handle(vm, c, e, s);
    if (reply != STOP && e != VcpuEvent::Startup) reply = deliver_interrupts(vm, c, s, reply);
    if (reply == STOP) {
        vm.last = e;
        vm.last_vcpu = c.index;
        vm.last_rip = s.rip;
        vm.last_rflags = s.rflags;
        end_vm(vm);
    }
    unlock_vm(vm);
    abi::Status st = user::hypercall(enc::reply(0, reply));
    lock_vm(vm);
    if (vm.ended) park_handler(vm);
    speak_through(vm, c.utcb);
    user::console::print("vmm: the kernel refused the reply to %s: %s\n", event_name(e), abi::status_name(st));
    vm.last = e;
    vm.last_vcpu = c.index;
    vm.last_rip = s.rip;
    vm.why = "the kernel refused its state";
    end_vm(vm);
}

}  // namespace keel::vmm::linux_vm
