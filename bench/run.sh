#!/usr/bin/env bash
# bench/run.sh — what `make bench` runs. On one machine, in one run: seed a
# fresh database with generated articles (timing the import), then measure
# GET /errors/{code} with wrk against
#   A  errdex, cache on and warm
#   B  bench/minimal: net/http writing the same response from memory: the
#      body and errdex's header lines (BENCH_HEADERS=0 leaves it out), with
#      errdex's http.Server settings and body writes (internal/httpserver:
#      its timeouts, and WriteBody's one burst for a large body).
#      The issue's ceiling: what errdex adds to it is router, middleware,
#      logging, metrics and cache
#   B' bench/minimal -bare writing the body with only Content-Type, with
#      net/http's defaults, a header timeout and a plain Write: net/http as
#      its documentation shows it; B over B' is what errdex's headers,
#      timeouts and one-burst writes change
#   C  nginx serving the same bodies as static files
#   D  errdex with the cache off (the database-bound path)
#   E  errdex, cache on and warm, while an editor saves a change to one of
#      the hot cases every BENCH_EDIT_EVERY seconds through its API: what
#      a lookup costs while the cache is kept coherent
# alternating A B C D E A B C D E ..., print medians and ratios, then the Go
# benchmarks' figures. Everything listens on 127.0.0.1; every process it
# starts is stopped on exit and the database is dropped.
#
# Knobs (environment): BENCH_ARTICLES (10000), BENCH_HOT (how many codes
# the lua script picks among, 3000: the "few thousand codes" chatbots and
# portals ask for all day; ERRDEX_CACHE_BYTES' default 64 MiB holds them), BENCH_ROUNDS (5),
# BENCH_DURATION (8s), BENCH_CONNS (64), BENCH_THREADS (2),
# BENCH_PG (postgres://postgres@127.0.0.1:5432), BENCH_PORT (first port
# tried, 18181), BENCH_GO_BENCH (1; 0 skips the Go benchmarks),
# BENCH_GO_BUDGET (240: seconds for all of them), BENCH_GZIP (1 adds a
# fifth target: errdex cached, asked with Accept-Encoding: gzip),
# BENCH_EDIT_EVERY (1: seconds between E's edits; 0 leaves E out),
# BENCH_LOG_LEVEL (errdex's ERRDEX_LOG_LEVEL, info: the default, so every
# request writes its access-log line, as in production), BENCH_REV
# (measure that commit, e.g. HEAD, from a clean copy: `git archive`,
# instead of the work tree with whatever is being edited in it).
set -euo pipefail
cd "$(dirname "$0")/.."

N=${BENCH_ARTICLES:-10000}
HOT=${BENCH_HOT:-3000}
[ "$HOT" -le "$N" ] || HOT=$N
ROUNDS=${BENCH_ROUNDS:-5}
DURATION=${BENCH_DURATION:-8s}
CONNS=${BENCH_CONNS:-64}
THREADS=${BENCH_THREADS:-2}
PG=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
DB=errdex_bench
DSN="$PG/$DB?sslmode=disable"
GO=${GO:-go}

T0=$(date +%s)
WORK=$(mktemp -d /tmp/errdex-bench.XXXXXX)
chmod 755 "$WORK" # nginx's workers read the bodies as another user
PIDS=()
STATUS=1

log() { printf '[%4ss] %s\n' "$(($(date +%s) - T0))" "$*"; }
die() {
	log "FAILED: $*"
	exit 1
}
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

