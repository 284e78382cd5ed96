// Which of its three ways in a `keel verify` command line asks for, and
// whether every option given takes part in it. An option that would be
// ignored, or that conflicts with the way chosen, is bad input (exit 2)
// naming it: `-m` beside `--db` used to win silently, so a quote signed by
// an AK of another TPM was appraised with that AK and came out "trusted".
#pragma once

#include <set>
#include <string>

namespace keel::cli {

enum class VerifyMode {
    enrolled,  // --db --host-id (--agent | --evidence -q): the enrolled AK, reference values and policy
    evidence_file,  // --evidence -q --ak-public --reference [--policy]
    checkquote,  // -m -s -u [-f [-l] [-F]] [-q] [-g] [-e] [--reference] [--policy]: tpm2_checkquote's files
};

// `given`: the labels (verify_usage.cpp) of the options on the command line.
// Throws InputError naming every option that does not apply, or what is missing.
VerifyMode verify_mode(const std::set<std::string>& given);

}  // namespace keel::cli
