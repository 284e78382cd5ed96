#!/usr/bin/env bash
# Installs the Debian 12 packages Keel's build, demo and tests need, but only
# those missing; quiet when everything is there. Sourced by demo.sh and test.sh.
set -euo pipefail

KEEL_PACKAGES=(
  g++ make cmake pkg-config               # host build and the freestanding hypervisor; pkg-config finds tpm2-tss and cpp-httplib
  libgtest-dev libgmock-dev               # unit and integration tests (GoogleTest, its matchers)
  clang libclang-rt-14-dev                # libFuzzer targets
  clang-format                            # the style check (.clang-format)
  qemu-system-x86                         # QEMU with SVM + nested paging under TCG
  grub-pc-bin grub-efi-amd64-bin grub-common xorriso mtools xz-utils  # grub-mkrescue: BIOS + UEFI ISO
  ovmf                                    # UEFI firmware for the QEMU boot test
  libssl-dev nlohmann-json3-dev libcli11-dev  # host tools: OpenSSL 3 EVP, JSON, the keel CLI
  swtpm swtpm-tools tpm2-tools            # the platform emulator's TPM; tpm2_eventlog/quote/checkquote cross-checks
  libtss2-dev                             # the attestation agent: tpm2-tss ESAPI, TCTI loader, marshalling
  libsqlite3-dev libcpp-httplib-dev       # the verifier's host store; agent and verifier HTTP
  libtomlplusplus-dev                     # keel-verifierd's configuration file (TOML)
  libpq-dev postgresql-15                 # keel-verifierd's shared store for several instances; its tests run a server
  socat                                   # the agent's TCTI to keel-platform's tpm.sock (tcti-cmd)
  libbenchmark-dev                        # Google Benchmark: verification throughput
  dpkg-dev groff-base                     # the Debian package (cpack -G DEB: dpkg-shlibdeps) and its man pages' check
  python3                                 # the mutation harness (tools/mutate: stdlib only, tomllib)
  cpio                                    # Linux guests' initramfs (tools/guest/make-initramfs.sh)
  curl                                    # the demo asks the management VM's agent whether it answers
  chromium                                # the status page loaded in a headless browser (label browser)
  debootstrap                             # a fresh Debian 12 root for the installed package's test (package.fresh_debian_root)
)

keel_missing_packages() {
  local p
  for p in "${KEEL_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || echo "$p"
  done
}

keel_install_deps() {
  local missing
  missing=$(keel_missing_packages)
  [ -z "$missing" ] && return 0
  echo "keel: installing missing Debian packages:" $missing
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  # shellcheck disable=SC2086
  $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then keel_install_deps; fi
