#!/usr/bin/env bash
# Builds the Sonde image (deploy/Dockerfile) with no base image pulled.
#
#   deploy/build-image.sh [--binary PATH] [--tag TAG]
#
# Without --binary it builds a statically linked release binary first:
#   cargo build --release --target x86_64-unknown-linux-gnu
#   with RUSTFLAGS "-C target-feature=+crt-static".
# A dynamically linked binary is accepted too: its shared libraries are
# copied into the image beside it.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
binary=""
tag="sonde:latest"
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary="$2"; shift 2 ;;
    --tag) tag="$2"; shift 2 ;;
    *) sed -n '2,11p' "$0"; exit 2 ;;
  esac
done

if [ -z "$binary" ]; then
  target="$(rustc -vV | sed -n 's/^host: //p')"
  flags_variable="CARGO_TARGET_$(echo "$target" | tr 'a-z-' 'A-Z_')_RUSTFLAGS"
  (cd "$root" && env "$flags_variable=-C target-feature=+crt-static" \
    cargo build --release --bin sonde --target "$target")
  binary="${CARGO_TARGET_DIR:-$root/target}/$target/release/sonde"
fi
[ -x "$binary" ] || { echo "build-image.sh: no executable at $binary" >&2; exit 2; }

context="$(mktemp -d)"
trap 'rm -rf "$context"' EXIT
rootfs="$context/rootfs"
mkdir -p "$rootfs/usr/local/bin" "$rootfs/etc/ssl/certs" "$rootfs/etc/sonde" "$context/data"
# Line tables help a debugger, not the image: strip them when we can.
if command -v strip >/dev/null; then
  strip -o "$rootfs/usr/local/bin/sonde" "$binary"
else
  cp "$binary" "$rootfs/usr/local/bin/sonde"
fi
# A dynamically linked binary brings its loader and libraries along.
if ldd "$binary" 2>/dev/null | grep -q '=>\|ld-linux'; then
  for library in $(ldd "$binary" | grep -o '/[^ ]*'); do
    mkdir -p "$rootfs$(dirname "$library")"
    cp -L "$library" "$rootfs$library"
  done
fi
bundle=""
for candidate in /etc/ssl/certs/ca-certificates.crt /etc/pki/tls/certs/ca-bundle.crt /etc/ssl/cert.pem; do
  [ -f "$candidate" ] && { bundle="$candidate"; break; }
done
[ -n "$bundle" ] || { echo "build-image.sh: no CA certificate bundle found on this machine" >&2; exit 2; }
cp -L "$bundle" "$rootfs/etc/ssl/certs/ca-certificates.crt"
echo 'sonde:x:65532:65532:sonde:/data:/sbin/nologin' > "$rootfs/etc/passwd"
echo 'sonde:x:65532:' > "$rootfs/etc/group"
# The default configuration of `docker run sonde:latest`: Sonde scrapes itself.
cat > "$rootfs/etc/sonde/prometheus.yml" <<'YAML'
global:
  scrape_interval: 15s
scrape_configs:
  - job_name: sonde
    static_configs:
      - targets: ['localhost:9090']
YAML
cp "$here/Dockerfile" "$context/Dockerfile"
docker build -q -t "$tag" "$context" >/dev/null
echo "built $tag ($(docker image inspect -f '{{.Size}}' "$tag" | awk '{printf "%.1f MB", $1 / 1e6}'))"
