#!/usr/bin/env bash
# Run scripts/check-action-docs.mjs against its fixtures: the agreeing pair must pass with the
# summary line, the mismatching README must fail and name every difference.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root/scripts/fixtures"
check=("node" "$root/scripts/check-action-docs.mjs" --action action.yml)
failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

if out=$("${check[@]}" --readme README.md 2>&1); then
  [ "$out" = 'action.yml and README.md agree: 11 inputs, 2 outputs' ] ||
    fail "unexpected summary for the agreeing pair: $out"
else
  fail "the agreeing pair failed: $out"
fi

set +e
out=$("${check[@]}" --readme README-mismatch.md 2>&1)
status=$?
set -e
[ "$status" -eq 1 ] || fail "the mismatching pair exited $status, expected 1"
# The backticks are literal text of the report.
# shellcheck disable=SC2016
expected=(
  'input `banner` is in action.yml but not in README-mismatch.md'
  'README-mismatch.md:21: input `archive` is not in action.yml'
  'input `env` shows default "FOO=bar", action.yml has no default'
  'input `readonly-rootfs` shows default "false", action.yml has "true"'
  'input `mirror` shows no default, action.yml has "https://storage.googleapis.com"'
  'input `artifact-name` shows default "my-image", action.yml has no default'
  'output `image-blake3` is in action.yml but not in README-mismatch.md'
  'README-mismatch.md:28: output `image-size` is not in action.yml'
  '(8 problem(s))'
)
for line in "${expected[@]}"; do
  grep -Fq -- "$line" <<<"$out" || fail "the mismatch report lacks: $line"
done

if [ "$failures" -gt 0 ]; then
  printf '%s\n' "--- output of the mismatching pair:" "$out" >&2
  exit 1
fi
echo "check-action-docs.mjs: fixtures pass (1 agreeing pair, 1 mismatch with 8 problems)."
