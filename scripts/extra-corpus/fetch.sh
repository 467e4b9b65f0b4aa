#!/usr/bin/env bash
# A second real-world corpus, of application-level crates where long-lived state
# lives (servers, clients, actors, brokers, metrics, caches): the ~340 vendored
# crates this Cargo.lock pins, minus the ones ../shared/corpus/fetch.sh already
# lays out at the same version (pass that corpus as OMIT to leave them out).
#   usage: scripts/extra-corpus/fetch.sh DEST [OMIT]
set -euo pipefail
dest=${1:?usage: fetch.sh DEST [OMIT]}
omit=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here/Cargo.toml" "$here/Cargo.lock" "$work/"
mkdir -p "$work/src" && echo 'fn main() {}' >"$work/src/main.rs"
(cd "$work" && cargo vendor --locked --versioned-dirs "$work/vendor" >/dev/null)
mkdir -p "$dest"
for d in "$work"/vendor/*/; do
  name=$(basename "$d")
  case "$name" in windows*) continue ;; esac
  if [ -n "$omit" ] && [ -d "$omit/$name" ]; then continue; fi
  rm -rf "${dest:?}/$name"
  mv "$d" "$dest/$name"
done
echo "extra corpus: $(find "$dest" -name '*.rs' | wc -l) .rs files, $(du -sh "$dest" | cut -f1) in $dest"
