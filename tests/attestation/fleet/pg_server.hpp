// A PostgreSQL 15 server of a test's own: initdb into a temporary directory,
// pg_ctl start with its socket there (no TCP: nothing else on the machine
// can reach it or collide with it), stopped and deleted at the end. PostgreSQL
// refuses to run as root, so under root the server runs as `nobody` (the
// directory is handed to it); otherwise as the caller.
#pragma once

#include <filesystem>
#include <string>

namespace keel::test {

class PgServer {
public:
    PgServer();  // initialised and started; throws with the tool's output if not
    ~PgServer();
    PgServer(const PgServer&) = delete;
    PgServer& operator=(const PgServer&) = delete;

    // A URI for database `name` (created by create_database, or "postgres").
    std::string uri(const std::string& name = "postgres") const;
    void create_database(const std::string& name);
    void start();
    void stop();  // fast shutdown: clients are disconnected, as in a restart
    const std::filesystem::path& dir() const { return dir_; }

private:
    std::filesystem::path dir_;
    std::string port_;
    bool running_ = false;
};

// The bin directory of PostgreSQL 15 (Debian's postgresql-15).
inline constexpr const char* pg_bin = "/usr/lib/postgresql/15/bin";

}  // namespace keel::test