psql_admin() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 "$PG/postgres?sslmode=disable" "$@"; }

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	psql_admin -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || echo "warning: could not drop database $DB" >&2
	if [ "$rc" -ne 0 ] || [ "$STATUS" -ne 0 ]; then
		for f in "$WORK"/*.log "$WORK"/nginx/error.log; do
			[ -s "$f" ] || continue
			echo "--- last lines of $(basename "$f")" >&2
			tail -n 8 "$f" | cut -c1-300 >&2
		done
	fi
	rm -rf "$WORK"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

SOURCE="work tree at $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- 2>/dev/null || echo ' + uncommitted changes')"
if [ -n "${BENCH_REV:-}" ]; then
	SOURCE="commit $(git rev-parse --short "$BENCH_REV")"
	mkdir "$WORK/src"
	git archive "$BENCH_REV" | tar -x -C "$WORK/src"
	cd "$WORK/src"
fi

# port_free reports whether nothing listens on 127.0.0.1:$1.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
NEXT_PORT=${BENCH_PORT:-18181}
free_port() { # free_port VAR: VAR=the next free port from NEXT_PORT on
	while ! port_free "$NEXT_PORT"; do NEXT_PORT=$((NEXT_PORT + 1)); done
	printf -v "$1" '%s' "$NEXT_PORT"
	NEXT_PORT=$((NEXT_PORT + 1))
}

# wait_http URL PID: until URL answers 200, for at most 60 s.
wait_http() {
	for _ in $(seq 600); do
		kill -0 "$2" 2>/dev/null || die "process $2 exited while starting ($1)"
		if curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null; then return 0; fi
		sleep 0.1
	done
	die "$1 did not answer within 60 s"
}

need() { # need COMMAND PACKAGE
	if command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ]; then return; fi
	log "installing $2 (apt-get)"
	local sudo=
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo apt-get install -y -qq "$2" >/dev/null 2>&1 ||
		{ $sudo apt-get update -qq && $sudo apt-get install -y -qq "$2" >/dev/null; } ||
		die "cannot install $2"
}

rss() { # rss PID: VmRSS and VmHWM in MB
	awk '/^VmRSS/ {r=$2} /^VmHWM/ {h=$2} END {printf "%.1f MB (peak %.1f MB)", r/1024, h/1024}' "/proc/$1/status"
}

need wrk wrk
need nginx nginx
need curl curl
need psql postgresql-client
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

echo "== errdex benchmark $(date -u +%Y-%m-%dT%H:%M:%SZ), $SOURCE"
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) RAM, $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r)"
echo "tools: $($GO version | cut -d' ' -f3), $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2), $($NGINX -v 2>&1 | cut -d' ' -f3), $(psql_admin -tAc 'SHOW server_version' | cut -d' ' -f1 | sed 's/^/PostgreSQL /')"
echo "load average at start: $(loadavg)"

# 1. Build, create, migrate, seed.
log "building errdex and the bench programs"
$GO build -o "$WORK/errdex" ./cmd/errdex
$GO build -o "$WORK/gen" ./bench/gen
$GO build -o "$WORK/fetch" ./bench/fetch
$GO build -o "$WORK/minimal" ./bench/minimal
# The Go benchmarks run last; their test binaries are built now.
GOBENCH=${BENCH_GO_BENCH:-1}
GO_BUDGET=${BENCH_GO_BUDGET:-240}
GO_BENCHES=()
if [ "$GOBENCH" != 0 ]; then
	add_gobench() { # add_gobench PKG REGEXP: when PKG has a benchmark matching REGEXP
		local name=${2#^}
		grep -qs "^func ${name%\$}" "$1"/*_test.go || return 0
		local bin=$WORK/$(basename "$1").test
		$GO test -c -o "$bin" "./$1" || die "go test -c ./$1"
		GO_BENCHES+=("$1 $2 $bin")
	}
	add_gobench internal/importer '^BenchmarkImport10k$'
	add_gobench internal/store '^BenchmarkSearch'
	add_gobench api '^BenchmarkSearch'
fi

log "creating database $DB"
psql_admin -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null
DATABASE_URL=$DSN "$WORK/errdex" migrate up >"$WORK/migrate.log" 2>&1 || die "migrate up (see migrate.log)"

"$WORK/gen" -n "$N" -out "$WORK/articles" -codes "$WORK/codes.txt"
log "generated $N article files ($(du -sh "$WORK/articles" | cut -f1))"
t=$(date +%s%N)
DATABASE_URL=$DSN "$WORK/errdex" import "$WORK/articles" >"$WORK/import.log" 2>&1 || die "import (see import.log)"
t=$(($(date +%s%N) - t))
IMPORT_SUMMARY=$(tail -n 1 "$WORK/import.log")
IMPORT_RATE=$(awk -v n="$N" -v ns="$t" 'BEGIN {printf "%.0f", n / (ns / 1e9)}')
IMPORT_LINE="errdex import of $N articles: $(awk -v ns="$t" 'BEGIN {printf "%.2f", ns / 1e9}') s, $IMPORT_RATE articles/s ($IMPORT_SUMMARY)"
log "$IMPORT_LINE"
case $IMPORT_SUMMARY in "imported: $N created,"*) ;; *) die "expected $N articles created" ;; esac
psql -X -q "$DSN" -c 'VACUUM ANALYZE' >/dev/null 2>&1 || true

# 2. Start the four servers.
free_port P_CACHED
free_port P_UNCACHED
free_port P_MINIMAL
free_port P_NGINX
free_port P_MINHDR
free_port P_EDITS
EDIT_EVERY=${BENCH_EDIT_EVERY:-1}
serve() { # serve PORT CACHE_BYTES LOGNAME
	env DATABASE_URL="$DSN" ERRDEX_ADDR="127.0.0.1:$1" ERRDEX_CACHE_BYTES="$2" ERRDEX_RATE_LIMIT=0 \
		ERRDEX_MIGRATE=false ERRDEX_SEED=false ERRDEX_LOG_LEVEL="${BENCH_LOG_LEVEL:-info}" ERRDEX_LOG_FORMAT=json \
		"$WORK/errdex" serve >"$WORK/$3.log" 2>&1 &
	PIDS+=($!)
}
serve "$P_CACHED" "${ERRDEX_CACHE_BYTES:-67108864}" errdex-cached
PID_CACHED=$!
serve "$P_UNCACHED" 0 errdex-uncached
PID_UNCACHED=$!
wait_http "http://127.0.0.1:$P_CACHED/healthz" "$PID_CACHED"
wait_http "http://127.0.0.1:$P_UNCACHED/healthz" "$PID_UNCACHED"
if [ "$EDIT_EVERY" != 0 ]; then
	serve "$P_EDITS" "${ERRDEX_CACHE_BYTES:-67108864}" errdex-edits
	PID_EDITS=$!
	wait_http "http://127.0.0.1:$P_EDITS/healthz" "$PID_EDITS"
fi
log "errdex cached on :$P_CACHED (cache ${ERRDEX_CACHE_BYTES:-67108864} bytes), uncached on :$P_UNCACHED; log level ${BENCH_LOG_LEVEL:-info}"

# The bodies: every code once from the cached errdex (which warms it too),
# a sample checked against the uncached one.
"$WORK/fetch" -url "http://127.0.0.1:$P_CACHED" -codes "$WORK/codes.txt" -out "$WORK/bodies" \
	-compare "http://127.0.0.1:$P_UNCACHED" | while read -r line; do log "$line"; done
[ "$(find "$WORK/bodies" -name '*.json' | wc -l)" -eq "$N" ] || die "fetch did not write $N bodies"
chmod -R a+rX "$WORK/bodies"
shuf -n "$HOT" --random-source=<(yes) "$WORK/codes.txt" >"$WORK/hot.txt"

"$WORK/minimal" -bare -addr "127.0.0.1:$P_MINIMAL" -dir "$WORK/bodies" >"$WORK/minimal.log" 2>&1 &
PIDS+=($!)
PID_MINIMAL=$!
# errdex's headers on a cached answer, but those minimal sets itself.
first=$(head -n 1 "$WORK/hot.txt")
curl -fsS -o /dev/null -D - "http://127.0.0.1:$P_CACHED/errors/$first" | tr -d '\r' |
	grep -viE '^(HTTP/|date:|content-length:|content-type:|$)' >"$WORK/headers.txt"
if [ "${BENCH_HEADERS:-1}" != 0 ]; then
	"$WORK/minimal" -addr "127.0.0.1:$P_MINHDR" -dir "$WORK/bodies" -headers "$WORK/headers.txt" >"$WORK/minhdr.log" 2>&1 &
	PIDS+=($!)
	PID_MINHDR=$!
fi

mkdir -p "$WORK/nginx"
cat >"$WORK/nginx/nginx.conf" <<EOF
# generated by bench/run.sh
worker_processes auto;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    default_type application/json;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 120s;
    keepalive_requests 1000000;
    open_file_cache max=20000 inactive=60s;
    client_body_temp_path $WORK/nginx/client_body;
    proxy_temp_path $WORK/nginx/proxy;
    fastcgi_temp_path $WORK/nginx/fastcgi;
    uwsgi_temp_path $WORK/nginx/uwsgi;
    scgi_temp_path $WORK/nginx/scgi;
    server {
        listen 127.0.0.1:$P_NGINX;
        root $WORK/bodies;
        location ~ ^/errors/(?<code>[^/]+)\$ {
            try_files /\$code.json =404;
        }
    }
}
EOF
"$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' >"$WORK/nginx.log" 2>&1 &
PIDS+=($!)
PID_NGINX=$!
wait_http "http://127.0.0.1:$P_MINIMAL/errors/$first" "$PID_MINIMAL"
[ "${BENCH_HEADERS:-1}" = 0 ] || wait_http "http://127.0.0.1:$P_MINHDR/errors/$first" "$PID_MINHDR"
wait_http "http://127.0.0.1:$P_NGINX/errors/$first" "$PID_NGINX"
SAME=("$P_MINIMAL" "$P_NGINX")
[ "${BENCH_HEADERS:-1}" = 0 ] || SAME+=("$P_MINHDR")
for p in "${SAME[@]}"; do
	cmp -s <(curl -fsS "http://127.0.0.1:$p/errors/$first") "$WORK/bodies/$first.json" || die "port $p does not serve the fetched body"
done
log "minimal on :$P_MINIMAL, nginx on :$P_NGINX; $HOT codes in the request mix"
[ "${BENCH_HEADERS:-1}" = 0 ] || log "minimal + errdex's $(wc -l <"$WORK/headers.txt") headers on :$P_MINHDR: $(cut -d: -f1 "$WORK/headers.txt" | paste -sd, | sed 's/,/, /g')"
for p in "$P_CACHED" ${PID_EDITS:+"$P_EDITS"}; do
	"$WORK/fetch" -url "http://127.0.0.1:$p" -codes "$WORK/hot.txt" | while read -r line; do log "warm pass: $line"; done
done

# 3. Measure, alternating the targets.
NAMES=(cached)
[ "${BENCH_HEADERS:-1}" = 0 ] || NAMES+=(minhdr)
NAMES+=(minimal nginx uncached)
[ "$EDIT_EVERY" = 0 ] || NAMES+=(edits)
[ "${BENCH_GZIP:-0}" = 0 ] || NAMES+=(gzip)
declare -A URL=([cached]="http://127.0.0.1:$P_CACHED" [minimal]="http://127.0.0.1:$P_MINIMAL"
	[minhdr]="http://127.0.0.1:$P_MINHDR" [nginx]="http://127.0.0.1:$P_NGINX"
	[uncached]="http://127.0.0.1:$P_UNCACHED" [gzip]="http://127.0.0.1:$P_CACHED" [edits]="http://127.0.0.1:$P_EDITS")
declare -A LABEL=([cached]="errdex, cache warm" [minimal]="minimal, body only, bare" [minhdr]="minimal, same response"
	[nginx]="nginx static files" [uncached]="errdex, cache off" [gzip]="errdex, cache warm, gzip"
	[edits]="errdex, warm, $EDIT_EVERY s/edit")
RESULTS=$WORK/results.txt
: >"$RESULTS"
run_wrk() { # run_wrk DURATION TARGET -> RESULT line
	local enc=
	[ "$2" != gzip ] || enc=gzip
	wrk -t"$THREADS" -c"$CONNS" -d"$1" --timeout 5s -s bench/lookup.lua "${URL[$2]}" -- "$WORK/hot.txt" $enc | grep '^RESULT ' ||
		die "wrk against ${LABEL[$2]} gave no result"
}
# cpu_ticks TARGET: user+system CPU clock ticks its server processes have
# used (nginx: its workers). Per request, it is less bent by the machine's
# other load than requests/s, though PostgreSQL's share of a cache miss is
# not in it.
declare -A PID_OF=([cached]=$PID_CACHED [minimal]=$PID_MINIMAL [minhdr]=${PID_MINHDR:-} [uncached]=$PID_UNCACHED [edits]=${PID_EDITS:-}
	[gzip]=$PID_CACHED [nginx]="$(pgrep -P "$PID_NGINX" | paste -sd' ')")
cpu_ticks() {
	local pid sum=0
	for pid in ${PID_OF[$1]}; do sum=$((sum + $(awk '{print $14 + $15}' "/proc/$pid/stat"))); done
	echo "$sum"
}
TICK=$(getconf CLK_TCK)
metric() { curl -fsS "${2:-http://127.0.0.1:$P_CACHED}/metrics" | awk -v m="$1" '$1 == m {printf "%d", $2}'; } # metric NAME [URL]

# The editor of target E: an editor token, and the English cases of the
# first hot codes, whose titles it changes in turn.
EDITS=$WORK/edits.txt
: >"$EDITS"
if [ "$EDIT_EVERY" != 0 ]; then
	EDIT_TOKEN=$(DATABASE_URL=$DSN "$WORK/errdex" token create -name bench-editor 2>/dev/null) || die "errdex token create"
	mapfile -t EDIT_SLUGS < <(head -n 8 "$WORK/hot.txt" | psql -X -q -At "$DSN" -c "
		SELECT DISTINCT a.slug FROM articles a JOIN article_codes c ON c.article_id = a.id
		WHERE a.lang = 'en' AND c.code = ANY (string_to_array(lower('$(head -n 8 "$WORK/hot.txt" | paste -sd,)'), ','))")
	[ "${#EDIT_SLUGS[@]}" -gt 0 ] || die "no English case among the first hot codes to edit"
fi
editor() { # editor URL: saves a new title of one of EDIT_SLUGS every EDIT_EVERY s, until killed
	local n=0 slug tag
	while :; do
		for slug in "${EDIT_SLUGS[@]}"; do
			n=$((n + 1))
			if tag=$(curl -fsS -o /dev/null -D - "$1/cases/$slug/en" | tr -d '\r' | awk -F': ' 'tolower($1) == "etag" {print $2}') &&
				curl -fsS -o /dev/null -X PATCH -H "Authorization: Bearer $EDIT_TOKEN" -H "If-Match: $tag" \
					-H 'Content-Type: application/merge-patch+json' -d "{\"title\": \"Edited by the bench, $n\"}" \
					"$1/cases/$slug/en"; then
				echo "$slug" >>"$EDITS"
			fi
			sleep "$EDIT_EVERY"
		done
	done
}

if [ "${BENCH_GZIP:-0}" != 0 ]; then
	curl -fsS -o /dev/null -D - -H 'Accept-Encoding: gzip' "${URL[gzip]}/errors/$first" | grep -qi '^content-encoding: *gzip' ||
		log "note: errdex does not answer gzip for /errors/$first"
fi
log "warm-up: 3 s against each target"
for t in "${NAMES[@]}"; do run_wrk 3s "$t" >/dev/null; done
HITS0=$(metric errdex_cache_hits_total)
MISSES0=$(metric errdex_cache_misses_total)
EDIT_HITS=0
EDIT_MISSES=0
LOAD_BEFORE=$(loadavg)
log "load average before the runs: $LOAD_BEFORE"
for r in $(seq "$ROUNDS"); do
	for t in "${NAMES[@]}"; do
		c0=$(cpu_ticks "$t")
		if [ "$t" = edits ]; then
			h0=$(metric errdex_cache_hits_total "${URL[edits]}")
			m0=$(metric errdex_cache_misses_total "${URL[edits]}")
			editor "${URL[edits]}" &
			EDITOR=$!
		fi
		line=$(run_wrk "$DURATION" "$t")
		c1=$(cpu_ticks "$t")
		if [ "$t" = edits ]; then
			kill "$EDITOR"
			wait "$EDITOR" 2>/dev/null || true
			EDIT_HITS=$((EDIT_HITS + $(metric errdex_cache_hits_total "${URL[edits]}") - h0))
			EDIT_MISSES=$((EDIT_MISSES + $(metric errdex_cache_misses_total "${URL[edits]}") - m0))
		fi
		read -r _ rps p50 p99 n non2xx errs <<<"$line"
		cpu=$(awk -v t="$((c1 - c0))" -v hz="$TICK" -v n="$n" 'BEGIN {printf "%.1f", t / hz * 1e6 / n}')
		echo "$t $r $rps $p50 $p99 $n $non2xx $errs $cpu" >>"$RESULTS"
		log "round $r: $(printf '%-24s %9.0f req/s  p50 %7.2f ms  p99 %7.2f ms  %6.1f us CPU/req  (%d requests, %d non-2xx, %d socket errors)' "${LABEL[$t]}" "$rps" "$p50" "$p99" "$cpu" "$n" "$non2xx" "$errs")"
		[ "$non2xx" -eq 0 ] && [ "$errs" -eq 0 ] || die "$t answered errors"
	done
done
LOAD_AFTER=$(loadavg)
HITS=$(($(metric errdex_cache_hits_total) - HITS0))
MISSES=$(($(metric errdex_cache_misses_total) - MISSES0))
EVICTIONS=$(metric errdex_cache_evictions_total)
RSS_CACHED=$(rss "$PID_CACHED")
RSS_UNCACHED=$(rss "$PID_UNCACHED")
RSS_MINIMAL=$(rss "$PID_MINIMAL")

# 4. The table.
median_of() { # median_of [FORMAT]: the median of the numbers on standard input, one per line
	sort -g | awk -v f="${1:-%.3f}" '{v[NR] = $1} END {if (NR % 2) printf f, v[(NR + 1) / 2]; else printf f, (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}
median() { awk -v t="$1" -v c="$2" '$1 == t {print $c}' "$RESULTS" | median_of; } # median TARGET COLUMN
declare -A RPS P50 P99 CPU
for t in "${NAMES[@]}"; do
	RPS[$t]=$(median "$t" 3)
	P50[$t]=$(median "$t" 4)
	P99[$t]=$(median "$t" 5)
	CPU[$t]=$(median "$t" 9)
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
runs() { awk -v t="$1" '$1 == t {printf "%s%.0f", sep, $3; sep = " / "}' "$RESULTS"; }
ratio_row() { # ratio_row LABEL A B
	echo "| $1 | $(ratio "${RPS[$2]}" "${RPS[$3]}") | $(ratio "${P50[$2]}" "${P50[$3]}") | $(ratio "${P99[$2]}" "${P99[$3]}") | $(ratio "${CPU[$2]}" "${CPU[$3]}") |"
}

echo
echo "== GET /errors/{code}: wrk -t$THREADS -c$CONNS, $ROUNDS rounds × $DURATION per target, alternating; $HOT codes at random, $N articles"
echo
echo "| target | req/s (median) | p50 ms | p99 ms | server CPU µs/req | req/s per round |"
echo "|---|---:|---:|---:|---:|---|"
for t in "${NAMES[@]}"; do
	printf '| %s | %.0f | %.2f | %.2f | %.1f | %s |\n' "${LABEL[$t]}" "${RPS[$t]}" "${P50[$t]}" "${P99[$t]}" "${CPU[$t]}" "$(runs "$t")"
done
echo
echo "| ratio | req/s | p50 | p99 | CPU/req |"
echo "|---|---:|---:|---:|---:|"
if [ -n "${RPS[minhdr]:-}" ]; then
	ratio_row "errdex (cached) / minimal, same response" cached minhdr
fi
ratio_row "errdex (cached) / minimal, body only, bare" cached minimal
[ -z "${RPS[minhdr]:-}" ] || ratio_row "minimal, same response / body only, bare" minhdr minimal
ratio_row "errdex (cached) / nginx" cached nginx
ratio_row "minimal, body only, bare / nginx" minimal nginx
ratio_row "errdex cached / uncached" cached uncached
[ -z "${RPS[edits]:-}" ] || ratio_row "errdex, warm, $EDIT_EVERY s/edit / errdex, cache warm" edits cached
[ -z "${RPS[gzip]:-}" ] || ratio_row "errdex cached, gzip / nginx (identity)" gzip nginx
CEIL=minhdr
[ -n "${RPS[minhdr]:-}" ] || CEIL=minimal
echo
# The goal is judged on the rounds' ratios: each round's runs were
# seconds apart, so a ratio within a round cancels the machine's drift,
# and their median drops an odd round. The medians' ratios above can pair
# a fast round of one target with a slow one of the other.
per_round() { # per_round A B COLUMN: A's COLUMN over B's, round by round, unrounded
	awk -v a="$1" -v b="$2" -v c="$3" '$1 == a {x[$2] = $c} $1 == b {y[$2] = $c; n = $2 > n ? $2 : n}
		END {for (r = 1; r <= n; r++) if ((r in x) && y[r] > 0) printf "%.6f\n", x[r] / y[r]}' "$RESULTS"
}
shown() { awk '{printf "%s%.2f", (NR > 1 ? " / " : ""), $1}'; } # ratios, one a line, as "0.91 / 0.88"
RPS_ROUNDS=$(per_round cached "$CEIL" 3)
P99_ROUNDS=$(per_round cached "$CEIL" 5)
# Judged on the unrounded ratios: a median of 0.897 is not 0.90.
RPS_GOAL=$(median_of %.6f <<<"$RPS_ROUNDS")
P99_GOAL=$(median_of %.6f <<<"$P99_ROUNDS")
echo "errdex (cached) / ${LABEL[$CEIL]}, round by round: req/s $(shown <<<"$RPS_ROUNDS"); p99 $(shown <<<"$P99_ROUNDS")"
echo "goal (issue 10, median of the rounds' ratios: req/s at least 0.90x, p99 at most 1.20x ${LABEL[$CEIL]}): $(awk -v r="$RPS_GOAL" -v p="$P99_GOAL" \
	'BEGIN {printf "req/s %.3fx %s, p99 %.3fx %s", r, r >= 0.9 ? "met" : "not met", p, p <= 1.2 ? "met" : "not met"}')"
echo
echo "errdex cache during the measured runs: $HITS hits, $MISSES misses ($(awk -v h="$HITS" -v m="$MISSES" 'BEGIN {printf "%.2f", 100 * h / (h + m)}')% hits); $EVICTIONS evictions since start"
if [ "$EDIT_EVERY" != 0 ]; then
	echo "errdex while editing: $(wc -l <"$EDITS") edits saved during its runs, $(sort -u "$EDITS" | wc -l) cases; its cache: $EDIT_HITS hits, $EDIT_MISSES misses ($(awk -v h="$EDIT_HITS" -v m="$EDIT_MISSES" 'BEGIN {printf "%.2f", 100 * h / (h + m)}')% hits)"
fi
echo "RSS after the runs: errdex cached $RSS_CACHED; errdex uncached $RSS_UNCACHED; minimal $RSS_MINIMAL"
echo "$IMPORT_LINE"
echo "load average (1/5/15 min, $(nproc) CPUs): $LOAD_BEFORE before the wrk runs, $LOAD_AFTER after them"

# Stop the servers before the Go benchmarks, which want the CPUs.
for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
PIDS=()

# 5. The Go benchmarks, once each (-benchtime 1x), within BENCH_GO_BUDGET
# seconds in all; their test binaries were built with the rest.
if [ "$GOBENCH" != 0 ]; then
	echo
	echo "== Go benchmarks (-benchtime 1x; $GO_BUDGET s for all of them)"
	go_deadline=$(($(date +%s) + GO_BUDGET))
	for spec in "${GO_BENCHES[@]}"; do
		read -r pkg re bin <<<"$spec"
		left=$((go_deadline - $(date +%s)))
		if [ "$left" -lt 20 ]; then
			echo "    $pkg $re: skipped, the budget is spent"
			continue
		fi
		log "$pkg: -bench '$re' (at most $left s)"
		rc=0
		(cd "$pkg" && timeout --kill-after=10 "$left" "$bin" -test.run '^$' -test.bench "$re" -test.benchtime 1x \
			-test.timeout 0 >"$bin.out" 2>&1) || rc=$?
		if grep -q '^Benchmark' "$bin.out"; then
			grep -E '^Benchmark|loaded [0-9]+ articles' "$bin.out" | sed 's/^ *//; s/^/    /'
		elif [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
			echo "    $pkg $re: did not finish within $left s"
		else
			echo "    $pkg $re: no figures (exit $rc):"
			tail -n 5 "$bin.out" | cut -c1-200 | sed 's/^/    /'
		fi
	done
fi
echo
log "done; load average $(loadavg)"
STATUS=0
