// The hypercall layer on the host (hypervisor/kernel/hypercall): every
// selector and permission checked against the caller's PD; a PD can use only
// what it was given, and nothing after it was revoked.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "fake_pd_hardware.hpp"
#include "heap_pages.hpp"
#include "hypervisor/kernel/device_assigner.hpp"
#include "hypervisor/kernel/hypercall.hpp"
#include "hypervisor/kernel/interrupt_assigner.hpp"
#include "hypervisor/kernel/sm.hpp"

using namespace keel;
namespace kabi = keel::abi;
using keel::abi::Crd;
using keel::abi::SpaceKind;
using keel::abi::Status;
namespace enc = keel::abi::encode;
namespace perm = keel::abi::perm;

namespace {

constexpr kabi::Selector OWN = kabi::SEL_OWN_PD;
constexpr uint8_t RW = perm::MEM_R | perm::MEM_W;
constexpr uint64_t H = Pd::HOST_FIRST;  // the first page of every host space

class Hypercalls : public ::testing::Test {
protected:
    void SetUp() override {
        Status s;
        root = Pd::create(memory, hardware, s, ROOT_QUOTA);
        ASSERT_EQ(s, Status::Success);
        mdb::insert_root(*root->objects.slot(OWN, true), *root, perm::ALL);
        root->hold();  // the kernel's: the root task cannot destroy itself
        k.root = root;
        ASSERT_EQ(root->host.grant_root(H + 0x1000, 0x1000, 0x100, RW | perm::MEM_X), Status::Success);
    }
    void TearDown() override {
        mdb::revoke(*root->objects.slot(OWN, false), false);
        root->release();  // the root goes, and everything with it
        // The root PD and its memory are gone; so is all made from it.
        EXPECT_EQ(memory.objects_in_use(), 0u);
        EXPECT_LE(memory.used(), 2u)
            << "the root's quota is back (the pool keeps an empty slab for PDs and one for their memory)";
        EXPECT_TRUE(hardware.live.empty());
    }
    Status call(Pd& caller, kabi::Args a) { return hypercall(k, caller, a); }
    Status call_for(Pd& caller, kabi::Args& a) { return hypercall(k, caller, a); }
    static uint64_t frame(const ResourceSpace& s, uint64_t page) {
        const ResourceMapping* m = s.lookup(page);
        return m ? m->frame + (page - m->base) : ~uint64_t(0);
    }
    // A child PD at `sel` in the root's space, holding a capability to itself.
    Pd* child(kabi::Selector sel) {
        EXPECT_EQ(call(*root, enc::create_pd(sel, OWN, CHILD_QUOTA)), Status::Success);
        EXPECT_EQ(call(*root, enc::delegate(OWN, sel, Crd(SpaceKind::Object, sel, 0, perm::ALL), OWN)),
                  Status::Success);
        return static_cast<Pd*>(root->objects.slot(sel, false)->object);
    }

    static constexpr uint64_t ROOT_QUOTA = 1024, CHILD_QUOTA = 32;
    test::HeapPages pages;
    KernelMemory memory{pages, ROOT_QUOTA + 16};  // the kernel's pool
    test::FakePdHardware hardware;
    Pd* root = nullptr;
    int power_offs = 0;
    bool health = true;
    std::string console;
    HypercallContext k{
        hardware,
        nullptr,
        [](void* c) { return static_cast<Hypercalls*>(c)->health; },
        [](void* c, bool) { ++static_cast<Hypercalls*>(c)->power_offs; },
        [](void* c, const char* text, size_t n) { static_cast<Hypercalls*>(c)->console.append(text, n); },
        this};
};

}  // namespace

TEST_F(Hypercalls, NumbersBeyondTheFifteenAreBadHypercalls) {
    kabi::Args a;
    a.p0 = 0xf;
    EXPECT_EQ(call(*root, a), Status::BadHypercall);
    a.p0 = 0xfff | (uint64_t(5) << 12);
    EXPECT_EQ(call(*root, a), Status::BadHypercall);
    EXPECT_EQ(call(*root, enc::call(40, 0)), Status::BadFeature) << "portals come with the user-level step";
}

