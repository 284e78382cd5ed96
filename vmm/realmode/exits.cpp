#include "vmm/realmode/exits.hpp"

#include "abi/hypercall.hpp"
#include "abi/mtd.hpp"
#include "vmm/common/cpuid_view.hpp"
#include "vmm/common/exit_names.hpp"
#include "vmm/common/guest_exits.hpp"
#include "vmm/runtime/console.hpp"
#include "vmm/runtime/hypercall.hpp"
#include "vmm/x86/decoder.hpp"

namespace keel::vmm {
namespace {

namespace enc = abi::encode;
namespace mtd = abi::mtd;
using abi::VcpuEvent;

constexpr uint64_t PAGE = 4096;
constexpr uint16_t LOAD_SEGMENT = 0x1000;
constexpr uint16_t DEBUG_PORT = 0xe9;
constexpr uint64_t PROBE_GPA = 0x30000;  // test_guest.S writes PROBE_VALUE there
constexpr uint32_t PROBE_VALUE = 0x4c45454b;
constexpr uint16_t ATTR_CODE = 0x9b, ATTR_DATA = 0x93;  // present, accessed; code readable, data writable
constexpr uint64_t CR0_ET = 1 << 4, RFLAGS_RESERVED = 1 << 1;
constexpr uint8_t RWX = abi::perm::MEM_R | abi::perm::MEM_W | abi::perm::MEM_X;
constexpr uint64_t STOP = ~uint64_t(0);  // a handler's answer: end the VM

constinit Vm vm_storage = {};

uint8_t* guest_ram(uint64_t gpa) { return reinterpret_cast<uint8_t*>(GUEST_WINDOW + gpa); }

void emit_line(const char* line, size_t n, void*) { user::console::print("guest: %.*s\n", int(n), line); }

// Moves RIP past the instruction that exited: the length the hardware
// reported, else decoded from guest memory. STOP if neither works.
uint64_t advance(Vm& vm, abi::VcpuState& s) {
    uint64_t length = s.instruction_length;
    uint64_t at = s.cs.base + s.rip;
    const uint8_t* bytes = guest_ram(at);
    if (!length && at + 1 < vm.start->guest_ram_bytes && bytes[0] == 0x0f && bytes[1] == 0xa2) {
        length = 2;  // a bare CPUID, the most frequent exit, in any mode
    } else if (!length && at < vm.start->guest_ram_bytes) {
        x86::Mode mode = (s.mtd & mtd::CR) ? x86::mode_of(s) : x86::mode_of_code_segment(s.cs);
        x86::Instruction insn;
        if (x86::decode(bytes, vm.start->guest_ram_bytes - at, mode, insn) == keel::Status::Ok &&
            x86::is_intercepted(insn.op))
            length = insn.length;
    }
    if (!length) {
        vm.why = "the exiting instruction could not be decoded";
        return STOP;
    }
    s.rip += length;
    return mtd::RIP_LEN;
}

uint64_t on_startup(Vm& vm, abi::VcpuState& s) {
    abi::Segment code{LOAD_SEGMENT, ATTR_CODE, 0xffff, uint64_t(LOAD_SEGMENT) << 4};
    abi::Segment data{LOAD_SEGMENT, ATTR_DATA, 0xffff, uint64_t(LOAD_SEGMENT) << 4};
    s.cs = code;
    s.ss = s.ds = s.es = s.fs = s.gs = data;
    s.rip = vm.start->image_gpa - code.base;
    s.rsp = vm.start->stack_pointer;
    s.rflags = RFLAGS_RESERVED;
    s.cr0 = CR0_ET, s.cr2 = s.cr3 = s.cr4 = s.efer = 0;
    s.rax = s.rbx = s.rcx = s.rdx = 0;
    return mtd::CS_SS | mtd::DS_ES | mtd::FS_GS | mtd::RIP_LEN | mtd::RSP | mtd::RFLAGS | mtd::CR | mtd::GPR_ACDB;
}

// The exit's qualification carries the guest's CR4 (abi/event.hpp).
uint64_t on_cpuid(Vm& vm, abi::VcpuState& s) {
    answer_cpuid(vm.cpu, s);
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
        s.rax |= io.mask();  // no device behind any port: reads float high, as on an empty bus
    } else if (port == DEBUG_PORT && size == 1) {
        vm.console.put(uint8_t(s.rax), emit_line, nullptr);
    } else {
        user::console::print("vmm: guest wrote 0x%lx to port 0x%x (%u bytes)\n", s.rax & io.mask(), port, size);
    }
    uint64_t rip = advance(vm, s);
    return rip == STOP ? STOP : rip | mtd::GPR_ACDB;
}

// No MSR is emulated: reads give 0, writes are dropped, each one said.
uint64_t on_msr(Vm& vm, abi::VcpuState& s) {
    uint32_t index = uint32_t(s.rcx);
    if (s.qual[0] & 1) {
        user::console::print("vmm: guest wrote MSR 0x%x (not emulated: ignored)\n", index);
    } else {
        user::console::print("vmm: guest read MSR 0x%x (not emulated: reads as 0)\n", index);
        s.rax = s.rdx = 0;
    }
    uint64_t rip = advance(vm, s);
    return rip == STOP ? STOP : rip | mtd::GPR_ACDB;
}

// XSETBV: XCR0 (the only XCR) with what the guest's CPUID offers and
// XSETBV's own rules, else #GP(0) as the CPU would raise it. The kernel
// loads the value for the guest.
uint64_t on_xsetbv(Vm& vm, abi::VcpuState& s) {
    if (!accept_xsetbv(vm.cpu, s)) {
        user::console::print("vmm: guest set XCR%u to 0x%lx: #GP\n", uint32_t(s.rcx),
                             (s.rdx & 0xffffffff) << 32 | (s.rax & 0xffffffff));
        s.inj_info = INJECT_GP0;
        s.inj_request = 0;
        return mtd::INJ;
    }
    uint64_t rip = advance(vm, s);
    return rip == STOP ? STOP : rip | mtd::XCR0;
}

// RAM the guest touches first is mapped then, from the RAM the root task
// gave this VMM, zeroed: never anything else.
uint64_t on_npf(Vm& vm, abi::VcpuState& s) {
    uint64_t gpa = s.qual[1], page = gpa & ~(PAGE - 1);
    bool present = s.qual[0] & 1, write = s.qual[0] >> 1 & 1;
    if (present || page >= vm.start->guest_ram_bytes) {
        user::console::print("vmm: guest access to guest-physical 0x%lx is outside its RAM; stopping it\n", gpa);
        vm.why = "an access outside its RAM";
        return STOP;
    }
    uint8_t* p = guest_ram(page);
    for (uint64_t i = 0; i < PAGE; ++i) p[i] = 0;
    abi::Status st = user::hypercall(
        enc::delegate(abi::SEL_OWN_PD, abi::SEL_OWN_PD,
                      abi::Crd(abi::SpaceKind::GuestMemory, (GUEST_WINDOW + page) >> 12, 0, RWX), page >> 12));
    if (st != abi::Status::Success) {
        user::console::print("vmm: cannot back guest-physical 0x%lx: %s\n", page, abi::status_name(st));
        vm.why = "its RAM could not be mapped";
        return STOP;
    }
    ++vm.pages_added;
    user::console::print("vmm: nested page fault at guest-physical 0x%lx (%s): mapped a fresh page\n", gpa,
                         write ? "write" : "read");
    return 0;  // the faulting instruction runs again
}

uint64_t handle(Vm& vm, VcpuEvent e, abi::VcpuState& s) {
    switch (e) {
    case VcpuEvent::Startup: return on_startup(vm, s);
    case VcpuEvent::Cpuid: return on_cpuid(vm, s);
    case VcpuEvent::Io: return on_io(vm, s);
    case VcpuEvent::Msr: return on_msr(vm, s);
    case VcpuEvent::NestedPageFault: return on_npf(vm, s);
    case VcpuEvent::Xsetbv: return on_xsetbv(vm, s);
    case VcpuEvent::Hlt: vm.why = "it halted"; return STOP;
    case VcpuEvent::Recall:
        if (!vm.timed_out) return 0;  // an interrupt window this VMM never asks for: go on
        vm.why = "its time ran out";
        return STOP;
    default: vm.why = "an exit this VMM does not emulate"; return STOP;
    }
}

}  // namespace

