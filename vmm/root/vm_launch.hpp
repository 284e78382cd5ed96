// Starting one VMM PD per VM the boot configuration names. The
// configuration is the boot module whose command line is "config": one
// line per VM, "vm NAME [timeout=MS]", where NAME is the second word of a guest module's
// command line ("guest NAME [check-probe]"). Each VMM is the module "vmm",
// loaded into a PD of its own that receives its image, a start page, the
// guest's RAM (1 MiB, the image inside at 1000:0000) and two capabilities:
// its own PD (to make its vCPU and portals and map its RAM into its guest)
// and a portal to the root task's service (console, and its verdict).
#pragma once
#include "abi/hip.hpp"

namespace keel::root {

// Starts them; returns how many started (each reports once when its VM
// ends: wait_vms).
unsigned start_vms(const abi::Hip& hip);
// Waits until `count` VMs have ended; returns how many of them passed.
unsigned wait_vms(unsigned count);
// How many VMs the configuration named (started or not).
unsigned vms_named();

}  // namespace keel::root
