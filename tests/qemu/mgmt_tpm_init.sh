#!/bin/busybox sh
# The management VM's /init for the TPM test: what its own kernel made of
# the TPM and the DRTM event log the host gave it, read with the standard
# tools; then keel-agent's identity and a quote (the DRTM log taken from
# where the kernel publishes it), base64 for the host to verify. Each line
# is marked for the test to find on the host's console. The nonce is fixed
# here: this VM has no network yet, so no verifier can hand it a fresh one.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t securityfs securityfs /sys/kernel/security
mkdir -p /tmp
export TPM2TOOLS_TCTI=device:/dev/tpmrm0
log=/sys/kernel/security/tpm0/binary_bios_measurements
echo "KEEL-MGMT tpm: $(cat /sys/class/tpm/tpm0/tpm_version_major 2>&1) $(ls /dev/tpm0 /dev/tpmrm0 2>&1 | tr '\n' ' ')"
echo "KEEL-MGMT log-sha256: $(sha256sum $log 2>&1 | cut -d' ' -f1)"
tpm2_pcrread sha256:17,18,19 2>&1 | sed 's/^/KEEL-MGMT pcrread: /'
tpm2_eventlog $log 2>&1 | sed 's/^/KEEL-MGMT eventlog: /'
keel-agent identity -o /tmp/identity.json 2>&1 | sed 's/^/KEEL-MGMT agent: /'
keel-agent quote --nonce 4b45454c2d6d616e6167656d656e742d766d2d6e6f6e6365 -o /tmp/evidence.json 2>&1 |
  sed 's/^/KEEL-MGMT agent: /'
base64 /tmp/identity.json | sed 's/^/KEEL-MGMT identity: /'
base64 /tmp/evidence.json | sed 's/^/KEEL-MGMT evidence: /'
echo "KEEL-MGMT done"
poweroff -f
