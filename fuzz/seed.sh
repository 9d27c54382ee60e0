#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ from the files the test suite ships: the scenario files for
# the scenario targets, each vendor's fixtures (and vendor scenario) for its target, and a
# few id texts for `ids`. The corpora are not committed (fuzz/.gitignore): run this first.
set -euo pipefail
cd "$(dirname "$0")"
root=..
corpus=corpus
mkdir -p "$corpus"/{scenario_read,scenario_run,iconik,liquidfiles,filr,onlyoffice,salesforce,ids}

for f in "$root"/tests/scenarios/*.json "$root"/tests/scenarios/*/*.json; do
    name=$(basename "$(dirname "$f")")_$(basename "$f")
    cp "$f" "$corpus/scenario_read/$name"
    cp "$f" "$corpus/scenario_run/$name"
done
for vendor in iconik liquidfiles filr onlyoffice salesforce; do
    for f in "$root"/tests/fixtures/"$vendor"_*.json "$root"/tests/fixtures/"$vendor"_*.txt; do
        [ -e "$f" ] && cp "$f" "$corpus/$vendor/"
    done
done
# Single items of the Filr list, so the Share resource form is seeded too.
if command -v python3 >/dev/null; then
    python3 - "$root/tests/fixtures/filr_share_list.json" "$corpus/filr" <<'PY'
import json, sys
for i, item in enumerate(json.load(open(sys.argv[1]))["items"]):
    open(f"{sys.argv[2]}/filr_item_{i}.json", "w").write(json.dumps(item))
PY
fi
i=0
for text in alice eng folder:f1 room:2330 "assets:a-42" ed@example.com Nathanael.Mayer55@gmail.com \
    viewer editor form_filler "custom(view,download)" "view,edit" "internal,link" \
    no_share not_permitted read view_log \
    "$(printf 'ab%.0s' $(seq 32))"; do
    printf '%s' "$text" > "$corpus/ids/seed_$i"
    i=$((i + 1))
done
echo "seeded $(find "$corpus" -type f | wc -l) files under fuzz/$corpus/"
