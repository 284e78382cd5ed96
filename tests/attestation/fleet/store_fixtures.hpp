// Records the fleet store tests enrol and keep, shared by the store's
// contract (SQLite and PostgreSQL) and the SQLite store's own tests: a host
// with an EK of its own per id, an appraisal with two checks, a quote's clock.
#pragma once

#include <string>

#include "attestation/verifierd/fleet_store.hpp"

namespace keel::test {

using verifierd::Appraisal;
using verifierd::AttestMode;
using verifierd::FleetHost;
using verifierd::Millis;

// Attested every `interval` seconds; a pull host names an agent nobody answers at.
FleetHost host(const std::string& id, AttestMode mode = AttestMode::pull, int interval = 7);
// Made by "verifier-a"; its nonce holds a zero byte (bytes, not text) and
// its eventlog.drtm message quotes, so a store that mangles either fails.
Appraisal appraisal(const std::string& id, const std::string& verdict, Millis at);
evidence::ClockInfo clock(std::uint64_t value, std::uint32_t reset);

}  // namespace keel::test
