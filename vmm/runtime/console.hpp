// printf to the console: the root task writes through ctrl_hw (the kernel
// is the serial port's only writer), a VMM through the root task; text goes
// through this thread's UTCB.
#pragma once
#include <stddef.h>

#include "abi/utcb.hpp"

namespace keel::user::console {

// Sends `bytes` of text that lie in `utcb`'s words from byte `offset`.
using Sink = void (*)(abi::Utcb* utcb, size_t bytes);
// Without a sink: ctrl_hw's console (the root task). A thread that prints
// must be the one whose UTCB this is (call again when another thread prints).
void init(abi::Utcb* utcb, size_t offset = 0, Sink sink = nullptr);
void print(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

}  // namespace keel::user::console