TEST_F(Hypercalls, CreatingNeedsTheOwnersCreatePermissionAndAnEmptySlot) {
    EXPECT_EQ(call(*root, enc::create_sm(40, OWN, 2)), Status::Success);
    EXPECT_EQ(call(*root, enc::create_sm(40, OWN, 2)), Status::Busy);
    EXPECT_EQ(call(*root, enc::create_sm(41, 40, 2)), Status::BadCapability) << "40 is a semaphore, not a PD";
    EXPECT_EQ(call(*root, enc::create_sm(41, 99, 2)), Status::BadCapability) << "an empty selector";
    EXPECT_EQ(call(*root, enc::create_pd(ObjectSpace::SELECTORS, OWN, CHILD_QUOTA)), Status::BadParameter);
    Pd* vmm = child(50);
    // Without PD_CREATE on itself the VMM creates nothing.
    EXPECT_EQ(call(*root, enc::revoke(OWN, Crd(SpaceKind::Object, 50, 0, perm::PD_CREATE), true)), Status::Success);
    EXPECT_EQ(call(*vmm, enc::create_sm(40, OWN, 0)), Status::BadCapability);
}

// Isolation: a PD can use only capabilities it was given, with the
// permissions it was given, and none after they were revoked.
TEST_F(Hypercalls, APdUsesOnlyWhatItWasGivenAndNothingAfterRevocation) {
    ASSERT_EQ(call(*root, enc::create_sm(40, OWN, 1)), Status::Success);
    Pd* vmm = child(50);
    EXPECT_EQ(call(*vmm, enc::sm_up(40)), Status::BadCapability) << "never given";
    EXPECT_EQ(call(*vmm, enc::sm_up(60)), Status::BadCapability);
    ASSERT_EQ(call(*root, enc::delegate(OWN, 50, Crd(SpaceKind::Object, 40, 0, perm::SM_UP), 60)), Status::Success);
    EXPECT_EQ(call(*vmm, enc::sm_up(60)), Status::Success);
    EXPECT_EQ(call(*vmm, enc::sm_down(60, 0)), Status::BadCapability) << "no DOWN permission was given";
    EXPECT_EQ(static_cast<Sm*>(root->objects.slot(40, false)->object)->count(), 2u);
    ASSERT_EQ(call(*root, enc::revoke(OWN, Crd(SpaceKind::Object, 40, 0, perm::ALL), true)), Status::Success);
    EXPECT_EQ(call(*vmm, enc::sm_up(60)), Status::BadCapability) << "revoked";
    EXPECT_EQ(call(*root, enc::sm_down(40, 0)), Status::Success) << "the root keeps its own";
}

TEST_F(Hypercalls, MemoryGoesOnlyWhereItIsDelegatedAndComesBackOnRevocation) {
    Pd* vmm = child(50);
    auto host = [](uint64_t page, unsigned order, uint8_t p) { return Crd(SpaceKind::HostMemory, page, order, p); };
    // The VMM holds nothing: it can give its guest nothing.
    EXPECT_EQ(call(*vmm, enc::delegate(OWN, OWN, Crd(SpaceKind::GuestMemory, H + 0x1000, 4, RW), 0)),
              Status::BadCapability);
    ASSERT_EQ(call(*root, enc::delegate(OWN, 50, host(H + 0x1000, 4, RW), H + 0x40000)), Status::Success);
    EXPECT_EQ(frame(vmm->host, H + 0x4000f), 0x100fu);
    // The VMM puts 8 of its 16 pages into its guest space.
    ASSERT_EQ(call(*vmm, enc::delegate(OWN, OWN, Crd(SpaceKind::GuestMemory, H + 0x40000, 3, RW), 0x0)),
              Status::Success);
    EXPECT_EQ(frame(vmm->guest, 7), 0x1007u);
    kabi::Args look = enc::lookup(OWN, Crd(SpaceKind::HostMemory, H + 0x40003, 0, 0));
    ASSERT_EQ(call_for(*vmm, look), Status::Success);
    EXPECT_EQ(Crd(look.p1).perms(), RW);
    // Frames outside the root's memory were never delegable.
    EXPECT_EQ(call(*root, enc::delegate(OWN, 50, host(H + 0x2000, 0, RW), H + 0x50000)), Status::BadCapability);
    // The root takes its memory back: the VMM's and the guest's mappings go.
    ASSERT_EQ(call(*root, enc::revoke(OWN, host(H + 0x1000, 8, perm::ALL), true)), Status::Success);
    EXPECT_EQ(vmm->host.lookup(H + 0x40000), nullptr);
    EXPECT_EQ(vmm->guest.lookup(0), nullptr);
}

