# syntax=docker/dockerfile:1
# EchoCloud API server image (ECHO_CLOUD_ROLE=api on Fargate; `serve` runs API and workers together when
# ECHO_CLOUD_ROLE=all). Multi-stage: build tools stay in the deps stage; the runtime runs as a non-root user.
#
# Base images are pinned by digest. Refresh a digest (and review the change) with:
#   docker buildx imagetools inspect node:22-bookworm-slim
# and replace the sha256 below with the index digest it prints.

FROM node:22-bookworm-slim@sha256:43ac6c60b8f89723f746e8a92ce91abd5017e627ce1ddfe4238355d3a30b772c AS deps
WORKDIR /app
# Toolchain for native addons (better-sqlite3) when no prebuilt binary matches.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund

# The web app (web/ → web/dist) is built with the dev dependencies (vite, preact); only web/dist leaves this
# stage. --ignore-scripts: no native addon is built or model runtime fetched here, none is needed to bundle.
FROM node:22-bookworm-slim@sha256:43ac6c60b8f89723f746e8a92ce91abd5017e627ce1ddfe4238355d3a30b772c AS web
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY scripts/ensure-web.ts ./scripts/ensure-web.ts
COPY web ./web
RUN npm run build:web

FROM node:22-bookworm-slim@sha256:43ac6c60b8f89723f746e8a92ce91abd5017e627ce1ddfe4238355d3a30b772c AS runtime
# ffmpeg/ffprobe: the AVI/MP4 reader validates uploads with them.
RUN apt-get update \
  && apt-get install -y --no-install-recommends ffmpeg tini \
  && rm -rf /var/lib/apt/lists/* \
  && groupadd --system --gid 10001 echo \
  && useradd --system --uid 10001 --gid echo --home-dir /var/lib/echo-cloud --create-home --shell /usr/sbin/nologin echo
ENV NODE_ENV=production \
    ECHO_CLOUD_HOST=0.0.0.0 \
    ECHO_CLOUD_PORT=8080 \
    ECHO_CLOUD_DATA_DIR=/var/lib/echo-cloud
WORKDIR /app
# Code and dependencies owned by root and read-only to the service user.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY src ./src
COPY models ./models
COPY --from=web /app/web/dist ./web/dist
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.ECHO_CLOUD_PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "bin/echo-cloud.js"]
CMD ["serve"]
