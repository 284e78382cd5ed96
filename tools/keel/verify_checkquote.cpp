// keel verify as tpm2_checkquote: tpm2_quote's files, read in every format
// tpm2_quote writes (tpm2-tools 5.4, checked on swtpm):
//   -m  TPMS_ATTEST
//   -s  TPMT_SIGNATURE (-f tss) or the bare signature (-f plain)
//   -f  the PCR values: tpm2-tools' serialized structs (-F serialized, the
//       default), or with -l the bare digests (-F values, tpm2_pcrread -o)
//   -l  the PCR selection of a values file, e.g. sha256:16,17,18
//   -g  the hash of the quote's signature and PCR digest when the signature
//       file does not name it (a bare signature; default sha256). A
//       TPMT_SIGNATURE names its own, which wins, as in tpm2_checkquote;
//       the result notes a -g that differs.
// tpm2_checkquote ignores -F; keel verify checks it against -l instead, so
// a file is never read in a format other than the one the user named.
#include <algorithm>

#include "attestation/eventlog/algorithm.hpp"
#include "attestation/eventlog/error.hpp"
#include "attestation/eventlog/event_types.hpp"
#include "attestation/eventlog/parser.hpp"
#include "attestation/evidence/tpm2_tools_files.hpp"
#include "attestation/evidence/tpm2_tools_signature.hpp"
#include "tools/keel/file_io.hpp"
#include "tools/keel/verify_inputs.hpp"

namespace keel::cli {
namespace {

constexpr std::uint16_t default_hash = eventlog::alg_sha256;  // tpm2_checkquote's default -g

void read_pcr_file(const VerifyOptions& o, verifier::Evidence& e) {
    const bool values = !o.pcr_list.empty();
    if (!o.pcr_format.empty() && o.pcr_format != "values" && o.pcr_format != "serialized")
        throw InputError("-F " + o.pcr_format + ": expected values or serialized (the formats of tpm2_quote -F)");
    if (o.pcr_format == "values" && !values)
        throw InputError("-F values needs -l: a values file holds only digests, and -l says which PCRs they are");
    if (o.pcr_format == "serialized" && values)
        throw InputError("-F serialized and -l conflict: a serialized PCR file carries its own selection");
    const auto bytes = read_binary_file(o.pcrs, max_tpm_file_bytes);
    if (values) {
        try {
            e.pcr_selection = evidence::parse_pcr_list(o.pcr_list);
        } catch (const evidence::ParseError& err) { throw InputError("-l: " + std::string(err.what())); }
        try {
            e.pcr_values = evidence::parse_pcr_values_file(bytes, e.pcr_selection);
        } catch (const evidence::ParseError& err) { throw InputError(o.pcrs + ": " + err.what()); }
        return;
    }
    try {
        auto pcrs = evidence::parse_tpm2_tools_pcrs(bytes);
        e.pcr_selection = std::move(pcrs.selection);
        e.pcr_values = std::move(pcrs.values);
    } catch (const evidence::ParseError& err) {
        throw InputError(o.pcrs + ": " + err.what() + " (a values file, tpm2_quote -F values, needs -l)");
    }
}

void read_eventlog(const std::string& path, verifier::Evidence& e) {
    auto bytes = read_binary_file(path, eventlog::max_log_bytes);
    eventlog::EventLog log;
    try {
        log = verifier::parse_log_evidence(bytes, verifier::max_boot_log_events, "event log");
    } catch (const eventlog::Error& err) {
        throw InputError(path + ": malformed event log: " + err.what());
    } catch (const evidence::ParseError& err) { throw InputError(path + ": " + err.what()); }
    // A log that extends only PCRs 17-22 is a DRTM log; anything else is the firmware's.
    bool drtm = std::all_of(log.events.begin(), log.events.end(), [](auto& ev) {
        return ev.type == eventlog::ev_no_action || (ev.pcr >= 17 && ev.pcr <= 22);
    });
    (drtm ? e.drtm_log : e.boot_log) = std::make_shared<const eventlog::EventLog>(std::move(log));
}

verifier::Evidence load_evidence(const VerifyOptions& o, const LoadedKey& key, verifier::Expectations& x) {
    verifier::Evidence e;
    try {
        e.attest_bytes = read_binary_file(o.message, max_tpm_file_bytes);
        e.attest = verifier::parse_attest_evidence(e.attest_bytes);
    } catch (const evidence::ParseError& err) { throw InputError(o.message + ": " + err.what()); }
    // A bare RSA signature's scheme is the key's when its TPM2B_PUBLIC says
    // RSAPSS; otherwise RSASSA, the one tpm2_checkquote verifies.
    const auto rsa_scheme = key.public_area && key.public_area->scheme == evidence::alg_rsapss ? evidence::alg_rsapss
                                                                                               : evidence::alg_rsassa;
    try {
        auto sig =
            evidence::parse_tpm2_tools_signature(read_binary_file(o.signature, max_tpm_file_bytes), key.key.get(),
                                                 rsa_scheme, x.signature_hash.value_or(default_hash));
        e.signature = std::move(sig.signature);
        x.plain_signature = sig.plain;
    } catch (const evidence::ParseError& err) { throw InputError(o.signature + ": " + err.what()); }
    if (!o.pcrs.empty()) {
        read_pcr_file(o, e);
    } else {
        e.pcr_selection = e.attest.pcr_select;
        x.pcr_values_given = false;
    }
    if (!o.eventlog.empty()) read_eventlog(o.eventlog, e);
    return e;
}

}  // namespace

int run_checkquote(const VerifyOptions& o) {
    verifier::Expectations x;
    auto key = load_key(o.ak_public);
    key.expect(x);
    if (!o.nonce.empty()) x.nonce = parse_hex_option("-q", o.nonce);
    if (!o.hash.empty()) {
        auto id = eventlog::algorithm_from_name(o.hash);
        if (!id || eventlog::known_digest_size(*id) == 0)
            throw InputError("-g " + o.hash + ": unknown hash algorithm (sha1, sha256, sha384, sha512)");
        x.signature_hash = *id;
    }
    auto reference = load_reference(o.reference);
    auto policy = load_policy(o.policy);
    x.reference = reference ? &*reference : nullptr;
    x.policy = policy ? &*policy : nullptr;
    auto e = load_evidence(o, key, x);
    return report(o, verifier::verify(e, x));
}

}  // namespace keel::cli
