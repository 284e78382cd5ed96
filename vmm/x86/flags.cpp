#include "vmm/x86/flags.hpp"

namespace keel::vmm::x86 {
namespace {

// PF, ZF and SF: from the result alone (PF from its low byte only).
uint64_t result_flags(uint64_t r, unsigned size) {
    uint8_t low = uint8_t(r);
    low ^= low >> 4;
    low ^= low >> 2;
    low ^= low >> 1;
    uint64_t f = (low & 1) ? 0 : rflags::PF;
    if (r == 0) f |= rflags::ZF;
    if (r >> (8 * size - 1) & 1) f |= rflags::SF;
    return f;
}

// a + b + carry_in as a ripple adder: the carry out of every bit gives CF
// (the top bit's), OF (carry into the top bit differs from carry out of
// it) and AF (carry into bit 4).
AluResult add(uint64_t a, uint64_t b, bool carry_in, unsigned size) {
    uint64_t m = size_mask(size);
    a &= m, b &= m;
    uint64_t r = (a + b + carry_in) & m;
    uint64_t carry_out = (a & b) | ((a ^ b) & ~r);
    uint64_t carry_into = a ^ b ^ r;
    unsigned top = 8 * size - 1;
    uint64_t f = result_flags(r, size);
    if (carry_out >> top & 1) f |= rflags::CF;
    if ((carry_out ^ carry_into) >> top & 1) f |= rflags::OF;
    if (carry_into >> 4 & 1) f |= rflags::AF;
    return {r, f};
}

// a - b - borrow_in is a + ~b + !borrow_in with CF and AF inverted.
AluResult sub(uint64_t a, uint64_t b, bool borrow_in, unsigned size) {
    AluResult r = add(a, ~b, !borrow_in, size);
    r.flags ^= rflags::CF | rflags::AF;
    return r;
}

AluResult logical(uint64_t r, unsigned size) {
    r &= size_mask(size);
    return {r, result_flags(r, size)};
}

}  // namespace

AluResult alu(Operation op, uint64_t a, uint64_t b, unsigned size, uint64_t rflags) {
    bool carry = rflags & rflags::CF;
    switch (op) {
    case Operation::Add: return add(a, b, false, size);
    case Operation::Adc: return add(a, b, carry, size);
    case Operation::Sub:
    case Operation::Cmp: return sub(a, b, false, size);
    case Operation::Sbb: return sub(a, b, carry, size);
    case Operation::Or: return logical(a | b, size);
    case Operation::Xor: return logical(a ^ b, size);
    case Operation::And:
    case Operation::Test:
    default: return logical(a & b, size);
    }
}

}  // namespace keel::vmm::x86
