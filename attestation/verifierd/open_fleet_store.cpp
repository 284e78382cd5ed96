#include "attestation/verifierd/open_fleet_store.hpp"

#include "attestation/verifierd/pg_fleet_store.hpp"
#include "attestation/verifierd/sqlite_fleet_store.hpp"

namespace keel::verifierd {

bool is_postgresql_uri(const std::string& database) {
    return database.rfind("postgresql://", 0) == 0 || database.rfind("postgres://", 0) == 0;
}

std::unique_ptr<FleetStore> open_fleet_store(const std::string& database, std::size_t connections) {
    if (is_postgresql_uri(database)) return std::make_unique<PgFleetStore>(database, connections);
    return std::make_unique<SqliteFleetStore>(database);
}

}  // namespace keel::verifierd
