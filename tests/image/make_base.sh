#!/usr/bin/env bash
# A stand-in for python:3.11-slim where no registry can be pulled from: a minimal Debian
# bookworm root with Debian's python3.11, venv and pip, imported into podman (or docker) as
# the image named by $1 (default localhost/briefing-base:bookworm). Needs root and debootstrap.
#
#   tests/image/make_base.sh [IMAGE]      then      make image BASE_IMAGE=IMAGE
#
# MIRROR (default http://deb.debian.org/debian) picks the Debian mirror. EXTRA_CA, a PEM file
# (default: this host's bundle when it holds more than Debian's), is made the base's CA bundle
# so pip in the build trusts an HTTPS proxy that this host trusts.
set -euo pipefail

IMAGE=${1:-localhost/briefing-base:bookworm}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
EXTRA_CA=${EXTRA_CA:-/etc/ssl/certs/ca-certificates.crt}

if [[ $(id -u) != 0 ]]; then
	echo "make_base.sh: debootstrap needs root" >&2
	exit 1
fi
command -v debootstrap >/dev/null || {
	echo "make_base.sh: debootstrap is missing: apt-get install -y debootstrap" >&2
	exit 1
}
if docker info >/dev/null 2>&1; then
	ENGINE=docker
elif command -v podman >/dev/null; then
	ENGINE=podman
else
	echo "make_base.sh: neither a working docker engine nor podman: apt-get install -y podman" >&2
	exit 1
fi

ROOT=$(mktemp -d /var/tmp/briefing-base.XXXXXX)
trap 'rm -rf "$ROOT"' EXIT

# minbase: apt, dpkg and the essentials only; python3.11 with venv and pip on top.
debootstrap --variant=minbase \
	--include=python3.11,python3.11-venv,python3-pip,python3-venv,ca-certificates \
	"$SUITE" "$ROOT" "$MIRROR"

# python:3.11-slim has `python` and `python3` on PATH; Debian has python3 only.
ln -sf /usr/bin/python3.11 "$ROOT/usr/local/bin/python"
if [[ -s $EXTRA_CA ]] && ! cmp -s "$EXTRA_CA" "$ROOT/etc/ssl/certs/ca-certificates.crt"; then
	cp "$EXTRA_CA" "$ROOT/etc/ssl/certs/ca-certificates.crt"
fi
# As slim as the official image: no apt lists, caches, docs or man pages.
chroot "$ROOT" apt-get clean
rm -rf "$ROOT"/var/lib/apt/lists/* "$ROOT"/var/cache/apt/* "$ROOT"/usr/share/doc/* \
	"$ROOT"/usr/share/man/* "$ROOT"/usr/share/info/* "$ROOT"/var/log/*.log

tar -C "$ROOT" --numeric-owner -c . | "$ENGINE" import \
	--change 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' \
	--change 'ENV LANG=C.UTF-8' \
	--change 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
	--change 'CMD ["python3"]' \
	- "$IMAGE"
echo "make_base.sh: $IMAGE ($ENGINE)"
