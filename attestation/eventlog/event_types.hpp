// Event types: the TCG PC Client ones (PFP specification, "Event Types"),
// Intel TXT's and tboot's DRTM ones, and Keel's own DRTM events.
#pragma once

#include <cstdint>
#include <string>

namespace keel::eventlog {

using EventType = std::uint32_t;

inline constexpr EventType ev_no_action = 0x3;
inline constexpr EventType ev_separator = 0x4;
inline constexpr EventType ev_efi_hcrtm_event = 0x80000010;

// Keel's DRTM events (sinit/common/launch_plan.hpp, which the secure loader
// uses). Their data is `name` NUL `detail`.
inline constexpr EventType keel_ev_skinit = 0x600;  // the CPU's measurement of the SLB (PCR 17)
inline constexpr EventType keel_ev_launch_manifest = 0x601;  // the launch manifest (PCR 18)
inline constexpr EventType keel_ev_component = 0x602;  // hypervisor, guest image, ...
inline constexpr EventType keel_ev_launch_method = 0x603;  // SKINIT or the emulator's (PCR 18)
inline constexpr EventType keel_ev_dma_protection = 0x604;  // DMA blocked by the IOMMU, or not (PCR 18)
inline constexpr EventType keel_ev_memory_map = 0x605;  // the memory map the hypervisor is handed (PCR 18)

constexpr bool is_keel_event(EventType t) { return t >= keel_ev_skinit && t <= keel_ev_memory_map; }

// "EV_SEPARATOR", "KEEL_EV_COMPONENT", ...; "unknown" for types no table names.
std::string event_type_name(EventType type);

// Event types whose data is usually text (ASCII or UCS-2), worth showing as such.
bool is_text_like(EventType type);

}  // namespace keel::eventlog
