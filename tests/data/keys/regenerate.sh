#!/bin/sh
# Regenerates the key vectors in this folder from a fresh swtpm (see
# README.md). Needs swtpm, swtpm_setup (with its local CA set up) and
# tpm2-tools 5.4; run as a user that may use /var/lib/swtpm-localca.
set -eu
out=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
port=${KEEL_SWTPM_PORT:-23421}
trap 'kill "$swtpm_pid" 2>/dev/null || true; rm -rf "$work"' EXIT

swtpm_setup --tpm2 --tpmstate "$work" --createek --create-ek-cert --lock-nvram --pcr-banks sha256 \
    --overwrite >/dev/null
swtpm socket --tpm2 --tpmstate dir="$work" --server type=tcp,port="$port",bindaddr=127.0.0.1 \
    --ctrl type=tcp,port=$((port + 1)),bindaddr=127.0.0.1 --flags not-need-init,startup-clear &
swtpm_pid=$!
sleep 1
export TPM2TOOLS_TCTI="swtpm:host=127.0.0.1,port=$port"
cd "$work"
# Without a resource manager every tool leaves its transient objects loaded.
flush() { tpm2_flushcontext -t; tpm2_flushcontext -s; }

# EKs from the default templates (RSA-2048 / NIST P-256, AES-128-CFB, SHA-256).
for alg in rsa ecc; do
    tpm2_createek -c ek_$alg.ctx -G $alg -u "$out/ek_$alg.pub" >/dev/null; flush
    tpm2_readpublic -c ek_$alg.ctx -f pem -o "$out/ek_$alg.pem" -n "$out/ek_$alg.name" >/dev/null; flush
done
# The P-384 EK swtpm_setup made persistent, which its ECC certificate certifies.
tpm2_readpublic -c 0x81010016 -o "$out/ek_ecc384.pub" -n "$out/ek_ecc384.name" >/dev/null

# AKs under the RSA EK, one per signing scheme.
for ak in rsa:rsassa rsa:rsapss ecc:ecdsa; do
    alg=${ak%%:*} scheme=${ak#*:}
    tpm2_createak -C ek_rsa.ctx -c ak_$scheme.ctx -G $alg -g sha256 -s $scheme -u "$out/ak_$scheme.pub" \
        -n "$out/ak_$scheme.name" >/dev/null; flush
    tpm2_readpublic -c ak_$scheme.ctx -f pem -o "$out/ak_$scheme.pem" >/dev/null; flush
done

# A signing key that is not restricted, under an owner SRK.
tpm2_createprimary -C o -c srk.ctx >/dev/null; flush
tpm2_create -C srk.ctx -G rsa -a 'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign' \
    -u "$out/unrestricted_signer.pub" -r signer.priv >/dev/null; flush
tpm2_load -C srk.ctx -u "$out/unrestricted_signer.pub" -r signer.priv -c signer.ctx \
    -n "$out/unrestricted_signer.name" >/dev/null; flush

# EK certificates as swtpm_localca wrote them into NV, and the CA that signed them.
tpm2_nvread 0x01c00002 -o "$out/ek_rsa_cert.der"
tpm2_nvread 0x01c00016 -o "$out/ek_ecc384_cert.der"
cp /var/lib/swtpm-localca/swtpm-localca-rootca-cert.pem "$out/swtpm-localca-rootca-cert.pem"
cp /var/lib/swtpm-localca/issuercert.pem "$out/swtpm-localca-issuercert.pem"
echo "regenerated the vectors in $out"
