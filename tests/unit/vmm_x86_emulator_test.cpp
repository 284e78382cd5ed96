// The MMIO emulator: Linux's accessors against a fake device, x86's partial
// register writes, and the ALU's flags against the host CPU executing the
// same operation on the same values.
#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "vmm/x86/emulator.hpp"
#include "vmm/x86/flags.hpp"

namespace {

using keel::Status;
using namespace keel::vmm::x86;

// A device of bytes; every access logged; refuses what `refuse_writes` says.
struct FakeMmio {
    std::map<uint64_t, uint8_t> bytes;
    struct Access {
        uint64_t gpa;
        unsigned size;
        bool write;
        uint64_t value;
    };
    std::vector<Access> log;
    bool refuse_writes = false;
    bool refuse_reads = false;

    static bool access(void* ctx, uint64_t gpa, unsigned size, bool write, uint64_t& value) {
        auto* self = static_cast<FakeMmio*>(ctx);
        if (write ? self->refuse_writes : self->refuse_reads) return false;
        if (write) {
            for (unsigned i = 0; i < size; ++i) self->bytes[gpa + i] = uint8_t(value >> (8 * i));
        } else {
            value = 0;
            for (unsigned i = 0; i < size; ++i) value |= uint64_t(self->bytes[gpa + i]) << (8 * i);
        }
        self->log.push_back({gpa, size, write, value});
        return true;
    }
    Mmio mmio() { return {access, this}; }
    void put(uint64_t gpa, uint64_t value, unsigned size) {
        for (unsigned i = 0; i < size; ++i) bytes[gpa + i] = uint8_t(value >> (8 * i));
    }
    uint64_t get(uint64_t gpa, unsigned size) {
        uint64_t v = 0;
        for (unsigned i = 0; i < size; ++i) v |= uint64_t(bytes[gpa + i]) << (8 * i);
        return v;
    }
};

constexpr uint64_t APIC = 0xfee00000;

Registers sample_registers() {
    Registers r{};
    for (unsigned i = 0; i < 16; ++i) r.gpr[i] = 0x1111111111111111ull * (i + 1);
    r.rip = 0x1000;
    r.rflags = 2;
    return r;
}

// Decodes and emulates; the instruction must decode.
Status run(std::vector<uint8_t> bytes, uint64_t gpa, Registers& r, FakeMmio& dev, Mode mode = Mode::Bits64) {
    Instruction insn;
    EXPECT_EQ(decode(bytes.data(), bytes.size(), mode, insn), Status::Ok);
    EXPECT_EQ(insn.length, bytes.size());
    return emulate(insn, mode, gpa, r, dev.mmio());
}

TEST(X86Emulator, Readl) {
    FakeMmio dev;
    dev.put(APIC + 0x20, 0x12345678, 4);
    Registers r = sample_registers();
    ASSERT_EQ(run({0x8b, 0x00}, APIC + 0x20, r, dev), Status::Ok);  // mov (%rax),%eax
    EXPECT_EQ(r.gpr[RAX], 0x12345678u) << "a 32-bit destination clears bits 63:32";
    EXPECT_EQ(r.rip, 0x1002u);
    ASSERT_EQ(dev.log.size(), 1u);
    EXPECT_EQ(dev.log[0].size, 4u);
    EXPECT_FALSE(dev.log[0].write);
}

TEST(X86Emulator, Writel) {
    FakeMmio dev;
    Registers r = sample_registers();
    ASSERT_EQ(run({0x89, 0x90, 0x00, 0x03, 0x00, 0x00}, APIC + 0x300, r, dev), Status::Ok);  // mov %edx,0x300(%rax)
    ASSERT_EQ(dev.log.size(), 1u);
    EXPECT_TRUE(dev.log[0].write);
    EXPECT_EQ(dev.log[0].gpa, APIC + 0x300);
    EXPECT_EQ(dev.log[0].value, 0x33333333u);
    EXPECT_EQ(r.gpr[RDX], 0x3333333333333333u);
    EXPECT_EQ(r.rip, 0x1006u);
}

TEST(X86Emulator, MovImmediateRipRelative) {
    FakeMmio dev;
    Registers r = sample_registers();
    // movl $0xdeadbeef,0x1234(%rip): the gpa comes from the fault, not from RIP.
    ASSERT_EQ(run({0xc7, 0x05, 0x34, 0x12, 0x00, 0x00, 0xef, 0xbe, 0xad, 0xde}, APIC + 0xb0, r, dev), Status::Ok);
    EXPECT_EQ(dev.get(APIC + 0xb0, 4), 0xdeadbeefu);
    EXPECT_EQ(dev.log[0].size, 4u);
    FakeMmio q;
    ASSERT_EQ(run({0x48, 0xc7, 0x00, 0xfe, 0xff, 0xff, 0xff}, 0x1000, r, q), Status::Ok);  // movq $-2,(%rax)
    EXPECT_EQ(q.get(0x1000, 8), uint64_t(-2)) << "imm32 sign-extended to 64";
    FakeMmio b;
    ASSERT_EQ(run({0xc6, 0x00, 0x5a}, 0x2000, r, b), Status::Ok);
    EXPECT_EQ(b.log[0].size, 1u);
    EXPECT_EQ(b.log[0].value, 0x5au);
}

TEST(X86Emulator, ByteAndWordRegistersKeepTheirNeighbours) {
    FakeMmio dev;
    dev.put(0x100, 0xa5, 1);
    dev.put(0x200, 0xbeef, 2);
    Registers r = sample_registers();
    ASSERT_EQ(run({0x8a, 0x00}, 0x100, r, dev), Status::Ok);  // mov (%rax),%al
    EXPECT_EQ(r.gpr[RAX], 0x11111111111111a5u);
    ASSERT_EQ(run({0x8a, 0x20}, 0x100, r, dev), Status::Ok);  // mov (%rax),%ah
    EXPECT_EQ(r.gpr[RAX], 0x111111111111a5a5u);
    ASSERT_EQ(run({0x8a, 0x38}, 0x100, r, dev), Status::Ok);  // mov (%rax),%bh
    EXPECT_EQ(r.gpr[RBX], 0x444444444444a544u);
    ASSERT_EQ(run({0x40, 0x8a, 0x38}, 0x100, r, dev), Status::Ok);  // mov (%rax),%dil
    EXPECT_EQ(r.gpr[RDI], 0x88888888888888a5u);
    ASSERT_EQ(run({0x66, 0x44, 0x8b, 0x08}, 0x200, r, dev), Status::Ok);  // mov (%rax),%r9w
    EXPECT_EQ(r.gpr[R9], 0xaaaaaaaaaaaabeefu);
    ASSERT_EQ(run({0x88, 0x24, 0x25, 0, 0, 0, 0}, 0x300, r, dev), Status::Ok);  // mov %ah,0x0
    EXPECT_EQ(dev.get(0x300, 1), 0xa5u);
    ASSERT_EQ(run({0x40, 0x88, 0x34, 0x25, 0, 0, 0, 0}, 0x301, r, dev), Status::Ok);  // mov %sil,0x0
    EXPECT_EQ(dev.get(0x301, 1), 0x77u);
}

TEST(X86Emulator, ReadqAndMoffs) {
    FakeMmio dev;
    dev.put(0x5000, 0x0123456789abcdef, 8);
    Registers r = sample_registers();
    ASSERT_EQ(run({0x4c, 0x8b, 0x3b}, 0x5000, r, dev), Status::Ok);  // mov (%rbx),%r15
    EXPECT_EQ(r.gpr[R15], 0x0123456789abcdefu);
    ASSERT_EQ(run({0x48, 0xa1, 0, 0x50, 0, 0, 0, 0, 0, 0}, 0x5000, r, dev), Status::Ok);  // movabs 0x5000,%rax
    EXPECT_EQ(r.gpr[RAX], 0x0123456789abcdefu);
    ASSERT_EQ(run({0xa2, 0, 0x60, 0, 0, 0, 0, 0, 0}, 0x6000, r, dev), Status::Ok);  // movabs %al,0x6000
    EXPECT_EQ(dev.get(0x6000, 1), 0xefu);
}

TEST(X86Emulator, MovzxMovsxMovsxd) {
    FakeMmio dev;
    dev.put(0x10, 0x80, 1);
    dev.put(0x20, 0x8001, 2);
    dev.put(0x30, 0x80000001, 4);
    Registers r = sample_registers();
    ASSERT_EQ(run({0x0f, 0xb6, 0x08}, 0x10, r, dev), Status::Ok);  // movzbl (%rax),%ecx
    EXPECT_EQ(r.gpr[RCX], 0x80u);
    ASSERT_EQ(run({0x48, 0x0f, 0xbe, 0x08}, 0x10, r, dev), Status::Ok);  // movsbq (%rax),%rcx
    EXPECT_EQ(r.gpr[RCX], 0xffffffffffffff80u);
    ASSERT_EQ(run({0x0f, 0xbf, 0x08}, 0x20, r, dev), Status::Ok);  // movswl (%rax),%ecx
    EXPECT_EQ(r.gpr[RCX], 0xffff8001u);
    ASSERT_EQ(run({0x66, 0x0f, 0xb6, 0x08}, 0x10, r, dev), Status::Ok);  // movzbw (%rax),%cx
    EXPECT_EQ(r.gpr[RCX], 0xffff0080u);
    ASSERT_EQ(run({0x48, 0x63, 0x08}, 0x30, r, dev), Status::Ok);  // movslq (%rax),%rcx
    EXPECT_EQ(r.gpr[RCX], 0xffffffff80000001u);
    EXPECT_EQ(dev.log.back().size, 4u);
}

TEST(X86Emulator, XchgAndBt) {
    FakeMmio dev;
    dev.put(0x40, 0xcafe, 4);
    Registers r = sample_registers();
    ASSERT_EQ(run({0x87, 0x08}, 0x40, r, dev), Status::Ok);  // xchg %ecx,(%rax)
    EXPECT_EQ(r.gpr[RCX], 0xcafeu);
    EXPECT_EQ(dev.get(0x40, 4), 0x22222222u);
    dev.put(0x50, 1u << 5, 4);
    ASSERT_EQ(run({0x0f, 0xba, 0x20, 0x05}, 0x50, r, dev), Status::Ok);  // btl $5,(%rax)
    EXPECT_TRUE(r.rflags & rflags::CF);
    ASSERT_EQ(run({0x0f, 0xba, 0x20, 0x26}, 0x50, r, dev), Status::Ok);  // btl $38,(%rax): bit 6
    EXPECT_FALSE(r.rflags & rflags::CF);
    r.gpr[RCX] = 5;
    ASSERT_EQ(run({0x0f, 0xa3, 0x08}, 0x50, r, dev), Status::Ok);  // bt %ecx,(%rax)
    EXPECT_TRUE(r.rflags & rflags::CF);
    r.gpr[RCX] = 40;
    Registers before = r;
    EXPECT_EQ(run({0x0f, 0xa3, 0x08}, 0x50, r, dev), Status::Unsupported) << "a bit string past the operand";
    EXPECT_EQ(r.rip, before.rip);
}

TEST(X86Emulator, StosOneElementPerExit) {
    FakeMmio dev;
    Registers r = sample_registers();
    r.gpr[RAX] = 0x1122334455667788;
    r.gpr[RDI] = 0x8000;
    ASSERT_EQ(run({0xab}, 0x9000, r, dev), Status::Ok);  // stos %eax,%es:(%rdi)
    EXPECT_EQ(dev.get(0x9000, 4), 0x55667788u);
    EXPECT_EQ(r.gpr[RDI], 0x8004u);
    EXPECT_EQ(r.rip, 0x1001u);
    // rep stosq with three to go: one store, RIP stays for the next.
    r.gpr[RCX] = 3;
    ASSERT_EQ(run({0xf3, 0x48, 0xab}, 0x9100, r, dev), Status::Ok);
    EXPECT_EQ(dev.get(0x9100, 8), 0x1122334455667788u);
    EXPECT_EQ(r.gpr[RCX], 2u);
    EXPECT_EQ(r.gpr[RDI], 0x800cu);
    EXPECT_EQ(r.rip, 0x1001u) << "not done";
    r.gpr[RCX] = 1;
    r.rflags |= 1 << 10;  // DF: downwards
    ASSERT_EQ(run({0xf3, 0xaa}, 0x9200, r, dev), Status::Ok);  // rep stosb
    EXPECT_EQ(dev.get(0x9200, 1), 0x88u);
    EXPECT_EQ(r.gpr[RDI], 0x800bu);
    EXPECT_EQ(r.gpr[RCX], 0u);
    EXPECT_EQ(r.rip, 0x1003u) << "the last element: done";
    size_t accesses = dev.log.size();
    ASSERT_EQ(run({0xf3, 0xaa}, 0x9200, r, dev), Status::Ok) << "a count of 0";
    EXPECT_EQ(dev.log.size(), accesses);
    EXPECT_EQ(r.rip, 0x1005u);
    // 32-bit addressing in 64-bit mode: EDI and ECX, zero-extended.
    r.gpr[RDI] = 0xffffffff'fffffffc;
    r.gpr[RCX] = 0xffffffff'00000002;
    r.rflags = 2;
    ASSERT_EQ(run({0x67, 0xf3, 0xab}, 0x9300, r, dev), Status::Ok);
    EXPECT_EQ(r.gpr[RDI], 0u);
    EXPECT_EQ(r.gpr[RCX], 1u);
    // 16-bit code keeps the bits above DI and CX.
    r.gpr[RDI] = 0xabcd'fffe;
    ASSERT_EQ(run({0xab}, 0x9400, r, dev, Mode::Bits16), Status::Ok);  // stosw
    EXPECT_EQ(dev.log.back().size, 2u);
    EXPECT_EQ(r.gpr[RDI], 0xabcd'0000u);
}

TEST(X86Emulator, SixteenBitCodeWrapsIp) {
    FakeMmio dev;
    dev.put(0x1234, 0x55aa, 2);
    Registers r = sample_registers();
    r.rip = 0xfffe;
    ASSERT_EQ(run({0x8b, 0x07}, 0x1234, r, dev, Mode::Bits16), Status::Ok);  // mov (%bx),%ax
    EXPECT_EQ(r.gpr[RAX] & 0xffff, 0x55aau);
    EXPECT_EQ(r.gpr[RAX] >> 16, 0x111111111111u);
    EXPECT_EQ(r.rip, 0u);
}

TEST(X86Emulator, RefusalsChangeNoRegister) {
    FakeMmio dev;
    dev.refuse_writes = true;
    Registers r = sample_registers();
    r.rflags = 2;
    Registers before = r;
    EXPECT_EQ(run({0x01, 0x08}, 0x10, r, dev), Status::NotFound);  // add %ecx,(%rax)
    EXPECT_EQ(run({0x87, 0x08}, 0x10, r, dev), Status::NotFound);  // xchg %ecx,(%rax)
    dev.refuse_reads = true;
    EXPECT_EQ(run({0x8b, 0x00}, 0x10, r, dev), Status::NotFound);
    EXPECT_EQ(run({0x89, 0xc1}, 0x10, r, dev), Status::Unsupported) << "no memory operand";
    EXPECT_EQ(run({0xa5}, 0x10, r, dev), Status::Unsupported) << "MOVS";
    EXPECT_EQ(run({0xab}, 0x10, r, dev), Status::NotFound) << "STOS refused";
    EXPECT_EQ(run({0x0f, 0xa2}, 0x10, r, dev), Status::Unsupported) << "CPUID";
    EXPECT_EQ(memcmp(&r, &before, sizeof r), 0);
}

TEST(X86Emulator, MemoryAccessOfEachForm) {
    auto access = [](std::vector<uint8_t> bytes) {
        Instruction insn;
        EXPECT_EQ(decode(bytes.data(), bytes.size(), Mode::Bits64, insn), Status::Ok);
        return memory_access(insn);
    };
    MemoryAccess readl = access({0x8b, 0x00});
    EXPECT_EQ(readl.size, 4u);
    EXPECT_TRUE(readl.read);
    EXPECT_FALSE(readl.write);
    MemoryAccess writeb = access({0x88, 0x08});
    EXPECT_EQ(writeb.size, 1u);
    EXPECT_FALSE(writeb.read);
    EXPECT_TRUE(writeb.write);
    EXPECT_EQ(access({0x0f, 0xb7, 0x00}).size, 2u) << "MOVZX reads its source's size";
    MemoryAccess add = access({0x48, 0x01, 0x08});
    EXPECT_TRUE(add.read && add.write);
    EXPECT_EQ(add.size, 8u);
    EXPECT_FALSE(access({0x39, 0x08}).write) << "CMP";
    EXPECT_FALSE(access({0x03, 0x08}).write) << "ADD into a register";
    EXPECT_TRUE(access({0x87, 0x08}).write) << "XCHG";
    EXPECT_TRUE(access({0xab}).write) << "STOS";
    EXPECT_EQ(access({0x89, 0xc1}).size, 0u) << "no memory operand";
    EXPECT_EQ(access({0xa5}).size, 0u) << "MOVS";
}

TEST(X86Emulator, EffectiveAddress) {
    Registers r = sample_registers();
    Instruction insn;
    const uint8_t rip_rel[] = {0x8b, 0x05, 0x10, 0, 0, 0};
    ASSERT_EQ(decode(rip_rel, sizeof rip_rel, Mode::Bits64, insn), Status::Ok);
    EXPECT_EQ(effective_address(insn, r), 0x1000u + 6 + 0x10);
    const uint8_t sib[] = {0x8b, 0x54, 0x8d, 0xf0};  // mov -0x10(%rbp,%rcx,4),%edx
    ASSERT_EQ(decode(sib, sizeof sib, Mode::Bits64, insn), Status::Ok);
    EXPECT_EQ(effective_address(insn, r), r.gpr[RBP] + 4 * r.gpr[RCX] - 0x10);
    const uint8_t bx_si[] = {0x8b, 0x40, 0x10};  // mov 0x10(%bx,%si),%ax
    ASSERT_EQ(decode(bx_si, sizeof bx_si, Mode::Bits16, insn), Status::Ok);
    EXPECT_EQ(effective_address(insn, r), (0x4444u + 0x7777u + 0x10) & 0xffff);
}

TEST(X86Emulator, RegistersCopyFromAndToTheVcpuState) {
    keel::abi::VcpuState s{};
    s.rax = 1, s.rcx = 2, s.rdx = 3, s.rbx = 4, s.rsp = 5, s.rbp = 6, s.rsi = 7, s.rdi = 8;
    s.r8 = 9, s.r15 = 16, s.rip = 0x77, s.rflags = 0x202;
    Registers r = registers_of(s);
    EXPECT_EQ(r.gpr[RSP], 5u);
    EXPECT_EQ(r.gpr[RDI], 8u);
    EXPECT_EQ(r.gpr[R15], 16u);
    r.gpr[RBX] = 40;
    keel::abi::VcpuState t{};
    store_registers(r, t);
    EXPECT_EQ(t.rbx, 40u);
    EXPECT_EQ(t.r8, 9u);
    EXPECT_EQ(t.rip, 0x77u);
    EXPECT_EQ(t.rflags, 0x202u);
}

// --- ALU flags against the host ------------------------------------------

// `op` on (p) with src, starting from `flags_in`; returns the flags after.
// The red zone is stepped over: PUSHF would write where the compiler may
// keep locals.
#define NATIVE_ALU(name, mnemonic)                                                                                     \
    uint64_t native_##name(unsigned size, uint64_t* p, uint64_t src, uint64_t flags_in) {                              \
        uint64_t out;                                                                                                  \
        switch (size) {                                                                                                \
        case 1:                                                                                                        \
            asm volatile("sub $128,%%rsp\n push %[in]\n popfq\n " mnemonic "b %b[src],(%[p])\n pushfq\n pop %[out]\n " \
                         "add $128,%%rsp"                                                                              \
                         : [out] "=&r"(out)                                                                            \
                         : [p] "r"(p), [src] "r"(src), [in] "r"(flags_in)                                              \
                         : "cc", "memory");                                                                            \
            break;                                                                                                     \
        case 2:                                                                                                        \
            asm volatile("sub $128,%%rsp\n push %[in]\n popfq\n " mnemonic "w %w[src],(%[p])\n pushfq\n pop %[out]\n " \
                         "add $128,%%rsp"                                                                              \
                         : [out] "=&r"(out)                                                                            \
                         : [p] "r"(p), [src] "r"(src), [in] "r"(flags_in)                                              \
                         : "cc", "memory");                                                                            \
            break;                                                                                                     \
        case 4:                                                                                                        \
            asm volatile("sub $128,%%rsp\n push %[in]\n popfq\n " mnemonic "l %k[src],(%[p])\n pushfq\n pop %[out]\n " \
                         "add $128,%%rsp"                                                                              \
                         : [out] "=&r"(out)                                                                            \
                         : [p] "r"(p), [src] "r"(src), [in] "r"(flags_in)                                              \
                         : "cc", "memory");                                                                            \
            break;                                                                                                     \
        default:                                                                                                       \
            asm volatile("sub $128,%%rsp\n push %[in]\n popfq\n " mnemonic "q %q[src],(%[p])\n pushfq\n pop %[out]\n " \
                         "add $128,%%rsp"                                                                              \
                         : [out] "=&r"(out)                                                                            \
                         : [p] "r"(p), [src] "r"(src), [in] "r"(flags_in)                                              \
                         : "cc", "memory");                                                                            \
            break;                                                                                                     \
        }                                                                                                              \
        return out;                                                                                                    \
    }

NATIVE_ALU(add, "add")
NATIVE_ALU(or, "or")
NATIVE_ALU(adc, "adc")
NATIVE_ALU(sbb, "sbb")
NATIVE_ALU(and, "and")
NATIVE_ALU(sub, "sub")
NATIVE_ALU(xor, "xor")
NATIVE_ALU(cmp, "cmp")
NATIVE_ALU(test, "test")

using Native = uint64_t (*)(unsigned, uint64_t*, uint64_t, uint64_t);

struct AluCase {
    Operation op;
    Native native;
    uint8_t opcode;  // the r/m, reg form (test: 85)
    bool logical;
};

const AluCase ALU_CASES[] = {
    {Operation::Add, native_add, 0x01, false},  {Operation::Or, native_or, 0x09, true},
    {Operation::Adc, native_adc, 0x11, false},  {Operation::Sbb, native_sbb, 0x19, false},
    {Operation::And, native_and, 0x21, true},   {Operation::Sub, native_sub, 0x29, false},
    {Operation::Xor, native_xor, 0x31, true},   {Operation::Cmp, native_cmp, 0x39, false},
    {Operation::Test, native_test, 0x85, true},
};

const uint64_t VALUES[] = {0,
                           1,
                           2,
                           0x0f,
                           0x10,
                           0x7f,
                           0x80,
                           0xff,
                           0x7fff,
                           0x8000,
                           0xffff,
                           0x7fffffff,
                           0x80000000,
                           0xffffffff,
                           0x7fffffffffffffff,
                           0x8000000000000000,
                           0xffffffffffffffff,
                           0x123456789abcdef0,
                           0xfedcba9876543210,
                           0x0000000100000001};

// The r/m, reg form (op %ecx,(%rax)) with the operand size's prefix.
std::vector<uint8_t> encode_rm_reg(uint8_t opcode, unsigned size) {
    std::vector<uint8_t> bytes;
    if (size == 2) bytes.push_back(0x66);
    if (size == 8) bytes.push_back(0x48);
    bytes.push_back(size == 1 ? uint8_t(opcode - 1) : opcode);
    bytes.push_back(0x08);
    return bytes;
}

TEST(X86EmulatorFlags, EveryAluOperationMatchesTheHostCpu) {
    unsigned compared = 0;
    for (const auto& c : ALU_CASES)
        for (unsigned size : {1u, 2u, 4u, 8u})
            for (uint64_t a : VALUES)
                for (uint64_t b : VALUES)
                    for (uint64_t carry : {0ull, 1ull}) {
                        uint64_t flags_in = 2 | carry;
                        uint64_t host_mem = a;
                        uint64_t host_flags = c.native(size, &host_mem, b, flags_in);
                        FakeMmio dev;
                        dev.put(0x100, a, size);
                        Registers r{};
                        r.gpr[RCX] = b;
                        r.rflags = flags_in;
                        std::vector<uint8_t> bytes = encode_rm_reg(c.opcode, size);
                        ASSERT_EQ(run(bytes, 0x100, r, dev), Status::Ok);
                        // AF after a logical operation is undefined: not compared.
                        uint64_t mask = rflags::ARITHMETIC & ~(c.logical ? rflags::AF : 0);
                        ASSERT_EQ(r.rflags & mask, host_flags & mask)
                            << "op " << int(c.opcode) << " size " << size << " a " << std::hex << a << " b " << b
                            << " carry " << carry;
                        ASSERT_EQ(dev.get(0x100, size), host_mem & size_mask(size)) << "op " << int(c.opcode);
                        ++compared;
                    }
    EXPECT_EQ(compared, std::size(ALU_CASES) * 4 * std::size(VALUES) * std::size(VALUES) * 2);
}

TEST(X86EmulatorFlags, RegisterDestinationAndImmediateForms) {
    FakeMmio dev;
    dev.put(0x100, 5, 4);
    Registers r = sample_registers();
    r.gpr[RCX] = 0xffffffff00000007;
    ASSERT_EQ(run({0x2b, 0x08}, 0x100, r, dev), Status::Ok);  // sub (%rax),%ecx
    EXPECT_EQ(r.gpr[RCX], 2u) << "zero-extended";
    EXPECT_EQ(r.rflags & rflags::ARITHMETIC, 0u);
    ASSERT_EQ(run({0x3b, 0x08}, 0x100, r, dev), Status::Ok);  // cmp (%rax),%ecx: 2 - 5
    EXPECT_EQ(r.gpr[RCX], 2u);
    EXPECT_EQ(r.rflags & (rflags::CF | rflags::SF | rflags::ZF), rflags::CF | rflags::SF);
    ASSERT_EQ(run({0x83, 0x28, 0x05}, 0x100, r, dev), Status::Ok);  // subl $5,(%rax)
    EXPECT_EQ(dev.get(0x100, 4), 0u);
    EXPECT_TRUE(r.rflags & rflags::ZF);
    ASSERT_EQ(run({0x48, 0x81, 0x00, 0x00, 0x00, 0x00, 0x80}, 0x100, r, dev), Status::Ok);  // addq $-2^31,(%rax)
    EXPECT_EQ(dev.get(0x100, 8), 0xffffffff80000000u);
    EXPECT_TRUE(r.rflags & rflags::SF);
    ASSERT_EQ(run({0xf7, 0x00, 0x00, 0x00, 0x00, 0x80}, 0x100, r, dev), Status::Ok);  // testl $0x80000000,(%rax)
    EXPECT_FALSE(r.rflags & rflags::ZF);
    EXPECT_TRUE(r.rflags & rflags::SF);
    ASSERT_EQ(run({0xf6, 0x00, 0x01}, 0x100, r, dev), Status::Ok);  // testb $1,(%rax)
    EXPECT_TRUE(r.rflags & rflags::ZF);
    ASSERT_EQ(run({0xf0, 0x83, 0x08, 0x01}, 0x100, r, dev), Status::Ok);  // lock orl $1,(%rax)
    EXPECT_EQ(dev.get(0x100, 4), 0x80000001u);
}

}  // namespace
