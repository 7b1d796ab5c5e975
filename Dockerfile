# The operator image. Node 24 runs the TypeScript sources directly (type stripping), so there is no
# compile step: one stage installs the runtime dependencies, the final one holds only what runs.
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY src ./src
# Any non-root user will do; the chart runs it as 65532 with a read-only root filesystem.
USER 65532:65532
EXPOSE 8080 8081
ENTRYPOINT ["node", "src/main.ts"]
