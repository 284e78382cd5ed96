#include "realmode_vmm.hpp"

#include "../../hypervisor/arch/x86/cpu.hpp"
#include "../../hypervisor/kernel/console.hpp"

extern "C" const char testguest_image_start[], testguest_image_end[];

namespace keel::vmm {
namespace {

constexpr uint64_t GUEST_RAM_BYTES = 1ull << 20;  // the guest may touch the first 1 MiB
constexpr uint16_t LOAD_SEGMENT = 0x1000;
constexpr uint64_t LOAD_GPA = uint64_t(LOAD_SEGMENT) << 4;
constexpr uint16_t BUILTIN_STACK_TOP = 0x1000;  // same page as the image, grows down toward it
constexpr uint16_t DEBUG_PORT = 0xe9;
constexpr uint32_t CPUID_HYPERVISOR = 1u << 31;  // leaf 1 ECX
constexpr uint32_t CPUID_SVM = 1u << 2;  // leaf 8000_0001h ECX: no nested virtualization
constexpr uint64_t PROBE_GPA = 0x30000;  // test_guest.S writes PROBE_VALUE here
constexpr uint32_t PROBE_VALUE = 0x4c45454b;

struct Vmm {
    FrameAllocator& frames;
    virt::GuestMemory& memory;
    char line[128];
    unsigned line_len;
    unsigned pages_added;
};

void flush_line(Vmm& vmm) {
    vmm.line[vmm.line_len] = '\0';
    console::print("guest: %s\n", vmm.line);
    vmm.line_len = 0;
}

Status add_zeroed_page(Vmm& vmm, uint64_t gpa) {
    uint64_t hpa;
    if (Status s = vmm.frames.allocate(1, hpa); s != Status::Ok) return s;
    auto* p = reinterpret_cast<volatile uint64_t*>(hpa);
    for (unsigned i = 0; i < PAGE_SIZE / 8; ++i) p[i] = 0;
    Status s = vmm.memory.map(gpa, hpa, PAGE_SIZE, virt::READ | virt::WRITE | virt::EXECUTE);
    if (s != Status::Ok) (void)vmm.frames.free(hpa, 1);  // it was ours a moment ago: cannot fail
    return s;
}

virt::ExitAction on_cpuid(virt::ExitMessage& m, void*) {
    uint32_t leaf = uint32_t(m.regs.rax), sub = uint32_t(m.regs.rcx);
    x86::CpuidResult r = x86::cpuid(leaf, sub);
    if (leaf == 1) r.ecx |= CPUID_HYPERVISOR;
    if (leaf == 0x80000001) r.ecx &= ~CPUID_SVM;
    m.regs.rax = r.eax;
    m.regs.rbx = r.ebx;
    m.regs.rcx = r.ecx;
    m.regs.rdx = r.edx;
    m.regs.rip += 2;  // 0F A2; TCG offers no next-RIP, so the VMM knows the length
    return virt::ExitAction::Resume;
}

// The part of RAX a port access of `size` bytes reads or writes.
uint64_t io_width_mask(uint8_t size) { return size == 4 ? 0xffffffffull : size == 2 ? 0xffff : 0xff; }

virt::ExitAction on_io(virt::ExitMessage& m, void* ctx) {
    auto& vmm = *static_cast<Vmm*>(ctx);
    const virt::IoAccess& io = m.io;
    if (io.string || io.rep) {
        console::print("vmm: string I/O on port 0x%x is not emulated; stopping the guest\n", io.port);
        return virt::ExitAction::Stop;
    }
    if (io.in) {
        // No device behind any port: reads float high, as on an empty bus.
        uint64_t mask = io_width_mask(io.size);
        m.regs.rax = (m.regs.rax & ~mask) | mask;
    } else if (io.port == DEBUG_PORT && io.size == 1) {
        char c = char(m.regs.rax);
        if (c == '\n' || vmm.line_len + 1 == sizeof(vmm.line)) flush_line(vmm);
        if (c != '\n') vmm.line[vmm.line_len++] = c;
    } else {
        // No device model yet: say what the guest wrote (benchmarks report results this way).
        console::print("vmm: guest wrote 0x%lx to port 0x%x (%u bytes)\n", m.regs.rax & io_width_mask(io.size), io.port,
                       io.size);
    }
    m.regs.rip = io.next_rip;
    return virt::ExitAction::Resume;
}

virt::ExitAction on_npf(virt::ExitMessage& m, void* ctx) {
    auto& vmm = *static_cast<Vmm*>(ctx);
    uint64_t page = m.npf.gpa & ~(PAGE_SIZE - 1);
    if (m.npf.present || page >= GUEST_RAM_BYTES) {
        console::print("vmm: guest access to guest-physical 0x%lx is outside its RAM; stopping it\n", m.npf.gpa);
        return virt::ExitAction::Stop;
    }
    if (Status s = add_zeroed_page(vmm, page); s != Status::Ok) {
        console::print("vmm: cannot back guest-physical 0x%lx: %s\n", page, status_name(s));
        return virt::ExitAction::Stop;
    }
    ++vmm.pages_added;
    console::print("vmm: nested page fault at guest-physical 0x%lx (%s): mapped a fresh page\n", m.npf.gpa,
                   m.npf.write ? "write" : "read");
    return virt::ExitAction::Resume;  // the faulting instruction runs again
}

// No MSR is emulated yet: reads give 0, writes are dropped, each one said.
virt::ExitAction on_msr(virt::ExitMessage& m, void*) {
    uint32_t index = uint32_t(m.regs.rcx);
    if (m.msr.write) {
        console::print("vmm: guest wrote MSR 0x%x (not emulated: ignored)\n", index);
    } else {
        console::print("vmm: guest read MSR 0x%x (not emulated: reads as 0)\n", index);
        m.regs.rax = 0;
        m.regs.rdx = 0;
    }
    m.regs.rip += 2;  // 0F 32 / 0F 30
    return virt::ExitAction::Resume;
}

virt::ExitAction on_hlt(virt::ExitMessage&, void*) { return virt::ExitAction::Stop; }

Status load_image(Vmm& vmm, const GuestImage& image) {
    if (image.size == 0 || image.size > MAX_IMAGE_BYTES) {
        console::print("vmm: guest image '%.*s' is %lu bytes; a real-mode image must have 1 to %lu\n",
                       int(image.name.size), image.name.data, image.size, MAX_IMAGE_BYTES);
        return Status::BadArgument;
    }
    for (uint64_t off = 0; off < image.size; off += PAGE_SIZE) {
        uint64_t hpa;
        if (Status s = vmm.frames.allocate(1, hpa); s != Status::Ok) return s;
        auto* dst = reinterpret_cast<volatile uint8_t*>(hpa);
        for (uint64_t i = 0; i < PAGE_SIZE; ++i) dst[i] = off + i < image.size ? image.bytes[off + i] : 0;
        if (Status s = vmm.memory.map(LOAD_GPA + off, hpa, PAGE_SIZE, virt::READ | virt::WRITE | virt::EXECUTE);
            s != Status::Ok) {
            (void)vmm.frames.free(hpa, 1);
            return s;
        }
    }
    return Status::Ok;
}

}  // namespace

GuestImage builtin_test_guest() {
    return {reinterpret_cast<const uint8_t*>(testguest_image_start),
            uint64_t(testguest_image_end - testguest_image_start), "built-in test guest", BUILTIN_STACK_TOP, true};
}

Status run_guest(FrameAllocator& frames, const GuestImage& image, GuestResult& result) {
    virt::GuestMemory* memory;
    if (Status s = virt::create_guest_memory(frames, memory); s != Status::Ok) return s;
    Vmm vmm{frames, *memory, {}, 0, 0};
    if (Status s = load_image(vmm, image); s != Status::Ok) return s;

    virt::Vcpu* vcpu;
    virt::RealModeStart start{LOAD_SEGMENT, 0, LOAD_SEGMENT, image.stack_top};
    if (Status s = virt::create_vcpu(frames, *memory, start, vcpu); s != Status::Ok) return s;

    virt::VirtualMachine vm(*vcpu, &vmm);
    vm.set_portal(virt::ExitReason::Cpuid, on_cpuid);
    vm.set_portal(virt::ExitReason::Io, on_io);
    vm.set_portal(virt::ExitReason::NestedPageFault, on_npf);
    vm.set_portal(virt::ExitReason::Hlt, on_hlt);
    vm.set_portal(virt::ExitReason::Msr, on_msr);

    console::print("vmm: starting the %.*s (%lu bytes) at %04x:0000 (guest-physical 0x%lx)\n", int(image.name.size),
                   image.name.data, image.size, LOAD_SEGMENT, LOAD_GPA);
    if (Status s = vm.run(result.last); s != Status::Ok) return s;
    if (vmm.line_len) flush_line(vmm);
    result.counts = vm.counts();
    result.passed = result.last.reason == virt::ExitReason::Hlt;
    if (image.builtin) {
        // Judge by what is in guest memory, not by what the guest printed.
        uint64_t probe_hpa;
        bool probe_kept = memory->translate(PROBE_GPA, probe_hpa) == Status::Ok &&
                          *reinterpret_cast<volatile uint32_t*>(probe_hpa) == PROBE_VALUE;
        result.passed = result.passed && vmm.pages_added == 1 && probe_kept;
    }
    return Status::Ok;
}

}  // namespace keel::vmm