// A guest-physical space is as large as a four-level nested page table's
// lower half, not a page more.
TEST_F(Hypercalls, GuestMemoryEndsWhereANestedPageTableDoes) {
    child(50);
    auto guest = [](uint64_t page) { return Crd(SpaceKind::GuestMemory, page, 0, RW); };
    EXPECT_EQ(call(*root, enc::delegate(OWN, 50, guest(H + 0x1000), Pd::GUEST_PAGES - 1)), Status::Success);
    EXPECT_EQ(call(*root, enc::delegate(OWN, 50, guest(H + 0x1001), Pd::GUEST_PAGES)), Status::BadParameter);
    EXPECT_EQ(Pd::GUEST_PAGES << 12, uint64_t(1) << 47);
}

// The kernel window (UTCBs, the HIP) and the kernel's own half are outside
// every host space: nothing can be delegated there.
TEST_F(Hypercalls, NothingIsDelegatedIntoTheKernelWindow) {
    Pd* vmm = child(50);
    auto host = [](uint64_t page) { return Crd(SpaceKind::HostMemory, page, 0, RW); };
    EXPECT_EQ(call(*root, enc::delegate(OWN, 50, host(H + 0x1000), kabi::UTCB_AREA >> 12)), Status::BadParameter);
    EXPECT_EQ(call(*root, enc::delegate(OWN, 50, host(H + 0x1000), kabi::HIP_ADDRESS >> 12)), Status::BadParameter);
    EXPECT_EQ(call(*root, enc::delegate(OWN, 50, host(H + 0x1000), 0x100)), Status::BadParameter);
    EXPECT_EQ(call(*root, enc::delegate(OWN, 50, host(H + 0x1000), kabi::USER_END >> 12)), Status::BadParameter);
    EXPECT_EQ(call(*root, enc::delegate(OWN, 50, host(H + 0x1000), H - 1)), Status::BadParameter);
    EXPECT_EQ(call(*root, enc::delegate(OWN, 50, host(H + 0x1000), H)), Status::Success);
    EXPECT_EQ(vmm->host.mappings(), 1u);
}

// The root task revoking its own PD capability must not pull the PD from
// under itself: the kernel holds it.
TEST_F(Hypercalls, TheRootTaskCannotDestroyItself) {
    EXPECT_EQ(call(*root, enc::revoke(OWN, Crd(SpaceKind::Object, OWN, 0, perm::ALL), false)), Status::Success);
    EXPECT_EQ(memory.objects_in_use(), 2u) << "the root PD and its memory";
    EXPECT_EQ(call(*root, enc::create_sm(40, OWN, 0)), Status::BadCapability) << "its capability is gone";
    mdb::insert_root(*root->objects.slot(OWN, true), *root, perm::ALL);  // for TearDown
}

TEST_F(Hypercalls, PortsAndMsrsAreDelegatedAtTheirOwnNumbers) {
    ASSERT_EQ(root->pio.grant_root(0x2f8, 0x2f8, 8, perm::PIO_ACCESS), Status::Success);
    ASSERT_EQ(root->msr.grant_root(0x174, 0x174, 4, perm::MSR_R | perm::MSR_W), Status::Success);
    Pd* vmm = child(50);
    EXPECT_EQ(call(*root, enc::delegate(OWN, 50, Crd(SpaceKind::Pio, 0x2f8, 3, perm::PIO_ACCESS), 0x3f8)),
              Status::BadParameter)
        << "COM2's ports are not COM1's";
    EXPECT_EQ(call(*root, enc::delegate(OWN, 50, Crd(SpaceKind::Pio, 0x3f8, 3, perm::PIO_ACCESS), 0x3f8)),
              Status::BadCapability)
        << "the root was not given COM1 (the kernel's console)";
    ASSERT_EQ(call(*root, enc::delegate(OWN, 50, Crd(SpaceKind::Pio, 0x2f8, 3, perm::PIO_ACCESS), 0x2f8)),
              Status::Success);
    ASSERT_EQ(call(*root, enc::delegate(OWN, 50, Crd(SpaceKind::Msr, 0x174, 2, perm::MSR_R), 0x174)), Status::Success);
    EXPECT_NE(vmm->pio.lookup(0x2ff), nullptr);
    EXPECT_EQ(vmm->msr.lookup(0x175)->perms, perm::MSR_R);
    ASSERT_EQ(call(*root, enc::revoke(OWN, Crd(SpaceKind::Pio, 0x2f8, 3, perm::ALL), true)), Status::Success);
    EXPECT_EQ(vmm->pio.lookup(0x2ff), nullptr);
}

