// keel verify: appraise a host's evidence. Three ways in:
//   enrolled host:  --db FILE --host-id ID (--agent URL | --evidence FILE --nonce HEX)
//   evidence file:  --evidence FILE --nonce HEX --ak-public FILE --reference FILE [--policy FILE]
//   tpm2-tools:     -u AK.pem -m QUOTE.msg -s QUOTE.sig [-f|-o QUOTE.pcrs] [-q NONCE] [-g ALG]
//                   [-e EVENTLOG] [--reference FILE] [--policy FILE]
// The first two run Keel's whole appraisal (DRTM, event logs, reference
// values); the third checks what tpm2_checkquote checks, plus the event log
// and reference values when given. A key given as TPM2B_PUBLIC must also be a
// restricted signing key (a PEM key shows no attributes and is taken as
// tpm2_checkquote takes it). Exit 0 trusted, 1 not trusted, 2 bad input.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <openssl/rand.h>
#include <optional>

#include "attestation/eventlog/algorithm.hpp"
#include "attestation/eventlog/error.hpp"
#include "attestation/eventlog/event_types.hpp"
#include "attestation/eventlog/hex.hpp"
#include "attestation/eventlog/parser.hpp"
#include "attestation/eventlog/reference.hpp"
#include "attestation/evidence/evidence_document.hpp"
#include "attestation/evidence/public_key.hpp"
#include "attestation/evidence/tpm2_tools_files.hpp"
#include "attestation/verifier/host_store.hpp"
#include "attestation/verifier/verifier.hpp"
#include "tools/keel/agent_client.hpp"
#include "tools/keel/commands.hpp"
#include "tools/keel/file_io.hpp"

namespace keel::cli {
namespace {

constexpr std::size_t max_json_bytes = 16u << 20;
constexpr std::size_t max_tpm_file_bytes = 64u << 10;
constexpr std::size_t fresh_nonce_bytes = 32;

struct VerifyOptions {
    std::string db, host_id, agent, evidence, nonce, ak_public, reference, policy;
    // tpm2_checkquote's names
    std::string message, signature, pcrs, hash, eventlog;
    bool json = false;
};

template <typename Parse> auto parse_file_text(const std::string& path, std::size_t max, Parse parse) {
    const auto text = read_text_file(path, max);
    try {
        return parse(text);
    } catch (const std::exception& e) { throw InputError(path + ": " + e.what()); }
}

evidence::Bytes parse_hex_option(const std::string& name, std::string text) {
    if (text.rfind("0x", 0) == 0 || text.rfind("0X", 0) == 0) text = text.substr(2);
    auto bytes = eventlog::from_hex(text);
    if (!bytes) throw InputError(name + " " + text + ": not hex");
    return *bytes;
}

// Keel's own appraisal needs a nonce: without one a quote proves nothing fresh.
evidence::Bytes parse_nonce(const std::string& text) {
    auto nonce = parse_hex_option("--nonce", text);
    if (nonce.empty()) throw InputError("--nonce is empty: a quote without a nonce can be replayed");
    return nonce;
}

struct LoadedKey {
    evidence::EvpPkey key;
    std::optional<evidence::TpmPublic> public_area;  // a TPM2B_PUBLIC shows the key's attributes; PEM does not

