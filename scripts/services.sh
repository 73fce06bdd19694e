#!/usr/bin/env bash
# Starts, when they are down, the services the tests talk to: PostgreSQL
# (127.0.0.1:5432), MariaDB (127.0.0.1:3306) and Redis (127.0.0.1:6379);
# and installs, when missing, the Debian packages some tests need
# (clang/llvm/libbpf-dev to check the eBPF objects, chromium to render the
# HTML report, setpriv to drop capabilities). Needs root for both; without
# root it only reports what is missing. Idempotent.
set -u

up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_up() {
	for _ in $(seq 1 60); do up "$1" && return 0; sleep 0.5; done
	echo "services: $2 did not come up on 127.0.0.1:$1" >&2
	return 1
}

root=0
[ "$(id -u)" = 0 ] && root=1

need=()
command -v clang >/dev/null || need+=(clang)
command -v llvm-strip >/dev/null || need+=(llvm)
[ -e /usr/include/bpf/bpf_helpers.h ] || need+=(libbpf-dev)
command -v chromium >/dev/null || need+=(chromium)
command -v setpriv >/dev/null || need+=(util-linux)
if [ ${#need[@]} -gt 0 ]; then
	if [ $root = 1 ] && command -v apt-get >/dev/null; then
		echo "services: installing ${need[*]}" >&2
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}") >/dev/null 2>&1 ||
			echo "services: could not install ${need[*]}" >&2
	else
		echo "services: missing ${need[*]} (install them as root)" >&2
	fi
fi

status=0
if ! up 5432; then
	echo "services: starting PostgreSQL" >&2
	pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
	wait_up 5432 PostgreSQL || status=1
fi
if ! up 3306; then
	echo "services: starting MariaDB" >&2
	start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || true
	wait_up 3306 MariaDB || status=1
fi
if ! up 6379; then
	echo "services: starting Redis" >&2
	mkdir -p /var/lib/redis /var/log/redis
	redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
		--dir /var/lib/redis --logfile /var/log/redis/ci.log || true
	wait_up 6379 Redis || status=1
fi
# The test databases.
psql -h 127.0.0.1 -U postgres -Atqc "select 1 from pg_database where datname='test'" 2>/dev/null | grep -q 1 ||
	psql -h 127.0.0.1 -U postgres -qc "create database test" >/dev/null 2>&1 || true
mysql -h127.0.0.1 -uroot -e "create database if not exists test" >/dev/null 2>&1 || true
exit $status
