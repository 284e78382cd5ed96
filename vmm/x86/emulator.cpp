#include "vmm/x86/emulator.hpp"

#include "vmm/x86/flags.hpp"

namespace keel::vmm::x86 {
namespace {

uint64_t sign_extend(uint64_t v, unsigned size) {
    unsigned shift = 64 - 8 * size;
    return uint64_t(int64_t(v << shift) >> shift);
}

uint64_t read_register(const Registers& r, Register reg, unsigned size) {
    uint64_t v = r.gpr[reg.number & 15];
    return reg.high_byte ? (v >> 8 & 0xff) : v & size_mask(size);
}

// x86's partial writes: 8- and 16-bit destinations keep the other bits, a
// 32-bit one clears bits 63:32.
void write_register(Registers& r, Register reg, unsigned size, uint64_t value) {
    uint64_t& g = r.gpr[reg.number & 15];
    switch (size) {
    case 1:
        if (reg.high_byte)
            g = (g & ~uint64_t(0xff00)) | (value & 0xff) << 8;
        else
            g = (g & ~uint64_t(0xff)) | (value & 0xff);
        break;
    case 2: g = (g & ~uint64_t(0xffff)) | (value & 0xffff); break;
    case 4: g = value & 0xffffffff; break;
    default: g = value; break;
    }
}

bool valid_size(unsigned size) { return size == 1 || size == 2 || size == 4 || size == 8; }

bool is_alu(Operation op) {
    switch (op) {
    case Operation::Add:
    case Operation::Or:
    case Operation::Adc:
    case Operation::Sbb:
    case Operation::And:
    case Operation::Sub:
    case Operation::Xor:
    case Operation::Cmp: return true;
    default: return false;
    }
}

// What an instruction does, worked out before anything is written, so
// that a refused write leaves the registers alone.
struct Effect {
    bool write_memory = false;
    uint64_t memory_value = 0;
    bool write_reg = false;
    unsigned reg_size = 0;
    uint64_t reg_value = 0;
    bool write_flags = false;
    uint64_t flags_mask = 0;
    uint64_t flags = 0;
};

struct Access {
    uint64_t gpa;
    Mmio mmio;

