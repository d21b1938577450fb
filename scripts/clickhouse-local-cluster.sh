#!/usr/bin/env bash
# clickhouse-local-cluster.sh: starts or stops local ClickHouse servers by hand (never as system
# services) for Flywheel's parity tests and bench/scale.sh.
#
#   scripts/clickhouse-local-cluster.sh start DIR [NUM_SERVERS]   # 1 or 2, default 2
#   scripts/clickhouse-local-cluster.sh stop DIR
#   scripts/clickhouse-local-cluster.sh stop-one DIR N            # stop server N only (fault tests)
#   scripts/clickhouse-local-cluster.sh kill-one DIR N            # SIGKILL server N: a crash, which
#                                                                 # unlike stop-one does not let
#                                                                 # running queries finish
#
# Every server listens on 127.0.0.1 only, on non-default ports, keeps config, data and logs
# under DIR/nN/, and is stopped by the PID recorded in DIR/nN/pid (never by name).
# Ports (FW_CH_PORT_OFFSET, default 0, is added to each so a test and a benchmark can run side by
# side): server N (1-based) has HTTP 18122+N, TCP 18999+N, interserver 19008+N.
# Every server knows the clusters `flywheel_one` (server 1 alone) and `flywheel_two` (servers 1
# and 2, one shard each, no replicas). DIR/env holds the URLs for Flywheel's --backend:
#   FW_CH_URL_SINGLE  clickhouse://127.0.0.1:PORT1/DB                 (one server)
#   FW_CH_URL_CLUSTER clickhouse://127.0.0.1:PORT1/DB?cluster=flywheel_two&shards=...
# Prints nothing on success except the env file path; exits non-zero with a message otherwise.
set -euo pipefail

usage() { echo "usage: $0 start DIR [1|2] | stop DIR | stop-one DIR N | kill-one DIR N" >&2; exit 2; }
[ $# -ge 2 ] || usage
action=$1
dir=$2
offset=${FW_CH_PORT_OFFSET:-0}

http_port() { echo $((18122 + $1 + offset)); }
tcp_port() { echo $((18999 + $1 + offset)); }
interserver_port() { echo $((19008 + $1 + offset)); }

find_server() {
  for candidate in clickhouse-server /usr/sbin/clickhouse-server /usr/bin/clickhouse-server; do
    if command -v "$candidate" >/dev/null 2>&1; then command -v "$candidate"; return 0; fi
  done
  return 1
}

write_config() {  # N NUM_SERVERS
  local n=$1 num=$2 node="$dir/n$1"
  mkdir -p "$node/data" "$node/tmp" "$node/user_files" "$node/log" "$node/format_schemas"
  local two_shards=""
  if [ "$num" -ge 2 ]; then
    two_shards="<flywheel_two>
        <shard><replica><host>127.0.0.1</host><port>$(tcp_port 1)</port></replica></shard>
        <shard><replica><host>127.0.0.1</host><port>$(tcp_port 2)</port></replica></shard>
      </flywheel_two>"
  fi
  cat > "$node/users.xml" <<EOF
<yandex>
  <profiles>
    <default>
      <max_memory_usage>4000000000</max_memory_usage>
      <max_threads>2</max_threads>
    </default>
  </profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas>
    <default>
      <interval>
        <duration>3600</duration>
        <queries>0</queries><errors>0</errors><result_rows>0</result_rows>
        <read_rows>0</read_rows><execution_time>0</execution_time>
      </interval>
    </default>
  </quotas>
</yandex>
EOF
  cat > "$node/config.xml" <<EOF
<yandex>
  <logger>
    <level>warning</level>
    <log>$node/log/server.log</log>
    <errorlog>$node/log/error.log</errorlog>
    <size>10M</size>
    <count>2</count>
  </logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>$(http_port "$n")</http_port>
  <tcp_port>$(tcp_port "$n")</tcp_port>
  <interserver_http_port>$(interserver_port "$n")</interserver_http_port>
  <interserver_http_host>127.0.0.1</interserver_http_host>
  <path>$node/data/</path>
  <tmp_path>$node/tmp/</tmp_path>
  <user_files_path>$node/user_files/</user_files_path>
  <format_schema_path>$node/format_schemas/</format_schema_path>
  <users_config>$node/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>268435456</mark_cache_size>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <max_concurrent_queries>50</max_concurrent_queries>
  <remote_servers>
    <flywheel_one>
      <shard><replica><host>127.0.0.1</host><port>$(tcp_port 1)</port></replica></shard>
    </flywheel_one>
    $two_shards
  </remote_servers>
</yandex>
EOF
}

wait_ready() {  # N
  local port
  port=$(http_port "$1")
  for _ in $(seq 1 300); do
    if curl -fsS "http://127.0.0.1:$port/ping" >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$(cat "$dir/n$1/pid")" 2>/dev/null; then
      echo "clickhouse server $1 exited during start-up; see $dir/n$1/log/error.log and stdout.log" >&2
      return 1
    fi
    sleep 0.2
  done
  echo "clickhouse server $1 did not answer on port $port within 60 s" >&2
  return 1
}

stop_one() {  # N
  local pidfile="$dir/n$1/pid"
  [ -f "$pidfile" ] || return 0
  local pid
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$pidfile"
}

case "$action" in
  start)
    num=${3:-2}
    case "$num" in 1|2) ;; *) usage ;; esac
    server=$(find_server) || {
      echo "clickhouse-server is not installed (apt-get install clickhouse-server clickhouse-client)" >&2
      exit 3
    }
    mkdir -p "$dir"
    for n in $(seq 1 "$num"); do
      if curl -fsS "http://127.0.0.1:$(http_port "$n")/ping" >/dev/null 2>&1; then
        echo "port $(http_port "$n") is already in use; set FW_CH_PORT_OFFSET" >&2
        exit 1
      fi
      write_config "$n" "$num"
      # setsid: the server must not receive the caller's terminal signals; its PID is recorded.
      setsid "$server" --config-file="$dir/n$n/config.xml" \
        >"$dir/n$n/log/stdout.log" 2>&1 < /dev/null &
      echo $! > "$dir/n$n/pid"
    done
    for n in $(seq 1 "$num"); do
      wait_ready "$n" || { for m in $(seq 1 "$num"); do stop_one "$m"; done; exit 1; }
    done
    shards="127.0.0.1:$(http_port 1)"
    [ "$num" -ge 2 ] && shards="$shards,127.0.0.1:$(http_port 2)"
    cluster=flywheel_one
    [ "$num" -ge 2 ] && cluster=flywheel_two
    cat > "$dir/env" <<EOF
FW_CH_HTTP1=$(http_port 1)
FW_CH_HTTP2=$(http_port 2)
FW_CH_URL_SINGLE='clickhouse://127.0.0.1:$(http_port 1)/flywheel'
FW_CH_URL_CLUSTER='clickhouse://127.0.0.1:$(http_port 1)/flywheel_dist?cluster=$cluster&shards=$shards'
EOF
    echo "$dir/env"
    ;;
  stop)
    for node in "$dir"/n*; do
      [ -d "$node" ] || continue
      stop_one "${node##*/n}"
    done
    ;;
  stop-one)
    [ $# -ge 3 ] || usage
    stop_one "$3"
    ;;
  kill-one)
    [ $# -ge 3 ] || usage
    pidfile="$dir/n$3/pid"
    [ -f "$pidfile" ] || { echo "no server $3 in $dir" >&2; exit 1; }
    pid=$(cat "$pidfile")
    kill -9 "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    ;;
  *) usage ;;
esac
