#!/usr/bin/env bash
# Development credentials for docker-compose: a CA and a gateway TLS certificate in deploy/certs/,
# and API keys for a collector and a reader written to .env (keys and their SHA-256). Never commit
# the output; production keys come from your secret store.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
certs="$root/deploy/certs"
mkdir -p "$certs"
cd "$certs"
openssl req -x509 -newkey rsa:3072 -nodes -days 365 -subj "/CN=CertExportGrid dev CA" \
  -keyout ca.key -out ca.crt 2>/dev/null
openssl req -newkey rsa:3072 -nodes -subj "/CN=gateway" -keyout gateway.key -out gateway.csr 2>/dev/null
printf 'subjectAltName=DNS:lb,DNS:gateway,DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >gateway.ext
openssl x509 -req -in gateway.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 -extfile gateway.ext -out gateway.crt 2>/dev/null
rm -f gateway.csr gateway.ext ca.srl
chmod 644 gateway.key   # read by the container's unprivileged user; keep the folder private

key() { echo "cxg_$(openssl rand -base64 32 | tr '+/' '-_' | tr -d '=')"; }
sha() { printf %s "$1" | sha256sum | cut -d' ' -f1; }
collector=$(key); reader=$(key)
cat >"$root/.env" <<ENV
CERTEXPORTGRID_COLLECTOR_KEY=$collector
CERTEXPORTGRID_COLLECTOR_KEY_SHA256=$(sha "$collector")
CERTEXPORTGRID_READER_KEY=$reader
CERTEXPORTGRID_READER_KEY_SHA256=$(sha "$reader")
ENV
echo "wrote $certs/{ca,gateway}.{crt,key} and $root/.env"
