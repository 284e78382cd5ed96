// Leaving the measured hypervisor leaves no PCR behind that still vouches
// for it: before a halt, panic or power-off the kernel extends PCR 17, 18 and
// 19 in every bank with H("keel-cap") at locality 2. The cap is not logged,
// so no event log replays to a capped PCR and no quote taken afterwards
// (by whatever runs next on a machine whose TPM was not reset) can match a
// reference. A platform reset needs no cap: it sets PCR 17-22 to all ones.
#pragma once

namespace keel::drtm {

// The cap's event data; its digest in each bank is what extends each PCR.
constexpr char CAP_EVENT[] = "keel-cap";

// Caps PCR 17-19 once (later calls do nothing) if a dynamic launch happened,
// i.e. PCR 17 is not all ones; says on the console what it did. `why` names
// the way out ("panic", "power-off", ...). Safe from exception handlers.
void cap_pcrs(const char* why);

}  // namespace keel::drtm
