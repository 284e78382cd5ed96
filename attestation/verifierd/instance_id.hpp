// A name for this verifier process among those sharing a store (its
// heartbeat row, its leases, the appraisals it made): host name, process id
// and random bits, so a restarted verifier is a new instance and never
// mistaken for the one that held the leases before it.
#pragma once

#include <string>

namespace keel::verifierd {

std::string new_instance_id();

}  // namespace keel::verifierd
