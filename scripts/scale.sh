#!/usr/bin/env bash
# Scale run: check 1, 2, 4 and 8 copies of a corpus side by side (hard links, so
# the copies cost no disk) and report files, wall time and peak RSS of each, to
# show memory grows far less than the tree (no ASTs are kept, facts are small).
#   usage: scripts/scale.sh CORPUS [SCRATCH_DIR]
set -euo pipefail
corpus=$(cd "${1:?usage: scripts/scale.sh CORPUS [SCRATCH_DIR]}" && pwd)
here=$(cd "$(dirname "$0")/.." && pwd)
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (apt-get install time)" >&2; exit 2; }
cargo build --release --manifest-path "$here/Cargo.toml" >/dev/null
bin="$here/target/release/leaklint"
scratch=$(mktemp -d "${2:-${TMPDIR:-/tmp}}/leaklint-scale.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

echo "corpus: $corpus, machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, -j2, one run each"
printf "%7s %9s %10s %10s %12s %10s\n" copies files wall_s rss_MB rss_ratio findings
base=""
have=0
for n in 1 2 4 8; do
  while [ "$have" -lt "$n" ]; do
    have=$((have + 1))
    cp -al "$corpus" "$scratch/copy$have"
  done
  /usr/bin/time -f "%e %M" -o "$scratch/t" "$bin" check "$scratch" --format json --exit-zero --no-cache -j2 >"$scratch/out.json"
  read -r wall kb <"$scratch/t"
  read -r files findings < <(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["summary"]; print(s["files"], s["diagnostics"])' "$scratch/out.json")
  base=${base:-$kb}
  printf "%7d %9d %10.1f %10.0f %12.2f %10d\n" "$n" "$files" "$wall" "$(echo "$kb/1024" | bc -l)" "$(echo "$kb/$base" | bc -l)" "$findings"
done
