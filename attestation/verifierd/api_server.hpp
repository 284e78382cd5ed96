// keel-verifierd's REST API, version 1 (attestation/README.md documents each
// member). Over HTTPS with client certificates (tls.hpp); errors are JSON
// {"error": sentence} and a refused request stores nothing.
//   GET  /healthz                          anyone: the store answers
//   GET  /metrics                          any authenticated client: Prometheus text
//   POST /v1/enrollments                   operator: identity, reference values, policy -> challenge
//   POST /v1/enrollments/{id}/answer       operator: the agent's answer -> enrolled
//   GET  /v1/hosts                         operator: every host's status
//   GET  /v1/hosts/{id}                    operator: one host's status
//   GET  /v1/hosts/{id}/appraisals         operator: its appraisals, newest first (?limit=N)
//   POST /v1/hosts/{id}/nonce              the host itself (CN = id), push mode: a fresh nonce
//   POST /v1/hosts/{id}/evidence           the host itself, push mode: evidence for that nonce
//   GET  /v1/hosts/{id}/ear                operator or the host itself: the latest appraisal as a
//                                          signed EAR token (application/jwt; ear_signer.hpp)
//   GET  /v1/ear-key                       anyone: the key EAR tokens verify with, as a JWK
//   GET  /v1/events                        operator: verdict changes as Server-Sent Events
//                                          (event_stream.hpp; Last-Event-ID resumes)
//   POST /v1/references                    operator: publish a signed reference document (the
//                                          compact JWS as the body) -> 201 stored, 200 identical
//                                          one already there, 409 another one under its name@version
//   GET  /v1/references                    operator: the published documents
//   GET  /v1/references/{name}/{version}   operator: one, with the document and its values
//   POST /v1/references/{name}/{version}/hosts  operator: move hosts to it, all or none:
//                                          {"hosts": [ids]} or {"from_version": V} (every host on name@V)
//   PUT  /v1/hosts/{id}/reference          operator: {"name", "version"}: move one host to it
//   GET  /status                           operator: the status page, HTML (status_server.hpp)
//
// Threads: cpp-httplib serves each connection on one thread of a fixed pool
// for as long as the connection lasts, and queues the rest. An open event
// stream keeps its thread, so the pool is api_threads (config.hpp) plus
// [events] max_subscribers: with every stream open, api_threads are still
// there for everything else, and one subscriber more is answered 503.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "attestation/verifierd/appraiser.hpp"
#include "attestation/verifierd/config.hpp"
#include "attestation/verifierd/ear_signer.hpp"
#include "attestation/verifierd/enrolment_desk.hpp"
#include "attestation/verifierd/event_feed.hpp"
#include "attestation/verifierd/fleet_store.hpp"
#include "attestation/verifierd/metrics.hpp"
#include "attestation/verifierd/nonce_store.hpp"
#include "attestation/verifierd/scheduler.hpp"
#include "attestation/verifierd/trusted_publishers.hpp"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace keel::verifierd {

struct Services {
    FleetStore& store;
    Appraiser& appraiser;
    Metrics& metrics;
    NonceStore& nonces;
    EnrolmentDesk& desk;
    Scheduler& scheduler;
    EventFeed& events;
    const EarSigner* ear = nullptr;  // nullptr: [ear] is not configured, nothing is signed
    const TrustedPublishers* publishers = nullptr;  // nullptr or empty: nothing may be published
};

class ApiServer {
public:
    // Binds config.listen; throws ConfigError when TLS cannot be set up or
    // the address cannot be bound.
    ApiServer(const Config& config, Services services);
    ~ApiServer();
    // Serves until stop(); prints "keel-verifierd: serving on URL" first.
    void run();
    void stop();

private:
    enum class Access { anyone, client, operator_only, host_itself, operator_or_host_itself };
    using Handler = void (ApiServer::*)(const httplib::Request&, httplib::Response&);
    void route(const char* method, const char* pattern, Access access, Handler handler);
    std::optional<std::string> caller(const httplib::Request& req) const;

    std::vector<std::string> live_instances();
    void healthz(const httplib::Request& req, httplib::Response& res);
    void metrics(const httplib::Request& req, httplib::Response& res);
    void status_page(const httplib::Request& req, httplib::Response& res);
    void begin_enrolment(const httplib::Request& req, httplib::Response& res);
    void finish_enrolment(const httplib::Request& req, httplib::Response& res);
    void list_hosts(const httplib::Request& req, httplib::Response& res);
    void show_host(const httplib::Request& req, httplib::Response& res);
    void host_appraisals(const httplib::Request& req, httplib::Response& res);
    void issue_nonce(const httplib::Request& req, httplib::Response& res);
    void submit_evidence(const httplib::Request& req, httplib::Response& res);
    void host_ear(const httplib::Request& req, httplib::Response& res);
    void ear_key(const httplib::Request& req, httplib::Response& res);
    void events(const httplib::Request& req, httplib::Response& res);
    void publish_reference(const httplib::Request& req, httplib::Response& res);
    void list_references(const httplib::Request& req, httplib::Response& res);
    void show_reference(const httplib::Request& req, httplib::Response& res);
    void assign_reference(const httplib::Request& req, httplib::Response& res);
    void set_host_reference(const httplib::Request& req, httplib::Response& res);
    const EarSigner& signer() const;
    FleetHost push_host(const httplib::Request& req);

    const Config& config_;
    Services s_;
    std::unique_ptr<httplib::Server> server_;
    std::string address_, scheme_;
    int port_ = 0;
};

}  // namespace keel::verifierd
