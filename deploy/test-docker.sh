#!/bin/sh
# deploy/test-docker.sh: build deploy/Dockerfile and run the image for real.
#
# What it proves, one PASS/FAIL/SKIP line each:
#   build    the image builds from this checkout with deploy/Dockerfile
#   uid      the server (PID 1 in the container) runs as uid:gid
#            10001:10001, not root
#   init     the first start creates the database in the empty volume from
#            the bundled data, then serves with the image's default CMD
#   answer   GET /mail/config-v1.1.xml?emailaddress=a@free.fr is a 200
#            text/xml answer, byte-identical to what a locally built
#            `suivant serve` gives (SUIVANT=path, default build/suivant;
#            SKIP when there is no local binary)
#   admin    `docker run --rm -v VOLUME IMAGE domain add|list` edits the
#            same database, and the running server answers for the new domain
#   hup      `docker kill --signal HUP`: reload logged, still running, same
#            answer
#   stop     `docker stop` (SIGTERM) stops it within 5 s with exit status 0
#   restart  a new container on the same volume keeps the database (not
#            re-created, the added domain still answers)
#
# Needs a running Docker daemon (`docker info` must work; else this exits 77
# with a message, as a skipped test), the base image debian:12-slim (pulled
# from Docker Hub, or already present: tests/RESULTS.md "Container" says how
# it was made without Docker Hub), network for apt inside the build, and
# curl. CI has no Docker daemon: this is not part of tests/run-all or .ci/run.
#
# Everything it creates is named suivant-test-PID (image tag, container,
# volume) and removed at exit; the container's host port is chosen by Docker
# (or by the kernel with SV_DOCKER_NETWORK=host), so runs do not collide.
#
# Environment:
#   SUIVANT                local binary for the comparison
#                          (default build/suivant)
#   SV_DOCKER_BUILD_FLAGS  extra `docker build` flags, e.g. "--network host"
#   SV_DOCKER_NETWORK      bridge (default: -p 127.0.0.1::8080 and the
#                          image's CMD) or host (--network host, the server
#                          on 127.0.0.1:0), for daemons without a bridge
#   SV_DOCKER_KEEP=1       keep the image afterwards
#
# Exit status: 0 when nothing failed, 1 otherwise, 77 without a daemon.
set -eu
cd "$(dirname "$0")/.."

if ! docker info >/dev/null 2>&1; then
	echo "test-docker: SKIP: 'docker info' fails: no running Docker" \
		"daemon reachable (start dockerd, or set DOCKER_HOST)" >&2
	exit 77
fi

ID=suivant-test-$$
TAG=$ID:latest
NAME=$ID
VOL=$ID-data
NET=${SV_DOCKER_NETWORK:-bridge}
SUIVANT=${SUIVANT:-build/suivant}
DB=/var/lib/suivant/suivant.db
URL_PATH='/mail/config-v1.1.xml?emailaddress='
TMP=$(mktemp -d)
LOCAL_PID=
PORT=
passed=0
failed=0
skipped=0

# pass|fail|skip CHECK MESSAGE...
pass() { c=$1; shift; echo "PASS $c: $*"; passed=$((passed + 1)); }
fail() { c=$1; shift; echo "FAIL $c: $*"; failed=$((failed + 1)); }
skip() { c=$1; shift; echo "SKIP $c: $*"; skipped=$((skipped + 1)); }

