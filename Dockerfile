# syntax=docker/dockerfile:1
# e-Surety Platform (電子保証プラットフォーム) container image: the compiled dist/ with production dependencies only,
# run as a non-root user, state in the /data volume. How to run it: docs/deploy.md.
# test/platform/deploy-files.test.ts checks what operators rely on here (COPY sources, user, volume, health check).

FROM node:24-bookworm-slim AS build
WORKDIR /app
# Dependencies first, so this layer is rebuilt only when the lockfile changes. .npmrc carries engine-strict (Node 24);
# package.json's allowScripts lets esbuild's install script run and denies better-sqlite3's: better-sqlite3 13 ships
# prebuilt glibc binaries (linux-x64, linux-arm64) inside its npm package, so this stage needs no compiler.
COPY package.json package-lock.json .npmrc ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
# What `npm run build` reads (scripts/build.mjs: src, views, db, the build script and bin/require-node.js).
COPY tsconfig.json ./
COPY bin/ ./bin/
COPY scripts/build.mjs ./scripts/
COPY db/ ./db/
COPY src/ ./src/
COPY views/ ./views/
# Pruned after the build: esbuild, tsx, vitest and the other dev dependencies never reach the runtime stage.
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    ESURETY_DATA_DIR=/data
# A fixed numeric UID/GID (10001): bind mounts and secrets can be chowned to it, and Kubernetes' runAsNonRoot can
# check it. /data is created here, owned by that user, before VOLUME: a new named volume copies this ownership.
RUN groupadd --system --gid 10001 esurety \
    && useradd --system --uid 10001 --gid esurety --home-dir /nonexistent --no-create-home \
        --shell /usr/sbin/nologin esurety \
    && install -d -o esurety -g esurety -m 0700 /data
WORKDIR /app
# Only what runs, owned by root so the service cannot rewrite its own code. package.json holds "type": "module" for
# dist/; bin/ keeps `npm start` and `npm run cli -- <command>` working inside the container.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules/ ./node_modules/
COPY --from=build /app/dist/ ./dist/
COPY --from=build /app/bin/ ./bin/
USER 10001:10001
VOLUME ["/data"]
EXPOSE 3000
# The server finishes in-flight requests and flushes access records on SIGTERM, forcing its exit after 10 s: give
# `docker stop` more than that (docker stop -t 20, compose stop_grace_period: 20s).
STOPSIGNAL SIGTERM
# No curl in the slim image: Node's own fetch. Liveness only (/readyz also checks the database and migrations).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/server.js"]
