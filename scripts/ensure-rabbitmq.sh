#!/usr/bin/env bash
# Make sure a RabbitMQ broker answers on 127.0.0.1:5672 (or AMQP_URI's host:port).
# Starts a stopped local rabbitmq-server; installs it with apt-get when missing and we are root;
# otherwise prints the exact command to run and exits non-zero.
set -euo pipefail

host=127.0.0.1
port=5672
if [[ -n "${AMQP_URI:-}" ]]; then
  hostport=$(python3 -c 'import sys,urllib.parse as u; p=u.urlparse(sys.argv[1]); print(f"{p.hostname or \"127.0.0.1\"} {p.port or 5672}")' "$AMQP_URI")
  host=${hostport% *}; port=${hostport#* }
fi

listening() { (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; }

if listening; then echo "broker: RabbitMQ answers on $host:$port"; exit 0; fi
if [[ "$host" != "127.0.0.1" && "$host" != "localhost" ]]; then
  echo "broker: nothing answers on $host:$port (AMQP_URI); start that broker first" >&2; exit 1
fi

if ! command -v rabbitmq-server >/dev/null 2>&1; then
  if [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null 2>&1; then
    echo "broker: installing rabbitmq-server with apt-get"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rabbitmq-server >/dev/null
  else
    echo "broker: RabbitMQ is not installed. Run:" >&2
    echo "    sudo apt-get install -y rabbitmq-server && sudo rabbitmq-server -detached" >&2
    exit 1
  fi
fi

# A node that was killed (a machine's session ending, say) can leave a half-started node behind, or
# recover its message store slowly after an unclean stop: ask the node first, start it only when none
# runs, wait long enough for recovery, try Debian's init script when the first way fails, and show why
# when nothing works.
if [[ "$(id -u)" != "0" ]]; then
  echo "broker: starting RabbitMQ needs root here. Run:  sudo rabbitmq-server -detached" >&2
  exit 1
fi
# Debian's wrapper switches to the rabbitmq user through su, which resets the open-files limit to 1,024:
# too few for the test suite's parallel connections and queues. Start it with the hard limit instead.
start_detached() {
  local server=/usr/lib/rabbitmq/bin/rabbitmq-server
  if [[ -x "$server" ]] && id rabbitmq >/dev/null 2>&1; then
    (cd /var/lib/rabbitmq && su rabbitmq -s /bin/sh -c "ulimit -n \$(ulimit -Hn) 2>/dev/null; $server -detached" >/dev/null 2>&1) || true
  else
    rabbitmq-server -detached >/dev/null 2>&1 || true
  fi
}
# start-stop-daemon keeps this shell's limits (no PAM session), so raise them here first.
start_with_init_script() {
  [[ -x /etc/init.d/rabbitmq-server ]] || return 0
  (ulimit -n "$(ulimit -Hn)" 2>/dev/null; timeout 240 /etc/init.d/rabbitmq-server start >/dev/null 2>&1) || true
}
node_answers() { timeout 20 rabbitmqctl -q ping >/dev/null 2>&1; }
wait_for_broker() {
  local seconds=$1
  for _ in $(seq 1 "$seconds"); do
    if listening; then echo "broker: RabbitMQ answers on $host:$port"; return 0; fi
    sleep 1
  done
  return 1
}
stop_leftover_node() {
  timeout 30 rabbitmqctl stop >/dev/null 2>&1 || pkill -u rabbitmq beam.smp || true
  sleep 3
}

if node_answers; then
  echo "broker: a RabbitMQ node runs but does not listen on $port; starting its application"
  timeout 60 rabbitmqctl start_app >/dev/null 2>&1 || true
  wait_for_broker 60 && exit 0
  stop_leftover_node
fi
echo "broker: starting the local rabbitmq-server"
start_detached
wait_for_broker 150 && exit 0
echo "broker: no answer after 150 s; stopping what is left and trying /etc/init.d/rabbitmq-server" >&2
stop_leftover_node
start_with_init_script
wait_for_broker 60 && exit 0
echo "broker: RabbitMQ did not start; the end of its logs:" >&2
tail -n 30 /var/log/rabbitmq/rabbit@*.log /var/log/rabbitmq/startup_err 2>/dev/null >&2 || true
df -h /var/lib/rabbitmq >&2 || true
exit 1
