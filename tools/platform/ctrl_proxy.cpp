#include "ctrl_proxy.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "ctrl_protocol.hpp"
#include "log.hpp"
#include "tpm_wire.hpp"

namespace keel::platform {
namespace {

constexpr size_t MAX_FRAME = 1u << 20;  // a TPM command or response
constexpr size_t MAX_CONTROL_INPUT = 64u << 20;  // state blobs are the largest control requests
constexpr uint32_t TPM_BAD_PARAMETER = 0x03;
// swtpm answers some failures with a bare result although the successful
// reply is longer; if nothing more arrives within this time, that was all.
constexpr std::chrono::milliseconds SHORT_REPLY_WAIT{100};

}  // namespace

TpmProxy::TpmProxy(const std::filesystem::path& state_dir, const std::filesystem::path& swtpm_ctrl, bool verbose)
    : verbose_(verbose), ctrl_listener_(state_dir / "tpm.ctrl"), sock_listener_(state_dir / "tpm.sock") {
    wake_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!wake_) throw std::runtime_error("eventfd: " + std::string(strerror(errno)));
    // swtpm makes its socket's file before it listens on it.
    upstream_ = unix_connect_when_listening(swtpm_ctrl, std::chrono::seconds(10));
    auto [mine, swtpms] = unix_socket_pair();
    tool_data_ = std::move(mine);
    TpmChannel channel(upstream_.get(), tool_data_.get(), std::nullopt);
    auto reply = channel.control(ctrl::SET_DATAFD, {}, 4, swtpms.get());
    if (uint32_t result = ctrl::read_be32(reply, 0); result != 0)
        throw std::runtime_error("swtpm refused CMD_SET_DATAFD: result " + hex_number(result));
    swtpms.reset();  // swtpm holds its own copy now
    auto banks = tpm::parse_pcr_banks(channel.transact(tpm::make_get_pcr_banks()));
    channel.restore_locality();
    std::string names;
    for (uint16_t bank : banks) names += (names.empty() ? "" : ", ") + tpm::bank_name(bank);
    log("TPM proxy ready: QEMU's control channel at " + ctrl_listener_.path().string() +
        ", data channel interposed, PCR banks " + names + "; local TPM commands on " + sock_listener_.path().string());
}

TpmProxy::~TpmProxy() { stop(); }

void TpmProxy::start() {
    thread_ = std::thread([this] { loop(); });
}

void TpmProxy::stop() {
    stopping_ = true;
    uint64_t one = 1;
    (void)!::write(wake_.get(), &one, sizeof one);
    if (thread_.joinable()) thread_.join();
    loop_done_ = true;
    fail_jobs();
}

void TpmProxy::shutdown_swtpm() {
    run([this](TpmChannel& channel) {
        channel.control_ok(ctrl::SHUTDOWN);
        swtpm_gone_ = true;  // it closes its sockets now: expected, nothing to report
    });
}

void TpmProxy::post(Job job) {
    {
        std::lock_guard lock(mutex_);
        jobs_.push_back(std::move(job));
    }
    if (loop_done_) {  // nobody would run it
        fail_jobs();
        return;
    }
    uint64_t one = 1;
    (void)!::write(wake_.get(), &one, sizeof one);
}

bool TpmProxy::jobs_waiting() {
    std::lock_guard lock(mutex_);
    return !jobs_.empty();
}

void TpmProxy::fail_jobs() {
    std::deque<Job> left;
    {
        std::lock_guard lock(mutex_);
        left.swap(jobs_);
    }
    for (auto& job : left) job(nullptr);
}

