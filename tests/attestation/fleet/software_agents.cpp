#include "software_agents.hpp"

#include <httplib.h>
#include <thread>

#include "attestation/eventlog/algorithm.hpp"
#include "attestation/eventlog/hex.hpp"
#include "attestation/evidence/evidence_document.hpp"
#include "attestation/verifier/policy.hpp"
#include "tests/attestation/verifier/synthetic_launch.hpp"

namespace keel::test {

struct SoftwareAgents::Launch : SyntheticLaunch {};

struct SoftwareAgents::Host {
    std::string id;
    evidence::EvpPkey ak;
    evidence::Bytes ak_public, ak_name;
    std::atomic<std::uint64_t> clock{1000};
    httplib::Server server;
    int port = 0;
    std::thread thread;
};

SoftwareAgents::SoftwareAgents(int hosts, std::chrono::milliseconds delay)
    : launch_(std::make_unique<Launch>(Launch{make_launch({eventlog::alg_sha256})})), delay_(delay) {
    for (int i = 0; i < hosts; ++i) {
        auto h = std::make_unique<Host>();
        h->id = "host-" + std::to_string(i);
        h->ak = generate_ec_key();
        h->ak_public = tpm2b_public(h->ak.get(), ak_attributes);
        h->ak_name = evidence::parse_public(h->ak_public).name;
        // One thread answers: a verifier pulls a host once at a time.
        h->server.new_task_queue = [] { return new httplib::ThreadPool(1); };
        Host* self = h.get();
        h->server.Get("/v1/evidence", [this, self](const httplib::Request& req, httplib::Response& res) {
            const auto nonce = eventlog::from_hex(req.get_param_value("nonce"));
            if (!nonce) {
                res.status = 400;
                return;
            }
            QuoteContents q;
            q.nonce = *nonce;
            q.selection = launch_->selection;
            q.pcrs = launch_->pcrs;
            q.clock = {self->clock += 1000, 3, 0, true};
            auto quote = sign_quote(self->ak.get(), q);
            evidence::EvidenceDocument d;
            d.nonce = *nonce;
            d.ak_name = self->ak_name;
            d.attest = quote.attest;
            d.signature = quote.signature;
            d.pcr_selection = evidence::marshal_pcr_selection(launch_->selection);
            d.pcr_values = launch_->pcr_values;
            d.drtm_log = launch_->log;
            std::this_thread::sleep_for(delay_);
            res.set_content(evidence::write_evidence(d), "application/json");
            ++served_;
        });
        h->port = h->server.bind_to_any_port("127.0.0.1");
        h->thread = std::thread([self] { self->server.listen_after_bind(); });
        hosts_.push_back(std::move(h));
    }
}

SoftwareAgents::~SoftwareAgents() {
    for (auto& h : hosts_) {
        h->server.stop();
        h->thread.join();
    }
}

void SoftwareAgents::enroll(verifierd::FleetStore& store, int interval) {
    for (std::size_t i = 0; i < hosts_.size(); ++i) {
        const auto& h = *hosts_[i];
        verifierd::FleetHost f;
        f.record.host_id = h.id;
        f.record.ek_public = {0xe, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)};  // placeholder
        f.record.ak_public = h.ak_public;
        f.record.ak_name = h.ak_name;
        f.record.reference_json = launch_->reference;
        f.record.policy_json = verifier::write_policy(verifier::Policy{});
        f.mode = verifierd::AttestMode::pull;
        f.agent_url = "http://127.0.0.1:" + std::to_string(h.port);
        f.interval = std::chrono::seconds(interval);
        store.enroll(f, false);
    }
}

std::vector<std::string> SoftwareAgents::host_ids() const {
    std::vector<std::string> out;
    for (const auto& h : hosts_) out.push_back(h->id);
    return out;
}

std::size_t SoftwareAgents::size() const { return hosts_.size(); }

}  // namespace keel::test
