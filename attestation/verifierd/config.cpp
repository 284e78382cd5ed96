#include "attestation/verifierd/config.hpp"

#include "attestation/net/loopback.hpp"
#include "attestation/verifierd/listen_address.hpp"
#include "attestation/verifierd/open_fleet_store.hpp"
#include "attestation/verifierd/pg_connection.hpp"
#include "attestation/verifierd/webhook_url.hpp"

#include <map>
#include <set>
#include <toml++/toml.h>

namespace keel::verifierd {
namespace {

// Every key the file may have, by table; anything else is an error.
const std::map<std::string, std::set<std::string>> known_keys = {
    {"",
     {"listen", "database", "database_connections", "tls", "api", "attestation", "enrolment", "ear", "references",
      "notify", "events", "status"}},
    {"tls", {"certificate", "private_key", "client_ca"}},
    {"api", {"operators", "max_body_bytes"}},
    {"attestation",
     {"default_interval_seconds", "unreachable_after_intervals", "nonce_lifetime_seconds", "pull_workers",
      "pull_timeout_seconds", "appraisal_cache_entries"}},
    {"enrolment", {"ek_ca", "allow_no_ek_certificate"}},
    {"ear", {"signing_key"}},
    {"references", {"trusted_publishers"}},
    {"notify", {"webhook", "ca", "queue_limit", "retry_initial_ms", "retry_max_seconds", "timeout_seconds"}},
    {"events", {"max_subscribers", "subscriber_buffer", "ring", "heartbeat_seconds"}},
    {"status", {"listen"}},
};

class Reader {
public:
    Reader(const toml::table& root, const std::string& path) : root_(root), path_(path) {}

