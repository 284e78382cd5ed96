#include "attestation/verifierd/api_server.hpp"

#include <httplib.h>
#include <iostream>

#include "attestation/eventlog/hex.hpp"
#include "attestation/json/exact_json.hpp"
#include "attestation/verifierd/api_reply.hpp"
#include "attestation/verifierd/event_stream.hpp"
#include "attestation/verifierd/listen_address.hpp"
#include "attestation/verifierd/status_server.hpp"
#include "attestation/verifierd/tls.hpp"

namespace keel::verifierd {
namespace {

using nlohmann::json;

constexpr std::size_t max_history = 1000;
// An event stream waits for events in slices this long, so a stopping
// server (which checks between slices) is not held up by a quiet stream.
constexpr auto stream_slice = std::chrono::milliseconds(500);
constexpr std::size_t max_event_id_length = 128;
constexpr time_t keep_alive_seconds = 2;

json host_json(const FleetHost& h) {
    json j = {{"host_id", h.record.host_id},
              {"mode", mode_name(h.mode)},
              {"interval_seconds", h.interval.count()},
              {"state", state_name(h.state)},
              {"enrolled_at", h.record.enrolled_at},
              {"last_attestation", h.last_attested ? json(iso_time(*h.last_attested)) : json(nullptr)},
              {"last_attempt", h.last_attempt ? json(iso_time(*h.last_attempt)) : json(nullptr)},
              {"ek_certified", h.record.ek_certificate.has_value()}};
    j["reference"] = h.record.reference_document ? json(h.record.reference_document->label()) : json(nullptr);
    if (h.mode == AttestMode::pull) j["agent_url"] = h.agent_url;
    if (!h.last_error.empty()) j["last_error"] = h.last_error;
    return j;
}

json appraisal_json(const Appraisal& a) {
    json checks = json::array(), failed = json::array();
    for (const auto& c : a.checks) {
        checks.push_back({{"id", c.id}, {"status", c.status}, {"message", c.message}});
        if (c.status == "fail") failed.push_back(c.id);
    }
    return {{"id", a.id},
            {"host_id", a.host_id},
            {"time", iso_time(a.at)},
            {"nonce", eventlog::to_hex(a.nonce)},
            {"verdict", a.verdict},
            {"mode", mode_name(a.mode)},
            {"duration_us", a.duration_us},
            {"verifier", a.instance},
            {"reference", a.reference.empty() ? json(nullptr) : json(a.reference)},
            {"failed_checks", failed},
            {"checks", checks}};
}

}  // namespace

ApiServer::ApiServer(const Config& config, Services services) : config_(config), s_(services) {
    const auto where = parse_listen(config.listen);
    address_ = where.address;
    port_ = where.port;

    if (config.tls.enabled()) {
        std::string problem;
        auto tls = std::make_unique<httplib::SSLServer>([&](SSL_CTX& ctx) {
            try {
                configure_server_tls(ctx, config.tls);
                return true;
            } catch (const ConfigError& e) {
                problem = e.what();
                return false;
            }
        });
        if (!tls->is_valid()) throw ConfigError(problem.empty() ? "TLS could not be set up" : problem);
        server_ = std::move(tls);
        scheme_ = "https";
    } else {
        server_ = std::make_unique<httplib::Server>();
        scheme_ = "http";
    }
    // Streams hold their threads; see api_server.hpp.
    const std::size_t threads = api_threads + config.events.max_subscribers;
    server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    server_->set_payload_max_length(config.max_body_bytes);
    server_->set_read_timeout(std::chrono::seconds(30));
    // A client that takes nothing for this long is gone: an event stream's
    // write fails and the stream ends, its thread freed (api_server.hpp).
    server_->set_write_timeout(std::chrono::seconds(5));
    // An agent's round is two requests on one connection (nonce, evidence):
    // without TCP_NODELAY a response written in pieces waits on the peer's
    // delayed ACK (40 ms a request). A kept-alive connection holds a worker
    // thread while idle, so it is kept only briefly: agents close theirs
    // after a round (push_client.cpp) and resume the TLS session next time.
    server_->set_tcp_nodelay(true);
    server_->set_keep_alive_timeout(keep_alive_seconds);

    route("GET", "/healthz", Access::anyone, &ApiServer::healthz);
    route("GET", "/metrics", Access::client, &ApiServer::metrics);
    route("POST", "/v1/enrollments", Access::operator_only, &ApiServer::begin_enrolment);
    route("POST", R"(/v1/enrollments/([^/]+)/answer)", Access::operator_only, &ApiServer::finish_enrolment);
    route("GET", "/v1/hosts", Access::operator_only, &ApiServer::list_hosts);
    route("GET", R"(/v1/hosts/([^/]+))", Access::operator_only, &ApiServer::show_host);
    route("GET", R"(/v1/hosts/([^/]+)/appraisals)", Access::operator_only, &ApiServer::host_appraisals);
    route("POST", R"(/v1/hosts/([^/]+)/nonce)", Access::host_itself, &ApiServer::issue_nonce);
    route("POST", R"(/v1/hosts/([^/]+)/evidence)", Access::host_itself, &ApiServer::submit_evidence);
    route("GET", R"(/v1/hosts/([^/]+)/ear)", Access::operator_or_host_itself, &ApiServer::host_ear);
    // A public key is public: a relying party holding a token needs no
    // certificate of this fleet to fetch what verifies it.
    route("GET", "/v1/ear-key", Access::anyone, &ApiServer::ear_key);
    // The fleet's verdicts as they change: for operators only, like the
    // hosts' states they reveal.
    route("GET", "/v1/events", Access::operator_only, &ApiServer::events);
    // Signed reference documents (api_references.cpp): operators publish
    // them, read them, and move hosts from one to another.
    route("POST", "/v1/references", Access::operator_only, &ApiServer::publish_reference);
    route("GET", "/v1/references", Access::operator_only, &ApiServer::list_references);
    route("GET", R"(/v1/references/([^/]+)/([^/]+))", Access::operator_only, &ApiServer::show_reference);
    route("POST", R"(/v1/references/([^/]+)/([^/]+)/hosts)", Access::operator_only, &ApiServer::assign_reference);
    route("PUT", R"(/v1/hosts/([^/]+)/reference)", Access::operator_only, &ApiServer::set_host_reference);
    // The status page (status_page.hpp) for an operator's browser holding
    // its certificate: what GET /v1/hosts shows, so operators only.
    route("GET", "/status", Access::operator_only, &ApiServer::status_page);

    server_->set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return;
        if (res.status == 413) {
            s_.metrics.rejected("too-large");
            send(res, 413, {{"error", "the body is larger than " + std::to_string(config_.max_body_bytes) + " bytes"}});
        } else if (res.status == 404) {
            send(res, 404, {{"error", "no such resource: " + req.method + " " + req.path}});
        } else {
            send(res, res.status, {{"error", "request refused (HTTP " + std::to_string(res.status) + ")"}});
        }
    });
    server_->set_logger([this](const httplib::Request& req, const httplib::Response& res) {
        std::cout << "keel-verifierd: " << req.remote_addr << " " << caller(req).value_or("-") << " \"" << req.method
                  << " " << req.path << "\" " << res.status << " " << res.body.size() << std::endl;
    });

    if (port_ == 0) {
        port_ = server_->bind_to_any_port(address_.c_str());
        if (port_ < 0) throw ConfigError("cannot listen on " + address_);
    } else if (!server_->bind_to_port(address_.c_str(), port_)) {
        throw ConfigError("cannot listen on " + config.listen + " (in use, or not a local address)");
    }
}

