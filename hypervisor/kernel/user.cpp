#include "hypervisor/kernel/user.hpp"

#include "hypervisor/arch/x86/cpu.hpp"
#include "hypervisor/arch/x86/idt.hpp"
#include "hypervisor/arch/x86/pd_tables.hpp"
#include "hypervisor/arch/x86/user_mode.hpp"

namespace keel::user {
namespace {

constexpr uint8_t PAGE_FAULT = 14;
constinit Ec* current = nullptr;
constinit HypercallContext* context = nullptr;
constinit Outcome outcome = {Outcome::Kind::Faulted};

void on_hypercall(x86::InterruptFrame& f) {
    abi::Args a{f.rdi, f.rsi, f.rdx, f.rax, f.r8};
    context->utcb = &current->utcb;
    abi::Status s = hypercall(*context, current->pd, a);
    f.rdi = uint64_t(s);
    f.rsi = a.p1;
    f.rdx = a.p2;
    f.rax = a.p3;
    f.r8 = a.p4;
}

// The thread's fault, not the kernel's: it ends, the kernel goes on.
void on_fault(x86::InterruptFrame& f) {
    outcome = {Outcome::Kind::Faulted, f.vector, f.error, f.rip, f.vector == PAGE_FAULT ? x86::read_cr2() : 0};
    current->regs = f;
    x86::user::leave();
}

}  // namespace

void init() {
    x86::user::init(on_hypercall);
    x86::idt::set_user_fault_handler(on_fault);
}

Outcome run(Ec& ec, HypercallContext& k) {
    uint64_t kernel_cr3 = x86::read_cr3();
    current = &ec;
    context = &k;
    x86::user::frame() = ec.regs;
    x86::write_cr3(x86::PdTables::host_table(ec.pd).root());
    x86::IoBitmap& io = x86::PdTables::io_bitmap(ec.pd);
    x86::gdt::load_io_bitmap(io.low(), io.high());
    x86::user::run();
    x86::write_cr3(kernel_cr3);
    x86::gdt::load_io_bitmap(nullptr, nullptr);
    current = nullptr;
    return outcome;
}

void power_off() {
    outcome = {Outcome::Kind::PoweredOff};
    current->regs = x86::user::frame();
    x86::user::leave();
}

}  // namespace keel::user
