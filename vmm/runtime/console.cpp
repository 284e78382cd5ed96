#include "vmm/runtime/console.hpp"

#include "lib/format.hpp"
#include "vmm/runtime/hypercall.hpp"

namespace keel::user::console {
namespace {

constexpr size_t LINE = 512;
constinit abi::Utcb* utcb = nullptr;
constinit Sink sink = nullptr;
constinit char line[LINE] = {};
constinit size_t used = 0;

void flush() {
    if (!used) return;
    if (sink) {
        sink(utcb, line, used);
    } else {
        for (size_t i = 0; i < used; ++i) reinterpret_cast<char*>(utcb->word)[i] = line[i];
        (void)hypercall(abi::encode::hw_console(used));
    }
    used = 0;
}

void put(char c, void*) {
    line[used++] = c;
    if (c == '\n' || used == LINE) flush();
}

}  // namespace

void init(abi::Utcb* u, Sink s) {
    utcb = u;
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
