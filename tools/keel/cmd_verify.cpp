// keel verify: appraise a host's evidence. Three ways in (verify_usage.hpp):
//   enrolled host:  --db FILE --host-id ID (--agent URL | --evidence FILE --nonce HEX)
//   evidence file:  --evidence FILE --nonce HEX --ak-public FILE --reference FILE [--policy FILE]
//   tpm2-tools:     -u AK -m QUOTE.msg -s QUOTE.sig [-f QUOTE.pcrs [-l SEL] [-F FMT]] [-q NONCE]
//                   [-g ALG] [-e EVENTLOG] [--reference FILE] [--policy FILE]
// The first two run Keel's whole appraisal (DRTM, event logs, reference
// values); the third checks what tpm2_checkquote checks, plus the event log
// and reference values when given, and without --policy says what it
// established instead of "trusted". A key given as TPM2B_PUBLIC must also be
// a restricted signing key (a PEM key shows no attributes and is taken as
// tpm2_checkquote takes it). An option the chosen way does not read is bad
// input. Exit 0 trusted (tpm2-tools: quote verified), 1 not trusted, 2 bad
// input or usage, 3 a local fault (nothing was learnt about the host).
#include <CLI/CLI.hpp>
#include <iostream>
#include <openssl/rand.h>
#include <optional>
#include <set>

#include "attestation/eventlog/hex.hpp"
#include "attestation/evidence/evidence_document.hpp"
#include "attestation/verifier/host_store.hpp"
#include "tools/keel/agent_client.hpp"
#include "tools/keel/commands.hpp"
#include "tools/keel/file_io.hpp"
#include "tools/keel/verify_inputs.hpp"
#include "tools/keel/verify_usage.hpp"

