# The operator image. Node 24 runs the TypeScript sources directly (type stripping), so there is no
# compile step: one stage installs the runtime dependencies, one builds helm and kustomize (which
# bakeManifest runs), the final one holds only what runs.

# helm and kustomize from their Go modules, static, at the versions hack/versions.env pins for the
# local control plane (test/unit/dockerfile-versions.test.ts keeps these defaults equal to them).
FROM golang:1.26-bookworm AS renderers
ARG HELM_VERSION=4.3.1
ARG KUSTOMIZE_VERSION=5.8.2
ENV CGO_ENABLED=0 GOTOOLCHAIN=local GOBIN=/out
RUN go install -trimpath -ldflags "-s -w -X helm.sh/helm/v4/internal/version.version=v${HELM_VERSION}" "helm.sh/helm/v4/cmd/helm@v${HELM_VERSION}" \
 && go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kustomize/kustomize/v5@v${KUSTOMIZE_VERSION}" \
 && /out/helm version --short && /out/kustomize version

FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
# Found on PATH by bakeManifest (STAYSAIL_HELM and STAYSAIL_KUSTOMIZE may name others).
COPY --from=renderers /out/helm /out/kustomize /usr/local/bin/
COPY package.json ./
COPY bin ./bin
COPY src ./src
# Any non-root user will do; the chart runs it as 65532 with a read-only root filesystem.
USER 65532:65532
EXPOSE 8080 8081
ENTRYPOINT ["node", "src/main.ts"]
