#!/usr/bin/env bash
# Builds every fuzz target and runs each for N seconds (first argument, default 10) from the
# seed corpus (fuzz/seed.sh), with fuzz/json.dict. Fails on the first crash, leak, timeout
# or out-of-memory, leaving the input in fuzz/artifacts/<target>/. Stable toolchain: no
# sanitizer (`-s none`), so no nightly flag is needed. See FUZZING.md.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-10}
targets=(scenario_read scenario_run iconik liquidfiles filr onlyoffice salesforce ids)

command -v cargo-fuzz >/dev/null || { echo "smoke.sh: cargo-fuzz is missing: cargo install cargo-fuzz" >&2; exit 2; }
start=$(date +%s)
cargo fuzz build -s none
built=$(date +%s)
echo "smoke.sh: built ${#targets[@]} targets in $((built - start)) s"
[ -d corpus ] || ./seed.sh
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t" "artifacts/$t"
    echo "smoke.sh: $t for ${seconds} s"
    # The corpus grows in a scratch copy: a smoke run leaves the seeds as they were.
    scratch=$(mktemp -d)
    cp -r "corpus/$t/." "$scratch/"
    status=0
    "target/x86_64-unknown-linux-gnu/release/$t" "$scratch" \
        -dict=json.dict -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="artifacts/$t/" -print_final_stats=1 2>"artifacts/$t.log" || status=$?
    rm -rf "$scratch"
    grep -E '^(Done|stat::(number_of_executed_units|peak_rss_mb))' "artifacts/$t.log" | tr '\n' ' '
    echo
    if [ "$status" -ne 0 ]; then
        tail -n 40 "artifacts/$t.log" >&2
        echo "smoke.sh: $t failed (exit $status); the input is in fuzz/artifacts/$t/" >&2
        exit 1
    fi
done
echo "smoke.sh: all ${#targets[@]} targets ran ${seconds} s each; $(( $(date +%s) - start )) s in all"
