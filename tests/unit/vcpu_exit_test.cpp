// vCPUs as ECs on the host: creation through create_ec, the start-up
// event, exits as calls of the VMM's portals with the state their MTD
// names, replies that write state back (or are refused and change
// nothing), recall, and what happens to a vCPU whose VMM has no portal or
// goes away. The hardware half is a fake that records what the scheduler
// asked of it.
#include <gtest/gtest.h>

#include "abi/mtd.hpp"
#include "scheduler_fixture.hpp"

using namespace keel;
namespace kabi = keel::abi;
namespace enc = keel::abi::encode;
namespace mtd = keel::abi::mtd;
using keel::abi::Status;
using keel::abi::VcpuEvent;
using keel::test::OWN;
using keel::test::utcb;

namespace {

constexpr kabi::Selector EVENTS = 100;  // the vCPU's event base
constexpr kabi::Selector HANDLER = 40, VCPU = 41, VCPU_SC = 42;

struct FakeVcpu final : VcpuHw {
    kabi::VcpuState state{};
    uint64_t saved_mtd = 0, loads = 0;
    bool* destroyed;

    explicit FakeVcpu(bool* d) : destroyed(d) {}
    VcpuExit run() override { return {false, VcpuEvent::Hlt}; }
    void save(uint64_t m, kabi::VcpuState& out) override {
        saved_mtd = m;
        out = state;
        out.mtd = m;
    }
    Status load(const kabi::VcpuState& in) override {
        if (in.mtd & mtd::QUAL) return Status::BadParameter;  // as the SVM backend: the qualification is read-only
        if (in.mtd & mtd::GPR_ACDB) state.rax = in.rax;
        if (in.mtd & mtd::RIP_LEN) state.rip = in.rip;
        ++loads;
        return Status::Success;
    }
    void destroy() override {
        *destroyed = true;
        delete this;
    }
};

struct FakeFactory final : VcpuFactory {
    bool destroyed = false;
    FakeVcpu* last = nullptr;
    VcpuHw* create(Pd&, uint16_t, Status& s) override {
        s = Status::Success;
        return last = new FakeVcpu(&destroyed);
    }
};

class VcpuTest : public keel::test::SchedulerTest {
protected:
    void SetUp() override {
        SchedulerTest::SetUp();
        k.vcpus = &factory;
    }
    // One handler EC with a portal for each event in `events`, whose id is the event.
    Ec* portals(std::initializer_list<VcpuEvent> events, uint64_t portal_mtd) {
        EXPECT_EQ(call(*main, enc::create_ec(HANDLER, OWN, kabi::EcFlag::Local, 0, utcb(1), keel::test::STACK, 0)),
                  Status::Success);
        for (VcpuEvent e : events) {
            kabi::Selector pt = EVENTS + uint64_t(e);
            EXPECT_EQ(call(*main, enc::create_pt(pt, OWN, HANDLER, portal_mtd, keel::test::CODE)), Status::Success);
            EXPECT_EQ(call(*main, enc::pt_set_id(pt, uint64_t(e))), Status::Success);
        }
        return ec_at(HANDLER);
    }
    Ec* vcpu() {
        EXPECT_EQ(call(*main, enc::create_ec(VCPU, OWN, kabi::EcFlag::Vcpu, 0, 0, 0, EVENTS)), Status::Success);
        EXPECT_EQ(call(*main, enc::create_sc(VCPU_SC, OWN, VCPU, 20, 1000)), Status::Success);  // above main
        return ec_at(VCPU);
    }
    // The handler answers the exit it serves. A reply that was taken
    // returns nothing (the handler waits for its next call); one that was
    // refused returns its status and leaves the handler serving.
    Status reply(Ec& h, uint64_t reply_mtd) {
        Status s = call(h, enc::reply(0, reply_mtd));
        return h.state == Ec::State::Serving ? s : Status::Success;
    }

