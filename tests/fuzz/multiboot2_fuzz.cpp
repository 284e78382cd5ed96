// libFuzzer target: the Multiboot2 boot-information parser must return a
// status for any bytes, never read outside them, and hand out only strings
// and regions that lie inside the block; the memory-map checks built on it
// must return a status for any map.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "hypervisor/kernel/memory_map_check.hpp"
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
    // The raw map the checks walk lies inside the block too, and the checks
    // on it return a status for any map.
    if (info.memory_map_size &&
        (info.memory_map < bytes.data() || info.memory_map + info.memory_map_size > bytes.data() + info.total_size))
        abort();
    keel::mb2::MapProblem problem;
    if (keel::mb2::check_memory_map(info, nullptr, 0, problem) != keel::Status::Ok && !problem.what) abort();
    (void)keel::mb2::is_usable_ram(info, 0x100000, 0x1000);
    (void)keel::mb2::usable_top_below(info, 1ull << 32);
    for (size_t i = 0; i < info.module_count; ++i) {
        inside(info.modules[i].cmdline);
        if (info.modules[i].end < info.modules[i].start) abort();
    }
    return 0;
}
