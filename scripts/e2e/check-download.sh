#!/usr/bin/env bash
# Check that a downloaded artifact holds exactly the image the action reported
# (.github/workflows/e2e.yml).
# Usage: check-download.sh DIR SHA256 BLAKE3 SIZE
#   DIR: where actions/download-artifact put the artifact (searched recursively: an archived
#   artifact is unzipped into it, an unarchived one is the image file itself).
set -euo pipefail

[ $# -eq 4 ] || { echo "usage: $0 DIR SHA256 BLAKE3 SIZE" >&2; exit 2; }
dir=$1 want_sha256=$2 want_blake3=$3 want_size=$4

mapfile -t files < <(find "$dir" -type f)
if [ "${#files[@]}" -ne 1 ]; then
  echo "::error title=downloaded artifact::expected one file in $dir, found ${#files[@]}"
  find "$dir" -ls >&2 || true
  exit 1
fi
file=${files[0]}
sha256=$(sha256sum "$file" | cut -d' ' -f1)
blake3=$(b3sum --no-names "$file")
size=$(stat -c %s "$file")
printf 'downloaded %s\n  size    %s\n  sha256  %s\n  blake3  %s\n' "$file" "$size" "$sha256" "$blake3"

status=0
[ "$sha256" = "$want_sha256" ] || { echo "::error title=downloaded artifact::sha256 $sha256 != image-sha256 $want_sha256"; status=1; }
[ "$blake3" = "$want_blake3" ] || { echo "::error title=downloaded artifact::BLAKE3 $blake3 != image-blake3 $want_blake3"; status=1; }
[ "$size" = "$want_size" ] || { echo "::error title=downloaded artifact::size $size != image-size $want_size"; status=1; }
[ "$status" -ne 0 ] || echo "The downloaded artifact matches image-sha256, image-blake3 and image-size."
exit "$status"