void TpmProxy::loop() {
    while (!stopping_) {
        std::vector<pollfd> fds;
        std::vector<std::function<void()>> handlers;
        auto watch = [&](int fd, std::function<void()> handler) {
            fds.push_back({fd, POLLIN, 0});
            handlers.push_back(std::move(handler));
        };
        watch(wake_.get(), [this] {
            uint64_t count;
            (void)!::read(wake_.get(), &count, sizeof count);
        });
        watch(ctrl_listener_.fd(), [this] { accept_qemu(); });
        watch(sock_listener_.fd(), [this] { accept_client(); });
        if (qemu_ctrl_) watch(qemu_ctrl_.get(), [this] { on_qemu_control(); });
        if (qemu_data_) watch(qemu_data_.get(), [this] { on_qemu_data(); });
        if (!swtpm_gone_) {
            watch(upstream_.get(), [this] { on_upstream(); });
            watch(tool_data_.get(), [this] { on_tool_data(); });
        }
        for (auto& [id, client] : clients_)
            if (!client.busy) watch(client.fd.get(), [this, id = id] { on_client(id); });

        if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) {
            log("poll failed: " + std::string(strerror(errno)));
            break;
        }
        for (size_t i = 0; i < fds.size(); ++i)
            if (fds[i].revents) handlers[i]();
        dispatch();
        std::erase_if(clients_, [](const auto& entry) { return entry.second.closed && !entry.second.busy; });
    }
}

// Jobs first once QEMU has nothing outstanding, so they cannot starve;
// otherwise QEMU's next requests.
void TpmProxy::dispatch() {
    for (auto& [id, client] : clients_)
        if (!client.busy && !client.closed) consume_client_input(id);
    if (!control_pending_ && !data_pending_ && jobs_waiting()) run_jobs();
    if (jobs_waiting()) return;
    forward_qemu_control();
    forward_qemu_data();
}

void TpmProxy::run_jobs() {
    for (;;) {
        Job job;
        {
            std::lock_guard lock(mutex_);
            if (jobs_.empty()) return;
            job = std::move(jobs_.front());
            jobs_.pop_front();
        }
        if (swtpm_gone_) {
            job(nullptr);
            continue;
        }
        TpmChannel channel(upstream_.get(), tool_data_.get(), qemu_locality_);
        job(&channel);
        try {
            channel.restore_locality();
        } catch (const std::exception& e) { log("cannot give swtpm QEMU's locality back: " + std::string(e.what())); }
    }
}

// --- QEMU's control channel ---------------------------------------------

void TpmProxy::accept_qemu() {
    UniqueFd fd = ctrl_listener_.accept();
    if (!fd) return;
    if (qemu_ctrl_) {
        log("refused a second connection to the TPM control channel (QEMU is already connected)");
        return;
    }
    qemu_ctrl_ = std::move(fd);
    qemu_ctrl_in_.clear();
    qemu_ctrl_fds_.clear();
    log("QEMU connected to the TPM control channel");
}

void TpmProxy::on_qemu_control() {
    if (!qemu_ctrl_) return;  // closed by an earlier handler of this round
    uint8_t buffer[4096];
    std::vector<UniqueFd> fds;
    ssize_t n = receive_with_fds(qemu_ctrl_.get(), buffer, fds);
    if (n < 0) return;
    if (n == 0) {
        log("QEMU closed the TPM control channel");
        qemu_ctrl_.reset();
        qemu_ctrl_in_.clear();
        qemu_ctrl_fds_.clear();
        return;
    }
    qemu_ctrl_in_.insert(qemu_ctrl_in_.end(), buffer, buffer + n);
    for (auto& fd : fds) qemu_ctrl_fds_.push_back(std::move(fd));
    if (qemu_ctrl_in_.size() > MAX_CONTROL_INPUT) {
        log("QEMU sent an oversized control request; closing its control channel");
        qemu_ctrl_.reset();
        qemu_ctrl_in_.clear();
    }
}

void TpmProxy::answer_qemu(uint32_t result) {
    const uint8_t reply[4] = {uint8_t(result >> 24), uint8_t(result >> 16), uint8_t(result >> 8), uint8_t(result)};
    try {
        write_all(qemu_ctrl_.get(), reply);
    } catch (const std::exception& e) {
        log("cannot answer QEMU on the control channel: " + std::string(e.what()));
        qemu_ctrl_.reset();
    }
}

