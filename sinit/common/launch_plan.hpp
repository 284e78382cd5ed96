// What the secure loader measures, into which PCR, under which name: shared
// by the SLB and by `keel measure`, so the prediction and the launch name
// components the same way. (The digests are computed independently: the SLB
// with its own SHA code, `keel measure` with OpenSSL.)
//
//   PCR 17: the SLB's core (measured by the CPU, logged by the loader), the
//           rest of the SLB (measured by the core), the hypervisor
//   PCR 18: the launch manifest: every component's name and PCR, in order;
//           last, the launch method (SKINIT or the emulator's)
//   PCR 19: every other module (VMMs, guest images, configuration)
// A component's digest is H(H(command line) || H(image)), as tboot does.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "lib/string.hpp"

namespace keel::launch {

constexpr uint32_t KEEL_EV_SKINIT = 0x600;
constexpr uint32_t KEEL_EV_LAUNCH_MANIFEST = 0x601;
constexpr uint32_t KEEL_EV_COMPONENT = 0x602;

// What the SLB can hold; `keel measure` refuses a configuration beyond them
// rather than predict a launch the SLB would stop.
constexpr size_t MAX_COMPONENTS = 32;  // modules, the hypervisor included (mb2::BootInfo::MAX_MODULES)
constexpr size_t MAX_MANIFEST = 512;
constexpr size_t MAX_EVENT_DATA = 1024;

constexpr uint32_t PCR_DRTM = 17;
constexpr uint32_t PCR_MANIFEST = 18;
constexpr uint32_t PCR_MODULES = 19;

// Character arrays, not StringViews: a StringView object holds a pointer,
// which the position-independent SLB could only get from a relocation.
constexpr char SLB_NAME[] = "slb";
constexpr char SLB_DETAIL[] = "secure loader core, measured by the CPU";
constexpr char SLB_LOADER_NAME[] = "slb-loader";
constexpr char SLB_LOADER_DETAIL[] = "secure loader, measured by its core";
constexpr char MANIFEST_NAME[] = "launch-manifest";
constexpr char HYPERVISOR_NAME[] = "hypervisor";

// The last event of every DRTM log, into PCR 18: how the pre-launch stage
// says it started the SLB. The pre-launch stage is not trusted, but only an
// emulator can run the emulated protocol (a real TPM's locality 4 is the
// CPU's alone), so a reference for real hardware never matches a launch
// that says "emulated", and the log always says which it was.
constexpr uint32_t KEEL_EV_LAUNCH_METHOD = 0x603;
constexpr char LAUNCH_METHOD_NAME[] = "launch-method";
constexpr char LAUNCH_SKINIT[] = "SKINIT";
constexpr char LAUNCH_EMULATED[] = "emulated SKINIT (keel-platform)";
// After it, into PCR 18 as well: whether device DMA was blocked while the
// SLB measured and ever since (the IOMMU tables the hypervisor keeps), or
// switched off by the pre-launch stage's 'dma-unprotected'.
constexpr uint32_t KEEL_EV_DMA_PROTECTION = 0x604;
constexpr char DMA_PROTECTION_NAME[] = "dma-protection";
constexpr char DMA_PROTECTED[] = "AMD-Vi: all device DMA blocked";
constexpr char DMA_UNPROTECTED[] = "none: switched off by dma-unprotected";
// Then, into PCR 18 too, the memory map the hypervisor is handed (after the
// SLB has checked it): one line per entry, "0x<base>-0x<last> <type>\n",
// in the map's order, with Multiboot2's type names (mb2::memory_type_name)
// or "type <n>". A host's map is its own: `keel measure` predicts it from a
// map file, or leaves it to the verifier as host-specific.
constexpr uint32_t KEEL_EV_MEMORY_MAP = 0x605;
constexpr char MEMORY_MAP_NAME[] = "memory-map";
// The pre-launch stage's command-line word that allows the emulated one.
constexpr char EMULATOR_OPTION[] = "platform-emulator";

struct Component {
    StringView name;
    StringView cmdline;
    uint32_t pcr;
};

// Module 0 is the hypervisor; any other module is named by the first word of
// its command line ("guest linux" -> "guest").
Component plan_module(size_t index, StringView cmdline);

// "hypervisor@17 guest@19": the manifest measured into PCR 18. Returns the
// length, or 0 if it does not fit in `cap`.
size_t write_manifest(const Component* components, size_t count, char* out, size_t cap);

// One entry of the memory-map event's text, appended at out[len]; false
// (len unchanged) if it does not fit in `cap`. The entry must not be empty.
bool write_memory_map_line(uint64_t base, uint64_t length, uint32_t type, char* out, size_t cap, size_t& len);

// Event data of Keel's events: the name, a NUL, then the detail (command
// line, manifest text). Returns the length, or 0 if it does not fit.
size_t write_event_data(StringView name, StringView detail, uint8_t* out, size_t cap);

}  // namespace keel::launch
