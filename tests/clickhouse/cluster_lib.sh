# shellcheck shell=bash
# cluster_lib.sh: sourced by the ClickHouse tests. start_local_cluster SCRIPT DIR LOG starts two
# local servers with scripts/clickhouse-local-cluster.sh and sources their URLs from DIR/env.
#
# Another checkout's run of a ClickHouse test may hold the ports: then it tries the next
# offsets, 30 apart so that no server's HTTP, TCP or interserver port meets another's. The
# offset it settles on stays exported in FW_CH_PORT_OFFSET (tests derive spare ports from it).
# Exits the test with a message when the servers cannot be started.
start_local_cluster() {
  local script=$1 dir=$2 log=$3 started=0
  for _ in 1 2 3 4; do
    if "$script" start "$dir" 2 >"$log" 2>&1; then
      started=1
      break
    fi
    grep -q "already in use" "$log" || break
    "$script" stop "$dir" >/dev/null 2>&1 || true
    rm -rf "$dir"
    export FW_CH_PORT_OFFSET=$((FW_CH_PORT_OFFSET + 30))
  done
  if [ "$started" != 1 ]; then
    echo "FAIL: could not start the cluster: $(cat "$log")"
    exit 1
  fi
  # shellcheck disable=SC1091
  source "$dir/env"
}
