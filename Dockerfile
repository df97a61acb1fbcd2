# Kemai API server and worker image. Not built or run on the development machines (they have no Docker
# engine): see README "Containers". Build: docker build -t kemai .
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# `prepare` builds the console, which needs the sources: install without scripts first, build after COPY.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY . .
RUN npm run build:web && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
# pg_dump / pg_restore for `kemai backup` and `kemai restore` (major version 15: use a PostgreSQL 15 server, or
# install the matching client from apt.postgresql.org for a newer one).
RUN apt-get update \
  && apt-get install -y --no-install-recommends postgresql-client-15 tini \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build --chown=node:node /app /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 KEMAI_DATA_DIR=/data KEMAI_DEMO=never
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node
EXPOSE 3000
# SIGTERM starts the graceful shutdown (readiness 503, in-flight requests finish, jobs stop); tini forwards it.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["/usr/bin/tini", "--", "node", "bin/kemai.js"]
CMD ["serve"]