ApiServer::~ApiServer() = default;

void ApiServer::run() {
    std::cout << "keel-verifierd: serving on " << scheme_ << "://" << address_ << ":" << port_ << std::endl;
    server_->listen_after_bind();
}

void ApiServer::stop() { server_->stop(); }

std::optional<std::string> ApiServer::caller(const httplib::Request& req) const { return client_identity(req.ssl); }

void ApiServer::route(const char* method, const char* pattern, Access access, Handler handler) {
    auto wrapped = [this, access, handler](const httplib::Request& req, httplib::Response& res) {
        try {
            if (access != Access::anyone) {
                auto who = caller(req);
                if (!who)
                    throw ApiError{401, "unauthenticated", "a client certificate from the configured CA is required"};
                const bool is_operator =
                    std::find(config_.operators.begin(), config_.operators.end(), *who) != config_.operators.end();
                if (access == Access::operator_only && !is_operator)
                    throw ApiError{403, "forbidden", "\"" + *who + "\" is not an operator"};
                if (access == Access::operator_or_host_itself && !is_operator && req.matches[1].str() != *who)
                    throw ApiError{403, "forbidden",
                                   "\"" + *who + "\" is neither an operator nor host \"" + req.matches[1].str() + "\""};
                if (access == Access::host_itself && req.matches[1].str() != *who)
                    throw ApiError{403, "forbidden",
                                   "\"" + *who + "\" may only attest as itself, not as host \"" + req.matches[1].str() +
                                       "\""};
            }
            (this->*handler)(req, res);
        } catch (const ApiError& e) {
            s_.metrics.rejected(e.reason);
            send(res, e.status, {{"error", e.message}});
        } catch (const StoreError& e) {
            std::cerr << "keel-verifierd: store: " << e.what() << std::endl;
            send(res, 503, {{"error", std::string("the verifier's store failed: ") + e.what()}});
        } catch (const std::exception& e) {
            std::cerr << "keel-verifierd: " << req.method << " " << req.path << ": " << e.what() << std::endl;
            send(res, 500, {{"error", std::string("internal error: ") + e.what()}});
        }
    };
    if (std::string(method) == "GET")
        server_->Get(pattern, wrapped);
    else if (std::string(method) == "PUT")
        server_->Put(pattern, wrapped);
    else
        server_->Post(pattern, wrapped);
}