    void expect(verifier::Expectations& x) const {
        x.ak = key.get();
        x.ak_public = public_area ? &*public_area : nullptr;
    }
};

// A PEM public key, or a TPM2B_PUBLIC as tpm2_createak -u writes.
LoadedKey load_key(const std::string& path) {
    const auto bytes = read_binary_file(path, max_tpm_file_bytes);
    try {
        if (std::string(bytes.begin(), bytes.end()).find("-----BEGIN") != std::string::npos)
            return {evidence::read_pem_public_key(bytes), std::nullopt};
        auto area = evidence::parse_public(bytes);
        auto key = evidence::to_evp_pkey(area);
        return {std::move(key), std::move(area)};
    } catch (const std::exception& e) { throw InputError(path + ": not a PEM or TPM2B_PUBLIC key: " + e.what()); }
}

std::optional<eventlog::ReferenceValues> load_reference(const std::string& path) {
    if (path.empty()) return std::nullopt;
    return parse_file_text(path, max_json_bytes, eventlog::parse_reference_values);
}

std::optional<verifier::Policy> load_policy(const std::string& path) {
    if (path.empty()) return std::nullopt;
    return parse_file_text(path, verifier::max_policy_bytes, verifier::parse_policy);
}

verifier::Evidence parse_evidence_text(const std::string& what, const std::string& text) {
    try {
        return verifier::parse_evidence(evidence::parse_evidence(text));
    } catch (const evidence::ParseError& e) {
        throw InputError(what + ": " + e.what());
    } catch (const eventlog::Error& e) { throw InputError(what + ": event log: " + e.what()); }
}

// tpm2_quote's files: the quote, its signature, and optionally the PCRs.
verifier::Evidence load_tpm2_tools_evidence(const VerifyOptions& o, verifier::Expectations& x) {
    verifier::Evidence e;
    try {
        e.attest_bytes = read_binary_file(o.message, max_tpm_file_bytes);
        e.attest = verifier::parse_attest_evidence(e.attest_bytes);
    } catch (const evidence::ParseError& err) { throw InputError(o.message + ": " + err.what()); }
    try {
        e.signature = evidence::parse_signature(read_binary_file(o.signature, max_tpm_file_bytes));
    } catch (const evidence::ParseError& err) { throw InputError(o.signature + ": " + err.what()); }
    if (!o.pcrs.empty()) {
        try {
            auto pcrs = evidence::parse_tpm2_tools_pcrs(read_binary_file(o.pcrs, max_tpm_file_bytes));
            e.pcr_selection = std::move(pcrs.selection);
            e.pcr_values = std::move(pcrs.values);
        } catch (const evidence::ParseError& err) { throw InputError(o.pcrs + ": " + err.what()); }
    } else {
        e.pcr_selection = e.attest.pcr_select;
        x.pcr_values_given = false;
    }
    if (!o.eventlog.empty()) {
        auto bytes = read_binary_file(o.eventlog, eventlog::max_log_bytes);
        eventlog::EventLog log;
        try {
            log = verifier::parse_log_evidence(bytes, verifier::max_boot_log_events, "event log");
        } catch (const eventlog::Error& err) {
            throw InputError(o.eventlog + ": malformed event log: " + err.what());
        } catch (const evidence::ParseError& err) { throw InputError(o.eventlog + ": " + err.what()); }
        // A log that extends only PCRs 17-22 is a DRTM log; anything else is the firmware's.
        bool drtm = std::all_of(log.events.begin(), log.events.end(), [](auto& ev) {
            return ev.type == eventlog::ev_no_action || (ev.pcr >= 17 && ev.pcr <= 22);
        });
        (drtm ? e.drtm_log : e.boot_log) = std::move(log);
    }
    return e;
}

int report(const VerifyOptions& o, const verifier::AttestationResult& r) {
    std::cout << (o.json ? verifier::result_json(r) : verifier::result_text(r));
    return r.trusted() ? exit_ok : exit_mismatch;
}

int run_checkquote(const VerifyOptions& o) {
    if (o.ak_public.empty() || o.signature.empty())
        throw InputError("-m needs -u (the AK public key) and -s (the signature), as tpm2_checkquote does");
    verifier::Expectations x;
    auto key = load_key(o.ak_public);
    key.expect(x);
    if (!o.nonce.empty()) x.nonce = parse_hex_option("-q", o.nonce);
    if (!o.hash.empty()) {
        auto id = eventlog::algorithm_from_name(o.hash);
        if (!id) throw InputError("-g " + o.hash + ": unknown hash algorithm (sha1, sha256, sha384, sha512)");
        x.signature_hash = *id;
    }
    auto reference = load_reference(o.reference);
    auto policy = load_policy(o.policy);
    x.reference = reference ? &*reference : nullptr;
    x.policy = policy ? &*policy : nullptr;
    auto e = load_tpm2_tools_evidence(o, x);
    return report(o, verifier::verify(e, x));
}

int run_evidence_file(const VerifyOptions& o) {
    if (o.nonce.empty()) throw InputError("--evidence needs --nonce: the nonce the evidence was requested with");
    if (o.ak_public.empty()) throw InputError("--evidence without --db needs --ak-public");
    if (o.reference.empty()) throw InputError("--evidence without --db needs --reference (from keel measure)");
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
    if (o.host_id.empty()) throw InputError("--db needs --host-id");
    if (o.agent.empty() == o.evidence.empty()) throw InputError("--db needs one of --agent or --evidence");
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
        throw InputError(o.db + ": the record of host \"" + o.host_id + "\" is damaged: " + e.what());
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
    std::optional<AgentClient> agent;
    if (!o.agent.empty()) {
        try {
            agent.emplace(o.agent);
        } catch (const AgentError& e) { throw InputError(e.what()); }
    }

    std::string text, what;
    if (agent) {
        x.nonce.resize(fresh_nonce_bytes);
        if (RAND_bytes(x.nonce.data(), static_cast<int>(x.nonce.size())) != 1)
            throw std::runtime_error("OpenSSL RAND_bytes failed");
        try {
            text = agent->evidence(eventlog::to_hex(x.nonce));
        } catch (const AgentError& e) {
            std::cerr << "keel verify: host \"" << o.host_id << "\" NOT trusted: no evidence: " << e.what() << "\n";
            return exit_mismatch;
        }
        what = "the evidence from " + o.agent;
    } else {
        if (o.nonce.empty()) throw InputError("--evidence needs --nonce: the nonce the evidence was requested with");
        x.nonce = parse_nonce(o.nonce);
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

int run(const VerifyOptions& o) {
    if (!o.message.empty()) return run_checkquote(o);
    if (!o.db.empty()) return run_enrolled(o);
    if (!o.evidence.empty()) return run_evidence_file(o);
    throw InputError("nothing to verify: give --db and --host-id, --evidence, or tpm2_quote's -m/-s files "
                     "(see keel verify --help)");
}

}  // namespace

void add_verify_command(CLI::App& app) {
    auto o = std::make_shared<VerifyOptions>();
    auto cmd = app.add_subcommand("verify", "appraise a host's evidence: quote, DRTM event log, reference values");
    cmd->add_option("--db", o->db, "the verifier's host store (keel enroll)");
    cmd->add_option("--host-id", o->host_id, "the enrolled host to verify");
    cmd->add_option("--agent", o->agent, "ask the host's agent for fresh evidence, http://HOST:PORT");
    cmd->add_option("--evidence", o->evidence, "evidence file (keel-agent quote -o)");
    cmd->add_option("--nonce,-q,--qualification", o->nonce, "the nonce the evidence was made for, hex");
    cmd->add_option("--ak-public,-u,--public", o->ak_public, "the AK public key: PEM or TPM2B_PUBLIC");
    cmd->add_option("--reference", o->reference, "reference values from `keel measure -o`");
    cmd->add_option("--policy", o->policy, "appraisal policy (keel-attestation-policy JSON)");
    cmd->add_option("-m,--message", o->message, "tpm2_quote -m: the quote (TPMS_ATTEST)");
    cmd->add_option("-s,--signature", o->signature, "tpm2_quote -s: the signature (TPMT_SIGNATURE)");
    cmd->add_option("-f,--pcr,-o", o->pcrs, "tpm2_quote -o: the PCR values");
    cmd->add_option("-g,--hash-algorithm", o->hash, "the hash the signature must use (sha1, sha256, ...)");
    cmd->add_option("-e,--eventlog", o->eventlog, "an event log to replay (DRTM or firmware)");
    cmd->add_flag("--json", o->json, "print a keel-attestation-result JSON document instead of text");
    cmd->callback([o] {
        int rc;
        try {
            rc = run(*o);
        } catch (const InputError& e) {
            std::cerr << "keel verify: " << e.what() << "\n";
            rc = exit_bad_input;
        } catch (const verifier::StoreError& e) {
            std::cerr << "keel verify: " << e.what() << "\n";
            rc = exit_bad_input;
        }
        if (rc != exit_ok) throw CLI::RuntimeError(rc);
    });
}

}  // namespace keel::cli
