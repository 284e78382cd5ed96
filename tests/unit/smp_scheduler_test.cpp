// Two CPUs' schedulers under the one hypercall layer: every EC belongs to
// its CPU's scheduler; what another CPU does to it (a semaphore up, a new
// SC, a kill) changes that scheduler and kicks that CPU; calls never cross
// CPUs.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "scheduler_fixture.hpp"

namespace {

using keel::Ec;
using keel::Scheduler;
using keel::test::CODE;
using keel::test::OWN;
using keel::test::STACK;
using keel::test::utcb;
namespace kabi = keel::abi;
namespace enc = keel::abi::encode;
using kabi::Status;

std::vector<uint16_t> kicks;

class SmpScheduler : public keel::test::SchedulerTest {
protected:
    void SetUp() override {
        SchedulerTest::SetUp();
        k.cpu_count = 2;
        scheds[1].set_cpu(1);
        kicks.clear();
        Scheduler::set_kick([](uint16_t cpu) { kicks.push_back(cpu); });
    }
    void TearDown() override {
        Scheduler::set_kick(nullptr);
        SchedulerTest::TearDown();
    }
    // `ec`, running on its own CPU, makes hypercall `a`.
    Status call_on(Ec& ec, const kabi::Args& a) {
        EXPECT_EQ(ec.home().running(), &ec) << "only a running EC makes hypercalls";
        ec.regs.rdi = a.p0, ec.regs.rsi = a.p1, ec.regs.rdx = a.p2, ec.regs.rax = a.p3, ec.regs.r8 = a.p4;
        keel::hypercall(k, ec);
        return Status(ec.regs.rdi & 0xff);
    }
    // A started global EC on CPU 1 with an SC of its own.
    Ec* thread_on_cpu1(kabi::Selector sel, unsigned utcb_index, kabi::Selector sc) {
        EXPECT_EQ(call(*main, enc::create_ec(sel, OWN, kabi::EcFlag::Global, 1, utcb(utcb_index), STACK, 0)),
                  Status::Success);
        Ec* e = ec_at(sel);
        e->started = true;
        EXPECT_EQ(call(*main, enc::create_sc(sc, OWN, sel, 10, 1000)), Status::Success);
        return e;
    }
};

TEST_F(SmpScheduler, AnEcOnACpuThatDoesNotRunIsRefused) {
    EXPECT_EQ(call(*main, enc::create_ec(20, OWN, kabi::EcFlag::Global, 2, utcb(1), STACK, 0)), Status::BadCpu);
    EXPECT_EQ(call(*main, enc::create_ec(20, OWN, kabi::EcFlag::Global, 0xffff, utcb(1), STACK, 0)), Status::BadCpu);
    EXPECT_EQ(call(*main, enc::create_ec(20, OWN, kabi::EcFlag::Global, 1, utcb(1), STACK, 0)), Status::Success);
}

TEST_F(SmpScheduler, AThreadRunsOnItsOwnCpuOnlyAndItsCpuIsKicked) {
    Ec* t = thread_on_cpu1(20, 1, 21);
    EXPECT_EQ(&t->home(), &scheds[1]);
    EXPECT_EQ(scheds[1].running(), t);
    EXPECT_EQ(sched.running(), main) << "CPU 0 goes on with its own";
    EXPECT_EQ(kicks, std::vector<uint16_t>{1}) << "the new SC was CPU 1's news";
}

TEST_F(SmpScheduler, AnUpOnOneCpuWakesAThreadOnAnother) {
    Ec* t = thread_on_cpu1(20, 1, 21);
    ASSERT_EQ(call(*main, enc::create_sm(30, OWN, 0)), Status::Success);
    (void)call_on(*t, enc::sm_down(30, 0));
    EXPECT_EQ(t->state, Ec::State::BlockedSm);
    EXPECT_EQ(scheds[1].running(), nullptr);
    EXPECT_TRUE(scheds[1].quiet());
    kicks.clear();
    EXPECT_EQ(call(*main, enc::sm_up(30)), Status::Success);
    EXPECT_EQ(scheds[1].running(), t) << "ready on CPU 1";
    EXPECT_EQ(sched.running(), main) << "and not on CPU 0";
    EXPECT_EQ(Status(t->regs.rdi & 0xff), Status::Success);
    EXPECT_EQ(kicks, std::vector<uint16_t>{1});
}

TEST_F(SmpScheduler, ADeadlineOnOneCpuIsThatCpusTimer) {
    Ec* t = thread_on_cpu1(20, 1, 21);
    ASSERT_EQ(call(*main, enc::create_sm(30, OWN, 0)), Status::Success);
    (void)call_on(*t, enc::sm_down(30, 1000));
    EXPECT_TRUE(scheds[1].timers_pending());
    EXPECT_FALSE(sched.timers_pending());
    sched.tick(100, 5000);  // CPU 0's tick does not time out CPU 1's waits
    EXPECT_EQ(t->state, Ec::State::BlockedSm);
    scheds[1].tick(100, 5000);
    EXPECT_EQ(scheds[1].running(), t);
    EXPECT_EQ(Status(t->regs.rdi & 0xff), Status::Timeout);
}

TEST_F(SmpScheduler, ACallToAHandlerOnAnotherCpuIsRefused) {
    ASSERT_EQ(call(*main, enc::create_ec(20, OWN, kabi::EcFlag::Local, 1, utcb(1), STACK, 0)), Status::Success);
    ASSERT_EQ(call(*main, enc::create_pt(22, OWN, 20, 0, CODE)), Status::Success);
    EXPECT_EQ(call(*main, enc::call(22, 0)), Status::BadCpu);
    EXPECT_EQ(ec_at(20)->state, Ec::State::Idle) << "the handler never started";
    EXPECT_EQ(sched.running(), main);
}

// What stops a thread is the loss of its SC; while CPU 1 still has it
// loaded (a hold), the EC's memory stays, and it goes once CPU 1 lets go.
TEST_F(SmpScheduler, StoppingAThreadOnAnotherCpuKicksItAndItsMemoryWaitsForIt) {
    Ec* t = thread_on_cpu1(20, 1, 21);
    ASSERT_EQ(scheds[1].running(), t);
    kicks.clear();
    t->hold();  // as the kernel holds the EC loaded on CPU 1
    EXPECT_EQ(call(*main, enc::revoke(OWN, kabi::Crd(kabi::SpaceKind::Object, 21, 0, kabi::perm::ALL))),
              Status::Success);
    EXPECT_EQ(scheds[1].running(), nullptr) << "without its SC it runs no more";
    EXPECT_NE(std::find(kicks.begin(), kicks.end(), 1), kicks.end()) << "and CPU 1 is told at once";
    EXPECT_EQ(call(*main, enc::revoke(OWN, kabi::Crd(kabi::SpaceKind::Object, 20, 0, kabi::perm::ALL))),
              Status::Success);
    size_t held = root->memory.objects_in_use();
    uint64_t pages = root->memory.used();
    t->release();  // CPU 1 lets go
    EXPECT_EQ(root->memory.objects_in_use(), held - 1) << "the loaded EC was there until now";
    EXPECT_EQ(root->memory.used(), pages - 1) << "and its UTCB";
}

}  // namespace
