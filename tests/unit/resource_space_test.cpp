// Memory spaces: memory reaches a PD only by delegation from a PD that holds
// it, never with more permissions, and revocation unmaps everything derived,
// in every space, before it returns (hypervisor/kernel/resource_space).
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <utility>

#include "heap_pages.hpp"
#include "hypervisor/kernel/resource_space.hpp"

using namespace keel;
using keel::abi::Status;
namespace perm = keel::abi::perm;

namespace {

// A page table as the space drives it: page -> (frame, permissions).
class FakeTable final : public ResourceSpace::Hardware {
public:
    bool map(uint64_t page, uint64_t frame, uint64_t count, uint8_t perms) override {
        if (fail_next_map) {
            fail_next_map = false;
            return false;
        }
        for (uint64_t i = 0; i < count; ++i) {
            EXPECT_EQ(pages.count(page + i), 0u) << "mapped twice";
            pages[page + i] = {frame + i, perms};
        }
        return true;
    }
    void protect(uint64_t page, uint64_t count, uint8_t perms) override {
        for (uint64_t i = 0; i < count; ++i) {
            ASSERT_EQ(pages.count(page + i), 1u);
            EXPECT_EQ(perms & ~pages[page + i].second, 0) << "protect may only take permissions away";
            pages[page + i].second = perms;
        }
    }
    void unmap(uint64_t page, uint64_t count) override {
        for (uint64_t i = 0; i < count; ++i) EXPECT_EQ(pages.erase(page + i), 1u) << "unmapping what is not mapped";
        ++unmaps;
    }
    bool mapped(uint64_t page) const override { return pages.count(page) != 0; }
    std::map<uint64_t, std::pair<uint64_t, uint8_t>> pages;
    bool fail_next_map = false;
    int unmaps = 0;
};

constexpr uint64_t SPACE = uint64_t(1) << 35;  // the user half of a 48-bit address space, in pages
constexpr uint8_t RW = perm::MEM_R | perm::MEM_W, RWX = RW | perm::MEM_X;

class ResourceSpaces : public ::testing::Test {
protected:
    test::HeapPages pages;
    KernelMemory nodes{pages, 1 << 20};
    FakeTable root_hw, vmm_hw, guest_hw;
    std::unique_ptr<ResourceSpace> root = std::make_unique<ResourceSpace>(nodes, root_hw, 0, SPACE),
                                   vmm = std::make_unique<ResourceSpace>(nodes, vmm_hw, 0, SPACE),
                                   guest = std::make_unique<ResourceSpace>(nodes, guest_hw, 0, SPACE);
    void SetUp() override { ASSERT_EQ(root->grant_root(0x100, 0x100, 0x1000, RWX), Status::Success); }
};

}  // namespace

TEST_F(ResourceSpaces, DelegatedFramesAreMappedWithAtMostTheSourcesPermissions) {
    ASSERT_EQ(root->delegate(*vmm, 0x200, 0x10, 0x4000, RW), Status::Success);
    EXPECT_EQ(vmm_hw.pages.size(), 0x10u);
    EXPECT_EQ(vmm_hw.pages[0x4000], std::make_pair(uint64_t(0x200), RW));
    EXPECT_EQ(vmm_hw.pages[0x400f].first, 0x20fu);
    // The VMM passes on part of it, asking for more than it has.
    ASSERT_EQ(vmm->delegate(*guest, 0x4008, 4, 0x0, RWX), Status::Success);
    EXPECT_EQ(guest_hw.pages[0x0], std::make_pair(uint64_t(0x208), RW)) << "no X: the VMM never had it";
    EXPECT_EQ(guest->lookup(3)->frame, 0x208u);
    EXPECT_EQ(guest->lookup(4), nullptr);
}

