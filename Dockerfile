# Ieum service image. Runs the TypeScript sources with tsx (`npm start` runs them compiled, from dist/).
# Data and the key-encryption key live in volumes; in production set DATABASE_URL and
# KEY_ENCRYPTION_KEY (shared by every instance) instead.
FROM node:20-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY src ./src
COPY schemas ./schemas
COPY migrations ./migrations
RUN mkdir -p data keys && chown node:node data keys
USER node
ENV HOST=0.0.0.0 PORT=3000 DATA_DIR=/app/data KEYS_DIR=/app/keys
VOLUME ["/app/data", "/app/keys"]
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:3000/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "--import", "tsx", "src/main.ts"]
