// printf to the console: the root task writes through ctrl_hw (the kernel
// is the serial port's only writer); text goes through this thread's UTCB.
#pragma once
#include "abi/utcb.hpp"

namespace keel::user::console {

void init(abi::Utcb* utcb);
void print(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

}  // namespace keel::user::console