// The whitelist: a space can pass on only what it holds.
TEST_F(ResourceSpaces, NothingIsDelegatedThatTheSourceDoesNotHold) {
    EXPECT_EQ(vmm->delegate(*guest, 0x4000, 1, 0, RW), Status::BadCapability) << "the VMM holds nothing yet";
    EXPECT_EQ(root->delegate(*vmm, 0x50, 1, 0, RW), Status::BadCapability) << "below the root's memory";
    EXPECT_EQ(root->delegate(*vmm, 0x10ff, 2, 0, RW), Status::BadParameter) << "runs past the mapping";
    EXPECT_EQ(root->delegate(*vmm, 0x200, 0, 0, RW), Status::BadParameter) << "empty";
    EXPECT_EQ(root->delegate(*vmm, 0x200, 1, SPACE, RW), Status::BadParameter) << "beyond the destination";
    EXPECT_EQ(root->delegate(*vmm, 0x200, 1, ~uint64_t(0), RW), Status::BadParameter);
    EXPECT_EQ(root->delegate(*vmm, 0x200, 1, 0, 0), Status::BadParameter) << "no permissions";
    ASSERT_EQ(root->delegate(*vmm, 0x200, 2, 0, RW), Status::Success);
    EXPECT_EQ(root->delegate(*vmm, 0x300, 1, 1, RW), Status::Busy) << "the destination is in use";
    EXPECT_EQ(vmm_hw.pages.size(), 2u);
}

TEST_F(ResourceSpaces, RevocationUnmapsEverythingDerivedInEverySpace) {
    ASSERT_EQ(root->delegate(*vmm, 0x200, 0x10, 0x4000, RW), Status::Success);
    ASSERT_EQ(vmm->delegate(*guest, 0x4000, 8, 0x0, RW), Status::Success);
    ASSERT_EQ(vmm->delegate(*guest, 0x4008, 8, 0x100, RW), Status::Success);
    // Children only: the VMM keeps its memory, the guest loses all of it.
    ASSERT_EQ(vmm->revoke(0x4000, 0x10, perm::ALL, true), Status::Success);
    EXPECT_TRUE(guest_hw.pages.empty());
    EXPECT_EQ(guest->mappings(), 0u);
    EXPECT_EQ(vmm_hw.pages.size(), 0x10u);
    // The root takes back its whole range: the VMM's and a new guest mapping go.
    ASSERT_EQ(vmm->delegate(*guest, 0x4000, 1, 0x0, RW), Status::Success);
    ASSERT_EQ(root->revoke(0x100, 0x1000, perm::ALL, true), Status::Success);
    EXPECT_TRUE(vmm_hw.pages.empty());
    EXPECT_TRUE(guest_hw.pages.empty());
    EXPECT_EQ(root_hw.pages.size(), 0x1000u);
    EXPECT_EQ(nodes.objects_in_use(), 1u) << "only the root's own mapping is left";
}

TEST_F(ResourceSpaces, TakingAPermissionAwayReachesEveryDescendantsPageTable) {
    ASSERT_EQ(root->delegate(*vmm, 0x200, 4, 0x4000, RWX), Status::Success);
    ASSERT_EQ(vmm->delegate(*guest, 0x4000, 4, 0x0, RWX), Status::Success);
    ASSERT_EQ(vmm->revoke(0x4000, 4, perm::MEM_W, false), Status::Success);
    EXPECT_EQ(vmm_hw.pages[0x4000].second, perm::MEM_R | perm::MEM_X);
    EXPECT_EQ(guest_hw.pages[0x3].second, perm::MEM_R | perm::MEM_X);
    EXPECT_EQ(root_hw.pages[0x200].second, RWX) << "the source keeps what it has";
    ASSERT_EQ(root->revoke(0x100, 0x1000, perm::MEM_X, true), Status::Success);
    EXPECT_EQ(guest_hw.pages[0x3].second, perm::MEM_R);
    EXPECT_EQ(root_hw.pages[0x200].second, RWX);
}

TEST_F(ResourceSpaces, ARevocationThatCutsAMappingIsRefusedWhole) {
    ASSERT_EQ(root->delegate(*vmm, 0x200, 8, 0x4000, RW), Status::Success);
    EXPECT_EQ(vmm->revoke(0x4000, 4, perm::ALL, false), Status::BadParameter);
    EXPECT_EQ(vmm->revoke(0x4004, 8, perm::ALL, false), Status::BadParameter);
    EXPECT_EQ(vmm_hw.pages.size(), 8u) << "nothing changed";
    EXPECT_EQ(vmm->revoke(0x3000, 0x2000, perm::ALL, false), Status::Success) << "a range around it is fine";
    EXPECT_TRUE(vmm_hw.pages.empty());
    EXPECT_EQ(vmm->revoke(0x3000, 0x2000, perm::ALL, false), Status::Success) << "nothing left to revoke";
}

