#!/usr/bin/env bash
# Runs a Sonde cluster on loopback without Docker: 3 meta voters, S storage
# nodes, N scrapers (also the remote-write entry points), one query node and
# R rulers (none by default).
# The integration tests use it too.
#
#   cluster/launch.sh up    [options]      start every node, wait until ready
#   cluster/launch.sh down  [--dir DIR]    stop every node (SIGTERM)
#   cluster/launch.sh start [--dir DIR] NAME   start one node again (same flags)
#   cluster/launch.sh status [--dir DIR]   `sonde cluster status`
#
# Options of `up`:
#   --dir DIR            state: each node's data, log, pid and command (default .cluster)
#   --base-port P        ports: meta-i gRPC P+i, meta-i HTTP P+10+i, query P+20,
#                        ruler-r P+20+r, scraper-j P+30+j, storage-k gRPC P+40+k
#                        and HTTP P+50+k (default 19000)
#   --scrapers N         number of scrapers, at most 9 (default 2)
#   --storage N          number of storage nodes, at most 9 (default 3)
#   --replication-factor R  storage replicas of each series (default 3)
#   --scrape-config F    the scrapers' prometheus.yml (default: cluster/local/scraper.yml,
#                        which scrapes every node's /metrics)
#   --binary B           the sonde binary (default: the newest of target/release/sonde
#                        and target/<host>/release/sonde)
#   --dead-after D       how long meta waits for a heartbeat (default 10s)
#   --heartbeat D        heartbeat interval of every node (default 2s)
#   --rulers N           number of rulers, at most 9 (default 0)
#   --rule-config F      the rulers' prometheus.yml (rule_files, alerting); relative
#                        paths in it resolve in DIR, where it is copied
#   --ruler-flag F       one more flag for every ruler (repeatable)
#   --storage-flag F     one more flag for every storage node (repeatable), e.g.
#                        --storage-flag=--storage.tsdb.out-of-order-time-window=1h
#
# Files in DIR: NAME.cmd (the node's command line), NAME.pid, NAME.log,
# NAME/ (its data), ports (NAME PORT lines).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
command="${1:-}"
shift || true

