# One image for every role of Open Smooth: `smooth serve --role api|worker|all`.
# Debian's Chromium and ffmpeg (the packages scripts/setup.sh installs on a host), Node 20, the
# workspace's npm packages from the lockfile; TypeScript runs through tsx (no build step).

# The npm packages, in a stage with a compiler: better-sqlite3 builds from source when its
# prebuilt binary cannot be downloaded. Only node_modules leave this stage.
FROM node:20-bookworm-slim AS packages
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY packages/protocol/package.json packages/protocol/
COPY packages/browser/package.json packages/browser/
COPY packages/agent/package.json packages/agent/
COPY packages/testkit/package.json packages/testkit/
COPY packages/server/package.json packages/server/
COPY packages/sdk/package.json packages/sdk/
COPY packages/cli/package.json packages/cli/
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error

FROM node:20-bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      chromium ffmpeg fonts-liberation fonts-noto-color-emoji ca-certificates tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=packages /app/node_modules node_modules
# The workspaces' own node_modules (if npm put any there), then their sources over them.
COPY --from=packages /app/packages packages
COPY package.json package-lock.json ./
COPY packages packages

# Chromium and the server's files run as an unprivileged user; the data directory is a volume.
RUN useradd --create-home --uid 10001 smooth && mkdir -p /data && chown smooth:smooth /data
USER smooth
ENV NODE_ENV=production \
    SMOOTH_DATA_DIR=/data \
    SMOOTH_CONFIG_DIR=/data/cli-config \
    SMOOTH_CHROMIUM_PATH=/usr/bin/chromium
VOLUME /data
EXPOSE 7777

ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/packages/cli/bin/smooth.js"]
# Listen on every interface of the container (the CLI's default is 127.0.0.1).
CMD ["serve", "--host", "0.0.0.0", "--port", "7777"]
