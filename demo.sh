#!/usr/bin/env bash
# The main job on one machine with embedded defaults: start the server (silo + gRPC gateway, state in
# a SQLite file), replay the bundled sample events, print the findings, stop the server.
# Usage: ./demo.sh            (state goes to ./.demo/data and is reset on each run)
set -euo pipefail
cd "$(dirname "$0")"

# Free loopback ports, so the demo never talks to (or collides with) another server on this machine.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() { local p=$1; while port_in_use "$p"; do p=$((p + 1)); done; echo "$p"; }
port="$(free_port "${CERTEXPORTGRID_DEMO_PORT:-50051}")"
silo_port="$(free_port 21111)"
gateway_port="$(free_port $((silo_port + 1)))"
server="http://127.0.0.1:${port}"
work=".demo"
rm -rf "$work/data" && mkdir -p "$work"

echo "== building"
dotnet build CertExportGrid.sln -c Release -v quiet -nologo >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
node_dll="src/CertExportGrid.Node/bin/Release/net10.0/CertExportGrid.Node.dll"
cli_dll="src/CertExportGrid.Cli/bin/Release/net10.0/certexportgrid.dll"

echo "== starting the server on $server (log: $work/server.log)"
dotnet "$node_dll" --urls "$server" --data "$work/data" \
  --CertExportGrid:Cluster:SiloPort="$silo_port" --CertExportGrid:Cluster:GatewayPort="$gateway_port" >"$work/server.log" 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true' EXIT

if ! dotnet "$cli_dll" status --server "$server" --wait 90 || ! kill -0 "$server_pid" 2>/dev/null; then
  echo "the server did not become ready; its log:"; cat "$work/server.log"; exit 1
fi

echo "== replaying samples/*.xml"
dotnet "$cli_dll" replay --server "$server" samples/*.xml

echo "== findings"
dotnet "$cli_dll" findings --server "$server"