    void check_keys() {
        for (const auto& [table, keys] : known_keys) {
            const toml::table* t = table.empty() ? &root_ : root_[table].as_table();
            if (!table.empty() && !t) {
                if (root_.contains(table)) fail(table, "is not a table");
                continue;
            }
            for (const auto& [key, value] : *t)
                if (!keys.count(std::string(key.str())))
                    fail(table.empty() ? std::string(key.str()) : table + "." + std::string(key.str()),
                         "is not a keel-verifierd setting");
        }
    }
    void text(const char* table, const char* key, std::string& out) {
        auto node = at(table, key);
        if (!node) return;
        auto v = node.value<std::string>();
        if (!v) fail(name(table, key), "must be a string");
        out = *v;
    }
    void number(const char* table, const char* key, std::int64_t min, std::int64_t& out) {
        auto node = at(table, key);
        if (!node) return;
        auto v = node.value<std::int64_t>();
        if (!v || !node.is_integer()) fail(name(table, key), "must be an integer");
        if (*v < min) fail(name(table, key), "must be at least " + std::to_string(min));
        out = *v;
    }
    // An integer setting kept in another integer type.
    template <typename T> void count(const char* table, const char* key, std::int64_t min, T& out) {
        auto n = static_cast<std::int64_t>(out);
        number(table, key, min, n);
        out = static_cast<T>(n);
    }
    // A duration given in `Unit`s (the key's name says which).
    template <typename Unit, typename D> void duration(const char* table, const char* key, std::int64_t min, D& out) {
        std::int64_t n = std::chrono::duration_cast<Unit>(out).count();
        number(table, key, min, n);
        out = std::chrono::duration_cast<D>(Unit(n));
    }
    void flag(const char* table, const char* key, bool& out) {
        auto node = at(table, key);
        if (!node) return;
        if (!node.is_boolean()) fail(name(table, key), "must be true or false");
        out = *node.value<bool>();
    }
    void texts(const char* table, const char* key, std::vector<std::string>& out) {
        auto node = at(table, key);
        if (!node) return;
        auto array = node.as_array();
        if (!array) fail(name(table, key), "must be an array of strings");
        out.clear();
        for (const auto& item : *array) {
            auto v = item.value<std::string>();
            if (!v || !item.is_string()) fail(name(table, key), "must be an array of strings");
            out.push_back(*v);
        }
    }

private:
    toml::node_view<const toml::node> at(const char* table, const char* key) {
        return *table ? root_[table][key] : root_[key];
    }
    static std::string name(const char* table, const char* key) {
        return *table ? std::string(table) + "." + key : std::string(key);
    }
    [[noreturn]] void fail(const std::string& key, const std::string& why) {
        throw ConfigError(path_ + ": " + key + " " + why);
    }
    const toml::table& root_;
    const std::string& path_;
};

}  // namespace

Config load_config(const std::string& path) {
    toml::table root;
    try {
        root = toml::parse_file(path);
    } catch (const toml::parse_error& e) {
        const auto& where = e.source().begin;
        throw ConfigError(path + ":" + std::to_string(where.line) + ":" + std::to_string(where.column) + ": " +
                          std::string(e.description()));
    }
    Reader r(root, path);
    r.check_keys();
    Config c;
    r.text("", "listen", c.listen);
    r.text("", "database", c.database);
    r.count("", "database_connections", 1, c.database_connections);
    if (c.database_connections > Config::max_database_connections)
        throw ConfigError(path + ": database_connections must be at most " +
                          std::to_string(Config::max_database_connections));
    r.text("tls", "certificate", c.tls.certificate);
    r.text("tls", "private_key", c.tls.private_key);
    r.text("tls", "client_ca", c.tls.client_ca);
    r.texts("api", "operators", c.operators);
    r.count("api", "max_body_bytes", 1024, c.max_body_bytes);
    r.duration<std::chrono::seconds>("attestation", "default_interval_seconds", 1, c.default_interval);
    r.count("attestation", "unreachable_after_intervals", 1, c.unreachable_after_intervals);
    r.duration<std::chrono::seconds>("attestation", "nonce_lifetime_seconds", 1, c.nonce_lifetime);
    r.count("attestation", "pull_workers", 1, c.pull_workers);
    r.duration<std::chrono::seconds>("attestation", "pull_timeout_seconds", 1, c.pull_timeout);
    r.count("attestation", "appraisal_cache_entries", 0, c.appraisal_cache_entries);
    r.texts("enrolment", "ek_ca", c.ek_ca);
    r.flag("enrolment", "allow_no_ek_certificate", c.allow_no_ek_certificate);
    r.text("ear", "signing_key", c.ear_signing_key);
    r.texts("references", "trusted_publishers", c.trusted_publishers);
    r.text("notify", "webhook", c.notify.webhook);
    r.text("notify", "ca", c.notify.ca);
    r.count("notify", "queue_limit", 1, c.notify.queue_limit);
    r.duration<std::chrono::milliseconds>("notify", "retry_initial_ms", 1, c.notify.first_retry);
    r.duration<std::chrono::seconds>("notify", "retry_max_seconds", 1, c.notify.max_retry);
    r.duration<std::chrono::seconds>("notify", "timeout_seconds", 1, c.notify.timeout);
    r.count("events", "max_subscribers", 0, c.events.max_subscribers);
    r.count("events", "subscriber_buffer", 1, c.events.subscriber_buffer);
    r.count("events", "ring", 1, c.events.ring);
    r.duration<std::chrono::seconds>("events", "heartbeat_seconds", 1, c.events.heartbeat);
    r.text("status", "listen", c.status_listen);
    return c;
}

void check_config(const Config& c) {
    if (!c.notify.webhook.empty()) parse_webhook_url(c.notify.webhook);
    if (c.database.empty()) throw ConfigError("database must name an SQLite file or a postgresql:// URI");
    if (is_postgresql_uri(c.database)) try {
            describe_connection(c.database);
        } catch (const StoreError& e) { throw ConfigError(std::string("database: ") + e.what()); }
    const auto colon = c.listen.rfind(':');
    if (colon == std::string::npos || colon == 0) throw ConfigError("listen " + c.listen + ": expected ADDRESS:PORT");
    // The status page's own listener has no TLS and asks for no
    // certificate: whoever can connect reads every host's verdict.
    if (!c.status_listen.empty() && !net::is_loopback_address(parse_listen(c.status_listen, "status.listen").address))
        throw ConfigError("refusing to serve the status page on " + c.status_listen +
                          ": it is plain HTTP without client certificates; use a loopback address (across the "
                          "network, an SSH tunnel), or GET /status on the API with an operator's certificate");
    const auto& t = c.tls;
    if (t.enabled() && (t.certificate.empty() || t.private_key.empty() || t.client_ca.empty()))
        throw ConfigError("tls needs certificate, private_key and client_ca together (clients are authenticated "
                          "by certificate)");
    // Evidence, enrolments and the fleet's verdicts over plain HTTP are only
    // tolerable where nothing but this machine can see or send them.
    if (!t.enabled() && !net::is_loopback_address(c.listen.substr(0, colon)))
        throw ConfigError("refusing to listen on " + c.listen +
                          " without TLS: configure [tls] (certificate, private_key, client_ca) or listen on a "
                          "loopback address");
}

}  // namespace keel::verifierd
