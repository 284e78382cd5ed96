// The guest's own page tables, walked in software: the VMM needs the
// guest-physical address of the instruction bytes at CS.base + RIP (and of
// any other linear address it reads for the guest). Paging off, 32-bit
// paging (4 MiB pages with CR4.PSE), PAE, and 4-level long mode (2 MiB and
// 1 GiB pages). Every entry comes through a callback and the walk reads at
// most four, so a table that points at itself, or anywhere, costs no more.
// Accessed and dirty bits are not set: the hardware set them when the guest
// ran the access that exited.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "abi/utcb.hpp"
#include "lib/status.hpp"

namespace keel::vmm::x86 {

struct PagingState {
    uint64_t cr0, cr3, cr4, efer;
    // MAXPHYADDR (CPUID 8000_0008h EAX[7:0]): entry bits from here to 51
    // are reserved. 52 checks none of them.
    uint8_t physical_address_bits = 52;
};

// Needs CR in the exit's MTD.
PagingState paging_of(const abi::VcpuState& s, uint8_t physical_address_bits = 52);

// Eight bytes of guest-physical memory at `gpa` (the walk asks only for
// 8-aligned addresses). False: nothing there (outside the guest's RAM).
using ReadGuestPhysical = bool (*)(void* ctx, uint64_t gpa, uint64_t& value);

struct GuestPhysical {
    ReadGuestPhysical read;
    void* ctx;
};

struct Translation {
    uint64_t gpa = 0;
    uint64_t page_size = 0;  // 4 KiB, 2 or 4 MiB, 1 GiB; 4 KiB with paging off
    bool writable = false;  // R/W at every level
    bool user = false;  // U/S at every level
    bool executable = false;  // no XD at any level (with EFER.NXE)
    unsigned fault_level = 0;  // on a fault: the level whose entry failed (4 PML4 ... 1 PT)
};

// Ok, or the fault a guest access would take: NotFound, a not-present
// entry (#PF); Malformed, a reserved bit set (#PF with RSVD); BadArgument,
// a non-canonical address (#GP); Truncated, an entry the callback could not
// read; Unsupported, 5-level paging (CR4.LA57). Permissions are reported,
// not checked: the caller knows the access and the CPL.
Status translate(const PagingState& paging, uint64_t linear, GuestPhysical memory, Translation& out);

// The linear address of the guest's next instruction: CS.base + RIP, in 32
// bits outside 64-bit mode (needs CS_SS, RIP_LEN, CR and RFLAGS).
uint64_t code_address(const abi::VcpuState& s);

// Up to 15 instruction bytes at `linear`, each page translated on its own:
// an instruction may cross into the next page. Ok with `got` > 0 when the
// first page could be read (fewer than 15 when the next page faults: the
// decoder says Truncated if the instruction needed them); else the first
// page's fault.
Status fetch_instruction(const PagingState& paging, uint64_t linear, GuestPhysical memory, uint8_t out[15],
                         size_t& got);

}  // namespace keel::vmm::x86