dir=.cluster
base=19000
scrapers=2
storage=3
replication=3
scrape_config="$here/local/scraper.yml"
binary="$root/target/release/sonde"
# A static build (`--target <host>`, as .ci/run and deploy/build-image.sh make
# it) lands under target/<host>/; take it when it is the newer one.
for candidate in "$root"/target/*/release/sonde; do
  [ -x "$candidate" ] && { [ ! -x "$binary" ] || [ "$candidate" -nt "$binary" ]; } && binary="$candidate"
done
dead_after=10s
heartbeat=2s
name=""
storage_flags=()
rulers=0
rule_config=""
ruler_flags=()
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir="$2"; shift 2 ;;
    --base-port) base="$2"; shift 2 ;;
    --scrapers) scrapers="$2"; shift 2 ;;
    --storage) storage="$2"; shift 2 ;;
    --replication-factor) replication="$2"; shift 2 ;;
    --scrape-config) scrape_config="$2"; shift 2 ;;
    --binary) binary="$2"; shift 2 ;;
    --dead-after) dead_after="$2"; shift 2 ;;
    --heartbeat) heartbeat="$2"; shift 2 ;;
    --rulers) rulers="$2"; shift 2 ;;
    --rule-config) rule_config="$2"; shift 2 ;;
    --ruler-flag) ruler_flags+=("$2"); shift 2 ;;
    --ruler-flag=*) ruler_flags+=("${1#--ruler-flag=}"); shift ;;
    --storage-flag) storage_flags+=("$2"); shift 2 ;;
    --storage-flag=*) storage_flags+=("${1#--storage-flag=}"); shift ;;
    -*) echo "launch.sh: unknown option $1" >&2; exit 2 ;;
    *) name="$1"; shift ;;
  esac
done

meta_addresses() {
  echo "127.0.0.1:$((base + 1)),127.0.0.1:$((base + 2)),127.0.0.1:$((base + 3))"
}

# Writes NAME.cmd: the node's command line, one argument per line.
write_cmd() {
  local node="$1"; shift
  printf '%s\n' "$@" > "$dir/$node.cmd"
}

start_node() {
  local node="$1"
  [ -f "$dir/$node.cmd" ] || { echo "launch.sh: no node $node in $dir" >&2; exit 2; }
  mapfile -t args < "$dir/$node.cmd"
  # Scrapers and meta nodes read relative paths from DIR.
  (cd "$dir" && exec "${args[@]}" >> "$node.log" 2>&1) &
  echo $! > "$dir/$node.pid"
}

wait_http() {
  local url="$1" deadline=$((SECONDS + 60))
  until curl -sf -o /dev/null "$url"; do
    [ $SECONDS -lt $deadline ] || { echo "launch.sh: $url did not come up" >&2; exit 1; }
    sleep 0.1
  done
}

up() {
  [ -x "$binary" ] || { echo "launch.sh: no sonde binary at $binary (cargo build --release)" >&2; exit 2; }
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  : > "$dir/ports"
  # A copy, so that relative file_sd paths resolve in DIR.
  cp "$scrape_config" "$dir/scraper.yml"
  local members="1=127.0.0.1:$((base + 1)),2=127.0.0.1:$((base + 2)),3=127.0.0.1:$((base + 3))"
  for i in 1 2 3; do
    write_cmd "meta-$i" "$binary" meta --node.id "$i" \
      --grpc.listen-address "127.0.0.1:$((base + i))" --web.listen-address "127.0.0.1:$((base + 10 + i))" \
      --storage.path "meta-$i" --meta.initial-members "$members" \
      --cluster.dead-after "$dead_after" --cluster.heartbeat-interval "$heartbeat"
    echo "meta-$i $((base + 10 + i))" >> "$dir/ports"
  done
  for k in $(seq 1 "$storage"); do
    write_cmd "storage-$k" "$binary" storage --grpc.listen-address "127.0.0.1:$((base + 40 + k))" \
      --web.listen-address "127.0.0.1:$((base + 50 + k))" --storage.tsdb.path "storage-$k" \
      --meta.addresses "$(meta_addresses)" --cluster.heartbeat-interval "$heartbeat" ${storage_flags[@]+"${storage_flags[@]}"}
    echo "storage-$k $((base + 50 + k))" >> "$dir/ports"
  done
  write_cmd query "$binary" query --web.listen-address "127.0.0.1:$((base + 20))" \
    --meta.addresses "$(meta_addresses)" --cluster.heartbeat-interval "$heartbeat" \
    --distributor.replication-factor "$replication"
  echo "query $((base + 20))" >> "$dir/ports"
  if [ "$rulers" -gt 0 ]; then
    [ -n "$rule_config" ] || { echo "launch.sh: --rulers needs --rule-config" >&2; exit 2; }
    cp "$rule_config" "$dir/ruler.yml"
  fi
  for r in $(seq 1 "$rulers"); do
    write_cmd "ruler-$r" "$binary" ruler --web.listen-address "127.0.0.1:$((base + 20 + r))" \
      --config.file "$dir/ruler.yml" --meta.addresses "$(meta_addresses)" \
      --distributor.replication-factor "$replication" --cluster.heartbeat-interval "$heartbeat" \
      ${ruler_flags[@]+"${ruler_flags[@]}"}
    echo "ruler-$r $((base + 20 + r))" >> "$dir/ports"
  done
  for j in $(seq 1 "$scrapers"); do
    write_cmd "scraper-$j" "$binary" scraper --web.listen-address "127.0.0.1:$((base + 30 + j))" \
      --config.file "$dir/scraper.yml" --meta.addresses "$(meta_addresses)" \
      --distributor.replication-factor "$replication" \
      --cluster.heartbeat-interval "$heartbeat" --scrape.discovery-reload-interval 1s --web.enable-lifecycle
    echo "scraper-$j $((base + 30 + j))" >> "$dir/ports"
  done
  # Self-monitoring: the scrapers scrape every node's /metrics.
  {
    echo '[{"targets": ['
    awk '{printf "%s\"127.0.0.1:%s\"", (NR > 1 ? ", " : ""), $2}' "$dir/ports"
    echo '], "labels": {"cluster": "local"}}]'
  } > "$dir/nodes.json"
  for node in meta-1 meta-2 meta-3 $(seq -f 'storage-%g' 1 "$storage") query $(seq -f 'ruler-%g' 1 "$rulers") \
    $(seq -f 'scraper-%g' 1 "$scrapers"); do
    start_node "$node"
  done
  while read -r node port; do
    wait_http "http://127.0.0.1:$port/-/ready"
  done < "$dir/ports"
  echo "cluster up in $dir: query http://127.0.0.1:$((base + 20)), remote write http://127.0.0.1:$((base + 31))/api/v1/write, meta $(meta_addresses)"
}

down() {
  for pidfile in "$dir"/*.pid; do
    [ -f "$pidfile" ] || continue
    kill -TERM "$(cat "$pidfile")" 2>/dev/null || true
  done
  for pidfile in "$dir"/*.pid; do
    [ -f "$pidfile" ] || continue
    local pid; pid="$(cat "$pidfile")"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$pidfile"
  done
}

case "$command" in
  up) up ;;
  down) down ;;
  start) [ -n "$name" ] || { echo "launch.sh start NAME" >&2; exit 2; }; dir="$(cd "$dir" && pwd)"; start_node "$name" ;;
  status) "$binary" cluster status --meta.addresses "$(meta_addresses)" ;;
  *) sed -n '2,25p' "$0"; exit 2 ;;
esac