TEST_F(Hypercalls, OnlyTheRootTaskControlsTheMachine) {
    Pd* vmm = child(50);
    EXPECT_EQ(call(*vmm, enc::hw_health()), Status::BadCapability);
    EXPECT_EQ(call(*vmm, enc::hw_power_off()), Status::BadCapability);
    EXPECT_EQ(power_offs, 0);
    EXPECT_EQ(call(*root, enc::hw_health()), Status::Success);
    health = false;
    EXPECT_EQ(call(*root, enc::hw_health()), Status::Aborted);
}

// The machine's IOMMU driver, as the hypercall layer sees it.
struct FakeDevices final : DeviceAssigner {
    kabi::Status assign(Pd& pd, uint16_t device) override {
        assigned.push_back({&pd, device});
        return answer;
    }
    kabi::Status read_config(Pd& pd, uint16_t device, uint16_t offset, uint32_t& value) override {
        for (auto& [holder, d] : assigned)
            if (holder == &pd && d == device) {
                value = 0xc0de0000u | offset;
                return Status::Success;
            }
        return Status::BadDevice;
    }
    std::vector<std::pair<Pd*, uint16_t>> assigned;
    kabi::Status answer = Status::Success;
};

TEST_F(Hypercalls, OnlyTheRootTaskAssignsDevicesAndOnlyWhereAnIommuConfinesThem) {
    Pd* vmm = child(50);
    EXPECT_EQ(call(*root, enc::assign_dev(50, 0x20)), Status::BadFeature) << "no IOMMU: no assignment";
    FakeDevices devices;
    k.devices = &devices;
    // A VMM holding its own PD with every right still may not take a device.
    EXPECT_EQ(call(*vmm, enc::assign_dev(OWN, 0x20)), Status::BadCapability);
    EXPECT_EQ(call(*root, enc::assign_dev(51, 0x20)), Status::BadCapability) << "no PD there";
    kabi::Args beyond = enc::assign_dev(50, 0);
    beyond.p1 = 0x10000;
    EXPECT_EQ(call(*root, beyond), Status::BadParameter);
    EXPECT_TRUE(devices.assigned.empty());
    EXPECT_EQ(call(*root, enc::assign_dev(50, 0x20)), Status::Success);
    devices.answer = Status::Refused;
    EXPECT_EQ(call(*root, enc::assign_dev(OWN, 0x18)), Status::Refused);
    ASSERT_EQ(devices.assigned.size(), 2u);
    EXPECT_EQ(devices.assigned[0], std::make_pair(vmm, uint16_t(0x20)));
    EXPECT_EQ(devices.assigned[1], std::make_pair(root, uint16_t(0x18)));
    // Only a capability with the right to delegate names the PD.
    EXPECT_EQ(call(*root, enc::delegate(OWN, OWN, Crd(SpaceKind::Object, 50, 0, perm::PD_CREATE), 52)),
              Status::Success);
    EXPECT_EQ(call(*root, enc::assign_dev(52, 0x20)), Status::BadCapability);
    EXPECT_EQ(devices.assigned.size(), 2u);
    k.devices = nullptr;
}

