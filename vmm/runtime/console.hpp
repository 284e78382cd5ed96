// printf to the console: the root task writes through ctrl_hw (the kernel
// is the serial port's only writer), a VMM through the root task. Text
// collects in a buffer of the console's own and goes out a line at a time
// through the printing thread's UTCB.
#pragma once
#include <stddef.h>

#include "abi/utcb.hpp"

namespace keel::user::console {

// Sends `bytes` of `text` on, through `utcb`.
using Sink = void (*)(abi::Utcb* utcb, const char* text, size_t bytes);
// Without a sink: ctrl_hw's console (the root task). The thread that prints
// must be the one whose UTCB this is (call again when another one prints).
void init(abi::Utcb* utcb, Sink sink = nullptr);
void print(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

}  // namespace keel::user::console
