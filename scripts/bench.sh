#!/usr/bin/env bash
# Benchmark leaklint on a corpus: full check vs a parse-only pass (read +
# syn::parse_file) of the same files in the same run, 1 vs 2 threads, peak RSS,
# a run with an empty facts cache (cold) against a re-run (warm), and a check
# that a run skipping nothing (--no-skip) gives the same diagnostics.
# Reports medians of RUNS runs (default 3) and ratios, since machines are noisy.
#   usage: scripts/bench.sh CORPUS [RUNS]
set -euo pipefail
corpus=${1:?usage: scripts/bench.sh CORPUS [RUNS]}
runs=${2:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (apt-get install time)" >&2; exit 2; }
cargo build --release --manifest-path "$here/Cargo.toml" >/dev/null
bin="$here/target/release/leaklint"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

measure() { # name, args...: appends "seconds kilobytes" to $out/name
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$out/t" "$bin" check "$corpus" --format json --exit-zero "$@" >/dev/null
  cat "$out/t" >>"$out/$name"
}

for _ in $(seq "$runs"); do
  measure full2 -j2 --no-cache
  measure parse2 -j2 --parse-only
  measure full1 -j1 --no-cache
  rm -rf "$out/cache"
  measure cold2 -j2 --cache-dir "$out/cache"
  measure warm2 -j2 --cache-dir "$out/cache"
done

# What a full check skips (crate::skip, test files, function bodies whose text
# lacks a word) must change nothing: compare with a run that skips nothing.
"$bin" check "$corpus" --format json --exit-zero -j2 --no-cache >"$out/full.json"
/usr/bin/time -f "%e %M" -o "$out/noskip" "$bin" check "$corpus" --format json --exit-zero -j2 --no-skip >"$out/noskip.json"
same=$(python3 - "$out/full.json" "$out/noskip.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
for d in (a, b):
    d["summary"].pop("elapsed_ms", None)
print(f"identical ({len(a['diagnostics'])} diagnostics)" if a == b else "DIFFERENT")
PY
)

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
col() { awk -v c="$2" '{print $c}' "$out/$1" | median; }
full2=$(col full2 1); parse2=$(col parse2 1); full1=$(col full1 1)
cold2=$(col cold2 1); warm2=$(col warm2 1)
rss_full=$(col full2 2); rss_parse=$(col parse2 2)
files=$("$bin" check "$corpus" --format json --exit-zero -j2 --cache-dir "$out/cache" | python3 -c 'import json,sys; print(json.load(sys.stdin)["summary"]["files"])')
mb=$(find "$corpus" -name '*.rs' -print0 | du -cb --files0-from=- | tail -1 | awk '{printf "%.1f", $1/1e6}')

echo "corpus: $corpus ($files files checked, $mb MB of .rs), $runs runs, medians"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB"
printf "%-34s %8.2f s  %8.0f MB RSS\n" "full check, 2 threads" "$full2" "$(echo "$rss_full/1024" | bc -l)"
printf "%-34s %8.2f s  %8.0f MB RSS\n" "parse-only, 2 threads" "$parse2" "$(echo "$rss_parse/1024" | bc -l)"
printf "%-34s %8.2f s\n" "full check, 1 thread" "$full1"
printf "%-34s %8.2f s\n" "cold cache, 2 threads" "$cold2"
printf "%-34s %8.2f s\n" "warm cache, 2 threads" "$warm2"
printf "%-34s %8.2f   (target <= 1.15)\n" "full / parse-only" "$(echo "$full2/$parse2" | bc -l)"
printf "%-34s %8.2f   (target >= 1.8)\n" "speedup 1 -> 2 threads" "$(echo "$full1/$full2" | bc -l)"
printf "%-34s %8.2f   (target <= 1.2)\n" "peak RSS full / parse-only" "$(echo "$rss_full/$rss_parse" | bc -l)"
printf "%-34s %8.2f   (target <= 0.10)\n" "warm / cold cache" "$(echo "$warm2/$cold2" | bc -l)"
printf "%-34s %8.2f s  (one run)\n" "skipping nothing, 2 threads" "$(awk '{print $1}' "$out/noskip")"
echo "full check vs skipping nothing: $same"
[ "$same" != DIFFERENT ] || { echo "the skips changed the diagnostics: diff $out/full.json $out/noskip.json" >&2; trap - EXIT; exit 1; }