namespace keel::cli {
namespace {

constexpr std::size_t fresh_nonce_bytes = 32;

int run_evidence_file(const VerifyOptions& o) {
    auto key = load_key(o.ak_public);
    auto reference = load_reference(o.reference);
    auto policy = load_policy(o.policy).value_or(verifier::Policy{});
    verifier::Expectations x;
    key.expect(x);
    x.nonce = parse_nonce(o.nonce);
    x.reference = &*reference;
    x.policy = &policy;
    auto e = parse_evidence_text(o.evidence, read_text_file(o.evidence, evidence::max_evidence_bytes));
    return report(o, verifier::verify(e, x));
}

int run_enrolled(const VerifyOptions& o) {
    // Local inputs first: a nonce or agent URL that cannot be used is bad
    // input whatever the store holds.
    std::optional<AgentClient> agent;
    if (!o.agent.empty()) {
        try {
            agent.emplace(o.agent);
        } catch (const AgentError& e) { throw InputError(e.what()); }
    }
    evidence::Bytes file_nonce;
    if (!agent) file_nonce = parse_nonce(o.nonce);
    verifier::HostStore store(o.db, verifier::StoreOpening::existing);
    auto host = store.find(o.host_id);
    if (!host) throw InputError("host \"" + o.host_id + "\" is not enrolled in " + o.db + " (keel enroll)");
    LoadedKey key;
    eventlog::ReferenceValues reference;
    verifier::Policy policy;
    try {
        key.public_area = evidence::parse_public(host->ak_public);
        key.key = evidence::to_evp_pkey(*key.public_area);
        reference = eventlog::parse_reference_values(host->reference_json);
        policy = verifier::parse_policy(host->policy_json);
    } catch (const std::exception& e) {
        throw verifier::StoreError(o.db + ": the record of host \"" + o.host_id + "\" is damaged: " + e.what());
    }
    verifier::Expectations x;
    x.host_id = o.host_id;
    key.expect(x);
    x.enrolled_ak_name = host->ak_name;
    x.last_clock = host->last_clock;
    x.reference = &reference;
    x.policy = &policy;
    if (!host->ek_certificate)
        x.enrollment_note = "; its EK is not certified (enrolled with --allow-no-ek-certificate)";

    std::string text, what;
    if (agent) {
        x.nonce.resize(fresh_nonce_bytes);
        if (RAND_bytes(x.nonce.data(), static_cast<int>(x.nonce.size())) != 1)
            throw std::runtime_error("OpenSSL RAND_bytes failed");
        try {
            text = agent->evidence(eventlog::to_hex(x.nonce));
        } catch (const AgentError& e) {
            if (e.local()) throw;
            std::cerr << "keel verify: host \"" << o.host_id << "\" NOT trusted: no evidence: " << e.what() << "\n";
            return exit_mismatch;
        }
        what = "the evidence from " + o.agent;
    } else {
        x.nonce = file_nonce;
        text = read_text_file(o.evidence, evidence::max_evidence_bytes);
        what = o.evidence;
    }
    verifier::Evidence e;
    try {
        e = parse_evidence_text(what, text);
    } catch (const InputError& error) {
        if (!agent) throw;
        // The host answered with something that is not evidence: the host's failure, not the user's.
        std::cerr << "keel verify: host \"" << o.host_id << "\" NOT trusted: " << error.what() << "\n";
        return exit_mismatch;
    }
    auto result = verifier::verify(e, x);
    if (result.trusted() && result.clock && !store.record_quote(o.host_id, *result.clock)) {
        result.checks.push_back({verifier::check::quote_clock, verifier::Status::fail,
                                 "a quote with later counters was accepted for this host meanwhile"});
    }
    return report(o, result);
}

int run(const VerifyOptions& o, const std::set<std::string>& given) {
    switch (verify_mode(given)) {
    case VerifyMode::enrolled: return run_enrolled(o);
    case VerifyMode::evidence_file: return run_evidence_file(o);
    case VerifyMode::checkquote: return run_checkquote(o);
    }
    return exit_bad_input;
}

int local_fault(const std::string& what) {
    std::cerr << "keel verify: could not appraise (local fault): " << what << "\n";
    return exit_local_fault;
}

}  // namespace

void add_verify_command(CLI::App& app) {
    auto o = std::make_shared<VerifyOptions>();
    // Each option with the label verify_usage.cpp knows it by.
    auto options = std::make_shared<std::vector<std::pair<std::string, CLI::Option*>>>();
    auto cmd = app.add_subcommand("verify", "appraise a host's evidence: quote, DRTM event log, reference values");
    auto add = [&](const char* label, const char* names, std::string& value, const char* help) {
        options->emplace_back(label, cmd->add_option(names, value, help));
    };
    add("--db", "--db", o->db, "the verifier's host store (keel enroll); never created by keel verify");
    add("--host-id", "--host-id", o->host_id, "the enrolled host to verify");
    add("--agent", "--agent", o->agent, "ask the host's agent for fresh evidence, http://HOST:PORT");
    add("--evidence", "--evidence", o->evidence, "evidence file (keel-agent quote -o)");
    add("-q/--nonce", "--nonce,-q,--qualification", o->nonce, "the nonce the evidence was made for, hex");
    add("-u/--ak-public", "--ak-public,-u,--public", o->ak_public, "the AK public key: PEM or TPM2B_PUBLIC");
    add("--reference", "--reference", o->reference, "reference values from `keel measure -o`");
    add("--policy", "--policy", o->policy, "appraisal policy (keel-attestation-policy JSON)");
    add("-m", "-m,--message", o->message, "tpm2_quote -m: the quote (TPMS_ATTEST)");
    add("-s", "-s,--signature", o->signature, "tpm2_quote -s: the signature (TPMT_SIGNATURE, or -f plain's)");
    add("-f", "-f,--pcr,-o", o->pcrs, "tpm2_quote -o: the PCR values (serialized, or with -l values)");
    add("-l", "-l,--pcr-list", o->pcr_list,
        "the PCR selection of a values file (tpm2_quote -F values), e.g. sha256:16,17,18");
    add("-F", "-F,--format", o->pcr_format,
        "the PCR file's format, as tpm2_quote -F: serialized (default) or values (needs -l)");
    add("-g", "-g,--hash-algorithm", o->hash,
        "the hash of the quote when the signature does not name it (-f plain); default sha256");
    add("-e", "-e,--eventlog", o->eventlog, "an event log to replay (DRTM or firmware)");
    options->emplace_back(
        "--json", cmd->add_flag("--json", o->json, "print a keel-attestation-result JSON document instead of text"));
    cmd->callback([o, options] {
        std::set<std::string> given;
        for (const auto& [label, option] : *options)
            if (option->count() > 0) given.insert(label);
        int rc;
        try {
            rc = run(*o, given);
        } catch (const FileError& e) { rc = local_fault(e.what()); } catch (const InputError& e) {
            std::cerr << "keel verify: " << e.what() << "\n";
            rc = exit_bad_input;
        } catch (const verifier::StoreError& e) { rc = local_fault(e.what()); } catch (const AgentError& e) {
            rc = local_fault(e.what());  // only local faults are thrown this far
        }
        if (rc != exit_ok) throw CLI::RuntimeError(rc);
    });
}

}  // namespace keel::cli
