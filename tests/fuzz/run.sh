#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds the libFuzzer targets (clang, ASan + UBSan, in build-fuzz) and runs
# each for SECONDS (default 20) from its seed corpus in tests/fuzz/corpus/.
# New inputs go to build-fuzz/corpus/<name> (the seeds stay untouched);
# a crash is saved as build-fuzz/crash-<name>-* and fails the target.
#
# usage: tests/fuzz/run.sh [SECONDS] [NAME...]
#   tests/fuzz/run.sh                 # CI: 20 s each
#   tests/fuzz/run.sh 14400           # a long run: 4 hours each
# Output: one line per target, then "fuzz: N passed, N failed".
# Run one at a time: two runs would rebuild build-fuzz at once.
set -u
cd "$(dirname "$0")/../.." || exit 1
secs=${1:-20}
[ $# -gt 0 ] && shift
names=${*:-address placeholder autodiscover import http}
dir=build-fuzz
if [ ! -f "$dir/build.ninja" ]; then
	CC=clang meson setup --fatal-meson-warnings -Dfuzz=true \
		-Db_sanitize=address,undefined -Db_lundef=false "$dir" \
		>/dev/null || exit 1
fi
targets=""
for n in $names; do
	targets="$targets tests/fuzz/fuzz_$n"
done
# shellcheck disable=SC2086
ninja -C "$dir" $targets >/dev/null || { ninja -C "$dir" $targets; exit 1; }
passed=0
failed=0
for n in $names; do
	mkdir -p "$dir/corpus/$n"
	log="$dir/fuzz-$n.log"
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		"$dir/tests/fuzz/fuzz_$n" -max_total_time="$secs" \
		-max_len=16384 -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$dir/crash-$n-" \
		"$dir/corpus/$n" "tests/fuzz/corpus/$n" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	cov=$(sed -n 's/^#[0-9]*.*DONE *cov: \([0-9]*\).*/\1/p' "$log")
	if [ $rc -eq 0 ]; then
		passed=$((passed + 1))
		echo "ok fuzz_$n: ${runs:-?} runs in ${secs} s, cov ${cov:-?}"
	else
		failed=$((failed + 1))
		echo "FAIL fuzz_$n (exit $rc): see $log"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" |
			head -5
		for f in "$dir"/crash-"$n"-*; do
			[ -e "$f" ] && echo "input: $f"
		done
	fi
done
echo "fuzz: $passed passed, $failed failed"
[ $failed -eq 0 ]
