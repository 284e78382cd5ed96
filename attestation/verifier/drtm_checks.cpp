// The checks that make a quote say something about the launch: the banks the
// policy relies on are quoted, PCR 17 shows a dynamic launch took place, and
// the event logs replay to the quoted PCR values (the DRTM log from zero,
// which is where a dynamic launch resets PCRs 17-22).
#include <algorithm>
#include <set>

#include "attestation/eventlog/compare.hpp"
#include "attestation/eventlog/event_types.hpp"
#include "attestation/eventlog/hex.hpp"
#include "attestation/eventlog/replay.hpp"
#include "attestation/verifier/checks.hpp"

namespace keel::verifier::checks {
namespace {

constexpr std::uint32_t first_drtm_pcr = 17;
constexpr std::uint32_t last_drtm_pcr = 22;
constexpr std::uint32_t last_srtm_pcr = 15;
const std::vector<std::uint32_t> keel_drtm_pcrs{17, 18, 19};

bool is_drtm_pcr(std::uint32_t pcr) { return pcr >= first_drtm_pcr && pcr <= last_drtm_pcr; }

const evidence::PcrSelection* quoted_bank(const Evidence& e, std::uint16_t bank) {
    for (const auto& s : e.pcr_selection)
        if (s.hash_alg == bank) return &s;
    return nullptr;
}

bool quotes(const evidence::PcrSelection& s, std::uint32_t pcr) {
    return std::find(s.pcrs.begin(), s.pcrs.end(), pcr) != s.pcrs.end();
}

std::string join_banks(const std::vector<std::uint16_t>& banks) {
    std::string out;
    for (auto b : banks) out += (out.empty() ? "" : ", ") + bank_name(b);
    return out;
}

bool has_bank(const eventlog::EventLog& log, std::uint16_t bank) {
    return std::any_of(log.algorithms.begin(), log.algorithms.end(), [&](auto& a) { return a.id == bank; });
}

std::size_t extending_events(const eventlog::EventLog& log) {
    return std::count_if(log.events.begin(), log.events.end(),
                         [](auto& ev) { return ev.type != eventlog::ev_no_action; });
}

std::string join_pcrs(const std::set<std::uint32_t>& pcrs) {
    std::string out;
    for (auto p : pcrs) out += (out.empty() ? "" : ", ") + std::to_string(p);
    return out;
}

struct LogComparison {
    std::vector<std::string> problems;  // mismatches and unreplayable banks: each fails the check
    // Banks in which every PCR the log extends is quoted, every event has a
    // digest, and the replay equals the quoted values: only digests of these
    // banks are evidence.
    std::vector<std::uint16_t> verified;
    std::set<std::uint32_t> compared;  // PCRs compared in some bank
    std::vector<std::string> unverified;  // why a bank is not verified, when it is not a problem
    std::set<std::uint16_t> failed;  // banks with a problem
};

// Replays `log` and compares it with the quoted values of the PCRs `wanted`
// accepts, in every quoted bank the log has; with `only_extended`, only PCRs
// some event of the log extends (a boot log says nothing about PCR 10, say).
// Banks in `required` must be present in the log and verified.
LogComparison compare_with_quote(const Evidence& e, const eventlog::EventLog& log, bool (*wanted)(std::uint32_t),
                                 bool only_extended, const std::vector<std::uint16_t>& required) {
    LogComparison out;
    std::set<std::uint32_t> extended;
    for (const auto& ev : log.events)
        if (ev.type != eventlog::ev_no_action) extended.insert(ev.pcr);
    auto is_required = [&](std::uint16_t bank) {
        return std::find(required.begin(), required.end(), bank) != required.end();
    };
    const auto replay = eventlog::replay(log);
    for (const auto& s : e.pcr_selection) {
        if (!has_bank(log, s.hash_alg)) {
            if (is_required(s.hash_alg)) out.failed.insert(s.hash_alg);
            if (is_required(s.hash_alg))
                out.problems.push_back("the event log has no " + bank_name(s.hash_alg) +
                                       " digests, but the policy requires that bank");
            continue;
        }
        auto values = e.pcr_values.find(s.hash_alg);
        if (values == e.pcr_values.end()) continue;  // quote.pcr_digest reports it
        eventlog::PcrValues expected;
        for (auto pcr : s.pcrs)
            if (wanted(pcr) && (!only_extended || extended.count(pcr)))
                if (auto v = values->second.find(pcr); v != values->second.end()) expected[s.hash_alg][pcr] = v->second;
        bool verified = true;
        for (auto pcr : extended) {
            if (expected[s.hash_alg].count(pcr)) continue;
            verified = false;
            out.unverified.push_back("the quote does not cover " + bank_name(s.hash_alg) + " PCR " +
                                     std::to_string(pcr) + ", which the event log extends");
        }
        for (const auto& [pcr, value] : expected[s.hash_alg]) {
            out.compared.insert(pcr);
            // An event without this bank's digest was skipped by the replay:
            // the bank's value then says nothing about that event.
            if (replay.incomplete.count({s.hash_alg, pcr})) {
                verified = false;
                out.failed.insert(s.hash_alg);
                out.problems.push_back("an event extending " + bank_name(s.hash_alg) + " PCR " + std::to_string(pcr) +
                                       " carries no " + bank_name(s.hash_alg) +
                                       " digest: that bank cannot be replayed");
            }
        }
        auto report = eventlog::compare_pcrs(log, replay, expected);
        for (const auto& p : report.pcrs)
            if (!p.ok()) {
                verified = false;
                out.failed.insert(s.hash_alg);
                out.problems.push_back(p.problem);
            }
        if (verified) out.verified.push_back(s.hash_alg);
    }
    // A required bank that is quoted must verify the log (policy.banks reports one not quoted).
    for (auto bank : required)
        if (quoted_bank(e, bank) && std::find(out.verified.begin(), out.verified.end(), bank) == out.verified.end() &&
            !out.failed.count(bank))
            out.problems.push_back("the policy requires " + bank_name(bank) +
                                   ", but the quote does not let that bank verify the event log");
    return out;
}

std::string join(const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : "; ") + p;
    return out;
}

}  // namespace

