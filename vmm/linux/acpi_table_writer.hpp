// How the Linux VMM writes an ACPI table's bytes: little-endian fields, the
// common 36-byte header with Keel's OEM IDs, and the checksum that makes
// the table sum to zero. Shared by acpi_tables.cpp and acpi_madt.cpp.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "vmm/linux/acpi_tables.hpp"

namespace keel::vmm::acpi {

inline constexpr size_t HEADER_LENGTH = 36;

inline void put(uint8_t* p, size_t at, unsigned bytes, uint64_t v) {
    for (unsigned i = 0; i < bytes; ++i) p[at + i] = uint8_t(v >> (8 * i));
}

inline void put_text(uint8_t* p, size_t at, const char* text, size_t n) {
    for (size_t i = 0; i < n; ++i) p[at + i] = uint8_t(text[i]);
}

// The common table header; the checksum is set once the table is whole.
inline void header(uint8_t* p, size_t at, const char* signature, size_t length, uint8_t revision) {
    put_text(p, at, signature, 4);
    put(p, at + 4, 4, length);
    p[at + 8] = revision;
    put_text(p, at + 10, "KEEL  ", 6);
    put_text(p, at + 16, "KEELVMM ", 8);
    put(p, at + 24, 4, 1);
    put_text(p, at + 28, "KEEL", 4);
    put(p, at + 32, 4, 1);
}

inline void seal(uint8_t* p, size_t at, size_t length, size_t checksum_at) {
    p[at + checksum_at] = 0;
    p[at + checksum_at] = uint8_t(-checksum(p + at, length));
}

}  // namespace keel::vmm::acpi