// A VMM reads the configuration of the device assigned to it, and of no
// other; it never gets to write it.
TEST_F(Hypercalls, AVmmReadsOnlyItsOwnDevicesConfiguration) {
    Pd* vmm = child(50);
    EXPECT_EQ(call(*vmm, enc::dev_config(OWN, 0x20, 0)), Status::BadFeature) << "no IOMMU";
    FakeDevices devices;
    k.devices = &devices;
    EXPECT_EQ(call(*vmm, enc::dev_config(OWN, 0x20, 0)), Status::BadDevice) << "not (yet) its device";
    ASSERT_EQ(call(*root, enc::assign_dev(50, 0x20)), Status::Success);
    kabi::Args read = enc::dev_config(OWN, 0x20, 0x10);
    EXPECT_EQ(hypercall(k, *vmm, read), Status::Success);
    EXPECT_EQ(read.p1, 0xc0de0010u);
    EXPECT_EQ(call(*vmm, enc::dev_config(OWN, 0x28, 0)), Status::BadDevice) << "another function";
    EXPECT_EQ(call(*root, enc::dev_config(OWN, 0x20, 0)), Status::BadDevice) << "the root task's PD does not hold it";
    EXPECT_EQ(call(*vmm, enc::dev_config(OWN, 0x20, 2)), Status::BadParameter) << "unaligned";
    EXPECT_EQ(call(*vmm, enc::dev_config(OWN, 0x20, 256)), Status::BadParameter) << "beyond the 256 bytes";
    kabi::Args beyond = enc::dev_config(OWN, 0, 0);
    beyond.p1 = 0x10020;
    EXPECT_EQ(call(*vmm, beyond), Status::BadParameter);
    EXPECT_EQ(call(*vmm, enc::dev_config(51, 0x20, 0)), Status::BadCapability) << "no PD there";
    // A write is no sub-operation of either.
    kabi::Args write = enc::assign_dev(50, 0x20);
    write.p0 = kabi::p0(kabi::Hypercall::AssignDev, 2, 50);
    EXPECT_EQ(call(*root, write), Status::BadParameter);
    k.devices = nullptr;
}

// The machine's interrupt controller, as the hypercall layer sees it.
struct FakeInterrupts final : InterruptAssigner {
    kabi::Status assign(Sm& sm, uint16_t cpu, uint32_t gsi) override {
        bound.push_back({&sm, uint32_t(cpu) << 16 | gsi});
        return Status::Success;
    }
    void acknowledge(Sm&) override {}
    std::vector<std::pair<Sm*, uint32_t>> bound;
};

TEST_F(Hypercalls, OnlyTheRootTaskBindsInterruptsToSemaphoresItMayAssign) {
    Pd* vmm = child(50);
    ASSERT_EQ(call(*root, enc::create_sm(60, OWN, 0)), Status::Success);
    EXPECT_EQ(call(*root, enc::assign_int(60, 0, 16)), Status::BadFeature) << "no interrupt controller";
    FakeInterrupts interrupts;
    k.interrupts = &interrupts;
    k.cpu_count = 2;
    // A VMM with a semaphore of its own, every right on it, still may not.
    ASSERT_EQ(call(*vmm, enc::create_sm(61, OWN, 0)), Status::Success);
    EXPECT_EQ(call(*vmm, enc::assign_int(61, 0, 16)), Status::BadCapability);
    EXPECT_EQ(call(*root, enc::assign_int(62, 0, 16)), Status::BadCapability) << "no semaphore there";
    EXPECT_EQ(call(*root, enc::assign_int(OWN, 0, 16)), Status::BadCapability) << "a PD is no semaphore";
    EXPECT_EQ(call(*root, enc::assign_int(60, 2, 16)), Status::BadCpu);
    // Without the right to assign, the capability does not bind.
    EXPECT_EQ(call(*root, enc::delegate(OWN, OWN, Crd(SpaceKind::Object, 60, 0, perm::SM_UP | perm::SM_DOWN), 63)),
              Status::Success);
    EXPECT_EQ(call(*root, enc::assign_int(63, 0, 16)), Status::BadCapability);
    EXPECT_TRUE(interrupts.bound.empty());
    EXPECT_EQ(call(*root, enc::assign_int(60, 1, 17)), Status::Success);
    ASSERT_EQ(interrupts.bound.size(), 1u);
    EXPECT_EQ(interrupts.bound[0].second, 1u << 16 | 17u);
    k.interrupts = nullptr;
    k.cpu_count = 1;
}

