// The scheduler and IPC on the host (hypervisor/kernel/scheduler): who runs,
// how calls carry messages and donate the caller's SC, how semaphores block
// and wake, how events reach their portals, and what callers learn when
// the EC they wait for goes away. Through the EC-level hypercall entry, as
// the kernel's SYSCALL path uses it.
#include <gtest/gtest.h>

#include <cstring>

#include "scheduler_fixture.hpp"

using namespace keel;
namespace kabi = keel::abi;
using keel::abi::Crd;
using keel::abi::SpaceKind;
using keel::abi::Status;
namespace enc = keel::abi::encode;
namespace perm = keel::abi::perm;
using keel::test::CODE;
using keel::test::OWN;
using keel::test::SchedulerTest;
using keel::test::STACK;
using keel::test::utcb;

namespace {

TEST_F(SchedulerTest, ACallCarriesTheMessageAndRunsTheHandlerOnTheCallersSc) {
    Ec* h = handler(40, 41, 1);
    ASSERT_EQ(call(*main, enc::pt_set_id(41, 0x77)), Status::Success);
    main->utcb.word[0] = 11;
    main->utcb.word[1] = 22;
    Sc* sc = sched.current();
    call(*main, enc::call(41, 2));
    EXPECT_EQ(sched.running(), h) << "the handler runs";
    EXPECT_EQ(sched.current(), sc) << "on the caller's SC: no scheduling decision";
    EXPECT_EQ(h->regs.rip, CODE);
    EXPECT_EQ(h->regs.rsp, STACK);
    EXPECT_EQ(h->regs.rdi, 0x77u) << "the portal's id";
    EXPECT_EQ(h->utcb.word[1], 22u);
    h->utcb.word[0] = 33;
    call(*h, enc::reply(1, 0));
    EXPECT_EQ(sched.running(), main);
    EXPECT_EQ(Status(main->regs.rdi), Status::Success);
    EXPECT_EQ(main->utcb.word[0], 33u);
    EXPECT_EQ(h->state, Ec::State::Idle);
}

TEST_F(SchedulerTest, CallsWithoutTheRightCapabilityOrAcrossCpusAreRefused) {
    handler(40, 41, 1);
    EXPECT_EQ(call(*main, enc::call(42, 0)), Status::BadCapability) << "no portal there";
    EXPECT_EQ(call(*main, enc::call(41, kabi::MAX_UNTYPED_WORDS + 1)), Status::BadParameter);
    ASSERT_EQ(call(*main, enc::delegate(OWN, OWN, Crd(SpaceKind::Object, 41, 0, perm::PT_CTRL), 43)), Status::Success);
    EXPECT_EQ(call(*main, enc::call(43, 0)), Status::BadCapability) << "a copy without PT_CALL";
    EXPECT_EQ(call(*main, enc::create_ec(44, OWN, kabi::EcFlag::Local, 1, utcb(2), STACK, 0)), Status::BadCpu);
    EXPECT_EQ(call(*main, enc::create_ec(44, OWN, kabi::EcFlag::Local, 0, utcb(1), STACK, 0)), Status::Busy)
        << "that UTCB is the handler's";
    EXPECT_EQ(call(*main, enc::create_ec(44, OWN, kabi::EcFlag::Local, 0, kabi::HIP_ADDRESS, STACK, 0)),
              Status::BadParameter)
        << "the HIP's page is no UTCB";
    EXPECT_EQ(call(*main, enc::create_pt(45, OWN, 40, 0, 0xdead000000000000)), Status::BadParameter)
        << "a portal into a non-canonical IP would fault in the kernel's IRETQ";
    EXPECT_EQ(call(*main, enc::create_pt(45, OWN, kabi::SEL_OWN_EC, 0, CODE)), Status::BadCapability)
        << "portals lead into local ECs only";
}

TEST_F(SchedulerTest, ABusyHandlerQueuesTheNextCallerAndTakesItAfterItsReply) {
    Ec* h = handler(40, 41, 1);
    Ec* t = thread(50, 2, 10, 51);
    call(*main, enc::call(41, 0));
    ASSERT_EQ(sched.running(), h);
    sched.tick(20000, 0);  // the quantum ends: the other thread's SC runs
    ASSERT_EQ(sched.running(), t);
    call(*t, enc::call(41, 0));
    EXPECT_EQ(t->state, Ec::State::Queued);
    EXPECT_EQ(sched.running(), h) << "back on the first caller's SC";
    call(*h, enc::reply(0, 0));
    EXPECT_EQ(main->state, Ec::State::Runnable);
    EXPECT_EQ(t->state, Ec::State::InCall) << "the queued call was taken";
    EXPECT_EQ(h->caller, t);
}

TEST_F(SchedulerTest, RoundRobinWithinAPriorityAndHigherPriorityFirst) {
    Ec* a = thread(50, 2, 10, 51);
    EXPECT_EQ(sched.running(), main);
    sched.tick(20000, 0);
    EXPECT_EQ(sched.running(), a);
    sched.tick(500, 0);
    EXPECT_EQ(sched.running(), a) << "within its quantum";
    sched.tick(600, 0);
    EXPECT_EQ(sched.running(), main) << "its 1 ms quantum is used up";
    Ec* high = thread(60, 3, 20, 61);
    EXPECT_EQ(sched.running(), high) << "a higher priority preempts at once";
}

TEST_F(SchedulerTest, ADownBlocksUntilAnUpAndADeadlineWakesWithTimeout) {
    ASSERT_EQ(call(*main, enc::create_sm(40, OWN, 0)), Status::Success);
    Ec* t = thread(50, 2, 10, 51);
    call(*main, enc::sm_down(40, 0));
    EXPECT_EQ(main->state, Ec::State::BlockedSm);
    EXPECT_EQ(sched.running(), t) << "the blocked EC's SC gave way";
    EXPECT_EQ(call(*t, enc::sm_up(40)), Status::Success);
    EXPECT_EQ(main->state, Ec::State::Runnable);
    EXPECT_EQ(Status(main->regs.rdi), Status::Success);
    // With a deadline: the tick after it wakes the EC with Timeout.
    sched.tick(20000, 0);
    ASSERT_EQ(sched.running(), main);
    call(*main, enc::sm_down(40, 1000));
    EXPECT_TRUE(sched.timers_pending());
    sched.tick(100, 999);
    EXPECT_EQ(main->state, Ec::State::BlockedSm);
    sched.tick(100, 1000);
    EXPECT_EQ(main->state, Ec::State::Runnable);
    EXPECT_EQ(Status(main->regs.rdi), Status::Timeout);
    EXPECT_FALSE(sched.timers_pending());
}

TEST_F(SchedulerTest, ASemaphoreThatGoesWakesItsWaitersWithAborted) {
    ASSERT_EQ(call(*main, enc::create_sm(40, OWN, 0)), Status::Success);
    Ec* t = thread(50, 2, 10, 51);
    call(*main, enc::sm_down(40, 0));
    ASSERT_EQ(sched.running(), t);
    EXPECT_EQ(call(*t, enc::revoke(OWN, Crd(SpaceKind::Object, 40, 0, perm::ALL), false)), Status::Success);
    EXPECT_EQ(main->state, Ec::State::Runnable);
    EXPECT_EQ(Status(main->regs.rdi), Status::Aborted);
}

// A handler destroyed while it serves: its caller learns Aborted instead of
// waiting for ever.
TEST_F(SchedulerTest, AHandlerThatGoesAwayAbortsItsCallers) {
    Ec* h = handler(40, 41, 1);
    Ec* t = thread(50, 2, 10, 51);
    call(*main, enc::call(41, 0));
    sched.tick(20000, 0);
    ASSERT_EQ(sched.running(), t);
    call(*t, enc::call(41, 0));  // queued behind main's call
    ASSERT_EQ(sched.running(), h);
    // The handler revokes its own EC and portal (as a VMM tearing down would).
    call(*h, enc::revoke(OWN, Crd(SpaceKind::Object, 40, 1, perm::ALL), false));
    EXPECT_EQ(main->state, Ec::State::Runnable);
    EXPECT_EQ(Status(main->regs.rdi), Status::Aborted);
    EXPECT_EQ(t->state, Ec::State::Runnable);
    EXPECT_EQ(Status(t->regs.rdi), Status::Aborted);
}

TEST_F(SchedulerTest, ACallIntoTheCallersOwnChainIsBusyNotADeadlock) {
    Ec* h = handler(40, 41, 1);
    call(*main, enc::call(41, 0));
    ASSERT_EQ(sched.running(), h);
    EXPECT_EQ(call(*h, enc::call(41, 0)), Status::Busy);
    EXPECT_EQ(sched.running(), h);
}

TEST_F(SchedulerTest, AReplyWithoutACallIsRefused) {
    EXPECT_EQ(call(*main, enc::reply(0, 0)), Status::BadParameter);
    EXPECT_EQ(sched.running(), main);
}

// An exception goes to the portal at event base + vector with the thread's
// state; the reply sets where it goes on.
TEST_F(SchedulerTest, AFaultIsACallOfTheEventPortalAndTheReplyResumesTheThread) {
    Ec* h = handler(40, 41, 1);
    // Thread 50 with event base 100: its #PF portal is selector 114.
    ASSERT_EQ(call(*main, enc::create_ec(50, OWN, kabi::EcFlag::Global, 0, utcb(2), STACK, 100)), Status::Success);
    ASSERT_EQ(call(*main, enc::create_pt(114, OWN, 40, 0, CODE)), Status::Success);
    Ec* t = ec_at(50);
    t->started = true;
    ASSERT_EQ(call(*main, enc::create_sc(51, OWN, 50, 20, 1000)), Status::Success);
    ASSERT_EQ(sched.running(), t);
    t->regs.rip = CODE + 0x10;
    EXPECT_TRUE(sched.fault(*t, 14, 6, 0x1234));
    ASSERT_EQ(sched.running(), h);
    kabi::ThreadState state;
    std::memcpy(&state, h->utcb.word, sizeof state);
    EXPECT_EQ(state.rip, CODE + 0x10);
    EXPECT_EQ(state.event, 14u);
    EXPECT_EQ(state.error, 6u);
    EXPECT_EQ(state.address, 0x1234u);
    h->utcb.word[0] = CODE + 0x20;
    h->utcb.word[1] = STACK - 8;
    call(*h, enc::reply(2, 0));
    EXPECT_EQ(sched.running(), t);
    EXPECT_EQ(t->regs.rip, CODE + 0x20);
    EXPECT_EQ(t->regs.rsp, STACK - 8);
}

TEST_F(SchedulerTest, AnEventReplyWithAKernelAddressKillsTheThread) {
    Ec* h = handler(40, 41, 1);
    ASSERT_EQ(call(*main, enc::create_ec(50, OWN, kabi::EcFlag::Global, 0, utcb(2), STACK, 100)), Status::Success);
    ASSERT_EQ(call(*main, enc::create_pt(114, OWN, 40, 0, CODE)), Status::Success);
    Ec* t = ec_at(50);
    t->started = true;
    ASSERT_EQ(call(*main, enc::create_sc(51, OWN, 50, 20, 1000)), Status::Success);
    ASSERT_EQ(sched.running(), t);
    EXPECT_TRUE(sched.fault(*t, 14, 6, 0));
    h->utcb.word[0] = 0x100000;  // the kernel's image
    h->utcb.word[1] = STACK;
    call(*h, enc::reply(2, 0));
    EXPECT_EQ(t->state, Ec::State::Dead);
    EXPECT_EQ(sched.running(), main);
}

TEST_F(SchedulerTest, AFaultWithoutAPortalKillsOnlyThatThread) {
    Ec* t = thread(50, 2, 20, 51);
    ASSERT_EQ(sched.running(), t);
    EXPECT_FALSE(sched.fault(*t, 13, 0, 0));
    EXPECT_EQ(t->state, Ec::State::Dead);
    EXPECT_EQ(sched.running(), main);
    EXPECT_EQ(sched.killed(), 1u);
}

// A global EC starts by calling its start-up portal; the reply says where.
TEST_F(SchedulerTest, AGlobalEcStartsThroughItsStartupPortal) {
    Ec* h = handler(40, 41, 1);
    ASSERT_EQ(call(*main, enc::create_ec(50, OWN, kabi::EcFlag::Global, 0, utcb(2), STACK, 100)), Status::Success);
    ASSERT_EQ(call(*main, enc::create_pt(100 + kabi::THREAD_EVENT_STARTUP, OWN, 40, 0, CODE)), Status::Success);
    ASSERT_EQ(call(*main, enc::create_sc(51, OWN, 50, 20, 1000)), Status::Success);
    Ec* t = ec_at(50);
    ASSERT_EQ(sched.running(), h) << "the start-up event runs first";
    kabi::ThreadState state;
    std::memcpy(&state, h->utcb.word, sizeof state);
    EXPECT_EQ(state.event, kabi::THREAD_EVENT_STARTUP);
    EXPECT_EQ(state.rsp, STACK);
    h->utcb.word[0] = CODE + 0x40;
    h->utcb.word[1] = STACK;
    call(*h, enc::reply(2, 0));
    EXPECT_EQ(sched.running(), t);
    EXPECT_EQ(t->regs.rip, CODE + 0x40);
}

TEST_F(SchedulerTest, AGlobalEcWithoutAStartupPortalNeverRuns) {
    ASSERT_EQ(call(*main, enc::create_ec(50, OWN, kabi::EcFlag::Global, 0, utcb(2), STACK, 100)), Status::Success);
    ASSERT_EQ(call(*main, enc::create_sc(51, OWN, 50, 20, 1000)), Status::Success);
    EXPECT_EQ(sched.running(), main);
    EXPECT_EQ(ec_at(50)->state, Ec::State::Dead);
}

// A PD's priority ceiling: no SC made from its memory runs above it, and
// no PD made from it gets a higher one (a VMM given time at 100 cannot
// give its vCPU 255 and starve the root task on its CPU).
TEST_F(SchedulerTest, NoScRunsAboveThePriorityCeilingOfThePdItIsMadeFrom) {
    ASSERT_EQ(call(*main, enc::create_pd(60, OWN, 64, 100)), Status::Success);
    ASSERT_EQ(call(*main, enc::create_ec(61, OWN, kabi::EcFlag::Global, 0, utcb(3), STACK, 0)), Status::Success);
    EXPECT_EQ(call(*main, enc::create_sc(62, 60, 61, 101, 1000)), Status::BadParameter);
    EXPECT_EQ(call(*main, enc::create_sc(62, 60, 61, 255, 1000)), Status::BadParameter);
    EXPECT_EQ(call(*main, enc::create_sc(62, 60, 61, 100, 1000)), Status::Success);
    ASSERT_EQ(call(*main, enc::create_ec(64, OWN, kabi::EcFlag::Global, 0, utcb(4), STACK, 0)), Status::Success);
    EXPECT_EQ(call(*main, enc::create_sc(63, OWN, 64, 255, 1000)), Status::Success) << "the root task's own: 255";
}

TEST_F(SchedulerTest, APdCannotGiveAChildAHigherCeilingThanItsOwn) {
    ASSERT_EQ(call(*main, enc::create_pd(60, OWN, 64, 100)), Status::Success);
    EXPECT_EQ(call(*main, enc::create_pd(64, 60, 16, 101)), Status::BadParameter);
    EXPECT_EQ(call(*main, enc::create_pd(64, 60, 16, 50)), Status::Success);
    EXPECT_EQ(call(*main, enc::create_pd(65, 60, 16)), Status::Success) << "0: the owner's ceiling";
    EXPECT_EQ(static_cast<Pd*>(root->objects.slot(64, false)->object)->max_priority, 50);
    EXPECT_EQ(static_cast<Pd*>(root->objects.slot(65, false)->object)->max_priority, 100);
    ASSERT_EQ(call(*main, enc::create_ec(61, OWN, kabi::EcFlag::Global, 0, utcb(3), STACK, 0)), Status::Success);
    EXPECT_EQ(call(*main, enc::create_sc(62, 65, 61, 101, 1000)), Status::BadParameter) << "inherited, not reset";
}

}  // namespace
