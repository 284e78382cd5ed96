#include "multiboot2.hpp"

namespace keel::mb2 {
namespace {

enum TagType : uint32_t {
    END = 0,
    CMDLINE = 1,
    LOADER_NAME = 2,
    MODULE = 3,
    MEMORY_MAP = 6,
    KEEL_DRTM = 0x4b4c0001,  // sinit/common/drtm_tag.hpp
};

constexpr size_t TAG_HEADER = 8;
constexpr size_t MMAP_HEADER = 16;  // tag header + entry_size + entry_version
constexpr size_t MMAP_ENTRY_MIN = 24;
constexpr size_t MODULE_HEADER = 16;  // tag header + start + end
constexpr size_t DRTM_TAG_SIZE = 56;

uint32_t load32(const uint8_t* p) {
    return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}
uint64_t load64(const uint8_t* p) { return uint64_t(load32(p)) | uint64_t(load32(p + 4)) << 32; }

// A string field must end with NUL inside its tag; the NUL is not part of it.
Status read_string(const uint8_t* p, size_t room, StringView& out) {
    for (size_t i = 0; i < room; ++i) {
        if (p[i] == 0) {
            out = StringView(reinterpret_cast<const char*>(p), i);
            return Status::Ok;
        }
    }
    return Status::Malformed;
}

MemoryRegion decode_region(const uint8_t* e) { return {load64(e), load64(e + 8), load32(e + 16)}; }

Status parse_memory_map(const uint8_t* tag, uint32_t size, BootInfo& out) {
    // Two maps would let one reader use the first and another the last: the
    // SLB measures exactly one, the one the hypervisor uses.
    if (out.has_memory_map) return Status::Malformed;
    if (size < MMAP_HEADER) return Status::Malformed;
    uint32_t entry_size = load32(tag + 8);
    if (entry_size < MMAP_ENTRY_MIN || entry_size % 8) return Status::Malformed;
    for (size_t off = MMAP_HEADER; off + entry_size <= size; off += entry_size) {
        const uint8_t* e = tag + off;
        MemoryRegion r = decode_region(e);
        if (r.length && r.base + r.length < r.base) return Status::Malformed;  // wraps
        // A map longer than we can hold costs the memory it describes, not the boot.
        if (out.region_count == BootInfo::MAX_REGIONS)
            ++out.regions_dropped;
        else
            out.regions[out.region_count++] = r;
    }
    out.has_memory_map = true;
    out.memory_map = tag + MMAP_HEADER;
    out.memory_map_size = (size - MMAP_HEADER) / entry_size * entry_size;
    out.memory_map_entry_size = entry_size;
    return Status::Ok;
}

Status parse_module(const uint8_t* tag, uint32_t size, BootInfo& out) {
    if (size < MODULE_HEADER + 1) return Status::Malformed;
    if (out.module_count == BootInfo::MAX_MODULES) return Status::Unsupported;
    Module m{load32(tag + 8), load32(tag + 12), {}};
    if (m.end < m.start) return Status::Malformed;
    if (Status s = read_string(tag + MODULE_HEADER, size - MODULE_HEADER, m.cmdline); s != Status::Ok) return s;
    out.modules[out.module_count++] = m;
    return Status::Ok;
}

Status parse_drtm(const uint8_t* tag, size_t size, BootInfo& out) {
    if (size != DRTM_TAG_SIZE) return Status::Malformed;
    DrtmLaunch d{true,
                 load64(tag + 8),
                 load32(tag + 16),
                 load32(tag + 20),
                 load64(tag + 24),
                 load32(tag + 32),
                 load32(tag + 36),
                 load64(tag + 40),
                 load32(tag + 48),
                 load32(tag + 52)};
    if (d.event_log_used > d.event_log_capacity || d.event_log + d.event_log_capacity < d.event_log)
        return Status::Malformed;
    out.drtm = d;
    return Status::Ok;
}

}  // namespace

size_t memory_map_entries(const BootInfo& info) {
    return info.memory_map_entry_size ? info.memory_map_size / info.memory_map_entry_size : 0;
}

MemoryRegion memory_map_entry(const BootInfo& info, size_t i) {
    return decode_region(info.memory_map + i * info.memory_map_entry_size);
}

const char* memory_type_name(uint32_t type) {
    switch (MemoryType(type)) {
    case MemoryType::Usable: return "usable";
    case MemoryType::Reserved: return "reserved";
    case MemoryType::AcpiReclaimable: return "ACPI reclaimable";
    case MemoryType::AcpiNvs: return "ACPI NVS";
    case MemoryType::Bad: return "bad";
    }
    return nullptr;
}

Status parse(const uint8_t* data, size_t available, BootInfo& out) {
    out = BootInfo{};
    if (!data || available < 8) return Status::Truncated;
    uint32_t total = load32(data);
    if (total < 8 + TAG_HEADER) return Status::Malformed;
    if (total > available) return Status::Truncated;
    out.total_size = total;

    for (size_t off = 8;;) {
        if (off + TAG_HEADER > total) return Status::Truncated;  // no end tag
        const uint8_t* tag = data + off;
        uint32_t type = load32(tag);
        uint32_t size = load32(tag + 4);
        if (size < TAG_HEADER || size > total - off) return Status::Malformed;
        Status s = Status::Ok;
        switch (type) {
        case END: return Status::Ok;
        case CMDLINE: s = read_string(tag + TAG_HEADER, size - TAG_HEADER, out.cmdline); break;
        case LOADER_NAME: s = read_string(tag + TAG_HEADER, size - TAG_HEADER, out.loader_name); break;
        case MODULE: s = parse_module(tag, size, out); break;
        case MEMORY_MAP: s = parse_memory_map(tag, size, out); break;
        case KEEL_DRTM: s = parse_drtm(tag, size, out); break;
        default: break;  // tags we do not use are skipped by size
        }
        if (s != Status::Ok) return s;
        off += (size + 7) & ~size_t(7);
    }
}

}  // namespace keel::mb2
