#include "attestation/eventlog/event_types.hpp"

#include <algorithm>
#include <array>
#include <string_view>

namespace keel::eventlog {
namespace {

struct NamedType {
    EventType type;
    std::string_view name;
};

// TCG PC Client Platform Firmware Profile, Intel TXT SDG tables E-5/E-6
// (EVTYPE_BASE 0x400), tboot (0x501), Linux Secure Launch (0x502-0x504), Keel.
constexpr std::array named_types = std::to_array<NamedType>({
    {0x00000000, "EV_PREBOOT_CERT"},
    {0x00000001, "EV_POST_CODE"},
    {0x00000002, "EV_UNUSED"},
    {0x00000003, "EV_NO_ACTION"},
    {0x00000004, "EV_SEPARATOR"},
    {0x00000005, "EV_ACTION"},
    {0x00000006, "EV_EVENT_TAG"},
    {0x00000007, "EV_S_CRTM_CONTENTS"},
    {0x00000008, "EV_S_CRTM_VERSION"},
    {0x00000009, "EV_CPU_MICROCODE"},
    {0x0000000A, "EV_PLATFORM_CONFIG_FLAGS"},
    {0x0000000B, "EV_TABLE_OF_DEVICES"},
    {0x0000000C, "EV_COMPACT_HASH"},
    {0x0000000D, "EV_IPL"},
    {0x0000000E, "EV_IPL_PARTITION_DATA"},
    {0x0000000F, "EV_NONHOST_CODE"},
    {0x00000010, "EV_NONHOST_CONFIG"},
    {0x00000011, "EV_NONHOST_INFO"},
    {0x00000012, "EV_OMIT_BOOT_DEVICE_EVENTS"},
    {0x00000401, "TXT_EV_PCR_MAPPING"},
    {0x00000402, "TXT_EV_HASH_START"},
    {0x00000403, "TXT_EV_COMBINED_HASH"},
    {0x00000404, "TXT_EV_MLE_HASH"},
    {0x0000040A, "TXT_EV_BIOSAC_REG_DATA"},
    {0x0000040B, "TXT_EV_CPU_SCRTM_STAT"},
    {0x0000040C, "TXT_EV_LCP_CONTROL_HASH"},
    {0x0000040D, "TXT_EV_ELEMENTS_HASH"},
    {0x0000040E, "TXT_EV_STM_HASH"},
    {0x0000040F, "TXT_EV_OSSINITDATA_CAP_HASH"},
    {0x00000410, "TXT_EV_SINIT_PUBKEY_HASH"},
    {0x00000411, "TXT_EV_LCP_HASH"},
    {0x00000412, "TXT_EV_LCP_DETAILS_HASH"},
    {0x00000413, "TXT_EV_LCP_AUTHORITIES_HASH"},
    {0x00000414, "TXT_EV_NV_INFO_HASH"},
    {0x000004FF, "TXT_EV_CAP_VALUE"},
    {0x00000501, "TBOOT_EV_MEASUREMENT"},
    {0x00000502, "SLAUNCH_EV"},
    {0x00000503, "SLAUNCH_EV_START"},
    {0x00000504, "SLAUNCH_EV_END"},
    {keel_ev_skinit, "KEEL_EV_SKINIT"},
    {keel_ev_launch_manifest, "KEEL_EV_LAUNCH_MANIFEST"},
    {keel_ev_component, "KEEL_EV_COMPONENT"},
    {keel_ev_launch_method, "KEEL_EV_LAUNCH_METHOD"},
    {keel_ev_dma_protection, "KEEL_EV_DMA_PROTECTION"},
    {keel_ev_memory_map, "KEEL_EV_MEMORY_MAP"},
    {0x80000000, "EV_EFI_EVENT_BASE"},
    {0x80000001, "EV_EFI_VARIABLE_DRIVER_CONFIG"},
    {0x80000002, "EV_EFI_VARIABLE_BOOT"},
    {0x80000003, "EV_EFI_BOOT_SERVICES_APPLICATION"},
    {0x80000004, "EV_EFI_BOOT_SERVICES_DRIVER"},
    {0x80000005, "EV_EFI_RUNTIME_SERVICES_DRIVER"},
    {0x80000006, "EV_EFI_GPT_EVENT"},
    {0x80000007, "EV_EFI_ACTION"},
    {0x80000008, "EV_EFI_PLATFORM_FIRMWARE_BLOB"},
    {0x80000009, "EV_EFI_HANDOFF_TABLES"},
    {0x8000000A, "EV_EFI_PLATFORM_FIRMWARE_BLOB2"},
    {0x8000000B, "EV_EFI_HANDOFF_TABLES2"},
    {0x8000000C, "EV_EFI_VARIABLE_BOOT2"},
    {ev_efi_hcrtm_event, "EV_EFI_HCRTM_EVENT"},
    {0x800000E0, "EV_EFI_VARIABLE_AUTHORITY"},
    {0x800000E1, "EV_EFI_SPDM_FIRMWARE_BLOB"},
    {0x800000E2, "EV_EFI_SPDM_FIRMWARE_CONFIG"},
    {0x800000E3, "EV_EFI_SPDM_DEVICE_POLICY"},
    {0x800000E4, "EV_EFI_SPDM_DEVICE_AUTHORITY"},
});

constexpr std::array text_like_types = std::to_array<EventType>({
    0x00000001,  // EV_POST_CODE: firmware names its blobs ("ACPI DATA", "Embedded UEFI Driver")
    0x00000005,  // EV_ACTION
    0x00000007,  // EV_S_CRTM_CONTENTS: Boot Guard names its FIT entries
    0x00000008,  // EV_S_CRTM_VERSION (often UCS-2)
    0x0000000C,  // EV_COMPACT_HASH
    0x0000000D,  // EV_IPL: boot loader commands and command lines
    0x00000012,  // EV_OMIT_BOOT_DEVICE_EVENTS
    0x80000007,  // EV_EFI_ACTION
    ev_efi_hcrtm_event,
});

}  // namespace

std::string event_type_name(EventType type) {
    auto it = std::find_if(named_types.begin(), named_types.end(), [type](const auto& n) { return n.type == type; });
    return it == named_types.end() ? "unknown" : std::string(it->name);
}

bool is_text_like(EventType type) {
    return std::find(text_like_types.begin(), text_like_types.end(), type) != text_like_types.end();
}

}  // namespace keel::eventlog
