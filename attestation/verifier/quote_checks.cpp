// The checks on the quote itself: who signed it, for which nonce, over which
// PCR values, and whether its clock moved forward since the last one.
#include <algorithm>

#include "attestation/eventlog/algorithm.hpp"
#include "attestation/eventlog/hex.hpp"
#include "attestation/verifier/checks.hpp"

namespace keel::verifier::checks {
namespace {

std::string describe_selection(const std::vector<evidence::PcrSelection>& selection) {
    if (selection.empty()) return "no PCRs";
    std::string out;
    for (const auto& bank : selection) {
        if (!out.empty()) out += "; ";
        out += bank_name(bank.hash_alg) + " PCRs";
        if (bank.pcrs.empty()) out += " (none)";
        // Runs as ranges: "0-7,16-19".
        for (std::size_t i = 0; i < bank.pcrs.size();) {
            std::size_t j = i;
            while (j + 1 < bank.pcrs.size() && bank.pcrs[j + 1] == bank.pcrs[j] + 1) ++j;
            out += (i ? "," : " ") + std::to_string(bank.pcrs[i]);
            if (j > i) out += "-" + std::to_string(bank.pcrs[j]);
            i = j + 1;
        }
    }
    return out;
}

}  // namespace

Check ak_enrolled(const Evidence& e, const Expectations& x) {
    if (!x.enrolled_ak_name)
        return skipped(check::ak_enrolled, "no enrolled host: the attestation key was given on the command line");
    if (!e.ak_name) return fail(check::ak_enrolled, "the evidence does not name its attestation key");
    if (*e.ak_name != *x.enrolled_ak_name)
        return fail(check::ak_enrolled, "the evidence names attestation key " + short_hex(*e.ak_name) +
                                            ", but host \"" + x.host_id + "\" enrolled " +
                                            short_hex(*x.enrolled_ak_name));
    return pass(check::ak_enrolled, "attestation key " + short_hex(*e.ak_name) + " is enrolled for host \"" +
                                        x.host_id + "\"" + x.enrollment_note);
}

Check quote_format(const Evidence& e) {
    if (e.attest.magic != evidence::tpm_generated_value)
        return fail(check::quote_format, "magic is 0x" +
                                             eventlog::to_hex(std::vector<std::uint8_t>{
                                                 std::uint8_t(e.attest.magic >> 24), std::uint8_t(e.attest.magic >> 16),
                                                 std::uint8_t(e.attest.magic >> 8), std::uint8_t(e.attest.magic)}) +
                                             ", not TPM_GENERATED (0xff544347): the TPM did not make this structure");
    if (e.attest.type != evidence::st_attest_quote)
        return fail(check::quote_format, "the attestation is of type 0x" +
                                             eventlog::to_hex(std::vector<std::uint8_t>{
                                                 std::uint8_t(e.attest.type >> 8), std::uint8_t(e.attest.type)}) +
                                             ", not a quote (TPM_ST_ATTEST_QUOTE, 0x8018)");
    return pass(check::quote_format, "a TPM-generated quote");
}

Check quote_signature(const Evidence& e, const Expectations& x) {
    auto problem = evidence::signature_problem(x.ak, e.attest_bytes, e.signature);
    if (!problem.empty()) return fail(check::quote_signature, problem);
    // Only a restricted signing key refuses to sign a TPMS_ATTEST the TPM did
    // not make; any other key's signature says nothing about the quote.
    if (x.ak_public) {
        const auto problems = evidence::restricted_signing_key_problems(*x.ak_public);
        if (!problems.empty()) {
            std::string why;
            for (const auto& p : problems) why += (why.empty() ? "" : "; ") + p;
            return fail(check::quote_signature,
                        "the signature verifies, but the key is not a restricted signing key: " + why);
        }
    }
    std::string note;
    if (x.plain_signature)
        note = " (a bare signature, tpm2_quote -f plain: its hash is " + bank_name(e.signature.hash_alg) +
               (x.signature_hash ? " as -g names" : ", -g's default") + ")";
    else if (x.signature_hash && *x.signature_hash != e.signature.hash_alg)
        note = " (-g named " + bank_name(*x.signature_hash) +
               "; the signature's own hash was used, as "
               "tpm2_checkquote does)";
    if (!x.ak_public)
        note += " (the key was given without its TPM attributes, e.g. as PEM: that it is a restricted signing key "
                "was not checked)";
    return pass(check::quote_signature, std::string(evidence::signature_scheme_name(e.signature.sig_alg)) + "-" +
                                            bank_name(e.signature.hash_alg) +
                                            " signature verifies with the attestation key" + note);
}

Check quote_nonce(const Evidence& e, const Expectations& x) {
    if (x.nonce.empty()) {
        // tpm2_checkquote without -q accepts a quote without a nonce; Keel's
        // own appraisal never does: such a quote can be replayed forever.
        if (x.policy) return fail(check::quote_nonce, "no nonce was asked for: nothing shows this quote is fresh");
        if (e.attest.extra_data.empty())
            return skipped(check::quote_nonce, "no nonce given (-q) and none in the quote (as tpm2_checkquote "
                                               "accepts): nothing shows the quote is fresh");
    }
    if (e.attest.extra_data != x.nonce)
        return fail(check::quote_nonce,
                    "the quote was made for nonce " +
                        (e.attest.extra_data.empty() ? std::string("(empty)") : short_hex(e.attest.extra_data)) +
                        ", expected " + (x.nonce.empty() ? std::string("(empty)") : short_hex(x.nonce)) +
                        ": an old quote replayed, or one made for another request");
    return pass(check::quote_nonce, "the quote carries this request's nonce");
}

Check quote_pcr_digest(const Evidence& e, const Expectations& x) {
    if (!x.pcr_values_given)
        return skipped(check::quote_pcr_digest, "no PCR values given (-f): the PCR digest is not checked");
    if (e.attest.pcr_select != e.pcr_selection)
        return fail(check::quote_pcr_digest, "the quote covers " + describe_selection(e.attest.pcr_select) +
                                                 ", but the evidence gives values for " +
                                                 describe_selection(e.pcr_selection));
    auto digest = evidence::pcr_digest(e.signature.hash_alg, e.pcr_selection, e.pcr_values);
    if (!digest)
        return fail(check::quote_pcr_digest, "the PCR values given do not fill the quoted selection (" +
                                                 describe_selection(e.pcr_selection) + ")");
    if (*digest != e.attest.pcr_digest)
        return fail(check::quote_pcr_digest, "the PCR values given hash to " + short_hex(*digest) +
                                                 ", but the quote's PCR digest is " + short_hex(e.attest.pcr_digest) +
                                                 ": some PCR value was altered");
    return pass(check::quote_pcr_digest,
                "the quoted PCR digest matches the values of " + describe_selection(e.pcr_selection));
}

Check quote_clock(const Evidence& e, const Expectations& x) {
    const auto& now = e.attest.clock_info;
    // safe = NO only says the last shutdown was not orderly, so this clock
    // value may repeat one reported before the reset; resetCount still moved
    // on, and the counters below decide. Keylime refuses it, which would
    // reject every host after a power cut (and every QEMU guest).
    const std::string unsafe = now.safe ? "" : " (the TPM marks its clock not safe: the last shutdown was not orderly)";
    if (!x.last_clock) return skipped(check::quote_clock, "no earlier quote from this host on record" + unsafe);
    const auto& last = *x.last_clock;
    const auto counters = [](const evidence::ClockInfo& c) {
        return "reset " + std::to_string(c.reset_count) + ", restart " + std::to_string(c.restart_count) + ", clock " +
               std::to_string(c.clock) + " ms";
    };
    if (now.reset_count < last.reset_count)
        return fail(check::quote_clock, "the TPM reset counter went backwards: last accepted quote " + counters(last) +
                                            ", this quote " + counters(now) +
                                            " (an old quote replayed, or the TPM was replaced or cleared)");
    if (now.reset_count == last.reset_count && now.restart_count < last.restart_count)
        return fail(check::quote_clock, "the TPM restart counter went backwards: last accepted quote " +
                                            counters(last) + ", this quote " + counters(now));
    if (now.reset_count == last.reset_count && now.restart_count == last.restart_count && now.clock < last.clock)
        return fail(check::quote_clock, "the TPM clock went backwards without a reset: last accepted quote " +
                                            counters(last) + ", this quote " + counters(now));
    return pass(check::quote_clock, "counters moved forward: " + counters(last) + " -> " + counters(now) + unsafe);
}

}  // namespace keel::verifier::checks
