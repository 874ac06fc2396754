#!/usr/bin/env bash
# Fetches Redoc's standalone bundle, which /docs serves, into api/web/static.
# The file is committed so builds need no network; run this (make redoc) only
# to change the version: bump VERSION, run it once with SHA256="" to print
# the new hash, review the release, then pin the hash here.
set -euo pipefail
VERSION=3.0.1
SHA256=8c70c2de83d33e33a75b225e573d6d9fe851f066f824b44b1637d831d52d7543

cd "$(dirname "$0")/.."
dest=api/web/static
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

(cd "$tmp" && npm pack --silent "redoc@$VERSION" >/dev/null && tar xzf "redoc-$VERSION.tgz")
got=$(sha256sum "$tmp/package/bundles/redoc.standalone.js" | cut -d' ' -f1)
if [ -z "$SHA256" ]; then
  echo "redoc@$VERSION bundles/redoc.standalone.js sha256: $got (pin it in $0)"
  exit 1
fi
if [ "$got" != "$SHA256" ]; then
  echo "redoc@$VERSION: sha256 $got, want $SHA256" >&2
  exit 1
fi
cp "$tmp/package/bundles/redoc.standalone.js" "$dest/redoc.standalone.js"
cp "$tmp/package/LICENSE" "$dest/redoc.LICENSE"
echo "redoc@$VERSION → $dest/redoc.standalone.js"
