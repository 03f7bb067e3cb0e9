# syntax=docker/dockerfile:1
#
# oiq-batch as a batch container (Kubernetes CronJob / Job, or `docker run`).
#
#   docker build -t oiq-batch:0.1.0 --build-arg VERSION=0.1.0 --build-arg REVISION=$(git rev-parse HEAD) .
#   docker run --rm --read-only --tmpfs /tmp \
#     -e OUTBOUNDIQ_API_KEY_FILE=/run/secrets/api-key -v "$PWD/api-key:/run/secrets/api-key:ro" \
#     -v "$PWD/data:/data" oiq-batch:0.1.0 assign in/leads.csv -o out/leads.enriched.csv
#   docker run --rm oiq-batch:0.1.0 demo        # simulator + the bundled fixture, no key needed
#
# The working directory is /data, so relative paths on the command line are under the mounted volume.
# Both stages use the same Node LTS image (Node 26: Active LTS since 2026-10-28), pinned to an exact release so a rebuild does not silently
# change the runtime (bump it deliberately; add an @sha256 digest if your registry policy asks for one).

# ---- build: dev dependencies, TypeScript → dist/ ------------------------------------------------------
FROM node:26.10.0-trixie-slim AS build
WORKDIR /app
# The lockfile alone decides the dependency layer, so editing src/ reuses the cached install.
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
# The same compile `npm ci` runs as `prepare`, run once the sources are here.
RUN npm run build

# ---- runtime: production dependencies and dist/ only --------------------------------------------------
FROM node:26.10.0-trixie-slim AS runtime
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="oiq-batch" \
      org.opencontainers.image.description="Stream lead files through outboundIQ's ANI assignment API and manage number reputation in bulk" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="docker.io/library/node:26.10.0-trixie-slim"
# TMPDIR: the only scratch space the tool uses besides its output directories. With a read-only root
# filesystem, mount a tmpfs/emptyDir here (`--tmpfs /tmp`, or the manifests' emptyDir).
ENV NODE_ENV=production \
    TMPDIR=/tmp
WORKDIR /app
# package.json is needed at run time too: it makes dist/*.js ES modules ("type": "module").
COPY package.json package-lock.json ./
# --ignore-scripts: no install script runs (and `prepare` would need the dev-only compiler).
# npm and corepack are then removed: the job never installs anything, and they only add attack surface.
RUN npm ci --omit=dev --ignore-scripts \
 && npm cache clean --force \
 && rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
           /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack
COPY --from=build /app/dist ./dist
# `demo` (the embedded simulator + assign) reads its bundled fixture from here (dist/../fixtures).
COPY fixtures/leads-demo.csv ./fixtures/leads-demo.csv
# The app stays root-owned and read-only to the job; it writes only under /data (a mounted volume)
# and TMPDIR. /data is created owned by node so a fresh named volume mounted there is writable.
RUN mkdir -p /data/in /data/out && chown -R node:node /data
# Relative paths (and demo's out/ folder) land in /data, the one writable place besides TMPDIR.
WORKDIR /data
# Non-root: the official image's `node` user (uid/gid 1000; Kubernetes needs runAsUser: 1000 to verify it).
USER node
# No HEALTHCHECK: this is a batch job, not a server. It has nothing to probe, a failed check would not
# restart it, and its health is its exit code (0 ok, 1 rows failed, 2 usage, 3 key refused, 4 API
# unavailable, 130/143 interrupted).
# Exec form: node is PID 1 and receives SIGTERM/SIGINT itself, so the CLI can drain and flush before
# exiting (a shell form would swallow the signal). The CLI spawns no children, so no init is needed;
# test/e2e/ops-pid1.test.ts checks the drain as PID 1 of a fresh PID namespace. The path is absolute
# because the working directory is /data.
ENTRYPOINT ["node", "/app/dist/cli/main.js"]
CMD ["--help"]