TEST_F(Hypercalls, OnlyTheRootTaskWritesTheConsoleAndOnlyFromItsUtcb) {
    Pd* vmm = child(50);
    auto utcb = std::make_unique<kabi::Utcb>();
    std::memcpy(utcb->word, "hello", 5);
    EXPECT_EQ(call(*root, enc::hw_console(5)), Status::BadFeature) << "a caller without a UTCB";
    k.utcb = utcb.get();
    EXPECT_EQ(call(*vmm, enc::hw_console(5)), Status::BadCapability);
    EXPECT_EQ(call(*root, enc::hw_console(sizeof utcb->word + 1)), Status::BadParameter) << "beyond the UTCB";
    EXPECT_EQ(call(*root, enc::hw_console(~0ull)), Status::BadParameter);
    EXPECT_EQ(console, "");
    EXPECT_EQ(call(*root, enc::hw_console(5)), Status::Success);
    EXPECT_EQ(console, "hello");
}

// Revoking the last capability to a PD destroys it and all it held; what it
// delegated onwards goes too (TearDown checks nothing is left at the end).
TEST_F(Hypercalls, ADestroyedPdTakesItsDelegationsWithIt) {
    const uint64_t used_before = root->memory.used();
    const size_t objects_before = root->memory.objects_in_use();
    Pd* vmm = child(50);
    ASSERT_EQ(call(*root, enc::delegate(OWN, 50, Crd(SpaceKind::HostMemory, H + 0x1000, 2, RW), H + 0x40000)),
              Status::Success);
    ASSERT_EQ(call(*vmm, enc::create_pd(70, OWN, CHILD_QUOTA / 2)), Status::Success);
    ASSERT_EQ(call(*vmm, enc::delegate(OWN, 70, Crd(SpaceKind::HostMemory, H + 0x40000, 1, RW), H + 0x1000)),
              Status::Success);
    size_t tables = hardware.live.size();
    EXPECT_EQ(tables, 3 * Pd::TABLES) << "three PDs";
    ASSERT_EQ(call(*root, enc::revoke(OWN, Crd(SpaceKind::Object, 50, 0, perm::ALL), false)), Status::Success);
    EXPECT_EQ(hardware.live.size(), Pd::TABLES) << "the VMM and the PD it made are gone";
    EXPECT_EQ(root->memory.objects_in_use(), objects_before);
    EXPECT_LE(root->memory.used(), used_before + 2) << "their quotas came back (the root keeps empty slabs)";
    EXPECT_EQ(root->host.lookup(H + 0x1000)->first_child, nullptr);
}

TEST_F(Hypercalls, RunningOutOfKernelMemoryIsAStatus) {
    pages.set_limit(pages.live());
    Status last = Status::Success;
    for (kabi::Selector sel = 40; sel < 40 + 10000 && last == Status::Success; ++sel)
        last = call(*root, enc::create_sm(sel, OWN, 0));
    EXPECT_EQ(last, Status::OutOfMemory);
    pages.set_limit(~size_t(0));
    hardware.exhausted = true;
    EXPECT_EQ(call(*root, enc::create_pd(12000, OWN, CHILD_QUOTA)), Status::OutOfMemory);
    hardware.exhausted = false;
}

