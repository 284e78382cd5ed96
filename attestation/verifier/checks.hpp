// The individual checks verify() runs, one function each (quote_checks.cpp,
// drtm_checks.cpp, component_checks.cpp). Each returns its Check; none throws
// on bad evidence, only on internal failure (OpenSSL).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "attestation/verifier/verifier.hpp"

namespace keel::verifier::checks {

Check ak_enrolled(const Evidence& e, const Expectations& x);
Check quote_format(const Evidence& e);
Check quote_signature(const Evidence& e, const Expectations& x);
Check quote_nonce(const Evidence& e, const Expectations& x);
Check quote_pcr_digest(const Evidence& e, const Expectations& x);
Check quote_clock(const Evidence& e, const Expectations& x);

Check policy_banks(const Evidence& e, const Policy& policy);
Check drtm_launched(const Evidence& e, const Policy* policy);
// Why a quoted PCR 17 shows no dynamic launch (all ones in some bank), if it does.
std::optional<std::string> pcr17_all_ones(const Evidence& e);
// `verified_banks`: the banks whose replay of the DRTM log matched the quote
// (only their digests are evidence for the component checks).
Check eventlog_drtm(const Evidence& e, const Policy* policy, std::vector<std::uint16_t>& verified_banks);
Check eventlog_boot(const Evidence& e);

// Fills `components` from the DRTM log (in_reference set when a reference
// component matches) and returns the check.
Check reference_components(const Evidence& e, const Expectations& x, const std::vector<std::uint16_t>& verified_banks,
                           std::vector<MeasuredComponent>& components);
Check reference_required(const Evidence& e, const Expectations& x, const std::vector<MeasuredComponent>& components);

// Helpers shared by the files above.
std::string bank_name(std::uint16_t bank);
std::string short_hex(std::span<const std::uint8_t> value);  // whole value; digests are what users compare
Check pass(const char* id, std::string message);
Check fail(const char* id, std::string message);
Check skipped(const char* id, std::string message);

}  // namespace keel::verifier::checks