Check policy_banks(const Evidence& e, const Policy& policy) {
    std::vector<std::string> problems;
    std::vector<std::uint16_t> quoted;
    for (const auto& s : e.pcr_selection)
        if (!s.pcrs.empty()) quoted.push_back(s.hash_alg);
    for (auto bank : policy.required_banks) {
        const auto* s = quoted_bank(e, bank);
        if (!s || s->pcrs.empty()) {
            problems.push_back("the quote covers " + (quoted.empty() ? std::string("no bank") : join_banks(quoted)) +
                               " only; the policy requires " + bank_name(bank));
            continue;
        }
        if (!policy.require_drtm) continue;
        for (auto pcr : keel_drtm_pcrs)
            if (!quotes(*s, pcr))
                problems.push_back("the quote does not cover " + bank_name(bank) + " PCR " + std::to_string(pcr));
    }
    if (!problems.empty()) return fail(check::policy_banks, join(problems));
    return pass(check::policy_banks, "the quote covers the required banks (" + join_banks(policy.required_banks) + ")");
}

// PCR 17's quoted value in each bank that quotes it, in selection order.
std::vector<std::pair<std::uint16_t, const Bytes*>> quoted_pcr17(const Evidence& e) {
    std::vector<std::pair<std::uint16_t, const Bytes*>> out;
    for (const auto& s : e.pcr_selection) {
        if (!quotes(s, first_drtm_pcr)) continue;
        auto bank = e.pcr_values.find(s.hash_alg);
        if (bank == e.pcr_values.end()) continue;
        auto value = bank->second.find(first_drtm_pcr);
        if (value != bank->second.end()) out.emplace_back(s.hash_alg, &value->second);
    }
    return out;
}

bool all_bytes(const Bytes& v, std::uint8_t b) {
    return std::all_of(v.begin(), v.end(), [b](auto x) { return x == b; });
}