// The instances sharing the store, by their heartbeat rows.
std::vector<std::string> ApiServer::live_instances() {
    return s_.store.live_instances(now_ms() - std::chrono::milliseconds(instance_timeout).count());
}

void ApiServer::healthz(const httplib::Request&, httplib::Response& res) {
    try {
        s_.store.check_health();
        send(res, 200,
             {{"status", "ok"},
              {"store", "ok"},
              {"schema_version", s_.store.schema_version()},
              {"instance", s_.scheduler.instance()},
              {"instances", live_instances()}});
    } catch (const StoreError& e) { send(res, 503, {{"status", "failing"}, {"store", e.what()}}); }
}

void ApiServer::status_page(const httplib::Request&, httplib::Response& res) { send_status_page(s_.store, res); }

void ApiServer::metrics(const httplib::Request&, httplib::Response& res) {
    res.set_content(s_.metrics.render(s_.store.hosts(), live_instances().size()), "text/plain; version=0.0.4");
}

void ApiServer::begin_enrolment(const httplib::Request& req, httplib::Response& res) {
    auto body = parse_body(req);
    try {
        send(res, 201, s_.desk.begin(body));
    } catch (const EnrolmentRefused& e) {
        if (e.status() != 422) throw ApiError{e.status(), "enrolment", e.what()};
        auto detail = json::parse(e.what());
        detail["error"] = "enrolment refused: a named check failed";
        send(res, 422, detail);
    }
}

void ApiServer::finish_enrolment(const httplib::Request& req, httplib::Response& res) {
    auto body = parse_body(req);
    const auto host_id = req.matches[1].str();
    try {
        auto done = s_.desk.finish(host_id, body);
        if (auto host = s_.store.host(host_id)) s_.scheduler.watch(*host);
        send(res, 201, done);
    } catch (const EnrolmentRefused& e) {
        if (e.status() != 422) throw ApiError{e.status(), "enrolment", e.what()};
        auto detail = json::parse(e.what());
        detail["error"] = "enrolment refused: a named check failed; host \"" + host_id + "\" was not stored";
        send(res, 422, detail);
    }
}

void ApiServer::list_hosts(const httplib::Request&, httplib::Response& res) {
    json hosts = json::array();
    for (const auto& h : s_.store.hosts()) hosts.push_back(host_json(h));
    send(res, 200, {{"hosts", hosts}});
}

void ApiServer::show_host(const httplib::Request& req, httplib::Response& res) {
    auto host = s_.store.host(req.matches[1].str());
    if (!host) throw ApiError{404, "not-found", "host \"" + req.matches[1].str() + "\" is not enrolled"};
    auto j = host_json(*host);
    auto last = s_.store.appraisals(host->record.host_id, 1);
    j["last_appraisal"] = last.empty() ? json(nullptr) : appraisal_json(last.front());
    send(res, 200, j);
}

void ApiServer::host_appraisals(const httplib::Request& req, httplib::Response& res) {
    const auto id = req.matches[1].str();
    if (!s_.store.host(id)) throw ApiError{404, "not-found", "host \"" + id + "\" is not enrolled"};
    std::size_t limit = 100;
    if (req.has_param("limit")) {
        const auto text = req.get_param_value("limit");
        if (text.empty() || text.size() > 4 || text.find_first_not_of("0123456789") != std::string::npos ||
            std::stoul(text) < 1 || std::stoul(text) > max_history)
            throw ApiError{400, "malformed", "limit must be a number from 1 to 1000"};
        limit = std::stoul(text);
    }
    json list = json::array();
    for (const auto& a : s_.store.appraisals(id, limit)) list.push_back(appraisal_json(a));
    send(res, 200, {{"host_id", id}, {"appraisals", list}});
}

