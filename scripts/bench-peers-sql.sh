#!/usr/bin/env bash
# bench-peers-sql.sh: point reads with 16 connections on PostgreSQL and
# MariaDB/MySQL, statebench against established clients, measured back to
# back on the same server, printed as ratios (statebench / peer).
#
#   PostgreSQL: pgbench -S -M prepared -c 16 -j 2, and go-ycsb
#   MariaDB:    sysbench oltp_point_select --threads=16, and go-ycsb
#
# pgbench and sysbench read their own tables (rows of about 100 bytes; the
# query returns one small column); statebench reads a table of its own with
# the same row count and 100-byte values. go-ycsb reads the very table
# statebench loaded in YCSB's shape (layout=fields, 10 fields of 100 bytes,
# keys "user" + 12 digits in order) with YCSB's own query, and statebench
# reads it too. Host observers are off (--observe none): the peers observe
# nothing either.
#
# It installs nothing: peers that are missing are skipped. It talks to
# loopback servers only, and every step is bounded in time. It creates and
# drops its own tables (sbpeers, pgbench_*, sbtest1) in the test databases.
#
# Environment:
#   SB          statebench binary (default: built from this checkout into a temp dir)
#   GO_YCSB     go-ycsb binary (default: go-ycsb on PATH)
#   DURATION    seconds per measurement (default 10)
#   RECORDS     rows per table (default 100000)
#   SYSTEMS     which servers (default "postgres mysql")
#   PG_HOST PG_PORT PG_USER PG_DB            (127.0.0.1 5432 postgres test)
#   MY_HOST MY_PORT MY_USER MY_PASSWORD MY_DB (127.0.0.1 3306 root "" test)
set -euo pipefail

DURATION=${DURATION:-10}
RECORDS=${RECORDS:-100000}
SYSTEMS=${SYSTEMS:-"postgres mysql"}
CONNS=16
PG_HOST=${PG_HOST:-127.0.0.1} PG_PORT=${PG_PORT:-5432} PG_USER=${PG_USER:-postgres} PG_DB=${PG_DB:-test}
MY_HOST=${MY_HOST:-127.0.0.1} MY_PORT=${MY_PORT:-3306} MY_USER=${MY_USER:-root} MY_PASSWORD=${MY_PASSWORD:-} MY_DB=${MY_DB:-test}
TABLE=sbpeers       # YCSB's shape, shared with go-ycsb
SMALL=sbpeers_small # 100-byte values, against pgbench and sysbench

for h in "$PG_HOST" "$MY_HOST"; do
	case $h in 127.* | localhost | ::1) ;; *) echo "refusing non-loopback host $h" >&2; exit 2 ;; esac
done

