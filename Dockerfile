# syntax=docker/dockerfile:1
# Multi-stage build: compile with dev dependencies, ship only production ones.
# Node 22 is the LTS line inside the package.json engines range (Node 20 left
# maintenance in April 2026). The test suite also runs these steps outside
# Docker, because no Docker engine is available where it is developed.

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --ignore-scripts

FROM gcr.io/distroless/nodejs22-debian12:nonroot
LABEL org.opencontainers.image.title="skupper-cert-rotator" \
      org.opencontainers.image.description="Issues, bundles, watches and rotates the TLS Secrets of Skupper v2 Listeners and Connectors with cert-manager" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
# distroless/nonroot runs as uid 65532; nothing is written to the filesystem,
# so readOnlyRootFilesystem: true works. The daemon handles SIGTERM itself.
USER 65532:65532
EXPOSE 9090 8081
ENTRYPOINT ["/nodejs/bin/node", "dist/src/cli.js"]
CMD ["run"]
