#include "vmm/common/guest_console.hpp"

namespace keel::vmm {

void GuestConsole::put(uint8_t c, Emit emit, void* ctx) {
    if (c == '\n') return flush(emit, ctx);
    if (used_ + 4 > LINE) flush(emit, ctx);
    if (c >= 0x20 && c < 0x7f) {
        line_[used_++] = char(c);
        return;
    }
    constexpr char HEX[] = "0123456789abcdef";
    line_[used_++] = '\\';
    line_[used_++] = 'x';
    line_[used_++] = HEX[c >> 4];
    line_[used_++] = HEX[c & 15];
}

void GuestConsole::flush(Emit emit, void* ctx) {
    if (used_) emit(line_, used_, ctx);
    used_ = 0;
}

}  // namespace keel::vmm