TEST_F(ResourceSpaces, RunningOutOfKernelMemoryChangesNothing) {
    pages.set_limit(pages.live());  // the slab's current pages are all there is
    size_t made = 0;
    while (root->delegate(*vmm, 0x200 + made, 1, made, RW) == Status::Success) ++made;
    EXPECT_EQ(root->delegate(*vmm, 0x200 + made, 1, made, RW), Status::OutOfMemory);
    EXPECT_EQ(vmm->mappings(), made);
    EXPECT_EQ(vmm_hw.pages.size(), made);
    pages.set_limit(~size_t(0));
    // The page table cannot grow: the node goes again, nothing is mapped.
    vmm_hw.fail_next_map = true;
    size_t in_use = nodes.objects_in_use();
    EXPECT_EQ(root->delegate(*vmm, 0x800, 1, 0x800, RW), Status::OutOfMemory);
    EXPECT_EQ(nodes.objects_in_use(), in_use);
    EXPECT_EQ(vmm->lookup(0x800), nullptr);
}

TEST_F(ResourceSpaces, ADestroyedSpaceTakesWhatItDelegatedWithIt) {
    ASSERT_EQ(root->delegate(*vmm, 0x200, 4, 0x4000, RW), Status::Success);
    ASSERT_EQ(vmm->delegate(*guest, 0x4000, 4, 0x0, RW), Status::Success);
    vmm.reset();
    EXPECT_TRUE(guest_hw.pages.empty());
    EXPECT_EQ(guest->mappings(), 0u);
    EXPECT_EQ(root_hw.pages.size(), 0x1000u);
}

TEST_F(ResourceSpaces, KernelRootsAreCheckedToo) {
    EXPECT_EQ(vmm->grant_root(SPACE - 1, 0, 2, RW), Status::BadParameter);
    EXPECT_EQ(vmm->grant_root(0, ~uint64_t(0), 2, RW), Status::BadParameter) << "frames wrap";
    EXPECT_EQ(root->grant_root(0x800, 0, 1, RW), Status::Busy);
}

// I/O ports and MSRs are themselves: a delegated port keeps its number, and
// no range moves between a memory space and a port space.
TEST_F(ResourceSpaces, PortsAndMsrsKeepTheirNumbers) {
    FakeTable root_ports_hw, vmm_ports_hw;
    ResourceSpace root_ports(nodes, root_ports_hw, 0, 1 << 16, true), vmm_ports(nodes, vmm_ports_hw, 0, 1 << 16, true);
    EXPECT_EQ(root_ports.grant_root(0x3f8, 0x2f8, 8, perm::PIO_ACCESS), Status::BadParameter) << "a port is itself";
    ASSERT_EQ(root_ports.grant_root(0x2f8, 0x2f8, 8, perm::PIO_ACCESS), Status::Success);
    EXPECT_EQ(root_ports.delegate(vmm_ports, 0x2f8, 8, 0x3f8, perm::PIO_ACCESS), Status::BadParameter);
    EXPECT_EQ(root_ports.delegate(*vmm, 0x2f8, 8, 0x2f8, perm::PIO_ACCESS), Status::BadParameter)
        << "ports into a memory space";
    EXPECT_EQ(root->delegate(vmm_ports, 0x100, 1, 0x100, perm::MEM_R), Status::BadParameter)
        << "memory into a port space";
    ASSERT_EQ(root_ports.delegate(vmm_ports, 0x2f8, 8, 0x2f8, perm::PIO_ACCESS), Status::Success);
    EXPECT_EQ(vmm_ports_hw.pages[0x2fd].first, 0x2fdu);
    EXPECT_EQ(vmm_ports.delegate(vmm_ports, 0x2f8, 1, 0x2f8, perm::PIO_ACCESS), Status::Busy);
    ASSERT_EQ(root_ports.revoke(0x2f8, 8, perm::ALL, true), Status::Success);
    EXPECT_TRUE(vmm_ports_hw.pages.empty());
}
