#!/bin/sh
# Regenerates the quote vectors in this directory from a fresh swtpm with
# tpm2-tools 5.4. Not run by the tests (they use the checked-in files); run it
# by hand, then update README.md if anything changes.
#   sh make_vectors.sh [port]    (uses port and port+1 on 127.0.0.1)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
port=${1:-24561}
work=$(mktemp -d)
mkdir "$work/state"
swtpm socket --tpm2 --tpmstate dir="$work/state" \
    --server type=tcp,port="$port",bindaddr=127.0.0.1 \
    --ctrl type=tcp,port=$((port + 1)),bindaddr=127.0.0.1 \
    --flags not-need-init,startup-clear --daemon --pid file="$work/swtpm.pid"
trap 'kill "$(cat "$work/swtpm.pid")"; rm -rf "$work"' EXIT
sleep 1
export TPM2TOOLS_TCTI="swtpm:host=127.0.0.1,port=$port"
cd "$work"

# Distinct PCR values in every bank, so a digest over the wrong PCRs differs.
for i in 0 1 2 3 4 5 7 23; do
    echo "keel test pcr $i" >"ev$i"
    tpm2_pcrevent "$i" "ev$i" >/dev/null
done

tpm2_createek -c ek.ctx -G rsa -u ek.pub >/dev/null
all24=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23

# quote NAME NONCE PCR-LIST HASH KEY-TYPE SCHEME: a new AK, one quote with it,
# the nonce as a file, and what tpm2_checkquote makes of the quote.
quote() {
    name=$1 nonce=$2 pcrs=$3 g=$4 keytype=$5 scheme=$6
    tpm2_createak -C ek.ctx -c "$name.ctx" -G "$keytype" -g "$g" -s "$scheme" \
        -u "$here/$name.akpub.pem" -f pem -n "$name.ak.name" >/dev/null
    tpm2_flushcontext -t
    tpm2_quote -c "$name.ctx" --scheme "$scheme" -l "$pcrs" -q "$nonce" -g "$g" \
        -m "$here/$name.msg" -s "$here/$name.sig" -o "$here/$name.pcrs" >/dev/null
    tpm2_flushcontext -t
    printf '%s' "$nonce" | xxd -r -p >"$here/$name.nonce"
    if tpm2_checkquote -u "$here/$name.akpub.pem" -m "$here/$name.msg" -s "$here/$name.sig" \
        -f "$here/$name.pcrs" -g "$g" -q "$nonce" >/dev/null 2>&1; then
        echo "$name: tpm2_checkquote OK"
    else
        echo "$name: tpm2_checkquote FAILED"
    fi
}

quote rsassa 0011223344556677 sha256:0,1,2,3,4,5,6,7,17,18,19 sha256 rsa rsassa
quote rsapss a1b2c3d4e5f60718 sha1:0,1,2+sha256:$all24 sha256 rsa rsapss
quote ecdsa 5eed sha256:0,1,2,3,4,5,6,7+sha384:0,7,23 sha256 ecc ecdsa
quote ecdsa384 e0e1e2e3 sha384:0,1,2,3 sha384 ecc384 ecdsa
quote rsassa4banks 0badcafe sha1:$all24+sha256:$all24+sha384:$all24+sha512:$all24 sha256 rsa rsassa
