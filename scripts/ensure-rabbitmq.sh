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

echo "broker: starting the local rabbitmq-server"
if [[ "$(id -u)" == "0" ]]; then
  rabbitmq-server -detached >/dev/null 2>&1 || true
else
  echo "broker: starting RabbitMQ needs root here. Run:  sudo rabbitmq-server -detached" >&2
  exit 1
fi
for _ in $(seq 1 60); do
  if listening; then echo "broker: RabbitMQ answers on $host:$port"; exit 0; fi
  sleep 1
done
echo "broker: RabbitMQ did not start within 60 s; see /var/log/rabbitmq/" >&2
exit 1
