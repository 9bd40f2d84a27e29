# syntax=docker/dockerfile:1
# Multi-stage build: compile with dev dependencies, ship only production ones.
#
# Node 24, the LTS line of package.json engines, on Debian 13 (trixie) in both
# stages: the official node images default to trixie since Debian 12 left
# regular security support (June 2026), and distroless builds its nodejs
# images for debian13 only (nodejs24-debian12 gets no more updates). npm test
# runs on the same major (the `node` devDependency), and
# test/unit/node-version.test.ts keeps these FROM lines, engines and that pin
# on one major.
#
# The build stage is pinned by the digest of its multi-arch index
# (node:24-trixie-slim on 2026-08-27, Node 24.20.0, as docker-library/repo-info
# records it). The runtime stage is not: no source reachable where this was
# written records a distroless digest. Pin it where a registry is reachable:
#   docker buildx imagetools inspect gcr.io/distroless/nodejs24-debian13:nonroot
# then FROM ...:nonroot@sha256:<index digest>, with base.name below to match
# (and base.digest, if you add it). Refresh both pins with each Node 24 release.
#
# There is no Docker engine or registry where this is developed: `npm run
# image` builds this file, unchanged, with podman against local stand-ins for
# both FROM images (scripts/image/), and test/integration/image.test.ts runs
# the result as uid 65532 on a read-only root against a real API server.
#
# Add the build-specific OCI labels when building, e.g.
#   docker build --label org.opencontainers.image.revision="$(git rev-parse HEAD)" \
#     --label org.opencontainers.image.created="$(date -u +%Y-%m-%dT%H:%M:%SZ)" .

FROM node:24-trixie-slim@sha256:50c3b2f6988dfc307b86e5301d69611af31f4789bdf232863b07d3b02fe55ae0 AS build
WORKDIR /app
# The manifests alone first: the dependency layer stays cached until they change.
COPY package.json package-lock.json ./
# No dependency needs an install script (all pure JavaScript), so none may run.
# That includes the preinstall of the `node` devDependency, which fetches the
# Node binary npm test runs on outside the image: without it there is no binary
# (npm 11 links none; others may leave node_modules/.bin/node dangling, hence
# the rm), so npm run build can only run on this image's node.
RUN npm ci --no-audit --no-fund --ignore-scripts && rm -f node_modules/.bin/node
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build
RUN npm prune --omit=dev --ignore-scripts
# Type declarations and source maps serve editors and debuggers, not the
# runtime (node runs without --enable-source-maps, and the maps' sources are not
# shipped); @kubernetes/client-node alone ships 34 MB of them.
RUN find node_modules dist -type f \( -name '*.d.ts' -o -name '*.d.[cm]ts' -o -name '*.map' \) -delete

# Distroless: node and CA certificates, no shell or package manager to exploit.
# The :nonroot variant's user 65532 exists in its /etc/passwd.
FROM gcr.io/distroless/nodejs24-debian13:nonroot
# version, licenses, title and description must equal package.json's, and
# base.name the FROM above: test/integration/image.test.ts checks them.
LABEL org.opencontainers.image.title="skupper-cert-rotator" \
      org.opencontainers.image.description="Kubernetes controller that issues, bundles, watches and rotates the TLS Secrets of Skupper v2 Listeners and Connectors with cert-manager" \
      org.opencontainers.image.version="0.1.0" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/skupper-cert-rotator/skupper-cert-rotator" \
      org.opencontainers.image.url="https://github.com/skupper-cert-rotator/skupper-cert-rotator" \
      org.opencontainers.image.documentation="https://github.com/skupper-cert-rotator/skupper-cert-rotator/blob/main/README.md" \
      org.opencontainers.image.base.name="gcr.io/distroless/nodejs24-debian13:nonroot"
WORKDIR /app
# package.json too: the version reported by --version and build_info is read from it.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
# Numeric, so Kubernetes' runAsNonRoot can verify it without the image's passwd.
# Files stay root-owned and read-only to this user: nothing is written at run
# time (logs go to stdout, state lives in the API server), so
# readOnlyRootFilesystem: true needs no writable volume.
USER 65532:65532
# metrics, health (the --metrics-bind-address and --health-bind-address defaults)
EXPOSE 9090 8081
# No tini or --init: as PID 1 the daemon handles SIGTERM and SIGINT itself
# (src/cli.ts: graceful shutdown, exit 0) and starts no child processes, so
# there are no zombies to reap.
ENTRYPOINT ["/nodejs/bin/node", "/app/dist/src/cli.js"]
CMD ["run"]
