#include "vmm/runtime/console.hpp"

#include "lib/format.hpp"
#include "vmm/runtime/hypercall.hpp"

namespace keel::user::console {
namespace {

constinit abi::Utcb* utcb = nullptr;
constinit size_t offset = 0, used = 0;
constinit Sink sink = nullptr;

void flush() {
    if (used && sink)
        sink(utcb, used);
    else if (used)
        (void)hypercall(abi::encode::hw_console(used));
    used = 0;
}

void put(char c, void*) {
    reinterpret_cast<char*>(utcb->word)[offset + used++] = c;
    if (c == '\n' || offset + used == sizeof utcb->word) flush();
}

}  // namespace

void init(abi::Utcb* u, size_t o, Sink s) {
    utcb = u;
    offset = o;
    sink = s;
}

void print(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vformat(put, nullptr, fmt, ap);
    va_end(ap);
    flush();
}

}  // namespace keel::user::console
