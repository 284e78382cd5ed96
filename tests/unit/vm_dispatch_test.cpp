#include "hypervisor/kernel/vm.hpp"

#include <gtest/gtest.h>

#include <vector>

using namespace keel::virt;
using keel::Status;

namespace {

// A vCPU that replays a script of exits and records what the VMM answered.
class ScriptedVcpu final : public Vcpu {
public:
    explicit ScriptedVcpu(std::vector<ExitReason> script) : script_(std::move(script)) {}
    Status run(ExitMessage& exit) override {
        if (next_ == script_.size()) return Status::NotFound;
        exit = ExitMessage{};
        exit.reason = script_[next_++];
        exit.regs.rip = rip_;
        return Status::Ok;
    }
    void complete(const ExitMessage& reply) override {
        rip_ = reply.regs.rip;
        ++completions;
    }
    unsigned completions = 0;

private:
    std::vector<ExitReason> script_;
    size_t next_ = 0;
    uint64_t rip_ = 0x100;
};

struct Vmm {
    std::vector<ExitReason> seen;
};

ExitAction advance(ExitMessage& m, void* ctx) {
    static_cast<Vmm*>(ctx)->seen.push_back(m.reason);
    m.regs.rip += 2;
    return ExitAction::Resume;
}
ExitAction stop(ExitMessage& m, void* ctx) {
    static_cast<Vmm*>(ctx)->seen.push_back(m.reason);
    return ExitAction::Stop;
}

TEST(VmExitDispatch, DeliversEachExitToThePortalOfItsReasonAndCounts) {
    ScriptedVcpu vcpu({ExitReason::Cpuid, ExitReason::Io, ExitReason::Interrupt, ExitReason::Io, ExitReason::Hlt});
    Vmm vmm;
    VirtualMachine vm(vcpu, &vmm);
    vm.set_portal(ExitReason::Cpuid, advance);
    vm.set_portal(ExitReason::Io, advance);
    vm.set_portal(ExitReason::Hlt, stop);
    ExitMessage last;
    ASSERT_EQ(vm.run(last), Status::Ok);
    EXPECT_EQ(last.reason, ExitReason::Hlt);
    EXPECT_EQ(last.regs.rip, 0x106u);  // three resumed exits advanced rip, in the VMM's reply
    // Host interrupts are the kernel's: the VMM never sees them.
    EXPECT_EQ(vmm.seen, (std::vector<ExitReason>{ExitReason::Cpuid, ExitReason::Io, ExitReason::Io, ExitReason::Hlt}));
    EXPECT_EQ(vcpu.completions, 3u);
    const auto& c = vm.counts().by_reason;
    EXPECT_EQ(c[unsigned(ExitReason::Cpuid)], 1u);
    EXPECT_EQ(c[unsigned(ExitReason::Io)], 2u);
    EXPECT_EQ(c[unsigned(ExitReason::Interrupt)], 1u);
    EXPECT_EQ(c[unsigned(ExitReason::Hlt)], 1u);
}

TEST(VmExitDispatch, StopsOnAReasonWithoutPortal) {
    ScriptedVcpu vcpu({ExitReason::Cpuid, ExitReason::Msr, ExitReason::Cpuid});
    Vmm vmm;
    VirtualMachine vm(vcpu, &vmm);
    vm.set_portal(ExitReason::Cpuid, advance);
    ExitMessage last;
    ASSERT_EQ(vm.run(last), Status::Ok);
    EXPECT_EQ(last.reason, ExitReason::Msr);
    EXPECT_EQ(vmm.seen.size(), 1u);
    EXPECT_EQ(vm.counts().by_reason[unsigned(ExitReason::Msr)], 1u);
}

TEST(VmExitDispatch, PassesBackendFailuresThrough) {
    ScriptedVcpu vcpu({});
    Vmm vmm;
    VirtualMachine vm(vcpu, &vmm);
    ExitMessage last;
    EXPECT_EQ(vm.run(last), Status::NotFound);
}

}  // namespace
