#!/usr/bin/env bash
# Regenerate the staging `replace` block of kube/go.mod from the real go.mod of
# k8s.io/kubernetes at the given tag (fetched through the Go module proxy).
# The staging list changes between minors, so never write it by hand.
#   usage: test/cluster/go/gen-replaces.sh v1.36.3 && (cd test/cluster/go/kube && go mod tidy)
set -euo pipefail
KVER=${1:?usage: $0 v1.X.Y}
SVER="v0.${KVER#v1.}"
cd "$(dirname "$0")/kube"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gomod=$(cd "$tmp" && GO111MODULE=on GOFLAGS=-mod=mod go mod download -json "k8s.io/kubernetes@${KVER}" \
  | sed -n 's/^[[:space:]]*"GoMod": "\([^"]*\)".*/\1/p')
[ -f "$gomod" ] || { echo "could not locate go.mod of k8s.io/kubernetes@${KVER}" >&2; exit 1; }

grep -E '^[[:space:]]*k8s\.io/[A-Za-z0-9._-]+[[:space:]]+=>[[:space:]]+\./staging/src/' "$gomod" \
  | awk '{print $1}' | sort -u > "$tmp/staging"
echo "# $(wc -l < "$tmp/staging") staging modules -> ${SVER}"

for m in $(go mod edit -json | sed -n 's/.*"Path": "\(k8s\.io\/[^"]*\)".*/\1/p' | sort -u); do
  go mod edit -dropreplace="$m" 2>/dev/null || true
done
while read -r m; do go mod edit -replace="${m}=${m}@${SVER}"; done < "$tmp/staging"
go mod edit -require="k8s.io/kubernetes@${KVER}"
gov=$(sed -n 's/^go[[:space:]]\+\([0-9.]*\).*/\1/p' "$gomod" | head -1)
[ -n "$gov" ] && go mod edit -go="$gov"
sed -n 's/^godebug[[:space:]]\+\([^[:space:]]*\).*/\1/p' "$gomod" | while read -r kv; do go mod edit -godebug="$kv"; done
echo "# done; now run: (cd kube && go mod tidy)"
