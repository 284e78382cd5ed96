// The user half of every PD's address space, as the kernel lays it out.
// Below USER_BASE is the kernel's (its identity map of physical memory,
// never reachable from ring 3); the host memory space's selectors are the
// pages of [USER_BASE, USER_END). The kernel maps a thread's UTCB and the
// root task's hypervisor information page in the kernel window at the
// bottom of it, outside the delegable space.
#pragma once
#include <stdint.h>

namespace keel::abi {

inline constexpr uint64_t USER_BASE = uint64_t(1) << 39;  // 512 GiB: PML4 slot 1
inline constexpr uint64_t USER_END = uint64_t(1) << 47;  // the top of the lower canonical half
// [USER_BASE, USER_SPACE_BASE): the kernel window (HIP, UTCBs); a
// delegation into it is BadParameter.
inline constexpr uint64_t USER_SPACE_BASE = USER_BASE + (uint64_t(1) << 30);
inline constexpr uint64_t HIP_ADDRESS = USER_BASE;  // read-only, in the root task only
inline constexpr uint64_t UTCB_AREA = USER_BASE + 0x1000;  // one page per thread EC, by its index
// Where the root task finds the RAM and devices it received: at
// ROOT_PHYS_BASE + their physical address (the HIP lists them).
inline constexpr uint64_t ROOT_PHYS_BASE = uint64_t(1) << 46;
// Where user programs are linked (user/user.ld): above the kernel window.
inline constexpr uint64_t USER_IMAGE_BASE = USER_SPACE_BASE;

// Where a thread may execute and keep its stack: the user half (the
// kernel refuses anything else as a portal's IP, a stack, or an event
// reply's state).
constexpr bool is_user_address(uint64_t a) { return a >= USER_BASE && a < USER_END; }

// A new thread EC starts with RDI = its UTCB's address and, for the root
// task's first EC, RSI = the HIP's; RSP = the stack it was created with
// (0 for the root task: its crt0 sets its own).

}  // namespace keel::abi
