// keel-verifierd's configuration: a TOML file (keel-verifierd.toml documents
// every key) with command-line flags over it. Unknown keys and keys of the
// wrong type are errors naming them: a misspelt `client_ca` must not leave
// the API without client authentication.
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

namespace keel::verifierd {

class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct TlsConfig {
    std::string certificate;  // PEM, the server's chain
    std::string private_key;  // PEM
    std::string client_ca;  // PEM: client certificates must chain to it
    bool enabled() const { return !certificate.empty() || !private_key.empty() || !client_ca.empty(); }
};

// [notify]: where verdict changes are POSTed (notifier.hpp).
struct NotifyConfig {
    std::string webhook;  // empty: no notifications
    std::string ca;  // PEM the receiver's certificate must chain to; empty: the system's
    std::size_t queue_limit = 1000;
    std::chrono::milliseconds first_retry{500};
    std::chrono::milliseconds max_retry{60000};
    std::chrono::seconds timeout{10};
};

// [events]: the event stream of verdict changes (GET /v1/events,
// event_feed.hpp). Each open stream holds one API thread for as long as it
// lasts, so the API's thread pool is api_threads plus max_subscribers.
struct EventsConfig {
    std::size_t max_subscribers = 8;  // one more is answered 503
    std::size_t subscriber_buffer = 256;  // events waiting for one subscriber; more: it is cut off
    std::size_t ring = 1000;  // recent events kept for Last-Event-ID
    std::chrono::seconds heartbeat{15};  // a comment line this often keeps proxies from closing the stream
};

// Threads of the API for ordinary requests (cpp-httplib's default count);
// the event streams get threads of their own on top (EventsConfig).
constexpr std::size_t api_threads = 8;

struct Config {
    std::string listen = "127.0.0.1:7735";  // ADDRESS:PORT; port 0 picks a free one
    // An SQLite file, or a PostgreSQL URI (postgresql://…) shared by
    // several instances (open_fleet_store.hpp).
    std::string database = "keel-fleet.sqlite";
    // PostgreSQL only: connections the instance keeps open (its scheduler,
    // workers and API threads share them).
    std::size_t database_connections = 4;
    static constexpr std::size_t max_database_connections = 64;
    TlsConfig tls;
    // Client certificates (their subject CN) allowed to enrol hosts and read
    // the fleet; a host's own certificate carries its host id as CN.
    std::vector<std::string> operators;
    std::size_t max_body_bytes = 4u << 20;
    std::chrono::seconds default_interval{60};
    unsigned unreachable_after_intervals = 3;
    std::chrono::seconds nonce_lifetime{60};
    unsigned pull_workers = 2;
    std::chrono::seconds pull_timeout{30};
    // Log appraisals kept for hosts that send the same logs (a fleet booting
    // one image; verifier/appraisal_cache.hpp); 0 keeps none. Each entry
    // holds a copy of the logs (at most max_body_bytes) and what was read
    // from them.
    std::size_t appraisal_cache_entries = 64;
    std::vector<std::string> ek_ca;  // PEM roots and intermediates for EK certificates
    bool allow_no_ek_certificate = false;
    // PEM EC P-256 private key that signs attestation results as EAR tokens
    // (ear_signer.hpp); empty: no result is signed.
    std::string ear_signing_key;
    // PEM or JWK EC P-256 public keys whose signed reference documents may
    // be published (POST /v1/references; trusted_publishers.hpp); empty:
    // none may be.
    std::vector<std::string> trusted_publishers;
    NotifyConfig notify;
    EventsConfig events;
    // [status] listen: where the status page is also served as plain HTTP
    // (status_server.hpp); loopback addresses only. Empty: only GET /status
    // on the API, for operators.
    std::string status_listen;
};

// Throws ConfigError naming the file and the key.
Config load_config(const std::string& path);
// What must hold whatever the source: TLS complete when configured, and
// required unless the address is loopback; the status listener on a
// loopback address; positive intervals.
void check_config(const Config& config);

}  // namespace keel::verifierd
