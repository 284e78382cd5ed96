// libFuzzer target: the hypervisor command-line parser takes any bytes and
// either uses a word or warns about it, with the warning inside the input.
#include <cstdint>
#include <cstdlib>

#include "hypervisor/kernel/boot_options.hpp"

namespace {
struct Input {
    const char* begin;
    size_t size;
};
void check_warning(keel::StringView word, const char* why, void* ctx) {
    auto* in = static_cast<Input*>(ctx);
    if (!why || word.size == 0 || word.data < in->begin || word.data + word.size > in->begin + in->size) abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Input in{reinterpret_cast<const char*>(data), size};
    keel::BootOptions o = keel::parse_boot_options(keel::StringView(in.begin, size), check_warning, &in);
    if (o.selftest != keel::SelfTest::None && o.selftest != keel::SelfTest::InvalidOpcode &&
        o.selftest != keel::SelfTest::PageFault && o.selftest != keel::SelfTest::StackOverflow &&
        o.selftest != keel::SelfTest::NmiAfterGuest)
        abort();
    return 0;
}
