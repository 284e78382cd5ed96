// The kernel's GDT and TSS. The TSS gives ring 3's entries into the kernel
// their stack (RSP0), the current PD's I/O permission bitmap, and the
// interrupt stack table: double fault, NMI and machine check run on stacks
// of their own, so a kernel stack overflow still ends in a readable
// register dump. The user selectors are laid out as SYSCALL/SYSRET need
// them (STAR: user 32-bit code, user data, user 64-bit code in a row).
#pragma once
#include <stdint.h>

#include "lib/status.hpp"

namespace keel::x86 {
class PageTable;
struct CpuLocal;
}  // namespace keel::x86

namespace keel::x86::gdt {

constexpr uint16_t KERNEL_CODE = 0x08;
constexpr uint16_t KERNEL_DATA = 0x10;
constexpr uint16_t USER_CODE32 = 0x18 | 3;  // never used; SYSRET's layout wants it
constexpr uint16_t USER_DATA = 0x20 | 3;
constexpr uint16_t USER_CODE = 0x28 | 3;
constexpr uint16_t TSS = 0x30;
constexpr unsigned IO_BITMAP_BYTES = 8192;  // one bit per port, 1 = no access

constexpr uint8_t IST_DOUBLE_FAULT = 1;
constexpr uint8_t IST_NMI = 2;
constexpr uint8_t IST_MACHINE_CHECK = 3;

// Loads `cpu`'s GDT and TSS on the CPU that calls it (the TSS in its window
// once map_window() made the windows).
void init(CpuLocal& cpu);

// Each CPU's TSS and current I/O bitmap appear in a window of its own in
// the kernel's top root slot (shared by every address space, like the
// identity map): the TSS's page, then the bitmap's two pages (remapped to
// the current PD's bitmap on a change of PD), then a page of ones (the CPU
// reads one byte past the bitmap). CPU n's window is 4 pages after n-1's.
inline constexpr uint64_t TSS_WINDOW = 0xffffff8000000000;  // root slot 511
inline constexpr unsigned WINDOW_SLOT = 511;

// Maps every CPU's window into the kernel's table and moves the boot CPU's
// TSS there.
[[nodiscard]] Status map_window(PageTable& kernel);

// Where the CPU puts a ring-3 entry's frame (RSP0): 16-byte aligned.
void set_kernel_stack(uint64_t top);
// The current PD's I/O bitmap: two pages (ports 0-32767, 32768-65535),
// mapped, not copied, so a change to the bitmap applies at once; null: no
// port at all.
void load_io_bitmap(CpuLocal& cpu, const uint8_t* low, const uint8_t* high);
// That bitmap's pages are freed: wherever they are mapped, on any CPU, no
// port is allowed.
void unload_io_bitmap(const uint8_t* low);

}  // namespace keel::x86::gdt
