#include "launch_plan.hpp"

#include "hypervisor/kernel/multiboot2.hpp"

namespace keel::launch {
namespace {

bool append(char* out, size_t cap, size_t& len, StringView s) {
    if (s.size > cap - len) return false;
    for (size_t i = 0; i < s.size; ++i) out[len++] = s[i];
    return true;
}

bool append_number(char* out, size_t cap, size_t& len, uint64_t v, unsigned radix) {
    char digits[20];
    size_t n = 0;
    do {
        digits[n++] = "0123456789abcdef"[v % radix];
        v /= radix;
    } while (v);
    if (n > cap - len) return false;
    while (n) out[len++] = digits[--n];
    return true;
}

}  // namespace

bool write_memory_map_line(uint64_t base, uint64_t length, uint32_t type, char* out, size_t cap, size_t& len) {
    size_t n = len;
    const char* name = mb2::memory_type_name(type);
    bool ok =
        append(out, cap, n, "0x") && append_number(out, cap, n, base, 16) && append(out, cap, n, "-0x") &&
        append_number(out, cap, n, base + length - 1, 16) && append(out, cap, n, " ") &&
        (name ? append(out, cap, n, name) : append(out, cap, n, "type ") && append_number(out, cap, n, type, 10)) &&
        append(out, cap, n, "\n");
    if (ok) len = n;
    return ok;
}

Component plan_module(size_t index, StringView cmdline) {
    if (index == 0) return {HYPERVISOR_NAME, cmdline, PCR_DRTM};
    size_t start = 0;
    while (start < cmdline.size && cmdline[start] == ' ') ++start;
    size_t end = start;
    while (end < cmdline.size && cmdline[end] != ' ') ++end;
    StringView name = cmdline.substr(start, end - start);
    return {name.empty() ? StringView("unnamed") : name, cmdline, PCR_MODULES};
}

size_t write_manifest(const Component* components, size_t count, char* out, size_t cap) {
    size_t len = 0;
    for (size_t i = 0; i < count; ++i) {
        char pcr[3] = {char('0' + components[i].pcr / 10), char('0' + components[i].pcr % 10), 0};
        if ((i && !append(out, cap, len, " ")) || !append(out, cap, len, components[i].name) ||
            !append(out, cap, len, "@") || !append(out, cap, len, StringView(pcr, 2)))
            return 0;
    }
    return len;
}

size_t write_event_data(StringView name, StringView detail, uint8_t* out, size_t cap) {
    size_t len = 0;
    auto* chars = reinterpret_cast<char*>(out);
    if (!append(chars, cap, len, name) || !append(chars, cap, len, StringView("\0", 1)) ||
        !append(chars, cap, len, detail))
        return 0;
    return len;
}

}  // namespace keel::launch
