// keel enroll --agent URL --host-id ID --db FILE --reference FILE [--policy FILE]
//             [--ek-ca FILE]... [--allow-no-ek-certificate] [--replace] [--json]
// Enrols a host: fetches the agent's identity, checks the EK certificate and
// the AK's attributes, proves the AK is on the EK's TPM with a credential
// only that TPM can activate, and stores the host with its reference values
// and policy. Exit 0 enrolled, 1 refused (a named check failed, or the agent
// answered with an error), 2 bad input or usage (also a host id or an EK
// already enrolled), 3 a local fault (a file or the store cannot be opened,
// the agent cannot be reached): nothing was learnt about the host.
#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "attestation/eventlog/error.hpp"
#include "attestation/eventlog/reference.hpp"
#include "attestation/evidence/identity_document.hpp"
#include "attestation/verifier/enrollment.hpp"
#include "attestation/verifier/host_store.hpp"
#include "attestation/verifier/policy.hpp"
#include "tools/keel/agent_client.hpp"
#include "tools/keel/commands.hpp"
#include "tools/keel/file_io.hpp"

namespace keel::cli {
namespace {

constexpr std::size_t max_json_bytes = 16u << 20;

struct EnrollOptions {
    std::string agent, host_id, db, reference, policy;
    std::vector<std::string> ek_ca;
    bool allow_no_ek_certificate = false;
    bool replace = false;
    bool json = false;
};

void report(const EnrollOptions& o, const verifier::Enrollment& e, const std::string& outcome) {
    if (o.json) {
        nlohmann::json checks = nlohmann::json::array();
        for (const auto& c : e.checks)
            checks.push_back({{"id", c.id}, {"status", verifier::status_name(c.status)}, {"message", c.message}});
        std::cout << nlohmann::json{{"format", "keel-enrollment-result"},
                                    {"version", 1},
                                    {"host_id", o.host_id},
                                    {"verdict", e.ok() ? "enrolled" : "refused"},
                                    {"checks", checks}}
                         .dump(2)
                  << "\n";
        return;
    }
    std::cout << "Host: " << o.host_id << "\n" << verifier::checks_text(e.checks) << outcome << "\n";
}

int run(const EnrollOptions& o) {
    // Everything local is read and checked before the agent is asked.
    const auto reference_text = read_text_file(o.reference, max_json_bytes);
    try {
        eventlog::parse_reference_values(reference_text);
    } catch (const eventlog::Error& e) { throw InputError(o.reference + ": " + e.what()); }
    std::string policy_text = verifier::write_policy(verifier::Policy{});
    if (!o.policy.empty()) {
        policy_text = read_text_file(o.policy, verifier::max_policy_bytes);
        try {
            verifier::parse_policy(policy_text);
        } catch (const verifier::PolicyError& e) { throw InputError(o.policy + ": " + e.what()); }
    }
    verifier::HostStore store(o.db, verifier::StoreOpening::create_if_missing);
    if (!o.replace && store.find(o.host_id))
        throw InputError("host \"" + o.host_id + "\" is already enrolled in " + o.db + " (--replace starts it over)");

    std::optional<AgentClient> agent;
    try {
        agent.emplace(o.agent);
    } catch (const AgentError& e) { throw InputError(e.what()); }
    evidence::IdentityDocument identity;
    try {
        identity = evidence::parse_identity(agent->identity());
    } catch (const evidence::ParseError& e) { throw InputError("the agent's identity: " + std::string(e.what())); }
    verifier::Enrollment enrollment;
    try {
        enrollment = verifier::begin_enrollment(identity, {o.ek_ca, o.allow_no_ek_certificate});
    } catch (const evidence::ParseError& e) { throw InputError("the agent's identity: " + std::string(e.what())); }
    if (enrollment.challenge) {
        try {
            auto answer = evidence::parse_answer(agent->activate(evidence::write_challenge(*enrollment.challenge)));
            verifier::finish_enrollment(enrollment, answer);
        } catch (const AgentError& e) {
            if (e.local()) throw;
            verifier::credential_not_activated(enrollment, e.what());
        } catch (const evidence::ParseError& e) { throw InputError("the agent's answer: " + std::string(e.what())); }
    }
    if (!enrollment.ok()) {
        report(o, enrollment, "Enrolment refused: host \"" + o.host_id + "\" was not stored");
        return exit_mismatch;
    }
    verifier::HostRecord host;
    host.host_id = o.host_id;
    host.ek_public = identity.ek_public;
    host.ek_certificate = identity.ek_certificate;
    host.ak_public = identity.ak_public;
    host.ak_name = identity.ak_name;
    host.reference_json = reference_text;
    host.policy_json = policy_text;
    store.enroll(host, o.replace);
    report(o, enrollment, "Enrolled host \"" + o.host_id + "\" in " + o.db);
    return exit_ok;
}

}  // namespace

void add_enroll_command(CLI::App& app) {
    auto options = std::make_shared<EnrollOptions>();
    auto cmd = app.add_subcommand("enroll", "enrol a host's agent: EK certificate, AK attributes, credential "
                                            "activation, then store it with its reference values");
    cmd->add_option("--agent", options->agent, "the agent, http://HOST:PORT")->required();
    cmd->add_option("--host-id", options->host_id, "the name to enrol the host under")->required();
    cmd->add_option("--db", options->db, "the verifier's host store (SQLite; created if missing)")->required();
    cmd->add_option("--reference", options->reference, "reference values from `keel measure -o`")->required();
    cmd->add_option("--policy", options->policy, "appraisal policy (keel-attestation-policy JSON)");
    cmd->add_option("--ek-ca", options->ek_ca, "CA certificate(s) (PEM) EK certificates must chain to; repeatable");
    cmd->add_flag("--allow-no-ek-certificate", options->allow_no_ek_certificate,
                  "accept a TPM that has no EK certificate");
    cmd->add_flag("--replace", options->replace, "enrol again a host that is already enrolled");
    cmd->add_flag("--json", options->json, "print a JSON document instead of text");
    cmd->callback([options] {
        int rc;
        try {
            rc = run(*options);
        } catch (const FileError& e) {
            std::cerr << "keel enroll: could not enrol (local fault): " << e.what() << "\n";
            rc = exit_local_fault;
        } catch (const InputError& e) {
            std::cerr << "keel enroll: " << e.what() << "\n";
            rc = exit_bad_input;
        } catch (const verifier::EnrollmentConflict& e) {
            std::cerr << "keel enroll: not enrolled: " << e.what() << "\n";
            rc = exit_bad_input;
        } catch (const verifier::StoreError& e) {
            std::cerr << "keel enroll: could not enrol (local fault): " << e.what() << "\n";
            rc = exit_local_fault;
        } catch (const AgentError& e) {
            if (e.local()) {
                std::cerr << "keel enroll: could not enrol (local fault): " << e.what() << "\n";
                rc = exit_local_fault;
            } else {
                std::cerr << "keel enroll: not enrolled: " << e.what() << "\n";
                rc = exit_mismatch;
            }
        }
        if (rc != exit_ok) throw CLI::RuntimeError(rc);
    });
}

}  // namespace keel::cli
