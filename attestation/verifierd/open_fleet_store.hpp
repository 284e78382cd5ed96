// The store a configuration names: `database` is an SQLite file by default,
// or a PostgreSQL connection URI (postgresql://… or postgres://…) for
// several verifier instances sharing one fleet.
#pragma once

#include <memory>
#include <string>

#include "attestation/verifierd/fleet_store.hpp"

namespace keel::verifierd {

bool is_postgresql_uri(const std::string& database);
// Throws StoreError (cannot open, newer schema, not a Keel store, a
// connection string libpq cannot parse). `connections`: PostgreSQL's pool.
std::unique_ptr<FleetStore> open_fleet_store(const std::string& database, std::size_t connections = 4);

}  // namespace keel::verifierd
