// The memory map `keel measure` predicts the memory-map event from: a host's
// map as the secure loader logs it (launch_plan.hpp), written by hand or
// saved from a launch, or taken from an earlier launch's DRTM event log.
#pragma once

#include <string>

namespace keel::cli {

// The map in `path`: one entry per line, "0x<base>-0x<last> <type>", where
// <type> is a Multiboot2 type name (usable, reserved, ACPI reclaimable,
// ACPI NVS, bad) or "type <n>"; blank lines and lines starting with '#' are
// skipped. Returns the event text the SLB would log for it. Throws
// InputError naming the line for anything else, and for a map the secure
// loader would refuse (unsorted, overlapping, RAM over a device window).
std::string read_memory_map_file(const std::string& path);

// The memory-map event's text from a DRTM event log, after checking that
// its digests are the hash of that text in every bank of the log.
std::string memory_map_from_event_log(const std::string& path);

}  // namespace keel::cli
