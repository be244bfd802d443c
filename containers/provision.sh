#!/usr/bin/env bash
# Installs the packages of containers/image-contents into the system it runs in: inside a `docker build` (the
# Dockerfiles) or chrooted into the root filesystem of tools/build-image.sh. One definition, two ways to get the base.
#   provision.sh CONTENTS_FILE
set -euo pipefail
contents="${1:?usage: provision.sh CONTENTS_FILE}"
mapfile -t packages < <(awk '$1 == "package" { print $2 }' "$contents")
((${#packages[@]} > 0)) || { echo "provision.sh: error: $contents lists no package" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
apt-get clean
rm -rf /var/lib/apt/lists/*
java -version 2>&1 | head -n 1