    FakeFactory factory;
};

TEST_F(VcpuTest, AVcpuNeedsABackendAndHasNeitherUtcbNorStack) {
    k.vcpus = nullptr;
    EXPECT_EQ(call(*main, enc::create_ec(VCPU, OWN, kabi::EcFlag::Vcpu, 0, 0, 0, EVENTS)), Status::BadFeature)
        << "no virtualization: no vCPU";
    k.vcpus = &factory;
    EXPECT_EQ(call(*main, enc::create_ec(VCPU, OWN, kabi::EcFlag::Vcpu, 0, utcb(3), 0, EVENTS)), Status::BadParameter);
    EXPECT_EQ(call(*main, enc::create_ec(VCPU, OWN, kabi::EcFlag::Vcpu, 1, 0, 0, EVENTS)), Status::BadCpu);
    EXPECT_EQ(call(*main, enc::create_ec(VCPU, OWN, kabi::EcFlag(3), 0, 0, 0, EVENTS)), Status::BadParameter);
    EXPECT_EQ(call(*main, enc::create_ec(VCPU, OWN, kabi::EcFlag::Vcpu, 0, 0, 0, EVENTS)), Status::Success);
    EXPECT_EQ(call(*main, enc::create_pt(50, OWN, VCPU, 0, keel::test::CODE)), Status::BadCapability)
        << "a vCPU serves no portal";
}

TEST_F(VcpuTest, AVcpuStartsThroughItsStartupPortalWithTheStateItsMtdNames) {
    Ec* h = portals({VcpuEvent::Startup, VcpuEvent::Hlt}, mtd::GPR_ACDB | mtd::RIP_LEN);
    factory.last = nullptr;
    Ec* v = vcpu();
    ASSERT_NE(factory.last, nullptr);
    factory.last->state.rip = 0xfff0;
    EXPECT_EQ(sched.running(), h) << "the start-up portal's handler runs first, on the vCPU's SC";
    EXPECT_EQ(h->regs.rdi, uint64_t(VcpuEvent::Startup)) << "the portal's id";
    EXPECT_EQ(factory.last->saved_mtd, mtd::GPR_ACDB | mtd::RIP_LEN);
    EXPECT_EQ(h->utcb.vcpu.mtd, mtd::GPR_ACDB | mtd::RIP_LEN);
    h->utcb.vcpu.rip = 0x1000;
    EXPECT_EQ(reply(*h, mtd::RIP_LEN), Status::Success);
    EXPECT_EQ(factory.last->state.rip, 0x1000u);
    EXPECT_EQ(sched.running(), v) << "answered: the guest runs";
    EXPECT_EQ(v->state, Ec::State::Runnable);
}

TEST_F(VcpuTest, ARefusedReplyChangesNothingAndTheHandlerMayAnswerAgain) {
    Ec* h = portals({VcpuEvent::Startup, VcpuEvent::Cpuid}, mtd::ALL);
    Ec* v = vcpu();
    ASSERT_EQ(sched.running(), h);
    ASSERT_EQ(reply(*h, 0), Status::Success);
    ASSERT_EQ(sched.running(), v);
    ASSERT_TRUE(sched.exit(*v, VcpuEvent::Cpuid));
    ASSERT_EQ(sched.running(), h);
    EXPECT_EQ(h->regs.rdi, uint64_t(VcpuEvent::Cpuid));
    h->utcb.vcpu.rax = 42;
    EXPECT_EQ(reply(*h, mtd::GPR_ACDB | mtd::QUAL), Status::BadParameter) << "the qualification is not writable";
    EXPECT_EQ(factory.last->state.rax, 0u) << "nothing was written";
    EXPECT_EQ(sched.running(), h) << "the handler still serves the exit";
    EXPECT_EQ(v->state, Ec::State::InCall);
    EXPECT_EQ(reply(*h, mtd::GPR_ACDB), Status::Success);
    EXPECT_EQ(factory.last->state.rax, 42u);
    EXPECT_EQ(sched.running(), v);
}

TEST_F(VcpuTest, AnExitWithoutAPortalEndsOnlyThatVcpu) {
    Ec* h = portals({VcpuEvent::Startup}, 0);
    Ec* v = vcpu();
    ASSERT_EQ(sched.running(), h);
    ASSERT_EQ(reply(*h, 0), Status::Success);
    ASSERT_EQ(sched.running(), v);
    uint64_t killed = sched.killed();
    EXPECT_FALSE(sched.exit(*v, VcpuEvent::Shutdown));
    EXPECT_EQ(v->state, Ec::State::Dead);
    EXPECT_EQ(sched.killed(), killed + 1);
    EXPECT_EQ(sched.running(), main) << "the host goes on";
}

TEST_F(VcpuTest, AVcpuWhoseHandlerGoesAwayEnds) {
    Ec* h = portals({VcpuEvent::Startup, VcpuEvent::Hlt}, 0);
    Ec* v = vcpu();
    ASSERT_EQ(reply(*h, 0), Status::Success);
    ASSERT_TRUE(sched.exit(*v, VcpuEvent::Hlt));
    ASSERT_EQ(sched.running(), h);
    sched.kill(*h);  // the VMM's handler faulted
    EXPECT_EQ(v->state, Ec::State::Dead) << "its exit can never be answered";
    EXPECT_EQ(sched.running(), main);
}

TEST_F(VcpuTest, RecallNeedsTheRightAndAVcpu) {
    // Without an SC the vCPU never runs, so main stays the running EC.
    ASSERT_EQ(call(*main, enc::create_ec(VCPU, OWN, kabi::EcFlag::Vcpu, 0, 0, 0, EVENTS)), Status::Success);
    ASSERT_EQ(
        call(*main, enc::delegate(OWN, OWN, kabi::Crd(kabi::SpaceKind::Object, VCPU, 0, kabi::perm::EC_BIND), 60)),
        Status::Success);
    EXPECT_EQ(call(*main, enc::recall(60)), Status::BadCapability) << "a copy without EC_RECALL";
    EXPECT_EQ(call(*main, enc::recall(kabi::SEL_OWN_EC)), Status::BadParameter) << "a thread is not recalled";
    EXPECT_FALSE(ec_at(VCPU)->recall);
    EXPECT_EQ(call(*main, enc::recall(VCPU)), Status::Success);
    EXPECT_TRUE(ec_at(VCPU)->recall);
}

TEST_F(VcpuTest, RevokingTheVcpuReleasesItsHardwareState) {
    Ec* h = portals({VcpuEvent::Startup}, 0);
    vcpu();
    ASSERT_EQ(reply(*h, 0), Status::Success);
    mdb::revoke(*root->objects.slot(VCPU_SC, false), false);
    mdb::revoke(*root->objects.slot(VCPU, false), false);
    EXPECT_TRUE(factory.destroyed);
    EXPECT_EQ(sched.running(), main);
}

}  // namespace
