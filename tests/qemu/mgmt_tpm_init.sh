#!/bin/busybox sh
# The management VM's /init for the TPM test: what its own kernel made of
# the TPM and the DRTM event log the host gave it, read with the standard
# tools, each line marked for the test to find on the host's console.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t securityfs securityfs /sys/kernel/security
export TPM2TOOLS_TCTI=device:/dev/tpmrm0
log=/sys/kernel/security/tpm0/binary_bios_measurements
echo "KEEL-MGMT tpm: $(cat /sys/class/tpm/tpm0/tpm_version_major 2>&1) $(ls /dev/tpm0 /dev/tpmrm0 2>&1 | tr '\n' ' ')"
echo "KEEL-MGMT log-sha256: $(sha256sum $log 2>&1 | cut -d' ' -f1)"
tpm2_pcrread sha256:17,18,19 2>&1 | sed 's/^/KEEL-MGMT pcrread: /'
tpm2_eventlog $log 2>&1 | sed 's/^/KEEL-MGMT eventlog: /'
echo "KEEL-MGMT done"
poweroff -f
