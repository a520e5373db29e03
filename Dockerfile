# syntax=docker/dockerfile:1
#
# One image, three roles (the scale-out deployment in docker-compose.yml), chosen by the command:
#   worker     node --import tsx worker.ts
#   projector  node --import tsx src/main/projector.ts
#   api        node --import tsx src/main/api.ts          (the default CMD)
# Configuration comes only from the environment variables of src/config/config.ts (ENV_SCHEMA).

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- deps: production dependencies, with the tool chain for better-sqlite3's native build ----
FROM ${NODE_IMAGE} AS deps
# better-sqlite3 installs a prebuilt binary when one can be downloaded and otherwise compiles
# with node-gyp, which needs python3, make and a C++ compiler.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# tsx (the TypeScript loader the three roles run under) is a production dependency; the dev
# dependencies (typescript, vitest, type packages) are not needed at run time.
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force

# ---- runtime: no compilers, non-root ----
FROM ${NODE_IMAGE} AS runtime
ENV DATA_DIR=/app/data \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
# Code and dependencies stay owned by root (read-only for the service user); only the data
# directory is writable, and by the service user alone (0700: it holds personal data). A named
# volume mounted on /app/data starts with this ownership and mode; the services keep it 0700 and
# create their files 0600 (umask 077).
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json worker.ts ./
COPY bin ./bin
COPY src ./src
COPY policies ./policies
COPY scripts ./scripts
# The compiled CLI (dist/cli), so `taizhang` in the image starts without compiling TypeScript.
RUN node scripts/build.mjs \
 && mkdir -p /app/data && chown node:node /app/data && chmod 700 /app/data
# `node` (uid 1000) is the unprivileged user of the official Node.js images.
USER node
EXPOSE 3000
CMD ["node", "--import", "tsx", "src/main/api.ts"]
