// The fixture the scheduler's and vCPUs' host tests share: a root PD with
// a running global EC (`main`) on its SC, and helpers that make handlers and
// threads through the EC-level hypercall entry, as the kernel's SYSCALL
// path uses it.
#pragma once
#include <gtest/gtest.h>

#include "abi/event.hpp"
#include "abi/layout.hpp"
#include "fake_pd_hardware.hpp"
#include "heap_pages.hpp"
#include "hypervisor/kernel/hypercall.hpp"
#include "hypervisor/kernel/scheduler.hpp"

namespace keel::test {

namespace kabi = keel::abi;
namespace enc = keel::abi::encode;

constexpr kabi::Selector OWN = kabi::SEL_OWN_PD;
constexpr uint64_t CODE = kabi::USER_SPACE_BASE + 0x1000;  // an IP the tests pretend to run at
constexpr uint64_t STACK = kabi::USER_SPACE_BASE + 0x8000;
inline uint64_t utcb(unsigned i) { return kabi::UTCB_AREA + uint64_t(i) * 4096; }

class SchedulerTest : public testing::Test {
protected:
    void SetUp() override {
        kabi::Status s;
        root = Pd::create(memory, hardware, s, ROOT_QUOTA);
        ASSERT_NE(root, nullptr);
        root->hold();
        mdb::insert_root(*root->objects.slot(OWN, true), *root, kabi::perm::ALL);
        main = Ec::create(sched, *root, Ec::Kind::Global, 0, utcb(0), STACK, 0, s);
        ASSERT_NE(main, nullptr);
        main->started = true;
        mdb::insert_root(*root->objects.slot(kabi::SEL_OWN_EC, true), *main, kabi::perm::ALL);
        Sc* sc = Sc::create(root->memory, sched, *main, 10, 10000, s);
        ASSERT_NE(sc, nullptr);
        mdb::insert_root(*root->objects.slot(kabi::SEL_OWN_SC, true), *sc, kabi::perm::ALL);
        k.schedulers = scheds;
        ASSERT_EQ(sched.running(), main);
    }
    void TearDown() override {
        root->objects.revoke_all();
        root->release();
        // The root PD went, and its memory with it: nothing outlived it.
        EXPECT_EQ(memory.objects_in_use(), 0u) << "an object leaked";
        EXPECT_LE(memory.used(), 2u)
            << "the root's quota is back (the pool keeps an empty slab for PDs and one for their memory)";
    }

    // `ec` makes hypercall `a` (it must be the one running); returns the
    // status in its registers (meaningful only if it did not block).
    kabi::Status call(Ec& ec, const kabi::Args& a) {
        EXPECT_EQ(sched.running(), &ec) << "only the running EC makes hypercalls";
        ec.regs.rdi = a.p0;
        ec.regs.rsi = a.p1;
        ec.regs.rdx = a.p2;
        ec.regs.rax = a.p3;
        ec.regs.r8 = a.p4;
        hypercall(k, ec);
        return kabi::Status(ec.regs.rdi & 0xff);
    }
    Ec* ec_at(kabi::Selector sel) { return static_cast<Ec*>(root->objects.slot(sel, false)->object); }

    // A local EC at `sel` with a portal to it at `pt`, entered at CODE.
    Ec* handler(kabi::Selector sel, kabi::Selector pt, unsigned utcb_index) {
        EXPECT_EQ(call(*main, enc::create_ec(sel, OWN, kabi::EcFlag::Local, 0, utcb(utcb_index), STACK, 0)),
                  kabi::Status::Success);
        EXPECT_EQ(call(*main, enc::create_pt(pt, OWN, sel, 0, CODE)), kabi::Status::Success);
        return ec_at(sel);
    }
    // A global EC at `sel`, started (as if its start-up portal had answered).
    Ec* thread(kabi::Selector sel, unsigned utcb_index, uint8_t priority, kabi::Selector sc_sel) {
        EXPECT_EQ(call(*main, enc::create_ec(sel, OWN, kabi::EcFlag::Global, 0, utcb(utcb_index), STACK, 0)),
                  kabi::Status::Success);
        Ec* e = ec_at(sel);
        e->started = true;
        EXPECT_EQ(call(*main, enc::create_sc(sc_sel, OWN, sel, priority, 1000)), kabi::Status::Success);
        return e;
    }

    HeapPages pages;
    static constexpr uint64_t ROOT_QUOTA = 4096;
    KernelMemory memory{pages, ROOT_QUOTA + 16};  // the kernel's pool
    FakePdHardware hardware;
    Scheduler scheds[2];  // CPU 0's and CPU 1's (k.cpu_count says how many are in use)
    Scheduler& sched = scheds[0];
    HypercallContext k{
        hardware, nullptr, [](void*) { return true; }, [](void*, bool) {}, [](void*, const char*, size_t) {}, nullptr};
    Pd* root = nullptr;
    Ec* main = nullptr;
};

}  // namespace keel::test
