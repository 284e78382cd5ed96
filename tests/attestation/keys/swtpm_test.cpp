// End to end against swtpm: keys tpm2-tools creates in an emulated TPM,
// make_credential's output fed to the real TPM2_ActivateCredential, and the
// EK certificates swtpm_setup provisions, checked against swtpm's local CA.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <openssl/rand.h>

#include "attestation/evidence/ek_certificate.hpp"
#include "attestation/evidence/make_credential.hpp"
#include "attestation/evidence/public_key.hpp"

// ===========================================================================
// swtpm helper: one private swtpm per test process, on a port pair no other
// process holds. Self-contained so that it can be replaced by the shared
// swtpm fixture once that exists.
// ===========================================================================
namespace swtpm_helper {

namespace fs = std::filesystem;

// Runs argv with cwd `dir`, the given TCTI, and stdout+stderr appended to `log`.
inline int run_in(const std::string& dir, const std::string& tcti, const std::string& log,
                  const std::vector<std::string>& argv) {
    const pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        if (!tcti.empty()) setenv("TPM2TOOLS_TCTI", tcti.c_str(), 1);
        const int out = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (out < 0 || chdir(dir.c_str()) != 0) _exit(126);
        dup2(out, 1);
        dup2(out, 2);
        std::vector<char*> args;
        for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
        args.push_back(nullptr);
        execvp(args[0], args.data());
        _exit(127);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The inode of the socket listening on 127.0.0.1:port, or 0.
inline unsigned long listening_inode(int port) {
    std::ifstream tcp("/proc/net/tcp");
    std::string line;
    std::getline(tcp, line);
    char wanted[32];
    std::snprintf(wanted, sizeof wanted, "0100007F:%04X", port);
    while (std::getline(tcp, line)) {
        std::istringstream fields(line);
        std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout;
        unsigned long inode = 0;
        fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >> timeout >> inode;
        if (local == wanted && state == "0A") return inode;
    }
    return 0;
}

inline bool process_owns_socket(pid_t pid, unsigned long inode) {
    if (inode == 0) return false;
    const std::string wanted = "socket:[" + std::to_string(inode) + "]";
    std::error_code error;
    for (const auto& entry : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", error)) {
        std::error_code link_error;
        if (fs::read_symlink(entry.path(), link_error).string() == wanted) return true;
    }
    return false;
}

// A port P with P and P+1 free just now (tcti-swtpm puts the control
// channel on P+1). Another process may take them before swtpm binds; the
// caller checks that swtpm itself ended up listening, and retries if not.
inline int free_port_pair() {
    for (int attempt = 0; attempt < 50; ++attempt) {
        const int first = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        int port = 0;
        if (bind(first, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
            getsockname(first, reinterpret_cast<sockaddr*>(&address), &length) == 0)
            port = ntohs(address.sin_port);
        int second = -1;
        bool pair = false;
        if (port > 0 && port < 65535) {
            second = socket(AF_INET, SOCK_STREAM, 0);
            address.sin_port = htons(static_cast<std::uint16_t>(port + 1));
            pair = bind(second, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
        }
        close(first);
        if (second >= 0) close(second);
        if (pair) return port;
    }
    throw std::runtime_error("no free pair of TCP ports on 127.0.0.1");
}

class Swtpm {
public:
    Swtpm() {
        std::string pattern = ::testing::TempDir() + "keel-keys-swtpm-XXXXXX";
        if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
        dir_ = pattern;
        log_ = dir_ + "/log.txt";
        fs::create_directory(dir_ + "/state");
        if (run_in(dir_, "", log_,
                   {"swtpm_setup", "--tpm2", "--tpmstate", dir_ + "/state", "--createek", "--create-ek-cert",
                    "--lock-nvram", "--pcr-banks", "sha256", "--overwrite"}) != 0)
            throw std::runtime_error("swtpm_setup failed:\n" + log_tail());
        for (int attempt = 0; attempt < 10; ++attempt)
            if (start(free_port_pair())) return;
        throw std::runtime_error("swtpm did not start:\n" + log_tail());
    }

    ~Swtpm() {
        stop();
        std::error_code ignored;
        fs::remove_all(dir_, ignored);
    }

    Swtpm(const Swtpm&) = delete;
    Swtpm& operator=(const Swtpm&) = delete;

    const std::string& dir() const { return dir_; }
    int run(const std::vector<std::string>& argv) const { return run_in(dir_, tcti_, log_, argv); }

    std::string log() const {
        std::ifstream in(log_);
        return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    }
    std::string log_tail() const {
        const std::string all = log();
        return all.size() > 4000 ? all.substr(all.size() - 4000) : all;
    }

private:
    bool start(int port) {
        pid_ = fork();
        if (pid_ < 0) throw std::runtime_error("fork failed");
        if (pid_ == 0) {
            const int out = open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
            if (out >= 0) {
                dup2(out, 1);
                dup2(out, 2);
            }
            const std::string server = "type=tcp,port=" + std::to_string(port) + ",bindaddr=127.0.0.1";
            const std::string ctrl = "type=tcp,port=" + std::to_string(port + 1) + ",bindaddr=127.0.0.1";
            const std::string state = "dir=" + dir_ + "/state";
            execlp("swtpm", "swtpm", "socket", "--tpm2", "--tpmstate", state.c_str(), "--server", server.c_str(),
                   "--ctrl", ctrl.c_str(), "--flags", "not-need-init,startup-clear", static_cast<char*>(nullptr));
            _exit(127);
        }
        // Ready when this swtpm (not some other process that took the port)
        // listens on both ports; a swtpm that lost the race exits at once.
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (std::chrono::steady_clock::now() < deadline) {
            int status = 0;
            if (waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                return false;
            }
            if (process_owns_socket(pid_, listening_inode(port)) &&
                process_owns_socket(pid_, listening_inode(port + 1))) {
                tcti_ = "swtpm:host=127.0.0.1,port=" + std::to_string(port);
                return true;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        stop();
        return false;
    }

    void stop() {
        if (pid_ <= 0) return;
        kill(pid_, SIGTERM);
        for (int i = 0; i < 250; ++i) {
            if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
                pid_ = -1;
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
        pid_ = -1;
    }

    std::string dir_, log_, tcti_;
    pid_t pid_ = -1;
};

}  // namespace swtpm_helper

// ===========================================================================
// The tests
// ===========================================================================
namespace keel::evidence {
namespace {

constexpr std::uint32_t credential_magic = 0xbadcc0de;  // tpm2-tools' credential file
const std::string localca = KEEL_SWTPM_LOCALCA_DIR;

class SwtpmKeys : public ::testing::Test {
protected:
    static inline swtpm_helper::Swtpm* tpm = nullptr;

    static void TearDownTestSuite() {
        delete tpm;
        tpm = nullptr;
    }

    void SetUp() override {
        if (!tpm) tpm = new swtpm_helper::Swtpm();
    }

    // Without a resource manager every tool leaves its objects loaded, and
    // swtpm has room for only three. (Sessions stay: the policy session must
    // live from tpm2_startauthsession to tpm2_activatecredential.)
    void flush() const { tpm->run({"tpm2_flushcontext", "-t"}); }

    void tool(const std::vector<std::string>& argv) const {
        const int status = tpm->run(argv);
        flush();
        if (status != 0)
            throw std::runtime_error(argv[0] + " failed (" + std::to_string(status) + "):\n" + tpm->log_tail());
    }

    std::string path(const std::string& name) const { return tpm->dir() + "/" + name; }

    Bytes read(const std::string& name) const {
        std::ifstream in(path(name), std::ios::binary);
        if (!in) throw std::runtime_error("no file " + name);
        return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }

    void write(const std::string& name, const Bytes& bytes) const {
        std::ofstream out(path(name), std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    }

    TpmPublic create_ek(const std::string& alg) const {
        tool({"tpm2_createek", "-c", "ek_" + alg + ".ctx", "-G", alg, "-u", "ek_" + alg + ".pub"});
        return parse_public(read("ek_" + alg + ".pub"));
    }

    TpmPublic create_ak(const std::string& ek_ctx, const std::string& alg, const std::string& scheme) const {
        tool({"tpm2_createak", "-C", ek_ctx, "-c", "ak.ctx", "-G", alg, "-g", "sha256", "-s", scheme, "-u", "ak.pub",
              "-n", "ak.name"});
        return parse_public(read("ak.pub"));
    }

    // The file tpm2_makecredential writes and tpm2_activatecredential reads:
    // magic, version 1, TPM2B_ID_OBJECT, TPM2B_ENCRYPTED_SECRET (big-endian).
    void write_credential(const std::string& name, const Credential& credential) const {
        Bytes file = {0xba, 0xdc, 0xc0, 0xde, 0x00, 0x00, 0x00, 0x01};
        static_assert(credential_magic == 0xbadcc0de);
        file.insert(file.end(), credential.credential_blob.begin(), credential.credential_blob.end());
        file.insert(file.end(), credential.encrypted_secret.begin(), credential.encrypted_secret.end());
        write(name, file);
    }

    struct Activation {
        bool accepted;
        std::string output;  // what tpm2_activatecredential printed
    };

    // TPM2_ActivateCredential with the AK in ak.ctx; the EK authorized with
    // the EK policy (PolicySecret on the endorsement hierarchy) or, for EKs
    // with userWithAuth, its empty password.
    Activation activate(const std::string& ek, const std::string& credential, bool ek_policy) const {
        std::filesystem::remove(path("activated.bin"));
        std::vector<std::string> argv = {
            "tpm2_activatecredential", "-c", "ak.ctx", "-C", ek, "-i", credential, "-o", "activated.bin"};
        if (ek_policy) {
            tool({"tpm2_startauthsession", "--policy-session", "-S", "session.ctx"});
            tool({"tpm2_policysecret", "-S", "session.ctx", "-c", "e"});
            argv.insert(argv.end(), {"-P", "session:session.ctx"});
        }
        const std::size_t before = tpm->log().size();
        const int status = tpm->run(argv);
        const std::string output = tpm->log().substr(before);
        if (ek_policy) tpm->run({"tpm2_flushcontext", "session.ctx"});
        flush();
        return {status == 0, output};
    }

    static Bytes random_secret(std::size_t size) {
        Bytes secret(size);
        RAND_bytes(secret.data(), static_cast<int>(size));
        return secret;
    }
};

TEST_F(SwtpmKeys, RsaEkActivatesTheCredential) {
    const TpmPublic ek = create_ek("rsa");
    const TpmPublic ak = create_ak("ek_rsa.ctx", "rsa", "rsassa");
    EXPECT_EQ(ak.name, read("ak.name"));
    EXPECT_TRUE(attestation_key_problems(ak).empty());
    const Bytes secret = random_secret(32);
    write_credential("credential.bin", make_credential(ek, secret, ak.name));
    ASSERT_TRUE(activate("ek_rsa.ctx", "credential.bin", true).accepted) << tpm->log_tail();
    EXPECT_EQ(read("activated.bin"), secret);
}

TEST_F(SwtpmKeys, EccEkActivatesTheCredential) {
    const TpmPublic ek = create_ek("ecc");
    ASSERT_EQ(ek.curve, 0x0003);
    const TpmPublic ak = create_ak("ek_ecc.ctx", "ecc", "ecdsa");
    EXPECT_EQ(ak.name, read("ak.name"));
    const Bytes secret = random_secret(20);
    write_credential("credential.bin", make_credential(ek, secret, ak.name));
    ASSERT_TRUE(activate("ek_ecc.ctx", "credential.bin", true).accepted) << tpm->log_tail();
    EXPECT_EQ(read("activated.bin"), secret);
}

// swtpm_setup's own ECC EK: P-384, nameAlg SHA-384, AES-256, userWithAuth.
TEST_F(SwtpmKeys, P384Sha384EkActivatesTheCredential) {
    create_ek("rsa");
    const TpmPublic ak = create_ak("ek_rsa.ctx", "rsa", "rsapss");
    tool({"tpm2_readpublic", "-c", "0x81010016", "-o", "ek_p384.pub"});
    const TpmPublic ek = parse_public(read("ek_p384.pub"));
    ASSERT_EQ(ek.name_alg, 0x000c);
    ASSERT_EQ(ek.symmetric_bits, 256);
    const Bytes secret = random_secret(48);
    write_credential("credential.bin", make_credential(ek, secret, ak.name));
    ASSERT_TRUE(activate("0x81010016", "credential.bin", false).accepted) << tpm->log_tail();
    EXPECT_EQ(read("activated.bin"), secret);
}

TEST_F(SwtpmKeys, CredentialForAnotherNameIsNotActivated) {
    const TpmPublic ek = create_ek("rsa");
    const TpmPublic ak = create_ak("ek_rsa.ctx", "rsa", "rsassa");
    const Bytes secret = random_secret(32);
    Bytes other = ak.name;
    other.back() ^= 0x01;
    write_credential("other.bin", make_credential(ek, secret, other));
    const Activation refused = activate("ek_rsa.ctx", "other.bin", true);
    EXPECT_FALSE(refused.accepted);
    // The outer HMAC covers the name: TPM_RC_INTEGRITY, not some other failure.
    EXPECT_NE(refused.output.find("integrity check failed"), std::string::npos) << refused.output;
    // The same session of tools does activate a credential for the right name.
    write_credential("right.bin", make_credential(ek, secret, ak.name));
    ASSERT_TRUE(activate("ek_rsa.ctx", "right.bin", true).accepted) << tpm->log_tail();
    EXPECT_EQ(read("activated.bin"), secret);
}

// A credential wrapped to another storage key (the owner hierarchy's SRK)
// opens with that key and not with the EK. (libtpms answers the failed OAEP
// decryption with TPM_RC_FAILURE, where hardware TPMs say TPM_RC_VALUE.)
TEST_F(SwtpmKeys, CredentialForAnotherStorageKeyOpensOnlyWithThatKey) {
    create_ek("rsa");
    const TpmPublic ak = create_ak("ek_rsa.ctx", "rsa", "rsassa");
    tool({"tpm2_createprimary", "-C", "o", "-G", "rsa2048:aes128cfb", "-g", "sha256", "-c", "srk.ctx"});
    tool({"tpm2_readpublic", "-c", "srk.ctx", "-o", "srk.pub"});
    const TpmPublic srk = parse_public(read("srk.pub"));
    const Bytes secret = random_secret(32);
    write_credential("credential.bin", make_credential(srk, secret, ak.name));
    EXPECT_FALSE(activate("ek_rsa.ctx", "credential.bin", true).accepted);
    ASSERT_TRUE(activate("srk.ctx", "credential.bin", false).accepted) << tpm->log_tail();
    EXPECT_EQ(read("activated.bin"), secret);
}

TEST_F(SwtpmKeys, EkCertificatesVerifyAgainstTheLocalCa) {
    const std::vector<std::string> ca = {localca + "/swtpm-localca-rootca-cert.pem", localca + "/issuercert.pem"};
    const TpmPublic rsa_ek = create_ek("rsa");
    tool({"tpm2_nvread", "0x01c00002", "-o", "ek_rsa_cert.der"});
    const EkCertificateCheck rsa = check_ek_certificate(read("ek_rsa_cert.der"), rsa_ek, ca);
    EXPECT_EQ(rsa.problem, "");
    EXPECT_NE(rsa.issuer, "");

    tool({"tpm2_readpublic", "-c", "0x81010016", "-o", "ek_p384.pub"});
    const TpmPublic p384_ek = parse_public(read("ek_p384.pub"));
    tool({"tpm2_nvread", "0x01c00016", "-o", "ek_p384_cert.der"});
    EXPECT_EQ(check_ek_certificate(read("ek_p384_cert.der"), p384_ek, ca).problem, "");

    EXPECT_NE(check_ek_certificate(read("ek_p384_cert.der"), rsa_ek, ca).problem, "");
}

}  // namespace
}  // namespace keel::evidence
