// The kernel: a broken invariant is a panic, with the PCRs capped on the way out.
#include "hypervisor/kernel/console.hpp"
#include "hypervisor/kernel/power.hpp"
#include "lib/assert.hpp"

namespace keel {

void assertion_failed(const char* condition, const char* file, int line) {
    console::print("\n*** KEEL PANIC: invariant broken at %s:%d: %s\n", file, line, condition);
    power::halt(power::ExitCode::Panic);
}

}  // namespace keel
