#!/usr/bin/env bash
# A real CertExportGrid cluster on this machine's loopback: one redis-server, N silo processes and
# one (or more) gateway processes, each on free ports. The same topology as docker-compose.yml.
#
#   deploy/local-cluster.sh up N [GATEWAYS]   start; prints the gateway address(es), one per line
#   deploy/local-cluster.sh down              stop exactly the processes "up" started
#
# State (pids, logs, Redis data) lives in $CERTEXPORTGRID_CLUSTER_DIR (default .local-cluster/).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${CERTEXPORTGRID_CLUSTER_DIR:-$root/.local-cluster}"
config="${CERTEXPORTGRID_CLUSTER_CONFIGURATION:-Release}"
node_dll="$root/src/CertExportGrid.Node/bin/$config/net10.0/CertExportGrid.Node.dll"

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# Below the ephemeral range (32768+), where outgoing connections could take a port after the check.
next_port=$(( 20000 + RANDOM % 10000 ))
# Sets $port to a free port. Not "$(...)": a subshell would not remember the ports handed out.
free_port() {
  while port_in_use "$next_port"; do next_port=$((next_port + 1)); done
  port=$next_port; next_port=$((next_port + 1))
}

start() { # name, then the command; records the pid
  local name=$1; shift
  "$@" >"$dir/$name.log" 2>&1 &
  echo $! >"$dir/$name.pid"
}

wait_ready() { # url, name
  local cli="$root/src/CertExportGrid.Cli/bin/$config/net10.0/certexportgrid.dll"
  for _ in $(seq 1 90); do
    if ! kill -0 "$(cat "$dir/$2.pid")" 2>/dev/null; then
      echo "local-cluster: $2 exited; its log ($dir/$2.log):" >&2; tail -n 20 "$dir/$2.log" >&2; exit 1
    fi
    dotnet "$cli" status --server "$1" >/dev/null 2>&1 && return 0
    sleep 1
  done
  echo "local-cluster: $2 did not become ready; see $dir/$2.log" >&2
  exit 1
}

up() {
  local silos=${1:?usage: local-cluster.sh up N [GATEWAYS]} gateways=${2:-1}
  if [[ -e "$dir/redis.pid" ]]; then echo "local-cluster: already up (run down first)" >&2; exit 1; fi
  command -v redis-server >/dev/null || { echo "local-cluster: redis-server is not installed (apt-get install redis-server)" >&2; exit 1; }
  # A new cluster: forget the membership and state of a previous one.
  rm -rf "$dir/redis" && mkdir -p "$dir/redis"
  if [[ ! -f "$node_dll" || -z "${CERTEXPORTGRID_CLUSTER_NO_BUILD:-}" ]]; then
    { dotnet build "$root/src/CertExportGrid.Node" -c "$config" -v quiet -nologo &&
      dotnet build "$root/src/CertExportGrid.Cli" -c "$config" -v quiet -nologo; } >"$dir/build.log" 2>&1 || { cat "$dir/build.log" >&2; exit 1; }
  fi

  free_port; local redis_port=$port
  # Append-only file: a Redis restart keeps every acknowledged write.
  start redis redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$dir/redis" --appendonly yes --appendfsync everysec --save ""
  for _ in $(seq 1 50); do port_in_use "$redis_port" && break; sleep 0.1; done
  local redis="127.0.0.1:$redis_port"
  echo "$redis" >"$dir/redis.address"

  local common=(--CertExportGrid:Cluster:Provider=Redis --CertExportGrid:Storage=Redis
                --CertExportGrid:Cluster:RedisConnectionString="$redis"
                --CertExportGrid:Cluster:AdvertisedAddress=127.0.0.1)
  for i in $(seq 1 "$silos"); do
    free_port; local http=$port; free_port; local silo_port=$port; free_port; local gateway_port=$port
    start "silo$i" dotnet "$node_dll" --role Silo --urls "http://127.0.0.1:$http" "${common[@]}" \
      --CertExportGrid:Cluster:SiloPort="$silo_port" --CertExportGrid:Cluster:GatewayPort="$gateway_port"
    echo "http://127.0.0.1:$http" >"$dir/silo$i.address"
  done
  for i in $(seq 1 "$silos"); do wait_ready "$(cat "$dir/silo$i.address")" "silo$i"; done

  for i in $(seq 1 "$gateways"); do
    free_port; local http=$port
    start "gateway$i" dotnet "$node_dll" --role Gateway --urls "http://127.0.0.1:$http" "${common[@]}"
    echo "http://127.0.0.1:$http" >"$dir/gateway$i.address"
  done
  for i in $(seq 1 "$gateways"); do wait_ready "$(cat "$dir/gateway$i.address")" "gateway$i"; cat "$dir/gateway$i.address"; done
}

down() {
  shopt -s nullglob
  local pids=()
  for f in "$dir"/*.pid; do pids+=("$(cat "$f")"); done
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -f "$dir"/*.pid "$dir"/*.address
}

case "${1:-}" in
  up) shift; up "$@" ;;
  down) down ;;
  *) echo "usage: $0 up N [GATEWAYS] | down" >&2; exit 2 ;;
esac
