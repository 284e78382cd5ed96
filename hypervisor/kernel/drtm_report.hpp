// What the hypervisor can say about its own launch: whether a dynamic launch
// happened (PCR 17 read from the TPM at locality 0; all ones means none),
// the DRTM PCR values in every bank, and the event log the secure loader
// left. Only the TPM's word counts: the boot information tag is a pointer.
#pragma once
#include "multiboot2.hpp"

namespace keel {

void report_drtm(const mb2::BootInfo& info, bool dump_event_log);

}  // namespace keel