namespace {

// A PD's kernel memory is the quota its owner gave it: one that makes
// objects without end runs out of its own, and its owner, the root task
// and every other PD go on making theirs.
TEST_F(Hypercalls, APdThatMakesObjectsWithoutEndExhaustsOnlyItsQuota) {
    Pd* vmm = child(50);
    const uint64_t root_used = root->memory.used();
    Status last = Status::Success;
    size_t made = 0;
    for (kabi::Selector sel = 100; sel < 100 + 100000 && last == Status::Success; ++sel, ++made)
        last = call(*vmm, enc::create_sm(sel, OWN, 0));
    EXPECT_EQ(last, Status::OutOfMemory);
    EXPECT_GT(made, 100u) << "a few pages of semaphores and object-space slots";
    EXPECT_EQ(vmm->memory.limit(), CHILD_QUOTA);
    EXPECT_GE(vmm->memory.used() + 1, CHILD_QUOTA) << "it stopped at its quota";
    EXPECT_EQ(root->memory.used(), root_used) << "and took nothing more from the root's";
    EXPECT_EQ(call(*root, enc::create_sm(40, OWN, 0)), Status::Success) << "the root task goes on";
    kabi::Args q = enc::quota(50);
    ASSERT_EQ(call_for(*root, q), Status::Success);
    EXPECT_EQ(q.p1, CHILD_QUOTA);
    EXPECT_EQ(q.p2, vmm->memory.used());
    // It goes, and its whole quota comes back.
    ASSERT_EQ(call(*root, enc::revoke(OWN, Crd(SpaceKind::Object, 50, 0, perm::ALL), false)), Status::Success);
    EXPECT_LE(root->memory.used(), root_used + 1 - CHILD_QUOTA) << "its quota and its PD object's memory are back";
}

TEST_F(Hypercalls, AQuotaIsRefusedWhenTheOwnerHasNotThatMuchOrItCannotHoldTheTables) {
    const uint64_t used = root->memory.used();
    const size_t objects = root->memory.objects_in_use();
    EXPECT_EQ(call(*root, enc::create_pd(50, OWN, root->memory.available())), Status::OutOfMemory)
        << "the PD object itself needs some of it";
    EXPECT_EQ(call(*root, enc::create_pd(50, OWN, Pd::TABLES - 1)), Status::OutOfMemory) << "one page per table";
    EXPECT_EQ(root->memory.objects_in_use(), objects) << "nothing is left behind";
    EXPECT_LE(root->memory.used(), used + 2) << "but the empty slabs kept for the next PD";
    EXPECT_TRUE(root->objects.slot(50, true)->empty());
    // A child cannot give on more than it has either.
    Pd* vmm = child(50);
    EXPECT_EQ(call(*vmm, enc::create_pd(60, OWN, CHILD_QUOTA)), Status::OutOfMemory);
    EXPECT_EQ(call(*vmm, enc::create_pd(60, OWN, kabi::QUOTA_ALL_LEFT)), Status::Success)
        << "all it has left: the grandchild's tables fit";
    EXPECT_EQ(vmm->memory.available(), 0u);
    EXPECT_EQ(call(*vmm, enc::create_sm(61, OWN, 0)), Status::OutOfMemory) << "it gave everything away";
}

TEST_F(Hypercalls, AQuotaIsReadOnlyWithTheRightToDelegate) {
    Pd* vmm = child(50);
    ASSERT_EQ(call(*root, enc::delegate(OWN, 50, Crd(SpaceKind::Object, 50, 0, perm::PD_CREATE), 51)), Status::Success);
    kabi::Args q = enc::quota(51);
    EXPECT_EQ(call_for(*vmm, q), Status::BadCapability);
    q = enc::quota(OWN);
    ASSERT_EQ(call_for(*vmm, q), Status::Success);
    EXPECT_EQ(q.p1, CHILD_QUOTA);
}

// An object made from a PD's memory but held elsewhere (the root task's
// semaphore, made with the child as owner) outlives the PD; the memory
// stays until it goes, then the whole quota comes back.
TEST_F(Hypercalls, AnObjectThatOutlivesItsOwnerPdKeepsItsMemoryUntilItGoes) {
    child(50);
    const uint64_t quota_out = root->memory.used();
    ASSERT_EQ(call(*root, enc::create_sm(60, 50, 3)), Status::Success);
    ASSERT_EQ(call(*root, enc::revoke(OWN, Crd(SpaceKind::Object, 50, 0, perm::ALL), false)), Status::Success);
    EXPECT_EQ(call(*root, enc::sm_up(60)), Status::Success) << "the semaphore lives on";
    EXPECT_GE(root->memory.used(), quota_out - 1) << "and so does the memory it was made from";
    ASSERT_EQ(call(*root, enc::revoke(OWN, Crd(SpaceKind::Object, 60, 0, perm::ALL), false)), Status::Success);
    EXPECT_LE(root->memory.used(), quota_out + 1 - CHILD_QUOTA) << "its last object took the quota back";
}

}  // namespace
