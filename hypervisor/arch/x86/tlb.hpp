// TLB shootdown. Page tables are shared between CPUs; a CPU caches
// translations of the tables it runs. When a mapping loses rights, every
// other CPU must drop what it cached before it next runs user or guest
// code. One generation counts the shootdowns; each CPU records the last it
// has done. CPUs outside the kernel (ring 3, a guest, idle) are sent an IPI
// and acknowledge from its handler, which needs no lock; CPUs spinning for
// the kernel lock catch up as soon as they hold it, so the CPU that shoots
// down (holding the lock) never waits for them.
#pragma once
#include <stdint.h>

namespace keel::x86::tlb {

// After a change to shared page tables: returns once no other CPU can use
// a translation cached before it.
void shootdown();
// This CPU: does the shootdowns it has not done yet (a CR3 reload drops
// every user and window entry, none is global; a guest's nested entries
// are flushed on its next entry by its page table's generation).
void catch_up();
// A new CPU starts with nothing cached.
void mark_current();
// The IPI's handler: catch up and acknowledge.
void on_ipi();

}  // namespace keel::x86::tlb