void TpmProxy::forward_qemu_control() {
    if (control_pending_ || !qemu_ctrl_ || qemu_ctrl_in_.size() < 4) return;
    uint32_t code = ctrl::read_be32(qemu_ctrl_in_, 0);
    auto size = ctrl::request_size(qemu_ctrl_in_);
    if (size.known == ctrl::Known::no) {
        log("QEMU sent unknown " + ctrl::name(code) + "; answered TPM_BAD_ORDINAL");
        qemu_ctrl_in_.clear();
        qemu_ctrl_fds_.clear();
        answer_qemu(ctrl::TPM_BAD_ORDINAL);
        return;
    }
    if (!size.length || qemu_ctrl_in_.size() < *size.length) return;
    std::vector<uint8_t> request(qemu_ctrl_in_.begin(), qemu_ctrl_in_.begin() + long(*size.length));
    qemu_ctrl_in_.erase(qemu_ctrl_in_.begin(), qemu_ctrl_in_.begin() + long(*size.length));
    UniqueFd passed;
    if (!qemu_ctrl_fds_.empty()) {
        passed = std::move(qemu_ctrl_fds_.front());
        qemu_ctrl_fds_.erase(qemu_ctrl_fds_.begin());
    }
    if (verbose_) log("QEMU -> swtpm: " + ctrl::name(code));

    if (code == ctrl::SET_DATAFD) {
        if (!passed) {
            log("QEMU sent CMD_SET_DATAFD without a file descriptor");
            answer_qemu(TPM_BAD_PARAMETER);
            return;
        }
        if (qemu_data_) close_qemu_data("QEMU sent a new data channel");
        qemu_data_ = std::move(passed);
        qemu_data_in_.clear();
        log("QEMU sent CMD_SET_DATAFD: its TPM data channel is relayed by the proxy");
        answer_qemu(0);
        return;
    }
    if (passed) log("ignored a file descriptor QEMU sent with " + ctrl::name(code));
    if (code == ctrl::SHUTDOWN) {
        // swtpm would end at once; the tool still needs it (PCR dump), and
        // shuts it down itself at the end.
        qemu_shutdown_ = true;
        log("QEMU sent CMD_SHUTDOWN: answered by the proxy, swtpm keeps running until the tool ends");
        answer_qemu(0);
        return;
    }
    if (swtpm_gone_) {
        answer_qemu(TPM_BAD_PARAMETER);
        return;
    }
    if (code == ctrl::INIT) log("QEMU sent CMD_INIT (TPM (re)started by the VM)");
    try {
        write_all(upstream_.get(), request);
    } catch (const std::exception& e) {
        swtpm_gone("cannot write to swtpm's control socket: " + std::string(e.what()));
        answer_qemu(TPM_BAD_PARAMETER);
        return;
    }
    control_pending_ = PendingControl{code, request.size() > 4 ? request[4] : uint8_t(0), {}};
}

void TpmProxy::on_upstream() {
    if (swtpm_gone_) return;
    uint8_t buffer[4096];
    ssize_t n = ::recv(upstream_.get(), buffer, sizeof buffer, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n <= 0) {
        swtpm_gone("swtpm closed its control connection");
        return;
    }
    if (!control_pending_) {
        log("discarded " + std::to_string(n) + " unexpected bytes from swtpm's control channel");
        return;
    }
    auto& pending = *control_pending_;
    pending.reply.insert(pending.reply.end(), buffer, buffer + n);
    auto want = ctrl::reply_size(pending.code, pending.reply);
    if (want && pending.reply.size() >= *want) {
        finish_control(*want);
    } else if (pending.reply.size() == 4 && ctrl::read_be32(pending.reply, 0) != 0 &&
               ctrl::reply_may_be_short(pending.code) && !wait_readable(upstream_.get(), SHORT_REPLY_WAIT)) {
        finish_control(4);
    }
}

void TpmProxy::finish_control(size_t length) {
    auto pending = std::move(*control_pending_);
    control_pending_.reset();
    if (pending.reply.size() > length) {
        log("discarded " + std::to_string(pending.reply.size() - length) + " extra bytes after swtpm's reply to " +
            ctrl::name(pending.code));
        pending.reply.resize(length);
    }
    uint32_t result = pending.code == ctrl::GET_CAPABILITY ? 0 : ctrl::read_be32(pending.reply, 0);
    if (pending.code == ctrl::SET_LOCALITY && result == 0) qemu_locality_ = pending.argument;
    if (result != 0) log("swtpm answered QEMU's " + ctrl::name(pending.code) + " with result " + hex_number(result));
    if (!qemu_ctrl_) return;
    try {
        write_all(qemu_ctrl_.get(), pending.reply);
    } catch (const std::exception& e) {
        log("cannot pass swtpm's reply on to QEMU: " + std::string(e.what()));
        qemu_ctrl_.reset();
    }
}