FleetHost ApiServer::push_host(const httplib::Request& req) {
    const auto id = req.matches[1].str();
    auto host = s_.store.host(id);
    if (!host) throw ApiError{404, "not-found", "host \"" + id + "\" is not enrolled"};
    if (host->mode != AttestMode::push)
        throw ApiError{409, "wrong-mode",
                       "host \"" + id + "\" is attested in " + mode_name(host->mode) + " mode, not push"};
    return std::move(*host);
}

void ApiServer::issue_nonce(const httplib::Request& req, httplib::Response& res) {
    const auto host = push_host(req);
    const auto nonce = s_.nonces.issue(host.record.host_id);
    send(res, 200,
         {{"nonce", eventlog::to_hex(nonce)},
          {"expires_in_seconds", config_.nonce_lifetime.count()},
          {"interval_seconds", host.interval.count()}});
}

void ApiServer::submit_evidence(const httplib::Request& req, httplib::Response& res) {
    const auto received = std::chrono::steady_clock::now();
    const auto host = push_host(req);
    evidence::EvidenceDocument document;
    try {
        document = parse_evidence_document(req.body);
    } catch (const EvidenceRejected& e) { throw ApiError{400, "malformed", e.what()}; }
    // Freshness before anything else is looked at: a replayed, expired or
    // borrowed nonce is refused whatever the evidence says.
    const auto redeemed = s_.nonces.redeem(host.record.host_id, document.nonce);
    if (redeemed != NonceStore::Redemption::accepted)
        throw ApiError{409, "nonce",
                       std::string("nonce refused: ") + NonceStore::describe(redeemed) + " (POST /v1/hosts/" +
                           host.record.host_id + "/nonce for a fresh one)"};
    verifier::Evidence evidence;
    try {
        evidence = parse_evidence_structures(document, &s_.appraiser.cache());
    } catch (const EvidenceRejected& e) { throw ApiError{400, "malformed", e.what()}; }
    auto a = s_.appraiser.appraise(host, document.nonce, evidence, AttestMode::push, received);
    auto j = appraisal_json(a);
    j["interval_seconds"] = host.interval.count();
    send(res, 200, j);
}

const EarSigner& ApiServer::signer() const {
    if (!s_.ear)
        throw ApiError{404, "not-found", "this verifier signs no attestation results ([ear] signing_key is not set)"};
    return *s_.ear;
}

void ApiServer::host_ear(const httplib::Request& req, httplib::Response& res) {
    const auto& ear = signer();
    const auto id = req.matches[1].str();
    auto host = s_.store.host(id);
    if (!host) throw ApiError{404, "not-found", "host \"" + id + "\" is not enrolled"};
    auto last = s_.store.appraisals(id, 1);
    if (last.empty()) throw ApiError{404, "not-found", "host \"" + id + "\" has not been appraised yet"};
    try {
        res.set_content(ear.sign(*host, last.front()), "application/jwt");
    } catch (const EarUnavailable& e) { throw ApiError{409, "ear", e.what()}; }
}

void ApiServer::ear_key(const httplib::Request&, httplib::Response& res) {
    res.status = 200;
    res.set_content(signer().public_jwk().dump() + "\n", "application/jwk+json");
}

void ApiServer::events(const httplib::Request& req, httplib::Response& res) {
    std::optional<std::string> last;
    if (req.has_header("Last-Event-ID")) {
        last = req.get_header_value("Last-Event-ID");
        if (last->size() > max_event_id_length)
            throw ApiError{400, "malformed",
                           "Last-Event-ID is longer than " + std::to_string(max_event_id_length) + " characters"};
    }
    auto subscription = s_.events.subscribe(last);
    // The bound that keeps streams from taking every API thread (api_server.hpp).
    if (!subscription)
        throw ApiError{503, "subscribers",
                       "already " + std::to_string(s_.events.max_subscribers()) +
                           " event-stream subscribers ([events] max_subscribers); try again later"};
    auto stream = std::make_shared<EventStream>(std::move(subscription), last, config_.events.heartbeat,
                                                config_.events.subscriber_buffer);
    res.set_header("Cache-Control", "no-store");
    res.set_header("X-Accel-Buffering", "no");  // nginx: pass each event on at once
    res.set_chunked_content_provider("text/event-stream", [stream](std::size_t, httplib::DataSink& sink) {
        const bool more =
            stream->step([&](std::string_view text) { return sink.write(text.data(), text.size()); }, stream_slice);
        if (!more) sink.done();
        return true;
    });
}

}  // namespace keel::verifierd