cleanup() {
	if [ -n "$LOCAL_PID" ]; then
		kill "$LOCAL_PID" 2>/dev/null || true
	fi
	docker rm -f "$NAME" >/dev/null 2>&1 || true
	docker volume rm "$VOL" >/dev/null 2>&1 || true
	if [ "${SV_DOCKER_KEEP:-0}" != 1 ]; then
		docker rmi "$TAG" >/dev/null 2>&1 || true
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# get ADDRESS OUTFILE: prints "HTTP-CODE CONTENT-TYPE" of the answer.
get() {
	curl -sS --max-time 10 -o "$2" -w '%{http_code} %{content_type}' \
		"http://127.0.0.1:$PORT$URL_PATH$1" 2>/dev/null || echo "000 -"
}

logs() { docker logs "$NAME" 2>&1; }

# start: a new container $NAME on $VOL; waits for "ready port=N", sets PORT.
start() {
	if [ "$NET" = host ]; then
		docker run -d --name "$NAME" --network host \
			-v "$VOL:/var/lib/suivant" "$TAG" serve --db "$DB" \
			--listen 127.0.0.1:0 --log-format json >/dev/null
	else
		docker run -d --name "$NAME" -p 127.0.0.1::8080 \
			-v "$VOL:/var/lib/suivant" "$TAG" >/dev/null
	fi
	i=0
	while [ $i -lt 30 ]; do
		ready=$(logs | sed -n 's/^ready port=\([0-9][0-9]*\).*/\1/p' |
			head -n 1)
		if [ -n "$ready" ]; then
			if [ "$NET" = host ]; then
				PORT=$ready
			else
				PORT=$(docker port "$NAME" 8080/tcp |
					sed -n '1s/.*://p')
			fi
			return 0
		fi
		if [ "$(docker inspect -f '{{.State.Running}}' "$NAME")" != true ]
		then
			return 1
		fi
		sleep 1
		i=$((i + 1))
	done
	return 1
}

# wait_for CMD...: retries CMD once a second for up to 10 s.
wait_for() {
	i=0
	while ! "$@"; do
		i=$((i + 1))
		[ $i -lt 10 ] || return 1
		sleep 1
	done
}

answers() { [ "$(get "$1" "$TMP/wait.xml")" = "200 text/xml; charset=utf-8" ]; }
reloads() { logs | grep -c '"reloaded: generation' || true; }
more_reloads() { [ "$(reloads)" -gt "$1" ]; }

# --- build
# SV_DOCKER_BUILD_FLAGS is a list of flags: split on purpose.
# shellcheck disable=SC2086
if docker build ${SV_DOCKER_BUILD_FLAGS:-} -f deploy/Dockerfile -t "$TAG" . \
	>"$TMP/build.log" 2>&1
then
	pass build "docker build -f deploy/Dockerfile -t $TAG ."
else
	tail -n 30 "$TMP/build.log"
	fail build "docker build failed (log above); nothing else can run"
	echo "$passed passed, $failed failed, $skipped skipped"
	exit 1
fi

# --- first start on an empty volume
docker volume create "$VOL" >/dev/null
if start; then
	if logs | grep -q "created $DB from the bundled data"; then
		pass init "first start created $DB from the bundled data," \
			"serving on 127.0.0.1:$PORT"
	else
		fail init "ready, but no 'created $DB from the bundled data' log"
	fi
else
	logs | tail -n 20
	fail init "the container did not get ready (log above)"
	echo "$passed passed, $failed failed, $skipped skipped"
	exit 1
fi

ids=$(docker exec "$NAME" sh -c \
	'sed -n "s/^\(Uid\|Gid\):[[:space:]]*//p" /proc/1/status' | tr -s ' \t\n' ' ')
if [ "$ids" = "10001 10001 10001 10001 10001 10001 10001 10001 " ]; then
	pass uid "PID 1 runs as uid 10001, gid 10001 (real, effective, saved, fs)"
else
	fail uid "PID 1 Uid/Gid lines: $ids"
fi

# --- the answer, against a local build of the same sources
got=$(get a@free.fr "$TMP/docker.xml")
if [ "$got" != "200 text/xml; charset=utf-8" ] ||
	! head -n 1 "$TMP/docker.xml" | grep -q '^<?xml'; then
	fail answer "a@free.fr: $got"
elif [ ! -x "$SUIVANT" ]; then
	pass answer "a@free.fr: $got, $(wc -c <"$TMP/docker.xml") bytes"
	skip compare "no local binary $SUIVANT (set SUIVANT=path)"
else
	pass answer "a@free.fr: $got, $(wc -c <"$TMP/docker.xml") bytes"
	"$SUIVANT" serve --db "$TMP/local.db" --listen 127.0.0.1:0 \
		>"$TMP/local.out" 2>"$TMP/local.err" &
	LOCAL_PID=$!
	DOCKER_PORT=$PORT
	PORT=
	i=0
	while [ -z "$PORT" ] && [ $i -lt 30 ]; do
		sleep 1
		PORT=$(sed -n 's/^ready port=\([0-9][0-9]*\).*/\1/p' \
			"$TMP/local.out")
		i=$((i + 1))
	done
	if [ -z "$PORT" ]; then
		fail compare "local $SUIVANT serve did not get ready"
	elif ! got=$(get a@free.fr "$TMP/local.xml") ||
		! cmp -s "$TMP/local.xml" "$TMP/docker.xml"; then
		fail compare "local $SUIVANT serve ($got) answers differently"
		diff "$TMP/local.xml" "$TMP/docker.xml" | head -n 20 || true
	else
		pass compare "byte-identical to local $SUIVANT serve"
	fi
	kill "$LOCAL_PID" 2>/dev/null || true
	wait "$LOCAL_PID" 2>/dev/null || true
	LOCAL_PID=
	PORT=$DOCKER_PORT
fi

# --- the CLI in the same volume, while the server runs
admin() {
	docker run --rm -v "$VOL:/var/lib/suivant" "$TAG" "$@" --db "$DB"
}
before=$(get a@docker-test.example "$TMP/before.xml")
if [ "${before%% *}" = 200 ]; then
	fail admin "docker-test.example answers before it was added"
elif ! admin domain add docker-test.example --provider free.fr \
	>"$TMP/admin.out" 2>&1; then
	fail admin "domain add: $(cat "$TMP/admin.out")"
elif ! admin domain list --provider free.fr 2>&1 |
	grep -q '^docker-test\.example '; then
	fail admin "domain list does not show docker-test.example"
elif ! wait_for answers a@docker-test.example; then
	fail admin "the running server does not answer for the added domain"
else
	pass admin "domain add/list in the volume; the server answers" \
		"for it (before: ${before%% *})"
fi

# --- SIGHUP reloads and keeps serving
n=$(reloads)
docker kill --signal HUP "$NAME" >/dev/null
if ! wait_for more_reloads "$n"; then
	fail hup "no reload logged after HUP"
elif [ "$(docker inspect -f '{{.State.Running}}' "$NAME")" != true ]; then
	fail hup "the container stopped after HUP"
elif ! got=$(get a@free.fr "$TMP/hup.xml") ||
	! cmp -s "$TMP/hup.xml" "$TMP/docker.xml"; then
	fail hup "after HUP a@free.fr gives $got or another answer"
else
	pass hup "reloaded, still running, same answer"
fi

# --- SIGTERM stops it promptly and cleanly
t0=$(date +%s)
docker stop -t 10 "$NAME" >/dev/null
t1=$(date +%s)
code=$(docker inspect -f '{{.State.ExitCode}}' "$NAME")
if [ "$code" = 0 ] && [ $((t1 - t0)) -le 5 ] &&
	logs | grep -q 'signal 15: shutting down'; then
	pass stop "docker stop: exit 0 after $((t1 - t0)) s"
else
	fail stop "docker stop: exit $code after $((t1 - t0)) s"
fi

# --- a new container on the same volume keeps the data
docker rm "$NAME" >/dev/null
if ! start; then
	fail restart "the second container did not get ready"
elif logs | grep -q "created $DB"; then
	fail restart "the database was created again"
elif ! answers a@docker-test.example; then
	fail restart "the added domain is gone"
else
	pass restart "database kept, the added domain still answers"
fi
docker stop -t 10 "$NAME" >/dev/null

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
