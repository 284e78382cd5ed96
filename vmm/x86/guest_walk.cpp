#include "vmm/x86/guest_walk.hpp"

#include "vmm/x86/decoder.hpp"

namespace keel::vmm::x86 {
namespace {

constexpr uint64_t CR0_PG = 1ull << 31;
constexpr uint64_t CR4_PSE = 1 << 4, CR4_PAE = 1 << 5, CR4_LA57 = 1 << 12;
constexpr uint64_t EFER_NXE = 1 << 11, EFER_LMA = 1 << 10;
constexpr uint64_t P = 1 << 0, RW = 1 << 1, US = 1 << 2, PS = 1 << 7, XD = 1ull << 63;
constexpr uint64_t PAGE = 4096;

uint64_t low_bits(unsigned n) { return n >= 64 ? ~uint64_t(0) : (uint64_t(1) << n) - 1; }

bool read_entry(GuestPhysical mem, uint64_t gpa, uint64_t& value) {
    value = 0;
    return mem.read && mem.read(mem.ctx, gpa, value);
}

// A 4-byte entry of 32-bit paging: half of the aligned 8 bytes, so that no
// read crosses the table's page.
bool read_entry32(GuestPhysical mem, uint64_t gpa, uint32_t& value) {
    uint64_t q;
    if (!read_entry(mem, gpa & ~uint64_t(7), q)) return false;
    value = uint32_t(gpa & 4 ? q >> 32 : q);
    return true;
}

Status fault(Translation& out, unsigned level, Status s) {
    out = {};
    out.fault_level = level;
    return s;
}

Status walk32(const PagingState& ps, uint32_t la, GuestPhysical mem, Translation& out) {
    uint32_t pde, pte;
    if (!read_entry32(mem, (ps.cr3 & 0xfffff000) + (la >> 22) * 4, pde)) return fault(out, 2, Status::Truncated);
    if (!(pde & P)) return fault(out, 2, Status::NotFound);
    if ((pde & PS) && (ps.cr4 & CR4_PSE)) {
        // PSE-36: bits 20:13 hold physical address bits 39:32; bit 21 is reserved.
        uint64_t high = pde >> 13 & 0xff;
        unsigned m = ps.physical_address_bits;
        if ((pde & (1 << 21)) || (m < 40 && (high >> (m > 32 ? m - 32 : 0)))) return fault(out, 2, Status::Malformed);
        out = {(pde & 0xffc00000) | high << 32 | (la & 0x3fffff), 4 << 20, bool(pde & RW), bool(pde & US), true};
        return Status::Ok;
    }
    if (!read_entry32(mem, (pde & 0xfffff000) + (la >> 12 & 0x3ff) * 4, pte)) return fault(out, 1, Status::Truncated);
    if (!(pte & P)) return fault(out, 1, Status::NotFound);
    out = {(pte & 0xfffff000) | (la & 0xfff), PAGE, bool(pde & pte & RW), bool(pde & pte & US), true};
    return Status::Ok;
}

// PAE and long mode: 8-byte entries, 9 bits per level, from the PDPT (PAE)
// or the PML4 (long mode) down; at most four reads.
Status walk64(const PagingState& ps, uint64_t la, GuestPhysical mem, Translation& out) {
    bool long_mode = ps.efer & EFER_LMA;
    unsigned m = ps.physical_address_bits < 52 ? ps.physical_address_bits : 52;
    uint64_t address = low_bits(m) & ~(PAGE - 1);
    // Above MAXPHYADDR: up to bit 51 in long mode, up to 62 in PAE.
    uint64_t reserved = (long_mode ? low_bits(52) : low_bits(63)) & ~low_bits(m);
    if (!(ps.efer & EFER_NXE)) reserved |= XD;
    bool writable = true, user = true, executable = true;
    unsigned level = 4;
    uint64_t table = ps.cr3 & address;
    if (!long_mode) {
        uint64_t pdpte;
        if (!read_entry(mem, (ps.cr3 & 0xffffffe0) + (la >> 30 & 3) * 8, pdpte))
            return fault(out, 3, Status::Truncated);
        if (!(pdpte & P)) return fault(out, 3, Status::NotFound);
        // A PAE PDPTE has no R/W, U/S or XD; bits 2:1 and 8:5 are reserved.
        if (pdpte & ((low_bits(64) & ~low_bits(m)) | 0x1e6)) return fault(out, 3, Status::Malformed);
        table = pdpte & address;
        level = 2;
    }
    for (; level >= 1; --level) {
        unsigned shift = 12 + 9 * (level - 1);
        uint64_t e;
        if (!read_entry(mem, table + (la >> shift & 0x1ff) * 8, e)) return fault(out, level, Status::Truncated);
        if (!(e & P)) return fault(out, level, Status::NotFound);
        bool large = (level == 2 || level == 3) && (e & PS);
        uint64_t rsv = reserved;
        if (level == 4) rsv |= PS;
        if (large) rsv |= low_bits(shift) & ~low_bits(13);  // between PAT (bit 12) and the frame
        if (e & rsv) return fault(out, level, Status::Malformed);
        writable = writable && (e & RW);
        user = user && (e & US);
        executable = executable && !((ps.efer & EFER_NXE) && (e & XD));
        if (large || level == 1) {
            uint64_t offset = low_bits(shift);
            out = {(e & address & ~offset) | (la & offset), uint64_t(1) << shift, writable, user, executable};
            return Status::Ok;
        }
        table = e & address;
    }
    return fault(out, 1, Status::Malformed);  // not reached: level 1 always ends the walk
}

}  // namespace

PagingState paging_of(const abi::VcpuState& s, uint8_t physical_address_bits) {
    return {s.cr0, s.cr3, s.cr4, s.efer, physical_address_bits};
}

Status translate(const PagingState& ps, uint64_t linear, GuestPhysical mem, Translation& out) {
    bool long_mode = ps.efer & EFER_LMA;
    if (!(ps.cr0 & CR0_PG)) {
        out = {linear & 0xffffffff, PAGE, true, true, true};
        return Status::Ok;
    }
    if (long_mode) {
        if (ps.cr4 & CR4_LA57) return fault(out, 5, Status::Unsupported);
        if (uint64_t(int64_t(linear << 16) >> 16) != linear) return fault(out, 0, Status::BadArgument);
        return walk64(ps, linear, mem, out);
    }
    if (ps.cr4 & CR4_PAE) return walk64(ps, linear & 0xffffffff, mem, out);
    return walk32(ps, uint32_t(linear), mem, out);
}

uint64_t code_address(const abi::VcpuState& s) {
    if (mode_of(s) == Mode::Bits64) return s.rip;
    return (s.cs.base + s.rip) & 0xffffffff;
}

Status fetch_instruction(const PagingState& ps, uint64_t linear, GuestPhysical mem, uint8_t out[15], size_t& got) {
    got = 0;
    bool wraps32 = !(ps.efer & EFER_LMA);
    uint64_t la = linear;
    while (got < MAX_INSTRUCTION_LENGTH) {
        Translation t;
        Status s = translate(ps, la, mem, t);
        if (s != Status::Ok) return got ? Status::Ok : s;
        size_t chunk = PAGE - (la & (PAGE - 1));
        if (chunk > MAX_INSTRUCTION_LENGTH - got) chunk = MAX_INSTRUCTION_LENGTH - got;
        uint64_t cached = 1, q = 0;  // `cached` is never 8-aligned: the first byte reads
        for (size_t i = 0; i < chunk; ++i) {
            uint64_t gpa = t.gpa + i;
            if ((gpa & ~uint64_t(7)) != cached) {
                cached = gpa & ~uint64_t(7);
                if (!read_entry(mem, cached, q)) return got ? Status::Ok : Status::Truncated;
            }
            out[got++] = uint8_t(q >> (8 * (gpa & 7)));
        }
        la += chunk;
        if (wraps32) la &= 0xffffffff;
    }
    return Status::Ok;
}

}  // namespace keel::vmm::x86
