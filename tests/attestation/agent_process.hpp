// keel-agent serve as a child process for tests: started on a free loopback
// port (--listen 127.0.0.1:0), its URL read from the line it prints, stopped
// (SIGTERM) when the object goes.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "child_process.hpp"

namespace keel::test {

class AgentProcess {
public:
    // `agent`: the keel-agent executable; `options` follow `serve` (e.g.
    // --tcti, --drtm-log); output goes to `dir`/agent.out and agent.err.
    // Throws std::runtime_error with the agent's stderr if it does not start.
    AgentProcess(const std::string& agent, const std::vector<std::string>& options, const std::filesystem::path& dir);
    const std::string& url() const { return url_; }

private:
    std::unique_ptr<platform::ChildProcess> process_;
    std::string url_;
};

}  // namespace keel::test