std::optional<std::string> pcr17_all_ones(const Evidence& e) {
    for (const auto& [bank, v] : quoted_pcr17(e))
        if (!v->empty() && all_bytes(*v, 0xff))
            return bank_name(bank) + " PCR 17 reads all ones, its value when no dynamic launch reset it";
    return std::nullopt;
}

Check drtm_launched(const Evidence& e, const Policy* policy) {
    if (!policy) {
        // Not part of the verdict without a policy, but what the values say
        // is said: a quote of PCR 17 = all ones shows a boot without DRTM.
        const std::string not_required = "not required without --policy (tpm2_checkquote mode)";
        if (auto none = pcr17_all_ones(e))
            return skipped(check::drtm_launched, not_required + "; " + *none + ": no dynamic launch took place");
        return skipped(check::drtm_launched, not_required);
    }
    if (!policy->require_drtm) return skipped(check::drtm_launched, "the policy does not require a dynamic launch");
    std::vector<std::uint16_t> launched;
    std::vector<std::string> problems;
    for (const auto& [bank, v] : quoted_pcr17(e)) {
        if (all_bytes(*v, 0xff))
            problems.push_back(bank_name(bank) + " PCR 17 reads " + short_hex(*v) +
                               ": no dynamic launch took place (a boot without DRTM is never trusted)");
        else if (all_bytes(*v, 0))
            problems.push_back(bank_name(bank) + " PCR 17 reads all zeros: a launch began but measured nothing");
        else
            launched.push_back(bank);
    }
    if (!problems.empty()) return fail(check::drtm_launched, join(problems));
    if (launched.empty()) return fail(check::drtm_launched, "the quote does not cover PCR 17");
    return pass(check::drtm_launched, "PCR 17 holds a dynamic launch's measurement (" + join_banks(launched) + ")");
}

Check eventlog_drtm(const Evidence& e, const Policy* policy, std::vector<std::uint16_t>& verified_banks) {
    const bool required = policy && policy->require_drtm;
    if (!e.drtm_log) {
        if (required) return fail(check::eventlog_drtm, "the evidence carries no DRTM event log");
        return skipped(check::eventlog_drtm, "no DRTM event log given");
    }
    const auto& log = *e.drtm_log;
    for (const auto& ev : log.events)
        if (ev.type != eventlog::ev_no_action && !is_drtm_pcr(ev.pcr))
            return fail(check::eventlog_drtm, "event " + std::to_string(ev.index) +
                                                  " of the DRTM event log extends PCR " + std::to_string(ev.pcr) +
                                                  ", which is not a DRTM PCR (17-22)");
    auto result =
        compare_with_quote(e, log, is_drtm_pcr, false, policy ? policy->required_banks : std::vector<std::uint16_t>{});
    if (!result.problems.empty()) return fail(check::eventlog_drtm, join(result.problems));
    if (result.verified.empty())
        return fail(check::eventlog_drtm,
                    "no quoted bank verifies the DRTM event log" +
                        (result.unverified.empty() ? std::string() : ": " + join(result.unverified)));
    verified_banks = result.verified;
    return pass(check::eventlog_drtm, "the DRTM event log (" + std::to_string(extending_events(log)) +
                                          " events) replays from zero to the quoted PCRs " +
                                          join_pcrs(result.compared) + " in " + join_banks(result.verified));
}

Check eventlog_boot(const Evidence& e) {
    if (!e.boot_log) return skipped(check::eventlog_boot, "no boot event log given (the platform has none)");
    auto srtm = [](std::uint32_t pcr) { return pcr <= last_srtm_pcr; };
    auto result = compare_with_quote(e, *e.boot_log, srtm, true, {});
    if (!result.problems.empty()) return fail(check::eventlog_boot, join(result.problems));
    if (result.compared.empty())
        return skipped(check::eventlog_boot, "the quote covers none of the PCRs the boot event log extends");
    return pass(check::eventlog_boot, "the boot event log (" + std::to_string(extending_events(*e.boot_log)) +
                                          " events) replays to the quoted PCRs " + join_pcrs(result.compared) +
                                          (result.verified.empty() ? "" : " in " + join_banks(result.verified)));
}

}  // namespace keel::verifier::checks