    bool read(unsigned size, uint64_t& value) const {
        value = 0;
        if (!mmio.access(mmio.ctx, gpa, size, false, value)) return false;
        value &= size_mask(size);
        return true;
    }
};

// The second operand of an EG or EI form: the register or the immediate.
uint64_t source_operand(const Instruction& insn, const Registers& regs, unsigned size) {
    return insn.form == Form::EI ? insn.immediate & size_mask(size) : read_register(regs, insn.reg, size);
}

Status plan(const Instruction& insn, const Registers& regs, const Access& mem, Effect& e) {
    unsigned size = insn.operand_size;
    uint64_t m = 0;
    Operation op = insn.op;
    if (op == Operation::Mov) {
        if (insn.form == Form::GE) {
            if (!mem.read(size, m)) return Status::NotFound;
            e = {.write_reg = true, .reg_size = size, .reg_value = m};
            return Status::Ok;
        }
        if (insn.form != Form::EG && insn.form != Form::EI) return Status::Unsupported;
        e = {.write_memory = true, .memory_value = source_operand(insn, regs, size)};
        return Status::Ok;
    }
    if (op == Operation::Movzx || op == Operation::Movsx || op == Operation::Movsxd) {
        unsigned from = insn.source_size;
        if (!valid_size(from) || from > size) return Status::Unsupported;
        if (!mem.read(from, m)) return Status::NotFound;
        uint64_t v = op == Operation::Movzx ? m : sign_extend(m, from);
        e = {.write_reg = true, .reg_size = size, .reg_value = v};
        return Status::Ok;
    }
    if (is_alu(op) || op == Operation::Test) {
        if (insn.form != Form::EG && insn.form != Form::GE && insn.form != Form::EI) return Status::Unsupported;
        if (op == Operation::Test && insn.form == Form::GE) return Status::Unsupported;
        if (!mem.read(size, m)) return Status::NotFound;
        bool memory_destination = insn.form != Form::GE;
        uint64_t a = memory_destination ? m : read_register(regs, insn.reg, size);
        uint64_t b = memory_destination ? source_operand(insn, regs, size) : m;
        AluResult r = alu(op, a, b, size, regs.rflags);
        e.write_flags = true;
        e.flags_mask = rflags::ARITHMETIC;
        e.flags = r.flags;
        if (op == Operation::Cmp || op == Operation::Test) return Status::Ok;
        if (memory_destination) {
            e.write_memory = true;
            e.memory_value = r.value;
        } else {
            e.write_reg = true;
            e.reg_size = size;
            e.reg_value = r.value;
        }
        return Status::Ok;
    }
    if (op == Operation::Xchg) {
        if (insn.form != Form::EG) return Status::Unsupported;
        if (!mem.read(size, m)) return Status::NotFound;
        e = {.write_memory = true,
             .memory_value = read_register(regs, insn.reg, size),
             .write_reg = true,
             .reg_size = size,
             .reg_value = m};
        return Status::Ok;
    }
    if (op == Operation::Bt) {
        uint64_t bit = insn.form == Form::EI ? insn.immediate & (8 * size - 1) : read_register(regs, insn.reg, size);
        // A register offset beyond the operand reaches other bytes (a bit
        // string): another address than the one that faulted.
        if (bit >= 8 * size) return Status::Unsupported;
        if (!mem.read(size, m)) return Status::NotFound;
        e.write_flags = true;
        e.flags_mask = rflags::CF;
        e.flags = m >> bit & 1 ? rflags::CF : 0;
        return Status::Ok;
    }
    return Status::Unsupported;
}

uint64_t ip_mask(Mode mode) { return mode == Mode::Bits64 ? ~uint64_t(0) : mode == Mode::Bits32 ? 0xffffffff : 0xffff; }

// A register used as an address or a count, as wide as the address size:
// a 16-bit one keeps the bits above, a 32-bit one clears them.
void write_address_register(Registers& r, uint8_t number, unsigned address_size, uint64_t value) {
    write_register(r, {number, false}, address_size, value);
}

// One store of STOS per exit. With REP, RIP stays on the instruction until
// the count runs out, so the guest executes it again and the next element
// faults on its own address, which a nested page fault gives.
Status stos(const Instruction& insn, Mode mode, uint64_t gpa, Registers& regs, Mmio mmio) {
    constexpr uint64_t DF = 1 << 10;
    unsigned size = insn.operand_size;
    uint64_t amask = size_mask(insn.address_size);
    bool rep = insn.rep != Rep::None;  // F2 repeats STOS as F3 does
    uint64_t count = regs.gpr[RCX] & amask;
    if (!rep || count != 0) {
        uint64_t v = regs.gpr[RAX] & size_mask(size);
        if (!mmio.access(mmio.ctx, gpa, size, true, v)) return Status::NotFound;
        uint64_t step = regs.rflags & DF ? uint64_t(0) - size : size;
        write_address_register(regs, RDI, insn.address_size, regs.gpr[RDI] + step);
        if (rep) write_address_register(regs, RCX, insn.address_size, --count);
    }
    if (!rep || count == 0) regs.rip = (regs.rip + insn.length) & ip_mask(mode);
    return Status::Ok;
}

}  // namespace

Status emulate(const Instruction& insn, Mode mode, uint64_t gpa, Registers& regs, Mmio mmio) {
    if (!insn.has_memory || !valid_size(insn.operand_size) || !mmio.access) return Status::Unsupported;
    if (insn.op == Operation::Stos) return stos(insn, mode, gpa, regs, mmio);
    if (insn.form == Form::GE || insn.form == Form::EG) {
        if (insn.reg.number > 15 || (insn.reg.high_byte && insn.reg.number > 3)) return Status::Unsupported;
    }
    Access mem{gpa, mmio};
    Effect e;
    if (Status s = plan(insn, regs, mem, e); s != Status::Ok) return s;
    if (e.write_memory) {
        uint64_t v = e.memory_value & size_mask(insn.operand_size);
        if (!mmio.access(mmio.ctx, gpa, insn.operand_size, true, v)) return Status::NotFound;
    }
    if (e.write_reg) write_register(regs, insn.reg, e.reg_size, e.reg_value);
    if (e.write_flags) regs.rflags = (regs.rflags & ~e.flags_mask) | (e.flags & e.flags_mask);
    regs.rip = (regs.rip + insn.length) & ip_mask(mode);
    return Status::Ok;
}

MemoryAccess memory_access(const Instruction& insn) {
    if (!insn.has_memory || !valid_size(insn.operand_size)) return {};
    unsigned size = insn.operand_size;
    switch (insn.op) {
    case Operation::Mov:
        return insn.form == Form::GE ? MemoryAccess{size, true, false} : MemoryAccess{size, false, true};
    case Operation::Movzx:
    case Operation::Movsx:
    case Operation::Movsxd: return {insn.source_size, true, false};
    case Operation::Cmp:
    case Operation::Test:
    case Operation::Bt: return {size, true, false};
    case Operation::Xchg: return {size, true, true};
    case Operation::Stos: return {size, false, true};
    default:
        if (!is_alu(insn.op)) return {};
        return {size, true, insn.form != Form::GE};
    }
}

uint64_t effective_address(const Instruction& insn, const Registers& regs) {
    const Memory& m = insn.memory;
    uint64_t ea = uint64_t(m.displacement);
    if (m.base == RIP_BASE)
        ea += regs.rip + insn.length;
    else if (m.base < 16)
        ea += regs.gpr[m.base];
    if (m.index < 16) ea += regs.gpr[m.index] * m.scale;
    return ea & size_mask(insn.address_size);
}

}  // namespace keel::vmm::x86
