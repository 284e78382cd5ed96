// The VMM's x86 decoder: lengths against what GNU as assembled and what
// libc's real code is, operands of Linux's MMIO accessors, and the prefix
// rules a wrong length would come from (REX placement, 66 with REX.W, 67,
// the 15-byte limit, truncation).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "vmm/x86/decoder.hpp"

namespace {

using keel::Status;
using namespace keel::vmm::x86;

struct Encoding {
    Mode mode;
    std::vector<uint8_t> bytes;
    const char* text;
};

const std::vector<Encoding> ENCODINGS = {
#include "vmm_x86_encodings.inc"
};

struct Sample {
    const char* hex;
    unsigned length;
};

const Sample LIBC[] = {
#include "vmm_x86_libc_sample.inc"
};

std::vector<uint8_t> from_hex(const std::string& hex) {
    std::vector<uint8_t> out;
    for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(uint8_t(std::stoul(hex.substr(i, 2), nullptr, 16)));
    return out;
}

// Decodes from a buffer of exactly `bytes.size()` bytes, so that a read past
// `available` would be a heap overflow (caught under the sanitizers).
Status decode_exact(const std::vector<uint8_t>& bytes, Mode mode, Instruction& insn) {
    auto* copy = new uint8_t[bytes.size() ? bytes.size() : 1];
    std::copy(bytes.begin(), bytes.end(), copy);
    Status s = decode(copy, bytes.size(), mode, insn);
    delete[] copy;
    return s;
}

Instruction decoded(std::vector<uint8_t> bytes, Mode mode = Mode::Bits64) {
    Instruction insn;
    Status s = decode_exact(bytes, mode, insn);
    EXPECT_EQ(s, Status::Ok);
    EXPECT_EQ(insn.length, bytes.size());
    return insn;
}

Status status_of(std::vector<uint8_t> bytes, Mode mode = Mode::Bits64) {
    Instruction insn;
    return decode_exact(bytes, mode, insn);
}

TEST(X86Decoder, AssembledEncodingsHaveTheirLength) {
    for (const auto& e : ENCODINGS) {
        Instruction insn;
        // Followed by more code, as in memory: the decoder must stop on its own.
        std::vector<uint8_t> in_memory = e.bytes;
        in_memory.insert(in_memory.end(), {0x90, 0x90, 0x0f, 0x0b});
        ASSERT_EQ(decode_exact(in_memory, e.mode, insn), Status::Ok) << e.text;
        EXPECT_EQ(insn.length, e.bytes.size()) << e.text;
        for (size_t n = 0; n < e.bytes.size(); ++n) {
            std::vector<uint8_t> cut(e.bytes.begin(), e.bytes.begin() + n);
            EXPECT_EQ(decode_exact(cut, e.mode, insn), Status::Truncated) << e.text << " cut to " << n;
        }
    }
}

TEST(X86Decoder, RealCodeIsDecodedToItsLengthOrRefused) {
    size_t ok = 0;
    for (const auto& s : LIBC) {
        Instruction insn;
        std::vector<uint8_t> bytes = from_hex(s.hex);
        Status st = decode_exact(bytes, Mode::Bits64, insn);
        ASSERT_TRUE(st == Status::Ok || st == Status::Unsupported) << s.hex << ": " << keel::status_name(st);
        if (st != Status::Ok) continue;
        ++ok;
        EXPECT_EQ(insn.length, s.length) << s.hex;
    }
    // MOV, TEST, CMP, ADD, SUB, AND, XOR with memory or immediates are a
    // good part of any code: the set is not empty by accident.
    EXPECT_GT(ok, std::size(LIBC) / 4);
}

TEST(X86Decoder, InterceptedInstructions) {
    struct {
        std::vector<uint8_t> bytes;
        Operation op;
    } cases[] = {
        {{0x0f, 0xa2}, Operation::Cpuid},
        {{0x0f, 0x32}, Operation::Rdmsr},
        {{0x0f, 0x30}, Operation::Wrmsr},
        {{0xf4}, Operation::Hlt},
        {{0x0f, 0x01, 0xd9}, Operation::Vmmcall},
        {{0x0f, 0x01, 0xd1}, Operation::Xsetbv},
        {{0x0f, 0x31}, Operation::Rdtsc},
        {{0x0f, 0x01, 0xf9}, Operation::Rdtscp},
        {{0x0f, 0x01, 0x38}, Operation::Invlpg},
        {{0xe4, 0x80}, Operation::In},
        {{0xef}, Operation::Out},
        {{0xf3, 0x6d}, Operation::Ins},
        {{0x6e}, Operation::Outs},
    };
    for (Mode mode : {Mode::Bits16, Mode::Bits32, Mode::Bits64})
        for (auto& c : cases) {
            Instruction insn = decoded(c.bytes, mode);
            EXPECT_EQ(insn.op, c.op);
            EXPECT_TRUE(is_intercepted(insn.op));
        }
    EXPECT_FALSE(is_intercepted(Operation::Mov));
}

TEST(X86Decoder, PortIoSizesAndPorts) {
    Instruction in = decoded({0xe4, 0x80});
    EXPECT_EQ(in.immediate, 0x80u) << "a port is not sign-extended";
    EXPECT_EQ(in.operand_size, 1);
    EXPECT_EQ(decoded({0x66, 0xed}).operand_size, 2);
    EXPECT_EQ(decoded({0x48, 0xed}).operand_size, 4) << "no 64-bit port I/O";
    EXPECT_EQ(decoded({0xed}, Mode::Bits16).operand_size, 2);
    EXPECT_EQ(decoded({0x66, 0xed}, Mode::Bits16).operand_size, 4);
    Instruction outs = decoded({0x66, 0xf3, 0x6f});
    EXPECT_EQ(outs.rep, Rep::Rep);
    EXPECT_EQ(outs.operand_size, 2);
}

// Linux's readl/writel and friends as GCC compiles them.
TEST(X86Decoder, LinuxMmioAccessors) {
    Instruction readl = decoded({0x8b, 0x00});  // mov (%rax),%eax
    EXPECT_EQ(readl.op, Operation::Mov);
    EXPECT_EQ(readl.form, Form::GE);
    EXPECT_EQ(readl.operand_size, 4);
    EXPECT_EQ(readl.reg.number, 0);
    ASSERT_TRUE(readl.has_memory);
    EXPECT_EQ(readl.memory.base, 0);
    EXPECT_EQ(readl.memory.index, NO_REGISTER);
    EXPECT_EQ(readl.memory.displacement, 0);

    Instruction writel = decoded({0x89, 0x90, 0x00, 0x03, 0x00, 0x00});  // mov %edx,0x300(%rax)
    EXPECT_EQ(writel.form, Form::EG);
    EXPECT_EQ(writel.reg.number, 2);
    EXPECT_EQ(writel.memory.base, 0);
    EXPECT_EQ(writel.memory.displacement, 0x300);

    // movl $0xdeadbeef,0x1234(%rip)
    Instruction rip = decoded({0xc7, 0x05, 0x34, 0x12, 0x00, 0x00, 0xef, 0xbe, 0xad, 0xde});
    EXPECT_EQ(rip.form, Form::EI);
    EXPECT_EQ(rip.memory.base, RIP_BASE);
    EXPECT_EQ(rip.memory.displacement, 0x1234);
    EXPECT_EQ(rip.immediate & 0xffffffff, 0xdeadbeefu);

    Instruction writeb = decoded({0x40, 0x88, 0xb7, 0xb0, 0x00, 0x00, 0x00});  // mov %sil,0xb0(%rdi)
    EXPECT_EQ(writeb.operand_size, 1);
    EXPECT_EQ(writeb.reg.number, 6);
    EXPECT_FALSE(writeb.reg.high_byte) << "SIL with REX, not DH";
    EXPECT_EQ(writeb.memory.base, 7);

    Instruction readq = decoded({0x48, 0x8b, 0x43, 0x08});  // mov 0x8(%rbx),%rax
    EXPECT_EQ(readq.operand_size, 8);
    EXPECT_EQ(readq.memory.displacement, 8);

    Instruction readw = decoded({0x0f, 0xb7, 0x50, 0x02});  // movzwl 0x2(%rax),%edx
    EXPECT_EQ(readw.op, Operation::Movzx);
    EXPECT_EQ(readw.operand_size, 4);
    EXPECT_EQ(readw.source_size, 2);

    // mov 0x10(%rbp,%rcx,4),%edx
    Instruction sib = decoded({0x8b, 0x54, 0x8d, 0x10});
    EXPECT_EQ(sib.memory.base, 5);
    EXPECT_EQ(sib.memory.index, 1);
    EXPECT_EQ(sib.memory.scale, 4);
    EXPECT_EQ(sib.memory.segment, Segment::Ss);
}

TEST(X86Decoder, RexCountsOnlyDirectlyBeforeTheOpcode) {
    Instruction voided = decoded({0x48, 0x66, 0x8b, 0x00});
    EXPECT_EQ(voided.rex, 0);
    EXPECT_EQ(voided.operand_size, 2) << "REX.W before 66 is ignored";
    EXPECT_EQ(decoded({0x41, 0x8b, 0x00}).memory.base, 8);
    EXPECT_EQ(decoded({0x41, 0x2e, 0x8b, 0x00}).memory.base, 0) << "REX.B voided by a segment prefix";
    EXPECT_EQ(decoded({0x41, 0x48, 0x8b, 0x00}).memory.base, 0) << "only the last REX counts";
    EXPECT_EQ(decoded({0x66, 0x48, 0x8b, 0x00}).operand_size, 8) << "REX.W wins over 66";
    EXPECT_EQ(status_of({0x48, 0x8b, 0x00}, Mode::Bits32), Status::Unsupported) << "DEC EAX outside 64-bit mode";
}

TEST(X86Decoder, RexExtendsModRmSibAndRegisters) {
    Instruction r12 = decoded({0x41, 0x8b, 0x0c, 0x24});  // mov (%r12),%ecx: r12 needs a SIB
    EXPECT_EQ(r12.memory.base, 12);
    EXPECT_EQ(r12.memory.index, NO_REGISTER);
    Instruction x = decoded({0x42, 0x8b, 0x04, 0x20});  // mov (%rax,%r12,1),%eax
    EXPECT_EQ(x.memory.index, 12) << "REX.X makes index 100 r12";
    Instruction rip = decoded({0x41, 0x8b, 0x05, 0x10, 0, 0, 0});
    EXPECT_EQ(rip.memory.base, RIP_BASE) << "mod 00 rm 101 is RIP-relative whatever REX.B says";
    Instruction nobase = decoded({0x41, 0x8b, 0x04, 0x25, 0x78, 0x56, 0x34, 0x12});
    EXPECT_EQ(nobase.memory.base, NO_REGISTER) << "SIB base 101 with mod 00: disp32, no base";
    EXPECT_EQ(nobase.memory.displacement, 0x12345678);
    Instruction r15 = decoded({0x4d, 0x8b, 0x3f});  // mov (%r15),%r15
    EXPECT_EQ(r15.reg.number, 15);
    EXPECT_EQ(r15.memory.base, 15);
    Instruction ah = decoded({0x8a, 0x20});  // mov (%rax),%ah
    EXPECT_EQ(ah.reg.number, 0);
    EXPECT_TRUE(ah.reg.high_byte);
    Instruction spl = decoded({0x40, 0x8a, 0x20});  // mov (%rax),%spl
    EXPECT_EQ(spl.reg.number, 4);
    EXPECT_FALSE(spl.reg.high_byte);
    Instruction movzx_bh = decoded({0x0f, 0xb6, 0xc7});  // movzbl %bh,%eax
    EXPECT_EQ(movzx_bh.rm.number, 3);
    EXPECT_TRUE(movzx_bh.rm.high_byte);
    EXPECT_FALSE(movzx_bh.reg.high_byte);
}

TEST(X86Decoder, OperandAndAddressSizes) {
    Instruction a32 = decoded({0x67, 0x8b, 0x08});
    EXPECT_EQ(a32.address_size, 4) << "67 in 64-bit mode";
    EXPECT_EQ(decoded({0x8b, 0x08}).address_size, 8);
    EXPECT_EQ(decoded({0x67, 0x8b, 0x07}, Mode::Bits32).address_size, 2);
    EXPECT_EQ(decoded({0x67, 0x8b, 0x07}, Mode::Bits32).memory.base, 3) << "16-bit addressing: (%bx)";
    EXPECT_EQ(decoded({0x67, 0x8b, 0x08}, Mode::Bits16).address_size, 4);
    EXPECT_EQ(decoded({0x66, 0x8b, 0x07}, Mode::Bits16).operand_size, 4);
    // moffs as wide as the address.
    EXPECT_EQ(decoded({0xa1, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11}).memory.displacement, 0x1122334455667788);
    EXPECT_EQ(decoded({0x67, 0xa1, 0x78, 0x56, 0x34, 0x12}).memory.displacement, 0x12345678);
    EXPECT_EQ(decoded({0xa1, 0x00, 0xf0}, Mode::Bits16).memory.displacement, 0xf000) << "zero-extended";
    EXPECT_EQ(decoded({0x66, 0xa1, 0x00, 0xf0}, Mode::Bits16).operand_size, 4);
    // Immediates follow the operand size; only B8+r has 8 bytes.
    EXPECT_EQ(decoded({0x48, 0xc7, 0x00, 0xff, 0xff, 0xff, 0xff}).immediate, ~uint64_t(0));
    EXPECT_EQ(decoded({0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8}).immediate, 0x0807060504030201u);
    EXPECT_EQ(decoded({0x66, 0xc7, 0x00, 0x34, 0x12}).immediate & 0xffff, 0x1234u);
    EXPECT_EQ(decoded({0x83, 0x00, 0xf8}).immediate, uint64_t(-8)) << "Ib sign-extended";
}

TEST(X86Decoder, SixteenBitAddressing) {
    Instruction bp_si = decoded({0x8b, 0x8a, 0x34, 0x12}, Mode::Bits16);  // mov 0x1234(%bp,%si),%cx
    EXPECT_EQ(bp_si.memory.base, 5);
    EXPECT_EQ(bp_si.memory.index, 6);
    EXPECT_EQ(bp_si.memory.displacement, 0x1234);
    EXPECT_EQ(bp_si.memory.segment, Segment::Ss);
    Instruction direct = decoded({0x8b, 0x06, 0x00, 0x80}, Mode::Bits16);  // mov 0x8000,%ax
    EXPECT_EQ(direct.memory.base, NO_REGISTER);
    EXPECT_EQ(direct.memory.displacement, -0x8000) << "disp16 is signed; the address wraps at 16 bits";
    EXPECT_EQ(decoded({0x8b, 0x44, 0xfe}, Mode::Bits16).memory.displacement, -2);
}

TEST(X86Decoder, SegmentOverrides) {
    EXPECT_EQ(decoded({0x64, 0x8b, 0x00}).memory.segment, Segment::Fs);
    EXPECT_EQ(decoded({0x26, 0x8b, 0x00}).memory.segment, Segment::Ds) << "64-bit mode ignores ES";
    EXPECT_EQ(decoded({0x26, 0x8b, 0x00}).segment_override, Segment::Es);
    EXPECT_EQ(decoded({0x26, 0x8b, 0x00}, Mode::Bits32).memory.segment, Segment::Es);
    EXPECT_EQ(decoded({0x3e, 0x8b, 0x45, 0x00}, Mode::Bits32).memory.segment, Segment::Ds);
}

TEST(X86Decoder, RepeatedPrefixesAndTheFifteenByteLimit) {
    Instruction many = decoded({0x66, 0x66, 0x2e, 0x66, 0x8b, 0x00});
    EXPECT_EQ(many.operand_size, 2);
    EXPECT_EQ(decoded({0xf2, 0xf3, 0xab}).rep, Rep::Rep) << "the last of F2/F3";
    EXPECT_EQ(decoded({0xf3, 0xf2, 0xab}).rep, Rep::Repne);
    std::vector<uint8_t> fifteen(13, 0x66);
    fifteen.insert(fifteen.end(), {0x8b, 0x00});
    EXPECT_EQ(decoded(fifteen).length, 15);
    std::vector<uint8_t> sixteen(14, 0x66);
    sixteen.insert(sixteen.end(), {0x8b, 0x00});
    EXPECT_EQ(status_of(sixteen), Status::Malformed);
    std::vector<uint8_t> long_immediate(11, 0x2e);  // 11 + C7 05 disp32 imm32 = 21 bytes
    long_immediate.insert(long_immediate.end(), {0xc7, 0x05, 0, 0, 0, 0, 1, 2, 3, 4});
    EXPECT_EQ(status_of(long_immediate), Status::Malformed);
    std::vector<uint8_t> only_prefixes(40, 0x66);
    EXPECT_EQ(status_of(only_prefixes), Status::Malformed);
    EXPECT_EQ(status_of(std::vector<uint8_t>(5, 0x66)), Status::Truncated);
    EXPECT_EQ(status_of({}), Status::Truncated);
}

TEST(X86Decoder, LockOnlyOnReadModifyWriteOfMemory) {
    EXPECT_TRUE(decoded({0xf0, 0x83, 0x0c, 0x24, 0x00}).lock);  // lock orl $0,(%rsp)
    EXPECT_TRUE(decoded({0xf0, 0x87, 0x02}).lock);
    EXPECT_EQ(status_of({0xf0, 0x8b, 0x00}), Status::Malformed) << "LOCK MOV";
    EXPECT_EQ(status_of({0xf0, 0x01, 0xc0}), Status::Malformed) << "LOCK ADD to a register";
    EXPECT_EQ(status_of({0xf0, 0x83, 0x38, 0x00}), Status::Malformed) << "LOCK CMP";
    EXPECT_EQ(status_of({0xf0, 0x03, 0x00}), Status::Malformed) << "LOCK ADD to the register operand";
    EXPECT_EQ(status_of({0xf0, 0x0f, 0xa2}), Status::Malformed) << "LOCK CPUID";
}

TEST(X86Decoder, OutsideTheSetIsUnsupported) {
    EXPECT_EQ(status_of({0x90}), Status::Unsupported);
    EXPECT_EQ(status_of({0xf0, 0x0f, 0xc1, 0x00}), Status::Unsupported) << "XADD";
    EXPECT_EQ(status_of({0xf0, 0xff, 0x00}), Status::Unsupported) << "INC";
    EXPECT_EQ(status_of({0x0f, 0x38, 0x00, 0xc0}), Status::Unsupported);
    EXPECT_EQ(status_of({0x0f, 0x3a, 0x0f, 0xc0, 0x01}), Status::Unsupported);
    EXPECT_EQ(status_of({0xc5, 0xf8, 0x77}), Status::Unsupported) << "VEX";
    EXPECT_EQ(status_of({0x0f, 0x01, 0xf8}), Status::Unsupported) << "SWAPGS";
    EXPECT_EQ(status_of({0x0f, 0x01, 0xc1}), Status::Unsupported) << "VMCALL";
    EXPECT_EQ(status_of({0xf3, 0x0f, 0x01, 0xd9}), Status::Unsupported) << "VMGEXIT, not VMMCALL";
    EXPECT_EQ(status_of({0x66, 0x0f, 0x01, 0xd1}), Status::Unsupported) << "66 selects another 0F 01 register form";
    EXPECT_EQ(decoded({0x66, 0x0f, 0x01, 0x38}).op, Operation::Invlpg) << "the memory form ignores 66";
    EXPECT_EQ(status_of({0xc7, 0x08, 0, 0, 0, 0}), Status::Unsupported) << "C7 /1";
    EXPECT_EQ(status_of({0xf7, 0x18}), Status::Unsupported) << "NEG";
    EXPECT_EQ(status_of({0x0f, 0xba, 0x28, 0x01}), Status::Unsupported) << "BTS";
    EXPECT_EQ(status_of({0x63, 0x07}, Mode::Bits32), Status::Unsupported) << "ARPL";
    EXPECT_EQ(status_of({0x82, 0x00, 0x01}, Mode::Bits32), Status::Unsupported);
}

TEST(X86Decoder, ModeOfTheVcpu) {
    keel::abi::VcpuState s{};
    EXPECT_EQ(mode_of(s), Mode::Bits16) << "real mode";
    s.cs.attributes = 1 << 10;
    EXPECT_EQ(mode_of(s), Mode::Bits16) << "real mode, whatever CS.D holds";
    s.cr0 = 1;
    EXPECT_EQ(mode_of(s), Mode::Bits32);
    s.rflags = 1 << 17;
    EXPECT_EQ(mode_of(s), Mode::Bits16) << "virtual-8086";
    s.rflags = 2;
    s.cs.attributes = 1 << 9;
    EXPECT_EQ(mode_of(s), Mode::Bits16) << "CS.L without EFER.LMA";
    s.efer = 1 << 10 | 1 << 8;
    EXPECT_EQ(mode_of(s), Mode::Bits64);
    s.cs.attributes = 1 << 10;
    EXPECT_EQ(mode_of(s), Mode::Bits32) << "compatibility mode";
}

}  // namespace
