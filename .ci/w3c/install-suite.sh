#!/usr/bin/env bash
# Unpacks one W3C suite under <work>/suites/<name> and installs it with npm, its GitHub dependencies
# replaced by the packed copies (prepare-suite.mjs). Does nothing when the same inputs are already
# installed there (a stamp of the tarballs, this harness's preparation, node and npm versions).
#
# usage: install-suite.sh <suitesDir> <workDir> <suite name> <implementations.tgz> <assertion.tgz>
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SUITES_DIR=$1 WORK=$2 NAME=$3 IMPLEMENTATIONS_TGZ=$4 ASSERTION_TGZ=$5
INSTALL_TIMEOUT=${W3C_INSTALL_TIMEOUT:-300}
dir=$WORK/suites/$NAME
unpack=$WORK/suites/.unpack-$NAME

stamp=$(cat "$SUITES_DIR/$NAME.tgz" "$SUITES_DIR/$IMPLEMENTATIONS_TGZ" "$SUITES_DIR/$ASSERTION_TGZ" "$HERE/prepare-suite.mjs" "$0" | sha256sum | cut -d' ' -f1)
stamp="$stamp node-$(node --version) npm-$(npm --version)"
if [ -f "$dir/.w3c-stamp" ] && [ "$(cat "$dir/.w3c-stamp")" = "$stamp" ]; then
  exit 0
fi
rm -rf "$dir" "$unpack"
mkdir -p "$unpack"
tar -xzf "$SUITES_DIR/$NAME.tgz" -C "$unpack"
mv "$unpack/$NAME" "$dir"
rm -rf "$unpack"
node "$HERE/prepare-suite.mjs" "$dir" "$WORK/pkgs/$IMPLEMENTATIONS_TGZ" "$WORK/pkgs/$ASSERTION_TGZ"
cd "$dir"
timeout -k 10 "$INSTALL_TIMEOUT" npm install --no-audit --no-fund --omit=dev --loglevel=error
echo "$stamp" >"$dir/.w3c-stamp"
