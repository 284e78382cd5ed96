// What the hypervisor can say about its own launch, and no more: it reads PCR
// 17-22 of every bank at locality 0 and says "dynamic launch confirmed" only
// when the secure loader's event log replays from the locality-4 reset value
// (zeros) to exactly those values; otherwise it names what it could not
// confirm. Only the TPM's word counts: the boot information tag is a pointer.
#pragma once
#include "multiboot2.hpp"

namespace keel {

void report_drtm(const mb2::BootInfo& info, bool dump_event_log);

}  // namespace keel
