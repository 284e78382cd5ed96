// Object capabilities: spaces of selectors, delegation that never adds
// permissions, and recursive revocation across spaces
// (hypervisor/kernel/capability, object_space).
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "heap_pages.hpp"
#include "hypervisor/kernel/object_space.hpp"

using namespace keel;
using keel::abi::ObjectType;
namespace perm = keel::abi::perm;

namespace {

struct FakeObject : Kobject {
    static inline int destroyed = 0;
    explicit FakeObject(ObjectType t = ObjectType::Pt) : Kobject(t, [](Kobject&) { ++destroyed; }) {}
};

class Capabilities : public ::testing::Test {
protected:
    void SetUp() override { FakeObject::destroyed = 0; }
    Capability& at(ObjectSpace& s, keel::abi::Selector sel) {
        Capability* c = s.slot(sel, true);
        EXPECT_NE(c, nullptr);
        return *c;
    }
    test::HeapPages pages;
    ObjectSpace root{pages}, vmm{pages}, guest{pages};
};

}  // namespace

TEST_F(Capabilities, LookupChecksTypeAndPermissions) {
    FakeObject pt;
    mdb::insert_root(at(root, 40), pt, perm::PT_CALL);
    EXPECT_NE(root.lookup(40, ObjectType::Pt, perm::PT_CALL), nullptr);
    EXPECT_EQ(root.lookup(40, ObjectType::Pt, perm::PT_CALL | perm::PT_CTRL), nullptr);
    EXPECT_EQ(root.lookup(40, ObjectType::Sm, 0), nullptr) << "another type";
    EXPECT_EQ(root.lookup(41, ObjectType::Pt, 0), nullptr) << "an empty slot";
    EXPECT_EQ(root.lookup(ObjectSpace::SELECTORS, ObjectType::Pt, 0), nullptr) << "beyond the space";
    EXPECT_EQ(root.lookup(~uint64_t(0), ObjectType::Pt, 0), nullptr);
    root.revoke_all();
}

TEST_F(Capabilities, DelegationNeverAddsPermissions) {
    FakeObject sm(ObjectType::Sm);
    mdb::insert_root(at(root, 40), sm, perm::SM_UP);
    mdb::derive(at(root, 40), at(vmm, 50), perm::ALL);
    EXPECT_EQ(at(vmm, 50).perms, perm::SM_UP);
    EXPECT_EQ(vmm.lookup(50, ObjectType::Sm, perm::SM_DOWN), nullptr);
    EXPECT_EQ(sm.capabilities, 2u);
    root.revoke_all();
    vmm.revoke_all();
}

// Root -> VMM -> guest's PD, and a second branch: revoking the root's
// capability empties every slot derived from it, in every space, and the
// object goes when its last capability does.
TEST_F(Capabilities, RevocationIsRecursiveAcrossSpaces) {
    auto* pt = new FakeObject;
    mdb::insert_root(at(root, 40), *pt, perm::ALL);
    mdb::derive(at(root, 40), at(vmm, 50), perm::PT_CALL | perm::PT_CTRL);
    mdb::derive(at(vmm, 50), at(guest, 60), perm::PT_CALL);
    mdb::derive(at(vmm, 50), at(guest, 61), perm::PT_CALL);
    mdb::derive(at(root, 40), at(vmm, 51), perm::PT_CALL);
    EXPECT_EQ(pt->capabilities, 5u);

    EXPECT_EQ(mdb::revoke(at(vmm, 50), true), 2u) << "children only";
    EXPECT_TRUE(at(guest, 60).empty());
    EXPECT_TRUE(at(guest, 61).empty());
    EXPECT_FALSE(at(vmm, 50).empty());

    mdb::derive(at(vmm, 50), at(guest, 60), perm::PT_CALL);
    EXPECT_EQ(mdb::revoke(at(root, 40), false), 4u);
    for (auto* c : {&at(root, 40), &at(vmm, 50), &at(vmm, 51), &at(guest, 60)}) EXPECT_TRUE(c->empty());
    EXPECT_EQ(FakeObject::destroyed, 1) << "the last capability took the object with it";
    delete pt;
}

TEST_F(Capabilities, ReducingPermissionsReachesEveryDescendant) {
    FakeObject sm(ObjectType::Sm);
    mdb::insert_root(at(root, 40), sm, perm::SM_UP | perm::SM_DOWN);
    mdb::derive(at(root, 40), at(vmm, 50), perm::ALL);
    mdb::derive(at(vmm, 50), at(guest, 60), perm::ALL);
    mdb::derive(at(root, 40), at(vmm, 51), perm::SM_DOWN);
    mdb::reduce(at(vmm, 50), perm::SM_DOWN, false);
    EXPECT_EQ(at(root, 40).perms, perm::SM_UP | perm::SM_DOWN) << "the parent keeps what it has";
    EXPECT_EQ(at(vmm, 50).perms, perm::SM_UP);
    EXPECT_EQ(at(guest, 60).perms, perm::SM_UP);
    EXPECT_EQ(at(vmm, 51).perms, perm::SM_DOWN) << "a sibling branch is untouched";
    root.revoke_all();
}

// A chain as long as a hostile PD can make (each delegating to the next)
// must revoke without recursion.
TEST_F(Capabilities, RevokingALongChainUsesNoRecursion) {
    FakeObject pt;
    std::vector<std::unique_ptr<ObjectSpace>> spaces;
    spaces.push_back(std::make_unique<ObjectSpace>(pages));
    mdb::insert_root(*spaces[0]->slot(40, true), pt, perm::ALL);
    for (int i = 1; i < 20000; ++i) {
        spaces.push_back(std::make_unique<ObjectSpace>(pages));
        mdb::derive(*spaces[i - 1]->slot(40, false), *spaces[i]->slot(40, true), perm::ALL);
    }
    EXPECT_EQ(mdb::revoke(*spaces[0]->slot(40, false), false), 20000u);
    EXPECT_EQ(pt.capabilities, 0u);
}

TEST_F(Capabilities, SpacesTakePagesOnlyForSelectorsInUseAndReturnThem) {
    {
        ObjectSpace s(pages);
        EXPECT_EQ(s.slot(100, false), nullptr);
        EXPECT_EQ(pages.live(), 0u);
        FakeObject pt;
        mdb::insert_root(*s.slot(100, true), pt, perm::ALL);
        mdb::insert_root(*s.slot(ObjectSpace::SELECTORS - 1, true), pt, perm::ALL);
        EXPECT_EQ(pages.live(), 2u);
        EXPECT_EQ(s.revoke_all(), 2u);
    }
    EXPECT_EQ(pages.live(), 0u);
    pages.set_limit(0);
    ObjectSpace s(pages);
    EXPECT_EQ(s.slot(5, true), nullptr) << "out of kernel memory: no slot, no crash";
}

TEST_F(Capabilities, OnlyEmptySlotsCanReceiveACapability) {
    FakeObject a, b;
    mdb::insert_root(at(root, 40), a, perm::ALL);
    EXPECT_DEATH(mdb::insert_root(at(root, 40), b, perm::ALL), "invariant broken");
    EXPECT_DEATH(mdb::derive(at(root, 41), at(vmm, 50), perm::ALL), "invariant broken") << "from an empty slot";
    root.revoke_all();
}
