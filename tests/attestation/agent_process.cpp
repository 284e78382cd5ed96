#include "agent_process.hpp"

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace keel::test {
namespace {

std::string read_text(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

AgentProcess::AgentProcess(const std::string& agent, const std::vector<std::string>& options,
                           const std::filesystem::path& dir) {
    std::vector<std::string> argv = {agent, "serve", "--listen", "127.0.0.1:0"};
    argv.insert(argv.end(), options.begin(), options.end());
    const auto out = dir / "agent.out", err = dir / "agent.err";
    process_ = std::make_unique<platform::ChildProcess>(platform::SpawnOptions{argv, out, err, true, false});
    const std::regex serving("serving on (http://127\\.0\\.0\\.1:[0-9]+)");
    for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
         std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(std::chrono::milliseconds(10))) {
        std::smatch m;
        const auto text = read_text(out);
        if (std::regex_search(text, m, serving)) {
            url_ = m[1];
            return;
        }
        if (process_->poll()) break;
    }
    throw std::runtime_error("keel-agent did not start: " + read_text(err));
}

}  // namespace keel::test
