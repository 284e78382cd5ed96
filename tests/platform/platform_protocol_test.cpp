// Host-only tests of keel-platform's protocol helpers: control-channel
// request and reply sizes, TPM marshalling, SLB checks, QEMU's command line.
#include <gtest/gtest.h>

#include <algorithm>

#include "ctrl_protocol.hpp"
#include "qemu_process.hpp"
#include "skinit_port.hpp"
#include "tpm_wire.hpp"

namespace keel::platform {
namespace {

std::vector<uint8_t> be32(uint32_t v) { return {uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)}; }

std::vector<uint8_t> cat(std::initializer_list<std::vector<uint8_t>> parts) {
    std::vector<uint8_t> out;
    for (auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

TEST(ControlProtocol, RequestSizesAreThoseQemuSends) {
    EXPECT_EQ(ctrl::request_size(be32(ctrl::SET_DATAFD)).length, 4u);
    EXPECT_EQ(ctrl::request_size(be32(ctrl::GET_CAPABILITY)).length, 4u);
    EXPECT_EQ(ctrl::request_size(be32(ctrl::SET_LOCALITY)).length, 8u);  // u8 padded to the 4-byte union
    EXPECT_EQ(ctrl::request_size(be32(ctrl::INIT)).length, 8u);
    EXPECT_EQ(ctrl::request_size(be32(ctrl::SET_BUFFERSIZE)).length, 8u);
    EXPECT_EQ(ctrl::request_size(be32(ctrl::GET_STATEBLOB)).length, 16u);
    EXPECT_EQ(ctrl::request_size(be32(ctrl::GET_INFO)).length, 20u);
}

TEST(ControlProtocol, CountedRequestsNeedTheirLengthField) {
    EXPECT_FALSE(ctrl::request_size(be32(ctrl::HASH_DATA)).length);
    EXPECT_EQ(ctrl::request_size(cat({be32(ctrl::HASH_DATA), be32(4096)})).length, 4u + 4 + 4096);
    auto blob_header = cat({be32(ctrl::SET_STATEBLOB), be32(0), be32(1), be32(100)});
    EXPECT_EQ(ctrl::request_size(blob_header).length, 4u + 12 + 100);
    EXPECT_FALSE(ctrl::request_size(std::vector<uint8_t>{0, 0}).length);
}

TEST(ControlProtocol, UnknownCommandsAreFlagged) { EXPECT_EQ(ctrl::request_size(be32(0x99)).known, ctrl::Known::no); }

TEST(ControlProtocol, ReplySizes) {
    EXPECT_EQ(ctrl::reply_size(ctrl::GET_CAPABILITY, {}), 8u);
    EXPECT_EQ(ctrl::reply_size(ctrl::SET_BUFFERSIZE, {}), 16u);
    EXPECT_EQ(ctrl::reply_size(ctrl::SET_LOCALITY, {}), 4u);
    EXPECT_FALSE(ctrl::reply_size(ctrl::GET_STATEBLOB, be32(0)));
    EXPECT_EQ(ctrl::reply_size(ctrl::GET_STATEBLOB, cat({be32(0), be32(0), be32(50), be32(50)})), 66u);
    EXPECT_EQ(ctrl::reply_size(ctrl::GET_STATEBLOB, cat({be32(9), be32(0), be32(50), be32(50)})), 16u);
    EXPECT_TRUE(ctrl::reply_may_be_short(ctrl::SET_BUFFERSIZE));
    EXPECT_FALSE(ctrl::reply_may_be_short(ctrl::GET_CAPABILITY));
}

TEST(TpmWire, PcrReadCommandIsMarshalled) {
    unsigned pcrs[] = {16, 17, 23};
    auto c = tpm::make_pcr_read(tpm::ALG_SHA1, pcrs);
    std::vector<uint8_t> want = {0x80, 0x01, 0, 0, 0, 20, 0, 0, 0x01, 0x7e, 0, 0, 0, 1, 0, 0x04, 3, 0, 0, 0x83};
    EXPECT_EQ(c, want);
    EXPECT_TRUE(tpm::check_local_command(c).empty());
}

TEST(TpmWire, PcrReadResponseIsParsed) {
    std::vector<uint8_t> r = {0x80, 0x01, 0, 0, 0, 0,    0, 0, 0, 0,  // header, size patched below
                              0,    0,    0, 7,  // update counter
                              0,    0,    0, 1, 0, 0x0b, 3, 0, 0, 0x06,  // selection: sha256, PCRs 17, 18
                              0,    0,    0, 2};
    for (uint8_t fill : {0x11, 0x22}) {
        r.insert(r.end(), {0, 32});
        r.insert(r.end(), 32, fill);
    }
    r[5] = uint8_t(r.size());
    auto values = tpm::parse_pcr_read(r);
    ASSERT_EQ(values.size(), 2u);
    EXPECT_EQ(values[17], std::vector<uint8_t>(32, 0x11));
    EXPECT_EQ(values[18], std::vector<uint8_t>(32, 0x22));
    r.pop_back();
    r[5] = uint8_t(r.size());
    EXPECT_THROW(tpm::parse_pcr_read(r), std::runtime_error);
}

TEST(TpmWire, AllocatedBanksAreThoseWithPcrs) {
    std::vector<uint8_t> r = {0x80, 0x01, 0, 0,    0,    0,   0, 0, 0, 0, 0,  // header, moreData
                              0,    0,    0, 5,    0,    0,   0, 2,  // TPM_CAP_PCRS, two banks
                              0,    0x04, 3, 0,    0,    0,  // sha1: none allocated
                              0,    0x0b, 3, 0xff, 0xff, 0xff};  // sha256: all 24
    r[5] = uint8_t(r.size());
    EXPECT_EQ(tpm::parse_pcr_banks(r), std::vector<uint16_t>{tpm::ALG_SHA256});
    r[9] = 0x01;  // an error code
    EXPECT_THROW(tpm::parse_pcr_banks(r), std::runtime_error);
}

TEST(TpmWire, LocalCommandsAreChecked) {
    EXPECT_FALSE(tpm::check_local_command(std::vector<uint8_t>{0, 0xc1, 0, 0, 0, 10, 0, 0, 0, 0}).empty());
    EXPECT_FALSE(tpm::check_local_command(std::vector<uint8_t>{0x80, 1, 0, 0, 0, 9, 0, 0, 0, 0}).empty());
    EXPECT_FALSE(tpm::check_local_command(std::vector<uint8_t>{0x80, 1, 0, 0, 0x10, 1, 0, 0, 0, 0}).empty());
    EXPECT_TRUE(tpm::check_local_command(std::vector<uint8_t>{0x80, 2, 0, 0, 0x10, 0, 0, 0, 0, 0}).empty());
}

TEST(Slb, HeaderLengthIsChecked) {
    std::vector<uint8_t> slb(65536, 0);
    EXPECT_FALSE(inspect_slb(slb).refused.empty());  // length 0
    slb[2] = 7;
    EXPECT_FALSE(inspect_slb(slb).refused.empty());
    slb[0] = 8;
    slb[2] = 0x00;
    slb[3] = 0x18;
    auto m = inspect_slb(slb);
    EXPECT_TRUE(m.refused.empty()) << m.refused;
    EXPECT_EQ(m.entry, 8);
    EXPECT_EQ(m.length, 6144);
}

TEST(Slb, AddressMustBeAlignedAndBelow4GiB) {
    EXPECT_TRUE(check_slb_address(0x200000).empty());
    EXPECT_TRUE(check_slb_address(0xffff0000).empty());
    EXPECT_FALSE(check_slb_address(0x201000).empty());
    EXPECT_FALSE(check_slb_address(0x100000000).empty());
}

TEST(QemuCommandLine, HasTheTpmThePlatformPortAndQmp) {
    QemuConfig c;
    c.iso = "/k.iso";
    c.state_dir = "/s";
    c.extra = {"-smp", "2"};
    auto argv = qemu_command_line(c);
    auto has = [&argv](const std::vector<std::string>& seq) {
        return std::search(argv.begin(), argv.end(), seq.begin(), seq.end()) != argv.end();
    };
    EXPECT_TRUE(has({"-chardev", "socket,id=chrtpm,path=/s/tpm.ctrl"}));
    // COM1 is the console, COM2 the platform port, in that order.
    EXPECT_TRUE(has({"-serial", "stdio"}));
    EXPECT_TRUE(has({"-chardev", "socket,id=keelplat,path=/s/platform.sock", "-serial", "chardev:keelplat"}));
    // An AMD platform with an IOMMU by default; --no-iommu leaves it out.
    EXPECT_TRUE(has({"-machine", "q35", "-device", "amd-iommu,intremap=on"}));
    EXPECT_TRUE(has({"-qmp", "unix:/s/qmp.sock,server=on,wait=off"}));
    EXPECT_TRUE(has({"-cdrom", "/k.iso", "-smp", "2"}));
    c.platform_port = false;
    c.iommu = false;
    c.serial = "/s/console";
    argv = qemu_command_line(c);
    EXPECT_FALSE(has({"-device", "amd-iommu,intremap=on"}));
    EXPECT_FALSE(has({"-serial", "chardev:keelplat"}));
    EXPECT_TRUE(has({"-serial", "file:/s/console"}));
}

}  // namespace
}  // namespace keel::platform
