#!/usr/bin/env bash
# Wraps the mongo image's entrypoint: a replica set with authorization needs a keyfile, readable by its owner only.
# It is generated once into the /data/configdb volume, so restarts keep the same key and nothing secret sits in the
# repository or in the image. The official entrypoint then creates the root user on an empty volume and drops to
# the mongodb user (it chowns /data/configdb, keyfile included).
set -euo pipefail

keyfile=/data/configdb/keyfile

if [ ! -s "$keyfile" ]; then
  umask 077
  # 756 random bytes → 1008 base64 characters, within mongod's 6–1024 limit for a keyfile.
  head -c 756 /dev/urandom | base64 -w 0 > "$keyfile.tmp"
  mv "$keyfile.tmp" "$keyfile"
fi
chown mongodb:mongodb "$keyfile"
chmod 400 "$keyfile"

exec docker-entrypoint.sh "$@"
