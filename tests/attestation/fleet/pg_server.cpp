#include "pg_server.hpp"

#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <libpq-fe.h>
#include <random>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace keel::test {
namespace {

// Runs a PostgreSQL tool, as `nobody` when this process is root; throws
// with its output when it fails.
void run(const std::filesystem::path& dir, std::vector<std::string> argv) {
    if (geteuid() == 0) argv.insert(argv.begin(), {"runuser", "-u", "nobody", "--"});
    const auto log = dir / "tool.log";
    const pid_t pid = fork();
    if (pid == 0) {
        std::vector<char*> args;
        for (auto& a : argv) args.push_back(a.data());
        args.push_back(nullptr);
        FILE* out = std::fopen(log.c_str(), "w");
        if (out) {
            dup2(fileno(out), 1);
            dup2(fileno(out), 2);
        }
        // The tools look up their working directory; /tmp is readable by all.
        if (chdir("/tmp") != 0) _exit(126);
        execvp(args[0], args.data());
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::ifstream in(log);
        std::stringstream s;
        s << in.rdbuf();
        throw std::runtime_error(argv[argv.size() > 4 && argv[0] == "runuser" ? 4 : 0] + " failed: " + s.str());
    }
}

}  // namespace

PgServer::PgServer() {
    char pattern[] = "/tmp/keel-pg-XXXXXX";
    if (!mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
    if (geteuid() == 0) {
        const passwd* nobody = getpwnam("nobody");
        if (!nobody || chown(dir_.c_str(), nobody->pw_uid, nobody->pw_gid) != 0)
            throw std::runtime_error("cannot hand " + dir_.string() + " to user nobody");
    }
    // The socket's name carries the port number; no TCP port is opened, so
    // any number will do, and a random one keeps log lines apart.
    std::random_device random;
    port_ = std::to_string(20000 + random() % 40000);
    run(dir_, {std::string(pg_bin) + "/initdb", "-D", (dir_ / "data").string(), "-A", "trust", "-U", "keel",
               "--no-sync", "-E", "UTF8", "--locale=C"});
    start();
}

PgServer::~PgServer() {
    try {
        if (running_) stop();
    } catch (const std::exception&) {
        // The directory goes anyway; a server left running dies with it.
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
}

void PgServer::start() {
    // fsync off: the tests restart the server but never the machine.
    run(dir_, {std::string(pg_bin) + "/pg_ctl", "-D", (dir_ / "data").string(), "-l", (dir_ / "server.log").string(),
               "-o", "-k " + dir_.string() + " -p " + port_ + " -c listen_addresses='' -c fsync=off", "-w", "start"});
    running_ = true;
}

void PgServer::stop() {
    run(dir_, {std::string(pg_bin) + "/pg_ctl", "-D", (dir_ / "data").string(), "-m", "fast", "-w", "stop"});
    running_ = false;
}

std::string PgServer::uri(const std::string& name) const {
    return "postgresql://keel@/" + name + "?host=" + dir_.string() + "&port=" + port_;
}

void PgServer::create_database(const std::string& name) {
    PGconn* c = PQconnectdb(uri().c_str());
    std::string error;
    if (PQstatus(c) != CONNECTION_OK) {
        error = PQerrorMessage(c);
    } else {
        PGresult* r = PQexec(c, ("CREATE DATABASE \"" + name + "\"").c_str());
        if (PQresultStatus(r) != PGRES_COMMAND_OK) error = PQresultErrorMessage(r);
        PQclear(r);
    }
    PQfinish(c);
    if (!error.empty()) throw std::runtime_error("CREATE DATABASE " + name + ": " + error);
}

}  // namespace keel::test
