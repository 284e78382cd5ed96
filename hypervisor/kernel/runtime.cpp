// What the compiler may call on its own in the kernel beyond lib/memory.cpp.
#include "power.hpp"

extern "C" [[noreturn]] void __cxa_pure_virtual() { keel::power::halt(keel::power::ExitCode::Panic); }