Vm& the_vm() { return vm_storage; }

bool init_vm(Vm& vm, const VmmStart& start, abi::Utcb* handler_utcb) {
    vm.start = &start;
    vm.utcb = handler_utcb;
    init_guest_cpu(vm.cpu);
    uint64_t first = start.image_gpa & ~(PAGE - 1), end = start.image_gpa + start.image_bytes;
    if (end > start.guest_ram_bytes || end < start.image_gpa) return false;
    for (uint64_t page = first; page < end; page += PAGE)
        if (user::hypercall(enc::delegate(abi::SEL_OWN_PD, abi::SEL_OWN_PD,
                                          abi::Crd(abi::SpaceKind::GuestMemory, (GUEST_WINDOW + page) >> 12, 0, RWX),
                                          page >> 12)) != abi::Status::Success)
            return false;
    return true;
}

bool report_vm(Vm& vm, const VmmStart& start) {
    vm.console.flush(emit_line, nullptr);
    for (uint8_t e = 1; e < abi::VCPU_EVENT_COUNT; ++e)
        if (vm.exits[e]) user::console::print("vm: exits %-8s %lu\n", event_name(VcpuEvent(e)), vm.exits[e]);
    bool passed = vm.last == VcpuEvent::Hlt;
    if (start.flags & START_CHECK_PROBE) {
        // Judge by what is in guest memory, not by what the guest printed.
        uint32_t probe = *reinterpret_cast<volatile uint32_t*>(guest_ram(PROBE_GPA));
        passed = passed && vm.pages_added == 1 && probe == PROBE_VALUE;
    }
    if (vm.last == VcpuEvent::Exception)
        user::console::print("vm: guest stopped on EXCEPTION (vector %lu) at rip 0x%lx (%s): %s\n", vm.last_qual & 0xff,
                             vm.last_rip, vm.why, passed ? "guest passed" : "guest FAILED");
    else
        user::console::print("vm: guest stopped on %s at rip 0x%lx (%s): %s\n", event_name(vm.last), vm.last_rip,
                             vm.why, passed ? "guest passed" : "guest FAILED");
    return passed;
}

extern "C" [[noreturn]] void exit_entry(uint64_t event) {
    Vm& vm = the_vm();
    if (!vm.handler_prints) {  // the VMM's own thread printed last
        user::console::init(vm.utcb, to_root);
        vm.handler_prints = true;
    }
    auto e = VcpuEvent(event);
    abi::VcpuState& s = vm.utcb->vcpu;  // printing puts its text above it (to_root)
    if (event < abi::VCPU_EVENT_COUNT) ++vm.exits[event];
    uint64_t reply = handle(vm, e, s);
    if (reply == STOP) {
        vm.last = e;
        vm.last_rip = s.rip;
        vm.last_qual = s.qual[0];
        end_vm();
    }
    // A reply returns only if the kernel refused the state it names.
    abi::Status st = user::hypercall(enc::reply(0, reply));
    user::console::print("vmm: the kernel refused the reply to %s: %s\n", event_name(e), abi::status_name(st));
    vm.last = e;
    vm.last_rip = s.rip;
    vm.why = "the kernel refused its state";
    end_vm();
}

}  // namespace keel::vmm
