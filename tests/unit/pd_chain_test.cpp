// Destroying a chain of kernel objects (hypervisor/kernel/capability:
// Kobject::release). A PD with the right to create PDs makes a child from
// its own quota, gives it the same right over itself, and so on: each PD's
// object space then holds the last capability to the next. Revoking the
// head brings down the whole chain; if each destroy ran inside the release
// that caused it, the kernel's stack would grow by several frames per PD
// and a long enough chain (a VMM's quota makes hundreds) would run it over.
// Here the revocation runs on a thread with a small stack, as the kernel's
// own, so a destroy that recursed would crash this test.
#include <gtest/gtest.h>
#include <pthread.h>

#include "fake_pd_hardware.hpp"
#include "heap_pages.hpp"
#include "hypervisor/kernel/hypercall.hpp"

using namespace keel;
namespace kabi = keel::abi;
using keel::abi::Crd;
using keel::abi::SpaceKind;
using keel::abi::Status;
namespace enc = keel::abi::encode;
namespace perm = keel::abi::perm;

namespace {

constexpr kabi::Selector OWN = kabi::SEL_OWN_PD, NEXT = 50;
constexpr uint64_t POOL = 40000;
constexpr size_t STACK = 64 * 1024;  // the kernel's entry stacks are 16 KiB; host frames are larger

struct PdChain : testing::Test {
    void SetUp() override {
        Status s;
        root = Pd::create(memory, hardware, s, KernelMemory::ALL_LEFT);
        ASSERT_EQ(s, Status::Success);
        mdb::insert_root(*root->objects.slot(OWN, true), *root, perm::ALL);
        root->hold();  // the kernel's, as for the root task
        k.root = root;
    }
    void TearDown() override {
        mdb::revoke(*root->objects.slot(OWN, false), false);
        root->release();
        EXPECT_EQ(memory.objects_in_use(), 0u);
        EXPECT_TRUE(hardware.live.empty());
    }

    Status call(Pd& caller, kabi::Args a) { return hypercall(k, caller, a); }

    // Each PD, as caller, makes the next from all it has left and gives it
    // its own capability; returns how many were made.
    size_t build_chain() {
        size_t made = 0;
        for (Pd* at = root;; ++made) {
            if (call(*at, enc::create_pd(NEXT, OWN, kabi::QUOTA_ALL_LEFT)) != Status::Success) break;
            EXPECT_EQ(call(*at, enc::delegate(OWN, NEXT, Crd(SpaceKind::Object, NEXT, 0, perm::ALL), OWN)),
                      Status::Success);
            at = static_cast<Pd*>(at->objects.slot(NEXT, false)->object);
        }
        return made;
    }

    // The root revokes its capability to the chain's head, on a thread
    // whose stack is `STACK` bytes.
    Status revoke_head_on_small_stack() {
        struct Job {
            PdChain* self;
            Status status;
        } job{this, Status::BadParameter};
        auto run = [](void* p) -> void* {
            auto& j = *static_cast<Job*>(p);
            j.status = j.self->call(*j.self->root, enc::revoke(OWN, Crd(SpaceKind::Object, NEXT, 0, perm::ALL), false));
            return nullptr;
        };
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, STACK);
        pthread_t thread;
        EXPECT_EQ(pthread_create(&thread, &attr, run, &job), 0);
        pthread_join(thread, nullptr);
        pthread_attr_destroy(&attr);
        return job.status;
    }

    test::HeapPages pages;
    KernelMemory memory{pages, POOL};
    test::FakePdHardware hardware;
    Pd* root = nullptr;
    HypercallContext k{
        hardware, nullptr, [](void*) { return true; }, [](void*, bool) {}, [](void*, const char*, size_t) {}, this};
};

TEST_F(PdChain, ALongChainOfPdsGoesWithItsHeadWithoutGrowingTheStack) {
    const uint64_t before = root->memory.used();
    const size_t made = build_chain();
    ASSERT_GE(made, 3000u) << "the pool should allow a chain deep enough to overflow a recursive destroy";
    EXPECT_EQ(root->memory.available(), 0u) << "the chain took all the root had";
    EXPECT_EQ(revoke_head_on_small_stack(), Status::Success);
    const uint64_t after = root->memory.used();
    EXPECT_LE(after, before + 2) << "every PD of the chain gave its quota back (the root's PD and memory slabs stay)";
    EXPECT_EQ(hardware.live.size(), Pd::TABLES) << "only the root's tables are left";
    // The root can make the same chain again: nothing of the first leaked.
    EXPECT_EQ(build_chain(), made);
    EXPECT_EQ(revoke_head_on_small_stack(), Status::Success);
    EXPECT_EQ(root->memory.used(), after);
}

}  // namespace