void TpmProxy::swtpm_gone(const std::string& why) {
    if (!swtpm_gone_) log(why + ": the TPM is gone");
    swtpm_gone_ = true;
    if (control_pending_) {
        control_pending_.reset();
        qemu_ctrl_.reset();  // QEMU's read fails instead of hanging
    }
    if (data_pending_) {
        data_pending_ = false;
        close_qemu_data("swtpm is gone");
    }
}

// --- the data channel ----------------------------------------------------

void TpmProxy::close_qemu_data(const char* why) {
    if (verbose_) log(std::string("closing QEMU's TPM data channel: ") + why);
    qemu_data_.reset();
    qemu_data_in_.clear();
    if (data_pending_) discard_data_reply_ = true;
}

void TpmProxy::on_qemu_data() {
    if (!qemu_data_) return;  // closed by an earlier handler of this round
    uint8_t buffer[4096];
    ssize_t n = ::recv(qemu_data_.get(), buffer, sizeof buffer, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n <= 0) {
        log("QEMU closed the TPM data channel");
        close_qemu_data("QEMU closed it");
        return;
    }
    qemu_data_in_.insert(qemu_data_in_.end(), buffer, buffer + n);
}

void TpmProxy::forward_qemu_data() {
    if (data_pending_ || !qemu_data_) return;
    auto size = tpm::frame_size(qemu_data_in_);
    if (!size) return;
    if (*size < tpm::HEADER_SIZE || *size > MAX_FRAME) {
        log("QEMU sent a TPM command with size field " + std::to_string(*size) + "; closing the data channel");
        close_qemu_data("malformed command");
        return;
    }
    if (qemu_data_in_.size() < *size) return;
    std::span<const uint8_t> command(qemu_data_in_.data(), *size);
    if (verbose_)
        log("QEMU -> TPM: command " + hex_number(tpm::response_code(command)) + ", " + std::to_string(*size) +
            " bytes");
    if (swtpm_gone_) {
        close_qemu_data("swtpm is gone");
        return;
    }
    try {
        write_all(tool_data_.get(), command);
    } catch (const std::exception& e) {
        swtpm_gone("cannot write to swtpm's data channel: " + std::string(e.what()));
        return;
    }
    qemu_data_in_.erase(qemu_data_in_.begin(), qemu_data_in_.begin() + long(*size));
    data_pending_ = true;
    discard_data_reply_ = false;
    data_reply_.clear();
}

void TpmProxy::on_tool_data() {
    if (swtpm_gone_) return;
    uint8_t buffer[4096];
    ssize_t n = ::recv(tool_data_.get(), buffer, sizeof buffer, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n <= 0) {
        swtpm_gone("swtpm closed its data channel");
        return;
    }
    if (!data_pending_) {
        log("discarded " + std::to_string(n) + " unexpected bytes from swtpm's data channel");
        return;
    }
    data_reply_.insert(data_reply_.end(), buffer, buffer + n);
    auto size = tpm::frame_size(data_reply_);
    if (!size) return;
    if (*size < tpm::HEADER_SIZE || *size > MAX_FRAME) {
        swtpm_gone("swtpm sent a TPM response with size field " + std::to_string(*size));
        return;
    }
    if (data_reply_.size() < *size) return;
    data_pending_ = false;
    if (data_reply_.size() > *size) log("discarded extra bytes after a TPM response");
    data_reply_.resize(*size);
    if (discard_data_reply_ || !qemu_data_) return;
    try {
        // QEMU's start-up probe reads the response with a single read(): one write.
        write_all(qemu_data_.get(), data_reply_);
    } catch (const std::exception& e) { close_qemu_data("write failed"); }
}

}  // namespace keel::platform
