// The user thread control block: one page per local or global EC, mapped in
// its PD. A call's message is its untyped words; during a vCPU exit the
// handler's UTCB holds the vCPU's state (the parts the portal's MTD names).
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace keel::abi {

inline constexpr size_t UTCB_SIZE = 4096;

struct Segment {
    uint16_t selector;
    uint16_t attributes;  // SVM's compressed form: type, S, DPL, P, AVL, L, D/B, G
    uint32_t limit;
    uint64_t base;
};

struct DescriptorTable {
    uint32_t reserved;
    uint32_t limit;
    uint64_t base;
};

// A vCPU's architectural state as the exit portal's handler sees it. Fields
// outside the MTD's groups are undefined on delivery and ignored on reply.
struct VcpuState {
    uint64_t mtd;  // on delivery: the groups present; on reply: the groups to write back
    uint64_t instruction_length;  // RIP_LEN: of the exiting instruction, 0 where the hardware does not say
    uint64_t rax, rcx, rdx, rbx;  // GPR_ACDB
    uint64_t rbp, rsi, rdi;  // GPR_BSD
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;  // GPR_R8_R15
    uint64_t rsp;  // RSP
    uint64_t rip;  // RIP_LEN
    uint64_t rflags;  // RFLAGS
    uint64_t cr0, cr2, cr3, cr4, efer;  // CR
    uint64_t dr7;  // DR
    uint64_t xcr0;  // XCR0
    uint64_t sysenter_cs, sysenter_esp, sysenter_eip;  // SYSENTER
    Segment es, cs, ss, ds, fs, gs, ldtr, tr;  // DS_ES, CS_SS, FS_GS, LDTR, TR
    DescriptorTable gdtr, idtr;  // GDTR, IDTR
    // QUAL: what caused the exit. For Io: qual[0] = port | size << 16 |
    // in << 24 | string << 25 | rep << 26. For NestedPageFault: qual[0] =
    // access (bit 0 present, 1 write, 2 user, 4 execute), qual[1] = the
    // guest-physical address. For Exception: qual[0] = vector | error << 32.
    // For Other: qual[0] = the vendor's exit code.
    uint64_t qual[2];
    // INJ: an event to inject at the next entry (bit 31 valid, bits 0-7
    // vector, bits 8-10 type, bit 11 error code valid; error in bits 32-63),
    // and bit 0 of inj_request: exit with Recall as soon as the guest can
    // take an interrupt.
    uint64_t inj_info;
    uint64_t inj_request;
    uint64_t interruptibility;  // STA: bit 0 interrupt shadow
    uint64_t tsc_offset;  // TSC
    uint64_t ctrl[2];  // CTRL: extra intercepts (vendor bits; the kernel's own are always on)
};

// A thread event's message (abi/event.hpp: an exception, or a global EC's
// start-up), in the handler's UTCB words. The handler's reply with at least
// two words sets rip and rsp (user addresses, or the thread is killed), with
// three also the arithmetic flags.
struct ThreadState {
    uint64_t rip, rsp, rflags;
    uint64_t event;  // THREAD_EVENT_*: the exception's vector, or THREAD_EVENT_STARTUP
    uint64_t error;  // the exception's error code
    uint64_t address;  // #PF: the address that faulted
};
inline constexpr uint64_t THREAD_STATE_WORDS = sizeof(ThreadState) / 8;

struct Utcb {
    uint64_t words;  // untyped words in use
    uint64_t reserved;
    union {
        uint64_t word[(UTCB_SIZE - 16) / 8];
        VcpuState vcpu;
    };
};
static_assert(sizeof(VcpuState) <= UTCB_SIZE - 16, "the vCPU state must fit in the UTCB");
static_assert(sizeof(Utcb) == UTCB_SIZE, "the UTCB is one page");

inline constexpr uint64_t MAX_UNTYPED_WORDS = (UTCB_SIZE - 16) / 8;

}  // namespace keel::abi
