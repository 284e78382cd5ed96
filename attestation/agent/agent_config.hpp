// keel-agent's configuration file (`serve --config FILE`, `push --config
// FILE`; TOML, /etc/keel/keel-agent.toml for the systemd units): the long
// options of those commands by table, so an operator writes settings once
// instead of on a command line:
//   [tpm]   tcti, ek, ak, transient
//   [logs]  drtm_log, boot_log, pcrs
//   [serve] listen
//   [push]  verifier, host_id, certificate, private_key, verifier_ca, retry_seconds
// An option given on the command line wins over the file. Unknown tables or
// keys and values of the wrong type are errors, never ignored.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace keel::agent {

struct ConfigError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// The command-line arguments the file at `path` stands for, for `command`
// ("serve" or "push"): "--option value" (or "--transient"), without the
// options in `given` (the names, "--listen", on the command line). Throws
// ConfigError naming the file and, where it is one, the key.
std::vector<std::string> config_arguments(const std::string& path, const std::string& command,
                                          const std::vector<std::string>& given);

}  // namespace keel::agent
