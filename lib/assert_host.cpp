// Host builds: a broken invariant aborts the test process.
#include <cstdio>
#include <cstdlib>

#include "lib/assert.hpp"

namespace keel {

void assertion_failed(const char* condition, const char* file, int line) {
    std::fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, condition);
    std::abort();
}

}  // namespace keel
