#!/usr/bin/env bash
# Check that every output of one nanos-image-action step is set and well-formed
# (.github/workflows/e2e.yml). Reads its input from the environment:
#   OUTPUTS               the step's outputs as JSON: ${{ toJSON(steps.<id>.outputs) }}
#   EXPECT_IMAGE_NAME     the image-name given to the step
#   EXPECT_PROGRAM        the program name expected in the manifest
#   EXPECT_ARCH           amd64 | arm64 (amd64: the image starts with an MBR boot sector)
#   EXPECT_UPLOAD         true | false (default true): artifact-* outputs must be set
#   EXPECT_ARCHIVE        true | false: with false the artifact is the raw image, so
#                         artifact-digest must equal image-sha256
#   EXPECT_CACHE_HIT      true | false | empty (anything)
#   EXPECT_OPS_VERSION    empty, or the ops-version the step must report
#   EXPECT_NANOS_VERSION  empty, or the nanos-version the step must report
#   EXPECT_ENV            empty, or KEY=VALUE that the manifest's Env must hold
# Also uses GITHUB_SERVER_URL, GITHUB_REPOSITORY and GITHUB_RUN_ID to check artifact-url.
set -euo pipefail

: "${OUTPUTS:?OUTPUTS must hold the step outputs as JSON}"
failures=0
fail() {
  echo "::error title=nanos-image-action output::$*"
  failures=$((failures + 1))
}
out() { jq -r --arg key "$1" '.[$key] // ""' <<<"$OUTPUTS"; }
hex64='^[0-9a-f]{64}$'
semver='^[0-9]+\.[0-9]+\.[0-9]+$'

echo "Outputs:"
jq . <<<"$OUTPUTS"

required=(image-path image-name image-size image-sha256 image-blake3 manifest-path
  ops-version nanos-version cache-hit contents-path content-digest sbom-path)
if [ "${EXPECT_UPLOAD:-true}" = true ]; then
  required+=(artifact-id artifact-url artifact-digest)
fi
for key in "${required[@]}"; do
  [ -n "$(out "$key")" ] || fail "output $key is empty"
done

image_path=$(out image-path)
image_name=$(out image-name)
if [ ! -f "$image_path" ] || [ ! -s "$image_path" ]; then
  fail "image-path '$image_path' is not a non-empty file"
else
  [ "$(basename "$image_path")" = "$image_name" ] ||
    fail "image-name '$image_name' is not the file name of image-path '$image_path'"
  size=$(stat -c %s "$image_path")
  [ "$(out image-size)" = "$size" ] || fail "image-size '$(out image-size)' != $size bytes on disk"
  sha256=$(sha256sum "$image_path" | cut -d' ' -f1)
  [ "$(out image-sha256)" = "$sha256" ] || fail "image-sha256 '$(out image-sha256)' != sha256sum $sha256"
  blake3=$(b3sum --no-names "$image_path")
  [ "$(out image-blake3)" = "$blake3" ] || fail "image-blake3 '$(out image-blake3)' != b3sum $blake3"
  if [ "${EXPECT_ARCH:-}" = amd64 ]; then
    signature=$(od -An -tx1 -j510 -N2 "$image_path" | tr -d ' \n')
    [ "$signature" = 55aa ] || fail "the image has no MBR boot signature (bytes 510-511: '$signature')"
  fi
fi
[[ "$(out image-sha256)" =~ $hex64 ]] || fail "image-sha256 is not 64 lowercase hex characters"
[[ "$(out image-blake3)" =~ $hex64 ]] || fail "image-blake3 is not 64 lowercase hex characters"
[ -z "${EXPECT_IMAGE_NAME:-}" ] || [ "$image_name" = "$EXPECT_IMAGE_NAME" ] ||
  fail "image-name '$image_name' != '$EXPECT_IMAGE_NAME'"

manifest=$(out manifest-path)
if [ ! -f "$manifest" ] || ! jq -e 'type == "object"' "$manifest" >/dev/null; then
  fail "manifest-path '$manifest' is not a JSON object"
