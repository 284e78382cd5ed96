// The TPM proxy between QEMU and swtpm.
//
// swtpm serves one control client at a time and QEMU keeps its control
// connection for the life of the VM, so the tool sits in between: QEMU
// connects to DIR/tpm.ctrl, and the proxy forwards each control request on
// its own connection to swtpm (DIR/swtpm.ctrl). It also interposes the data
// channel: the proxy gives swtpm one end of its own socketpair with
// CMD_SET_DATAFD (once, at start-up), keeps the descriptor QEMU passes with
// its CMD_SET_DATAFD, and relays QEMU's TPM commands to swtpm and the
// responses back. Owning both channels lets the tool send its own control
// requests (the locality-4 hash sequence of an emulated SKINIT) and TPM
// commands (PCR reads, tpm.sock clients) between QEMU's requests, and keeps
// swtpm and its PCRs alive after QEMU has gone.
//
// Threads: one event-loop thread (poll) owns every socket and all relay
// state, so the relay needs no locks. Other threads hand it jobs (run());
// a job runs on that thread only when neither a QEMU control request nor a
// QEMU TPM command is outstanding, and QEMU's next requests wait in their
// sockets until it is done. The loop never waits for anything but swtpm.
// That is why QMP calls (which can take a while, and for which QEMU may
// need a TPM control reply first, e.g. a vCPU cancelling a command while
// holding QEMU's big lock) are made on another thread, never on this one.
#pragma once
#include <atomic>
#include <deque>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <vector>

#include "tpm_channel.hpp"
#include "unique_fd.hpp"
#include "unix_socket.hpp"

namespace keel::platform {

class TpmProxy {
public:
    // Connects to swtpm's control socket, hands swtpm the data channel, and
    // listens on `state_dir`/tpm.ctrl (QEMU) and `state_dir`/tpm.sock
    // (local clients: one raw TPM command in, the raw response out, at
    // locality 0).
    TpmProxy(const std::filesystem::path& state_dir, const std::filesystem::path& swtpm_ctrl, bool verbose);
    ~TpmProxy();
    TpmProxy(const TpmProxy&) = delete;
    TpmProxy& operator=(const TpmProxy&) = delete;

    void start();
    void stop();

    // Runs `job` on the proxy thread between QEMU's requests and returns its
    // result (or rethrows what it threw).
    template <class F> auto run(F job) -> std::invoke_result_t<F&, TpmChannel&>;

    // QEMU asked for CMD_SHUTDOWN; the proxy answered it without passing it on.
    bool qemu_sent_shutdown() const { return qemu_shutdown_; }
    // Sends swtpm CMD_SHUTDOWN (it saves its state and ends).
    void shutdown_swtpm();

private:
    // Called with the channel, or with nullptr if it cannot run (proxy
    // stopped, swtpm gone).
    using Job = std::function<void(TpmChannel*)>;
    struct PendingControl {
        uint32_t code;
        uint8_t argument;  // the locality of a CMD_SET_LOCALITY
        std::vector<uint8_t> reply;
    };
    struct LocalClient {
        UniqueFd fd;
        std::vector<uint8_t> input;
        bool busy = false;  // a command of it is queued or running
        bool closed = false;
    };

    void post(Job job);
    void loop();
    void dispatch();
    void run_jobs();
    bool jobs_waiting();
    void fail_jobs();

    void accept_qemu();
    void on_qemu_control();
    void forward_qemu_control();
    void answer_qemu(uint32_t result);
    void on_upstream();
    void finish_control(size_t length);
    void on_qemu_data();
    void forward_qemu_data();
    void on_tool_data();
    void close_qemu_data(const char* why);
    void swtpm_gone(const std::string& why);

    void accept_client();
    void on_client(int id);
    void consume_client_input(int id);

    bool verbose_;
    UnixListener ctrl_listener_, sock_listener_;
    UniqueFd upstream_, tool_data_, wake_;
    UniqueFd qemu_ctrl_, qemu_data_;
    std::vector<uint8_t> qemu_ctrl_in_, qemu_data_in_, data_reply_;
    std::vector<UniqueFd> qemu_ctrl_fds_;
    std::optional<PendingControl> control_pending_;
    bool data_pending_ = false, discard_data_reply_ = false, swtpm_gone_ = false;
    std::optional<uint8_t> qemu_locality_;
    std::map<int, LocalClient> clients_;
    int next_client_ = 0;

    std::mutex mutex_;
    std::deque<Job> jobs_;
    std::atomic<bool> stopping_{false}, loop_done_{false}, qemu_shutdown_{false};
    std::thread thread_;
};

template <class F> auto TpmProxy::run(F job) -> std::invoke_result_t<F&, TpmChannel&> {
    using Result = std::invoke_result_t<F&, TpmChannel&>;
    auto promise = std::make_shared<std::promise<Result>>();
    auto future = promise->get_future();
    post([promise, job = std::move(job)](TpmChannel* channel) mutable {
        try {
            if (!channel) throw std::runtime_error("the TPM proxy is not running (swtpm gone or tool stopping)");
            if constexpr (std::is_void_v<Result>) {
                job(*channel);
                promise->set_value();
            } else {
                promise->set_value(job(*channel));
            }
        } catch (...) { promise->set_exception(std::current_exception()); }
    });
    return future.get();
}

}  // namespace keel::platform
