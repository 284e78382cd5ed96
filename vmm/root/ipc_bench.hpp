// The IPC benchmark (`bench=ipc`): call + reply to a portal whose handler
// is in another PD (a child, child.hpp) and, for comparison, in the root
// task's own PD, timed with the TSC. Under QEMU with -icount shift=0 a TSC
// tick is an executed instruction, so the figures are instruction counts
// (tools/bench/ipc-roundtrip.sh).
#pragma once
#include "abi/hip.hpp"

namespace keel::root {

void ipc_bench(const abi::Hip& hip);

}  // namespace keel::root
