// The guest's debug console (port 0xE9) as lines for the host's console:
// bytes collect until a newline or a full line, and every byte that is not
// printable ASCII is shown escaped (\xNN), so a guest can neither move the
// cursor, clear the screen nor forge a line of its own on the operator's
// console. Pure: unit-tested on the host.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace keel::vmm {

class GuestConsole {
public:
    static constexpr size_t LINE = 128;  // printable bytes per line, escapes counted as four
    using Emit = void (*)(const char* line, size_t length, void* ctx);

    void put(uint8_t c, Emit emit, void* ctx);
    void flush(Emit emit, void* ctx);  // a line not yet ended, if any

private:
    char line_[LINE + 4] = {};
    size_t used_ = 0;
};

}  // namespace keel::vmm
