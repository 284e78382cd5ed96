// A child PD for the isolation probes: it shares the root task's code
// (text and rodata, read-only) at the same addresses and has one page of
// its own (stack at the top, a mailbox at the bottom that the root task
// also sees), and nothing else: no capability, no port, none of the root
// task's data. Its one thread starts through a start-up portal the root
// task serves, at `entry`, on an SC of the given priority.
// CHILD_SHARED, a second page, is the root task's to give (shootdown probe).
#pragma once
#include <stdint.h>

#include "abi/capability.hpp"
#include "abi/hip.hpp"
#include "abi/status.hpp"

namespace keel::root {

inline constexpr uint64_t CHILD_PAGE = 0x9000000000;  // the child's own page, in its space
inline constexpr uint64_t CHILD_SHARED = CHILD_PAGE + 0x1000;
inline constexpr abi::Selector CHILD_PD = 64, CHILD_EC = 65, CHILD_SC = 66;
// The child's kernel memory: its tables (the root task's image shared into
// it, its page), its object space, its thread's UTCB, with room to spare.
inline constexpr uint64_t CHILD_QUOTA_PAGES = 32;

struct Mailbox {
    volatile uint64_t word[16];
};

// The mailbox as the child sees it (only valid in the child).
inline Mailbox& child_mailbox() { return *reinterpret_cast<Mailbox*>(CHILD_PAGE); }

// Delegates the pages [first, end) of the caller's host space to the same
// addresses in PD `to`; the first refusal ends it. Touches no data of the
// root task's, so a child may use it too (chain_probe.cpp).
abi::Status delegate_same_pages(abi::Selector to, uint64_t first, uint64_t end, uint8_t perms);

// Makes the child PD (no thread yet); returns the mailbox as the root task
// sees it, or nullptr (and says why) if a hypercall failed.
Mailbox* make_child(const abi::Hip& hip, uint64_t quota = CHILD_QUOTA_PAGES);
// Starts the thread of the child make_child() made at `entry`, on CPU `cpu`.
bool run_child(void (*entry)(), uint8_t priority, uint16_t cpu);
// Both.
Mailbox* start_child(const abi::Hip& hip, void (*entry)(), uint8_t priority);

// Waits about `ms` milliseconds (a semaphore down with a deadline), so that
// other threads run.
void sleep_ms(const abi::Hip& hip, uint64_t ms);

}  // namespace keel::root
