// libFuzzer target: the Multiboot2 boot-information parser must return a
// status for any bytes, never read outside them, and hand out only strings
// and regions that lie inside the block.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "hypervisor/kernel/multiboot2.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // A private copy: ASan then catches any read past the end.
    std::vector<uint8_t> bytes(data, data + size);
    static keel::mb2::BootInfo info;
    if (keel::mb2::parse(bytes.data(), bytes.size(), info) != keel::Status::Ok) return 0;
    auto inside = [&](keel::StringView s) {
        if (s.size == 0) return;
        auto* p = reinterpret_cast<const uint8_t*>(s.data);
        if (p < bytes.data() || p + s.size > bytes.data() + info.total_size) abort();
    };
    inside(info.cmdline);
    inside(info.loader_name);
    if (info.total_size > size || info.region_count > info.MAX_REGIONS || info.module_count > info.MAX_MODULES) abort();
    if (info.regions_dropped && info.region_count != info.MAX_REGIONS) abort();
    for (size_t i = 0; i < info.module_count; ++i) {
        inside(info.modules[i].cmdline);
        if (info.modules[i].end < info.modules[i].start) abort();
    }
    return 0;
}