else
  echo "Manifest:"
  jq . "$manifest"
  if [ -n "${EXPECT_PROGRAM:-}" ]; then
    jq -e --arg p "$EXPECT_PROGRAM" '.Program == $p' "$manifest" >/dev/null ||
      fail "the manifest's Program is not '$EXPECT_PROGRAM'"
  fi
  jq -e '.Mounts["%1"] == "/workspace"' "$manifest" >/dev/null ||
    fail 'the manifest does not mount %1 at /workspace (the default of mounts)'
  jq -e '.ManifestPassthrough.readonly_rootfs == "true"' "$manifest" >/dev/null ||
    fail 'the manifest lacks ManifestPassthrough.readonly_rootfs "true" (the default of readonly-rootfs)'
  if [ -n "${EXPECT_ENV:-}" ]; then
    jq -e --arg k "${EXPECT_ENV%%=*}" --arg v "${EXPECT_ENV#*=}" '.Env[$k] == $v' "$manifest" >/dev/null ||
      fail "the manifest's Env does not hold $EXPECT_ENV"
  fi
fi

[[ "$(out content-digest)" =~ ^sha256:[0-9a-f]{64}$ ]] ||
  fail "content-digest '$(out content-digest)' is not sha256:<64 hex>"
contents=$(out contents-path)
if [ ! -f "$contents" ] || ! jq -e '.files | length > 0' "$contents" >/dev/null; then
  fail "contents-path '$contents' is not a contents.json listing files"
else
  jq -e --arg d "$(out content-digest)" '.contentDigest == $d' "$contents" >/dev/null ||
    fail "contents.json's contentDigest is not the content-digest output"
  [ -z "${EXPECT_PROGRAM:-}" ] ||
    jq -e --arg p "/$EXPECT_PROGRAM" 'any(.files[]; .path == $p and .origin == "program")' "$contents" >/dev/null ||
    fail "contents.json does not list the program /$EXPECT_PROGRAM"
  jq -e 'any(.files[]; .path == "/kernel" and .filesystem == "boot")' "$contents" >/dev/null ||
    fail 'contents.json does not list the kernel in the boot filesystem'
  if [ -n "${EXPECT_ENV:-}" ] && grep -Fq -- "${EXPECT_ENV#*=}" "$contents"; then
    fail 'contents.json holds an env value'
  fi
fi
sbom=$(out sbom-path)
jq -e '.bomFormat == "CycloneDX" and .specVersion == "1.6"' "$sbom" >/dev/null ||
  fail "sbom-path '$sbom' is not a CycloneDX 1.6 document"

for key in ops-version nanos-version; do
  [[ "$(out "$key")" =~ $semver ]] || fail "$key '$(out "$key")' is not a release number X.Y.Z"
done
[ -z "${EXPECT_OPS_VERSION:-}" ] || [ "$(out ops-version)" = "$EXPECT_OPS_VERSION" ] ||
  fail "ops-version '$(out ops-version)' != '$EXPECT_OPS_VERSION'"
[ -z "${EXPECT_NANOS_VERSION:-}" ] || [ "$(out nanos-version)" = "$EXPECT_NANOS_VERSION" ] ||
  fail "nanos-version '$(out nanos-version)' != '$EXPECT_NANOS_VERSION'"

cache_hit=$(out cache-hit)
[[ "$cache_hit" =~ ^(true|false)$ ]] || fail "cache-hit '$cache_hit' is not true or false"
[ -z "${EXPECT_CACHE_HIT:-}" ] || [ "$cache_hit" = "$EXPECT_CACHE_HIT" ] ||
  fail "cache-hit is '$cache_hit', expected '$EXPECT_CACHE_HIT'"

if [ "${EXPECT_UPLOAD:-true}" = true ]; then
  id=$(out artifact-id)
  [[ "$id" =~ ^[1-9][0-9]*$ ]] || fail "artifact-id '$id' is not a positive integer"
  url="${GITHUB_SERVER_URL:-}/${GITHUB_REPOSITORY:-}/actions/runs/${GITHUB_RUN_ID:-}/artifacts/$id"
  [ "$(out artifact-url)" = "$url" ] || fail "artifact-url '$(out artifact-url)' != '$url'"
  digest=$(out artifact-digest)
  digest=${digest#sha256:}
  [[ "$digest" =~ $hex64 ]] || fail "artifact-digest '$(out artifact-digest)' is not a sha256 digest"
  if [ "${EXPECT_ARCHIVE:-}" = false ] && [ "$digest" != "$(out image-sha256)" ]; then
    fail "artifact-digest '$digest' != image-sha256 although the image was uploaded unarchived"
  fi
fi

if [ "$failures" -gt 0 ]; then
  echo "$failures problem(s) with the outputs" >&2
  exit 1
fi
echo "All outputs are set and well-formed."
