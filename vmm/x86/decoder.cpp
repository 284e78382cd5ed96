#include "vmm/x86/decoder.hpp"

namespace keel::vmm::x86 {
namespace {

constexpr uint16_t ATTR_L = 1 << 9, ATTR_D = 1 << 10;  // SVM's compressed segment attributes
constexpr uint64_t CR0_PE = 1, EFER_LMA = 1 << 10, RFLAGS_VM = 1 << 17;
constexpr uint8_t REX_W = 8, REX_R = 4, REX_X = 2, REX_B = 1;

// Reads bytes one at a time and remembers why it stopped: the end of what
// the caller has (Truncated) or the architectural limit (Malformed).
struct Cursor {
    const uint8_t* bytes;
    size_t available;
    size_t pos = 0;
    Status failure = Status::Ok;

    bool next(uint8_t& b) {
        if (pos >= MAX_INSTRUCTION_LENGTH || pos >= available) {
            failure = pos >= MAX_INSTRUCTION_LENGTH ? Status::Malformed : Status::Truncated;
            return false;
        }
        b = bytes[pos++];
        return true;
    }

    // A little-endian value of `n` bytes, sign-extended when asked.
    bool value(unsigned n, bool sign_extend, uint64_t& v) {
        v = 0;
        for (unsigned i = 0; i < n; ++i) {
            uint8_t b;
            if (!next(b)) return false;
            v |= uint64_t(b) << (8 * i);
        }
        if (sign_extend && n < 8 && (v >> (8 * n - 1) & 1)) v |= ~uint64_t(0) << (8 * n);
        return true;
    }
};

enum class Imm : uint8_t {
    None,
    Byte,  // Ib, sign-extended
    Port,  // Ib, an I/O port: zero-extended
    Z,  // Iz: 2 bytes with a 16-bit operand, else 4, sign-extended
    V,  // Iv: the whole operand size (MOV B8+r, the only imm64)
};

// What the opcode bytes say, before ModRM and the immediate are read.
struct Spec {
    Operation op;
    Form form = Form::None;
    bool modrm = false;
    bool byte = false;  // 8-bit operands
    Imm imm = Imm::None;
    uint8_t source_size = 0;  // MOVZX/MOVSX/MOVSXD: bytes read from E
    bool lockable = false;
};

constexpr Operation GROUP1[8] = {Operation::Add, Operation::Or,  Operation::Adc, Operation::Sbb,
                                 Operation::And, Operation::Sub, Operation::Xor, Operation::Cmp};

bool lockable(Operation op) { return op != Operation::Cmp; }

// 00-3F: eight ALU operations in six forms each (the other slots are
// prefixes, escapes and legacy instructions outside the set).
bool alu_spec(uint8_t opcode, Spec& s) {
    Operation op = GROUP1[opcode >> 3];
    switch (opcode & 7) {
    case 0: s = {op, Form::EG, true, true, Imm::None, 0, lockable(op)}; return true;
    case 1: s = {op, Form::EG, true, false, Imm::None, 0, lockable(op)}; return true;
    case 2: s = {op, Form::GE, true, true}; return true;
    case 3: s = {op, Form::GE, true, false}; return true;
    case 4: s = {op, Form::GI, false, true, Imm::Byte}; return true;
    case 5: s = {op, Form::GI, false, false, Imm::Z}; return true;
    default: return false;
    }
}

// The one-byte map's opcodes in the set. Group opcodes (80-83, C6/C7,
// F6/F7) are settled once ModRM.reg is known.
bool one_byte_spec(uint8_t opcode, Mode mode, Spec& s) {
    if (opcode < 0x40) return alu_spec(opcode, s);
    switch (opcode) {
    case 0x63:
        if (mode != Mode::Bits64) return false;  // ARPL outside 64-bit mode
        s = {Operation::Movsxd, Form::GE, true, false, Imm::None, 4};
        return true;
    case 0x6c:
    case 0x6d: s = {Operation::Ins, Form::None, false, opcode == 0x6c}; return true;
    case 0x6e:
    case 0x6f: s = {Operation::Outs, Form::None, false, opcode == 0x6e}; return true;
    case 0x80: s = {Operation::Add, Form::EI, true, true, Imm::Byte}; return true;
    case 0x81: s = {Operation::Add, Form::EI, true, false, Imm::Z}; return true;
    case 0x83: s = {Operation::Add, Form::EI, true, false, Imm::Byte}; return true;
    case 0x84:
    case 0x85: s = {Operation::Test, Form::EG, true, opcode == 0x84}; return true;
    case 0x86:
    case 0x87: s = {Operation::Xchg, Form::EG, true, opcode == 0x86, Imm::None, 0, true}; return true;
    case 0x88:
    case 0x89: s = {Operation::Mov, Form::EG, true, opcode == 0x88}; return true;
    case 0x8a:
    case 0x8b: s = {Operation::Mov, Form::GE, true, opcode == 0x8a}; return true;
    case 0xa0:
    case 0xa1: s = {Operation::Mov, Form::GE, false, opcode == 0xa0}; return true;  // moffs
    case 0xa2:
    case 0xa3: s = {Operation::Mov, Form::EG, false, opcode == 0xa2}; return true;
    case 0xa4:
    case 0xa5: s = {Operation::Movs, Form::None, false, opcode == 0xa4}; return true;
    case 0xa8: s = {Operation::Test, Form::GI, false, true, Imm::Byte}; return true;
    case 0xa9: s = {Operation::Test, Form::GI, false, false, Imm::Z}; return true;
    case 0xaa:
    case 0xab: s = {Operation::Stos, Form::None, false, opcode == 0xaa}; return true;
    case 0xc6: s = {Operation::Mov, Form::EI, true, true, Imm::Byte}; return true;
    case 0xc7: s = {Operation::Mov, Form::EI, true, false, Imm::Z}; return true;
    case 0xe4:
    case 0xe5: s = {Operation::In, Form::None, false, opcode == 0xe4, Imm::Port}; return true;
    case 0xe6:
    case 0xe7: s = {Operation::Out, Form::None, false, opcode == 0xe6, Imm::Port}; return true;
    case 0xec:
    case 0xed: s = {Operation::In, Form::None, false, opcode == 0xec}; return true;
    case 0xee:
    case 0xef: s = {Operation::Out, Form::None, false, opcode == 0xee}; return true;
    case 0xf4: s = {Operation::Hlt}; return true;
    case 0xf6: s = {Operation::Test, Form::EI, true, true, Imm::Byte}; return true;
    case 0xf7: s = {Operation::Test, Form::EI, true, false, Imm::Z}; return true;
    default:
        if (opcode >= 0xb0 && opcode <= 0xbf) {
            s = {Operation::Mov, Form::GI, false, opcode < 0xb8, opcode < 0xb8 ? Imm::Byte : Imm::V};
            return true;
        }
        return false;
    }
}

// The 0F map's opcodes in the set; 0F 01 is settled by its ModRM byte.
bool two_byte_spec(uint8_t opcode, Spec& s) {
    switch (opcode) {
    case 0x01: s = {Operation::Invlpg, Form::E, true}; return true;
    case 0x30: s = {Operation::Wrmsr}; return true;
    case 0x31: s = {Operation::Rdtsc}; return true;
    case 0x32: s = {Operation::Rdmsr}; return true;
    case 0xa2: s = {Operation::Cpuid}; return true;
    case 0xa3: s = {Operation::Bt, Form::EG, true}; return true;
    case 0xb6: s = {Operation::Movzx, Form::GE, true, false, Imm::None, 1}; return true;
    case 0xb7: s = {Operation::Movzx, Form::GE, true, false, Imm::None, 2}; return true;
    case 0xba: s = {Operation::Bt, Form::EI, true, false, Imm::Byte}; return true;
    case 0xbe: s = {Operation::Movsx, Form::GE, true, false, Imm::None, 1}; return true;
    case 0xbf: s = {Operation::Movsx, Form::GE, true, false, Imm::None, 2}; return true;
    default: return false;
    }
}

// ModRM.reg selects the operation of a group opcode; only some are known.
// `mandatory`: a 66, F2 or F3 prefix, which in 0F 01's register forms
// selects other instructions (F3 0F 01 D9 is VMGEXIT) or #UD.
bool settle_group(bool two_byte, uint8_t opcode, uint8_t modrm, bool mandatory, Spec& s) {
    uint8_t mod = modrm >> 6, reg = modrm >> 3 & 7;
    if (two_byte) {
        if (opcode == 0x01) {
            if (mod == 3 && mandatory) return false;
            if (modrm == 0xd9) return s = {Operation::Vmmcall}, true;
            if (modrm == 0xd1) return s = {Operation::Xsetbv}, true;
            if (modrm == 0xf9) return s = {Operation::Rdtscp}, true;
            return mod != 3 && reg == 7;  // INVLPG m
        }
        if (opcode == 0xba) return reg == 4;  // BT r/m, imm8 (BTS/BTR/BTC are not in the set)
        return true;
    }
    switch (opcode) {
    case 0x80:
    case 0x81:
    case 0x83:
        s.op = GROUP1[reg];
        s.lockable = lockable(s.op);
        return true;
    case 0xc6:
    case 0xc7: return reg == 0;  // C6/C7 F8 are XABORT/XBEGIN
    case 0xf6:
    case 0xf7: return reg == 0;  // TEST; NOT, NEG, MUL, DIV are not in the set
    default: return true;
    }
}

Register general_register(uint8_t number, bool byte, uint8_t rex) {
    if (byte && !rex && number >= 4 && number < 8) return {uint8_t(number - 4), true};
    return {number, false};
}

Segment default_segment(uint8_t base) { return base == 4 || base == 5 ? Segment::Ss : Segment::Ds; }

// 16-bit addressing: the eight base/index pairs of ModRM.rm.
bool address16(Cursor& c, uint8_t mod, uint8_t rm, Memory& m) {
    static constexpr uint8_t BASE[8] = {3, 3, 5, 5, NO_REGISTER, NO_REGISTER, 5, 3};
    static constexpr uint8_t INDEX[8] = {6, 7, 6, 7, 6, 7, NO_REGISTER, NO_REGISTER};
    uint64_t disp = 0;
    if (mod == 0 && rm == 6) {
        if (!c.value(2, true, disp)) return false;
        m.base = NO_REGISTER;
    } else {
        m.base = BASE[rm];
        m.index = INDEX[rm];
        if (mod == 1 && !c.value(1, true, disp)) return false;
        if (mod == 2 && !c.value(2, true, disp)) return false;
    }
    m.displacement = int64_t(disp);
    m.segment = m.base == 5 ? Segment::Ss : Segment::Ds;
    return true;
}

// 32- and 64-bit addressing: SIB, disp32 without a base, RIP-relative.
bool address32(Cursor& c, Mode mode, uint8_t mod, uint8_t rm, uint8_t rex, Memory& m) {
    uint64_t disp = 0;
    bool disp32 = mod == 2;
    if (rm == 4) {
        uint8_t sib;
        if (!c.next(sib)) return false;
        m.scale = uint8_t(1 << (sib >> 6));
        uint8_t index = uint8_t((sib >> 3 & 7) | (rex & REX_X ? 8 : 0));
        m.index = index == 4 ? NO_REGISTER : index;  // r12 (with REX.X) is an index, rsp never
        if ((sib & 7) == 5 && mod == 0) {
            m.base = NO_REGISTER;
            disp32 = true;
        } else {
            m.base = uint8_t((sib & 7) | (rex & REX_B ? 8 : 0));
        }
    } else if (rm == 5 && mod == 0) {
        m.base = mode == Mode::Bits64 ? RIP_BASE : NO_REGISTER;
        disp32 = true;
    } else {
        m.base = uint8_t(rm | (rex & REX_B ? 8 : 0));
    }
    if (mod == 1 && !c.value(1, true, disp)) return false;
    if (disp32 && !c.value(4, true, disp)) return false;
    m.displacement = int64_t(disp);
    m.segment = default_segment(m.base);
    return true;
}

// Records `b` in `insn` if it is a prefix.
bool take_prefix(uint8_t b, Mode mode, Instruction& insn) {
    Segment seg = Segment::None;
    switch (b) {
    case 0x26: seg = Segment::Es; break;
    case 0x2e: seg = Segment::Cs; break;
    case 0x36: seg = Segment::Ss; break;
    case 0x3e: seg = Segment::Ds; break;
    case 0x64: seg = Segment::Fs; break;
    case 0x65: seg = Segment::Gs; break;
    case 0x66: insn.operand_size_prefix = true; break;
    case 0x67: insn.address_size_prefix = true; break;
    case 0xf0: insn.lock = true; break;
    case 0xf2: insn.rep = Rep::Repne; break;
    case 0xf3: insn.rep = Rep::Rep; break;
    default:
        if (mode != Mode::Bits64 || (b & 0xf0) != 0x40) return false;
        insn.rex = b;
        return true;
    }
    if (seg != Segment::None) insn.segment_override = seg;
    insn.rex = 0;
    return true;
}

// The operands ModRM names, or those the opcode implies (a moffs, B0-BF's
// register, STOS's ES:rDI). False: the bytes ran out (`c.failure`).
bool operands(Cursor& c, Mode mode, const Spec& s, bool two_byte, uint8_t opcode, uint8_t modrm, Instruction& insn) {
    uint8_t rex = insn.rex;
    if (s.modrm && insn.form != Form::None) {
        uint8_t mod = modrm >> 6, reg = uint8_t((modrm >> 3 & 7) | (rex & REX_R ? 8 : 0));
        uint8_t rm = modrm & 7;
        bool e_byte = s.byte || insn.source_size == 1;
        if (insn.form == Form::EG || insn.form == Form::GE) insn.reg = general_register(reg, s.byte, rex);
        if (mod == 3) {
            insn.rm = general_register(uint8_t(rm | (rex & REX_B ? 8 : 0)), e_byte, rex);
        } else {
            insn.has_memory = true;
            bool ok = insn.address_size == 2 ? address16(c, mod, rm, insn.memory)
                                             : address32(c, mode, mod, rm, rex, insn.memory);
            if (!ok) return false;
        }
    } else if (opcode >= 0xa0 && opcode <= 0xa3 && !two_byte) {
        // moffs: an absolute offset as wide as the address size.
        uint64_t offset;
        if (!c.value(insn.address_size, false, offset)) return false;
        insn.has_memory = true;
        insn.memory.displacement = int64_t(offset);
        insn.reg = {0, false};
    } else if (insn.form == Form::GI) {
        uint8_t number = opcode >= 0xb0 && opcode <= 0xbf ? uint8_t((opcode & 7) | (rex & REX_B ? 8 : 0)) : 0;
        insn.reg = general_register(number, s.byte, rex);
    } else if (s.op == Operation::Stos) {
        insn.has_memory = true;  // ES:rDI, which no prefix overrides
        insn.memory.base = 7;
        insn.memory.segment = Segment::Es;
        return true;
    }
    if (insn.has_memory) {
        bool honoured = mode != Mode::Bits64 || insn.segment_override == Segment::Fs ||
                        insn.segment_override == Segment::Gs;  // 64-bit mode ignores ES, CS, SS, DS
        if (insn.segment_override != Segment::None && honoured) insn.memory.segment = insn.segment_override;
    }
    return true;
}

bool immediate(Cursor& c, Imm kind, unsigned operand_size, uint64_t& imm) {
    imm = 0;
    switch (kind) {
    case Imm::None: return true;
    case Imm::Byte: return c.value(1, true, imm);
    case Imm::Port: return c.value(1, false, imm);
    case Imm::Z: return c.value(operand_size == 2 ? 2 : 4, true, imm);
    case Imm::V: return c.value(operand_size, true, imm);
    }
    return true;
}

}  // namespace

Mode mode_of(const abi::VcpuState& s) {
    if ((s.efer & EFER_LMA) && (s.cs.attributes & ATTR_L)) return Mode::Bits64;
    if (!(s.cr0 & CR0_PE) || (s.rflags & RFLAGS_VM)) return Mode::Bits16;
    return s.cs.attributes & ATTR_D ? Mode::Bits32 : Mode::Bits16;
}

Mode mode_of_code_segment(const abi::Segment& cs) {
    if (cs.attributes & ATTR_L) return Mode::Bits64;
    return cs.attributes & ATTR_D ? Mode::Bits32 : Mode::Bits16;
}

bool is_intercepted(Operation op) { return op <= Operation::Invlpg; }

Status decode(const uint8_t* bytes, size_t available, Mode mode, Instruction& out) {
    Cursor c{bytes, available};
    Instruction insn;
    uint8_t b;
    // Legacy prefixes in any order and number; a REX prefix counts only
    // directly before the opcode (a legacy prefix after it voids it).
    do {
        if (!c.next(b)) return c.failure;
    } while (take_prefix(b, mode, insn));
    uint8_t rex = insn.rex;
    bool two_byte = b == 0x0f;
    uint8_t opcode = b;
    if (two_byte && !c.next(opcode)) return c.failure;
    Spec s{};
    if (!(two_byte ? two_byte_spec(opcode, s) : one_byte_spec(opcode, mode, s))) return Status::Unsupported;

    uint8_t osize = mode == Mode::Bits16 ? 2 : 4;
    if (insn.operand_size_prefix) osize = osize == 2 ? 4 : 2;
    if (rex & REX_W) osize = 8;  // REX.W wins over 66
    uint8_t asize = mode == Mode::Bits16 ? 2 : mode == Mode::Bits32 ? 4 : 8;
    if (insn.address_size_prefix) asize = asize == 4 ? 2 : 4;
    insn.address_size = asize;
    insn.operand_size = s.byte ? 1 : osize;

    uint8_t modrm = 0;
    if (s.modrm) {
        if (!c.next(modrm)) return c.failure;
        bool mandatory = insn.operand_size_prefix || insn.rep != Rep::None;
        if (!settle_group(two_byte, opcode, modrm, mandatory, s)) return Status::Unsupported;
    }
    insn.op = s.op;
    insn.form = s.form;

    switch (s.op) {
    case Operation::In:
    case Operation::Out:
    case Operation::Ins:
    case Operation::Outs: insn.operand_size = s.byte ? 1 : osize == 2 ? 2 : 4; break;  // no 64-bit port I/O
    case Operation::Movzx:
    case Operation::Movsx: insn.source_size = s.source_size; break;
    case Operation::Movsxd: insn.source_size = osize == 8 ? 4 : osize; break;
    default:
        if (is_intercepted(s.op)) insn.operand_size = 0;  // no data operand (INVLPG's is an address)
        break;
    }

    if (!operands(c, mode, s, two_byte, opcode, modrm, insn) || !immediate(c, s.imm, insn.operand_size, insn.immediate))
        return c.failure;

    // LOCK is #UD except on a read-modify-write of memory.
    bool read_modify_write = insn.form == Form::EG || insn.form == Form::EI;
    if (insn.lock && !(s.lockable && insn.has_memory && read_modify_write)) return Status::Malformed;
    insn.length = uint8_t(c.pos);
    out = insn;
    return Status::Ok;
}

}  // namespace keel::vmm::x86