tmp=$(mktemp -d)
cleanup_steps=()
cleanup() {
	for step in "${cleanup_steps[@]}"; do eval "$step" >/dev/null 2>&1 || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT

if [[ -z ${SB:-} ]]; then
	cd "$(dirname "$0")/.."
	go build -o "$tmp/statebench" ./cmd/statebench
	SB=$tmp/statebench
fi
GO_YCSB=${GO_YCSB:-$(command -v go-ycsb || true)}
bound=$((DURATION + 60)) # seconds any one measuring step may take

# The statebench workloads: pure point reads, uniform keys; YCSB's record
# shape, or one 100-byte value.
cat >"$tmp/read.yaml" <<EOF
name: sql-point-read
records: $RECORDS
operations: {read: 1.0}
keys: {distribution: uniform, prefix: user, size: 16}
values: {size: 1000, fields: 10}
load: {model: closed, concurrency: $CONNS}
EOF
sed -e 's/size: 1000, fields: 10/size: 100, fields: 1/' -e 's/sql-point-read/sql-point-read-small/' "$tmp/read.yaml" >"$tmp/small.yaml"

# ratio A B prints A/B with two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

# statebench_reads DRIVER TARGET WORKLOAD [FLAGS...] prints read throughput (ops/s).
statebench_reads() {
	local driver=$1 target=$2 wl=$3
	shift 3
	timeout "$bound" "$SB" run --driver "$driver" --target "$target" -w "$tmp/$wl.yaml" -c "$CONNS" \
		-d "${DURATION}s" --warmup 1s --no-store --observe none -o json "$@" >"$tmp/sb.json" 2>"$tmp/sb.err" ||
		{ tail -3 "$tmp/sb.err" >&2; return 1; }
	jq -r '.ops.read.throughput_ops_s' "$tmp/sb.json"
}

# ycsb_reads DB PROPS... prints go-ycsb's read throughput (ops/s) on $TABLE.
ycsb_reads() {
	local db=$1
	shift
	# go-ycsb v1.0.3 ignores maxexecutiontime; SIGINT ends the run and prints the summary.
	timeout -s INT "$DURATION" "$GO_YCSB" run "$db" "$@" -p table=$TABLE -p recordcount="$RECORDS" \
		-p operationcount=1000000000000 -p threadcount=$CONNS -p fieldcount=10 -p fieldlength=100 \
		-p readproportion=1 -p updateproportion=0 -p scanproportion=0 -p insertproportion=0 \
		-p requestdistribution=uniform -p insertorder=ordered -p zeropadding=12 -p readallfields=true \
		>"$tmp/ycsb.out" 2>&1 || true
	local ops
	ops=$(awk -F'OPS: ' '/^READ /{ split($2, a, ","); print a[1] }' "$tmp/ycsb.out" | tail -1)
	[[ -n $ops ]] || tail -5 "$tmp/ycsb.out" >&2
	echo "${ops:-0}"
}

report() { # SYSTEM PEER PEER_OPS SB_OPS
	printf '%-10s %-28s peer %10.0f reads/s  statebench %10.0f reads/s  ratio %s\n' "$1" "$2" "$3" "$4" "$(ratio "$4" "$3")"
}

# keep PEER_OPS SB_OPS remembers the faster peer and the statebench figure
# measured right after it.
best=0 best_sb=0
keep() {
	if awk -v a="$best" -v b="${1:-0}" 'BEGIN { exit !(b > a) }'; then best=$1 best_sb=$2; fi
}

bench_postgres() {
	local url="postgres://$PG_USER@$PG_HOST:$PG_PORT/$PG_DB?sslmode=disable"
	local sbt="$url&table=$TABLE&layout=fields" small="$url&table=$SMALL"
	cleanup_steps+=("psql -h $PG_HOST -p $PG_PORT -U $PG_USER $PG_DB -c 'DROP TABLE IF EXISTS $TABLE, $SMALL'")
	# Load and warm the tables, then measure the peers and statebench back to back.
	statebench_reads postgres "$sbt" read -d 2s >/dev/null
	statebench_reads postgres "$small" small -d 2s >/dev/null
	local sb
	best=0 best_sb=0
	if command -v pgbench >/dev/null; then
		cleanup_steps+=("pgbench -h $PG_HOST -p $PG_PORT -U $PG_USER -i -I d $PG_DB")
		timeout "$bound" pgbench -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -i -q -s $((RECORDS / 100000 > 0 ? RECORDS / 100000 : 1)) "$PG_DB" >/dev/null 2>&1
		local pgb
		pgb=$(timeout "$bound" pgbench -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -S -M prepared -c $CONNS -j 2 -T "$DURATION" "$PG_DB" 2>/dev/null |
			awk '/^tps = /{ print $3; exit }')
		sb=$(statebench_reads postgres "$small" small --skip-load)
		report postgres "pgbench -S -M prepared" "$pgb" "$sb"
		keep "$pgb" "$sb"
	else
		echo "postgres   pgbench not found: skipped"
	fi
	if [[ -n $GO_YCSB ]]; then
		local y
		y=$(ycsb_reads postgresql -p pg.host="$PG_HOST" -p pg.port="$PG_PORT" -p pg.user="$PG_USER" -p pg.db="$PG_DB" -p pg.sslmode=disable)
		sb=$(statebench_reads postgres "$sbt" read --skip-load)
		report postgres "go-ycsb (same table)" "${y:-0}" "$sb"
		keep "${y:-0}" "$sb"
	else
		echo "postgres   go-ycsb not found (set GO_YCSB): skipped"
	fi
	[[ $best != 0 ]] && report postgres "the faster peer" "$best" "$best_sb"
	return 0
}

bench_mysql() {
	local auth=$MY_USER
	[[ -n $MY_PASSWORD ]] && auth="$MY_USER:$MY_PASSWORD"
	local sbt="mysql://$auth@$MY_HOST:$MY_PORT/$MY_DB?table=$TABLE&layout=fields"
	local small="mysql://$auth@$MY_HOST:$MY_PORT/$MY_DB?table=$SMALL"
	cleanup_steps+=("mariadb -h $MY_HOST -P $MY_PORT -u $MY_USER ${MY_PASSWORD:+-p$MY_PASSWORD} $MY_DB -e 'DROP TABLE IF EXISTS $TABLE, $SMALL'")
	statebench_reads mysql "$sbt" read -d 2s >/dev/null
	statebench_reads mysql "$small" small -d 2s >/dev/null
	local sb
	best=0 best_sb=0
	if command -v sysbench >/dev/null; then
		local sys=(sysbench oltp_point_select --db-driver=mysql --mysql-host="$MY_HOST" --mysql-port="$MY_PORT"
			--mysql-user="$MY_USER" --mysql-password="$MY_PASSWORD" --mysql-db="$MY_DB" --tables=1 --table-size="$RECORDS")
		cleanup_steps+=("${sys[*]} cleanup")
		timeout "$bound" "${sys[@]}" cleanup >/dev/null 2>&1 || true
		timeout "$bound" "${sys[@]}" prepare >/dev/null
		local q
		q=$(timeout "$bound" "${sys[@]}" --threads=$CONNS --time="$DURATION" run |
			awk '/queries:/{ gsub(/[(]/, "", $3); print $3; exit }')
		sb=$(statebench_reads mysql "$small" small --skip-load)
		report mysql "sysbench oltp_point_select" "$q" "$sb"
		keep "$q" "$sb"
	else
		echo "mysql      sysbench not found: skipped"
	fi
	if [[ -n $GO_YCSB ]]; then
		local y
		y=$(ycsb_reads mysql -p mysql.host="$MY_HOST" -p mysql.port="$MY_PORT" -p mysql.user="$MY_USER" -p mysql.password="$MY_PASSWORD" -p mysql.db="$MY_DB")
		sb=$(statebench_reads mysql "$sbt" read --skip-load)
		report mysql "go-ycsb (same table)" "${y:-0}" "$sb"
		keep "${y:-0}" "$sb"
	else
		echo "mysql      go-ycsb not found (set GO_YCSB): skipped"
	fi
	[[ $best != 0 ]] && report mysql "the faster peer" "$best" "$best_sb"
	return 0
}

echo "point reads, $CONNS connections, ${DURATION}s each, $RECORDS rows; $(nproc) CPUs; ratio = statebench / peer"
for s in $SYSTEMS; do
	case $s in
	postgres) bench_postgres ;;
	mysql) bench_mysql ;;
	*) echo "unknown system $s" >&2; exit 2 ;;
	esac
done
