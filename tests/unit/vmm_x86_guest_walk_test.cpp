// The guest page walker through hand-built tables in every paging mode,
// with the faults a guest would take, a table that maps itself, and
// instruction fetches that cross a page boundary.
#include <gtest/gtest.h>

#include <map>

#include "vmm/x86/guest_walk.hpp"

namespace {

using keel::Status;
using namespace keel::vmm::x86;

constexpr uint64_t P = 1, RW = 2, US = 4, PS = 0x80, XD = 1ull << 63;
constexpr uint64_t CR0_PE = 1, CR0_PG = 1ull << 31;
constexpr uint64_t CR4_PSE = 1 << 4, CR4_PAE = 1 << 5, CR4_LA57 = 1 << 12;
constexpr uint64_t EFER_LME = 1 << 8, EFER_LMA = 1 << 10, EFER_NXE = 1 << 11;

// Guest-physical memory of 8-byte words, zero where not set, nothing from
// `limit` up; counts reads, and fails the test on an unaligned one (the
// walker promises aligned reads).
struct FakeRam {
    std::map<uint64_t, uint64_t> words;
    uint64_t limit = 1ull << 36;
    unsigned reads = 0;

    static bool read(void* ctx, uint64_t gpa, uint64_t& value) {
        auto* self = static_cast<FakeRam*>(ctx);
        EXPECT_EQ(gpa & 7, 0u) << std::hex << gpa;
        ++self->reads;
        if (gpa >= self->limit) return false;
        auto it = self->words.find(gpa);
        value = it == self->words.end() ? 0 : it->second;
        return true;
    }
    GuestPhysical memory() { return {read, this}; }
    void set64(uint64_t gpa, uint64_t v) { words[gpa] = v; }
    void set32(uint64_t gpa, uint32_t v) {
        uint64_t& w = words[gpa & ~uint64_t(7)];
        w = gpa & 4 ? (w & 0xffffffff) | uint64_t(v) << 32 : (w & ~uint64_t(0xffffffff)) | v;
    }
    void bytes(uint64_t gpa, const std::vector<uint8_t>& b) {
        for (size_t i = 0; i < b.size(); ++i) {
            uint64_t& w = words[(gpa + i) & ~uint64_t(7)];
            unsigned shift = 8 * ((gpa + i) & 7);
            w = (w & ~(uint64_t(0xff) << shift)) | uint64_t(b[i]) << shift;
        }
    }
};

Translation ok(const PagingState& ps, uint64_t la, FakeRam& ram) {
    Translation t;
    EXPECT_EQ(translate(ps, la, ram.memory(), t), Status::Ok) << std::hex << la;
    return t;
}

Status fails(const PagingState& ps, uint64_t la, FakeRam& ram, unsigned* level = nullptr) {
    Translation t;
    Status s = translate(ps, la, ram.memory(), t);
    if (level) *level = t.fault_level;
    return s;
}

TEST(X86GuestWalk, PagingOffIsTheIdentityIn32Bits) {
    FakeRam ram;
    PagingState ps{CR0_PE, 0, 0, 0};
    EXPECT_EQ(ok(ps, 0x12345678, ram).gpa, 0x12345678u);
    EXPECT_EQ(ok(ps, 0x1'0000'1000, ram).gpa, 0x1000u);
    EXPECT_EQ(ram.reads, 0u);
}

TEST(X86GuestWalk, ThirtyTwoBitPaging) {
    FakeRam ram;
    PagingState ps{CR0_PE | CR0_PG, 0x1000, 0, 0};
    ram.set32(0x1000 + 1 * 4, 0x2000 | P | RW | US);  // PDE 1: 0x00400000-0x007fffff
    ram.set32(0x2000 + 3 * 4, 0x7000 | P | US);  // PTE 3, read-only
    Translation t = ok(ps, 0x00403abc, ram);
    EXPECT_EQ(t.gpa, 0x7abcu);
    EXPECT_EQ(t.page_size, 4096u);
    EXPECT_FALSE(t.writable);
    EXPECT_TRUE(t.user);
    unsigned level = 0;
    EXPECT_EQ(fails(ps, 0x00404000, ram, &level), Status::NotFound);
    EXPECT_EQ(level, 1u);
    EXPECT_EQ(fails(ps, 0x00c00000, ram, &level), Status::NotFound);
    EXPECT_EQ(level, 2u);
    // 4 MiB pages only with CR4.PSE; PSE-36 puts bits 39:32 in 20:13.
    ram.set32(0x1000 + 2 * 4, 0x00c00000 | 0x3 << 13 | PS | P | RW);
    ps.cr4 = CR4_PSE;
    t = ok(ps, 0x00812345, ram);
    EXPECT_EQ(t.gpa, 0x3'00c1'2345u);
    EXPECT_EQ(t.page_size, 4u << 20);
    ram.set32(0x1000 + 3 * 4, 0x00c00000 | 1 << 21 | PS | P);
    EXPECT_EQ(fails(ps, 0x00c00000, ram), Status::Malformed) << "bit 21 of a 4 MiB PDE";
    ps.cr4 = 0;
    ram.set32(0x00c06000 + 0x12 * 4, 0x9000 | P);  // PDE 2 read as a table pointer
    EXPECT_EQ(ok(ps, 0x00812345, ram).gpa, 0x9345u) << "without PSE, PS is ignored";
}

TEST(X86GuestWalk, Pae) {
    FakeRam ram;
    PagingState ps{CR0_PE | CR0_PG, 0x3020, CR4_PAE, 0};  // the PDPT is 32-byte aligned
    ram.set64(0x3020 + 2 * 8, 0x4000 | P);  // PDPTE 2: 0x80000000-0xbfffffff
    ram.set64(0x4000 + 1 * 8, 0x5000 | P | RW);  // PDE 1
    ram.set64(0x5000 + 0x10 * 8, 0x1'2345'6000 | P | RW);  // above 4 GiB
    ram.set64(0x4000 + 2 * 8, 0x4060'0000 | PS | P);  // a 2 MiB page
    Translation t = ok(ps, 0x80210abc, ram);
    EXPECT_EQ(t.gpa, 0x1'2345'6abcu);
    EXPECT_TRUE(t.writable);
    EXPECT_FALSE(t.user);
    EXPECT_TRUE(t.executable);
    t = ok(ps, 0x80512345, ram);
    EXPECT_EQ(t.gpa, 0x4071'2345u);
    EXPECT_EQ(t.page_size, 2u << 20);
    ram.set64(0x4000 + 3 * 8, 0x4080'0000 | 1 << 13 | PS | P);
    EXPECT_EQ(fails(ps, 0x80600000, ram), Status::Malformed) << "bit 13 of a 2 MiB PDE";
    ram.set64(0x4000 + 4 * 8, 0x6000 | XD | P);
    unsigned level = 0;
    EXPECT_EQ(fails(ps, 0x80800000, ram, &level), Status::Malformed) << "XD without EFER.NXE";
    EXPECT_EQ(level, 2u);
    ram.set64(0x6000, 0x7000 | P);
    ps.efer = EFER_NXE;
    EXPECT_FALSE(ok(ps, 0x80800000, ram).executable);
    ram.set64(0x3020, 0x8000 | RW | P);
    EXPECT_EQ(fails(ps, 0x100, ram, &level), Status::Malformed) << "R/W is reserved in a PAE PDPTE";
    EXPECT_EQ(level, 3u);
    ram.set64(0x3020 + 1 * 8, 0x10'0000'0000 | P);
    EXPECT_EQ(fails(ps, 0x40000000, ram, &level), Status::Truncated) << "a PD outside the guest's RAM";
    EXPECT_EQ(level, 2u);
}

struct LongMode : ::testing::Test {
    FakeRam ram;
    PagingState ps{CR0_PE | CR0_PG, 0x10000, CR4_PAE, EFER_LME | EFER_LMA | EFER_NXE};
    void SetUp() override {
        // 0xffff8000'0000'0000 + ...: PML4 256 -> PDPT 0x11000.
        ram.set64(0x10000 + 256 * 8, 0x11000 | P | RW | US);
        ram.set64(0x11000 + 0 * 8, 0x12000 | P | RW | US);  // PDPTE 0 -> PD
        ram.set64(0x12000 + 0 * 8, 0x13000 | P | RW);  // PDE 0 -> PT, supervisor
        ram.set64(0x13000 + 5 * 8, 0xfee00000 | P | RW | US | XD);  // PTE 5: the APIC
        ram.set64(0x12000 + 1 * 8, 0x2'0020'0000 | PS | P | RW | US);  // a 2 MiB page
        ram.set64(0x11000 + 1 * 8, 0x80'4000'0000 | PS | P | US);  // a 1 GiB page
    }
};

TEST_F(LongMode, FourKiB2MiBAnd1GiBPages) {
    Translation t = ok(ps, 0xffff800000005123, ram);
    EXPECT_EQ(t.gpa, 0xfee00123u);
    EXPECT_TRUE(t.writable);
    EXPECT_FALSE(t.user) << "the PDE is supervisor";
    EXPECT_FALSE(t.executable);
    EXPECT_EQ(ram.reads, 4u);
    t = ok(ps, 0xffff800000345678, ram);
    EXPECT_EQ(t.gpa, 0x2'0034'5678u);
    EXPECT_EQ(t.page_size, 2u << 20);
    EXPECT_TRUE(t.user);
    t = ok(ps, 0xffff80007fffffff, ram);
    EXPECT_EQ(t.gpa, 0x80'7fff'ffffu);
    EXPECT_EQ(t.page_size, 1u << 30);
    EXPECT_FALSE(t.writable);
}

TEST_F(LongMode, Faults) {
    unsigned level = 0;
    EXPECT_EQ(fails(ps, 0x0000000000001000, ram, &level), Status::NotFound);
    EXPECT_EQ(level, 4u);
    EXPECT_EQ(fails(ps, 0xffff800000006000, ram, &level), Status::NotFound);
    EXPECT_EQ(level, 1u);
    EXPECT_EQ(fails(ps, 0x0000800000000000, ram), Status::BadArgument) << "non-canonical";
    ram.set64(0x10000 + 1 * 8, 0x20000 | PS | P);
    EXPECT_EQ(fails(ps, 0x0000008000000000, ram, &level), Status::Malformed) << "PS in a PML4E";
    EXPECT_EQ(level, 4u);
    ram.set64(0x11000 + 2 * 8, 0x80'4000'0000 | 1 << 20 | PS | P);
    EXPECT_EQ(fails(ps, 0xffff800080000000, ram), Status::Malformed) << "bit 20 of a 1 GiB PDPTE";
    ram.set64(0x13000 + 6 * 8, 1ull << 45 | 0x1000 | P);
    EXPECT_EQ(ok(ps, 0xffff800000006000, ram).gpa, 1ull << 45 | 0x1000);
    ps.physical_address_bits = 40;
    EXPECT_EQ(fails(ps, 0xffff800000006000, ram, &level), Status::Malformed) << "above MAXPHYADDR";
    EXPECT_EQ(level, 1u);
    ps.efer &= ~EFER_NXE;
    EXPECT_EQ(fails(ps, 0xffff800000005000, ram), Status::Malformed) << "XD without EFER.NXE";
    ps.cr4 |= CR4_LA57;
    EXPECT_EQ(fails(ps, 0xffff800000005000, ram), Status::Unsupported);
}

TEST_F(LongMode, ATableThatMapsItselfEndsAfterFourReads) {
    ram.set64(0x10000 + 511 * 8, 0x10000 | P | RW);  // the recursive slot
    ram.reads = 0;
    // Through slot 511 at every level the PML4 is the page itself.
    Translation t = ok(ps, 0xfffffffffffff000 + 256 * 8, ram);
    EXPECT_EQ(t.gpa, 0x10000u + 256 * 8);
    EXPECT_EQ(ram.reads, 4u);
    // Every entry of a table pointing at that table, with PS where legal
    // (a 1 GiB page of the table itself): still bounded.
    FakeRam loop;
    for (unsigned i = 0; i < 512; ++i) loop.set64(0x10000 + i * 8, 0x10000 | P | RW);
    PagingState lps = ps;
    for (uint64_t la : {0x0ull, 0x7fffffffffffull, 0xffff800000000000ull, 0x123456789000ull}) {
        loop.reads = 0;
        EXPECT_EQ(ok(lps, la, loop).gpa, 0x10000u | (la & 0xfff));
        EXPECT_LE(loop.reads, 4u);
    }
}

TEST(X86GuestWalk, FetchCrossesIntoTheNextPageSeparately) {
    FakeRam ram;
    PagingState ps{CR0_PE | CR0_PG, 0x1000, 0, 0};
    ram.set32(0x1000, 0x2000 | P);
    ram.set32(0x2000 + 0x10 * 4, 0x9000 | P);  // linear 0x10000 -> 0x9000
    ram.set32(0x2000 + 0x11 * 4, 0x5000 | P);  // linear 0x11000 -> 0x5000: not contiguous
    ram.bytes(0x9ffd, {0xc7, 0x05, 0x34});
    ram.bytes(0x5000, {0x12, 0, 0, 0xef, 0xbe, 0xad, 0xde, 0x90, 0x90, 0x90, 0x90, 0x90});
    uint8_t out[15];
    size_t got = 0;
    ASSERT_EQ(fetch_instruction(ps, 0x10ffd, ram.memory(), out, got), Status::Ok);
    ASSERT_EQ(got, 15u);
    EXPECT_EQ(out[0], 0xc7);
    EXPECT_EQ(out[2], 0x34);
    EXPECT_EQ(out[3], 0x12);
    EXPECT_EQ(out[9], 0xde);
    // The next page not present: what the first had, the decoder decides.
    ASSERT_EQ(fetch_instruction(ps, 0x11ffe, ram.memory(), out, got), Status::Ok);
    EXPECT_EQ(got, 2u);
    EXPECT_EQ(fetch_instruction(ps, 0x12000, ram.memory(), out, got), Status::NotFound);
    EXPECT_EQ(got, 0u);
    // Paging off: 32-bit linear addresses wrap.
    PagingState off{CR0_PE, 0, 0, 0};
    ram.bytes(0xfffffff8, {1, 2, 3, 4, 5, 6, 7, 8});
    ram.bytes(0, {9, 10, 11, 12, 13, 14, 15, 16});
    ASSERT_EQ(fetch_instruction(off, 0xfffffffc, ram.memory(), out, got), Status::Ok);
    EXPECT_EQ(got, 15u);
    EXPECT_EQ(out[0], 5);
    EXPECT_EQ(out[4], 9);
}

TEST(X86GuestWalk, CodeAddress) {
    keel::abi::VcpuState s{};
    s.cs.base = 0xf0000;
    s.rip = 0xfff0;
    EXPECT_EQ(code_address(s), 0xffff0u);
    s.cr0 = CR0_PE | CR0_PG;
    s.efer = EFER_LMA | EFER_LME;
    s.cs.attributes = 1 << 9;
    s.rip = 0xffffffff81000000;
    EXPECT_EQ(code_address(s), 0xffffffff81000000u) << "64-bit mode: CS.base does not count";
    PagingState ps = paging_of(s, 46);
    EXPECT_EQ(ps.physical_address_bits, 46);
    EXPECT_EQ(ps.efer, s.efer);
}

}  // namespace
