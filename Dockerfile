# syntax=docker/dockerfile:1

# One image, three binaries: the worker (default entrypoint), the Console
# Connect API simulator and the order starter. docker-compose.yml runs the
# worker and, in the demo, the simulator from this image.

# ---- build ------------------------------------------------------------------
# Runs on the build host's platform and cross-compiles for the target one, so
# `docker buildx build --platform linux/arm64` needs no emulation.
FROM --platform=$BUILDPLATFORM golang:1.26-bookworm AS build

ARG TARGETOS
ARG TARGETARCH

WORKDIR /src

# Dependencies first: this layer is reused until go.mod or go.sum changes.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download

COPY . .
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=${TARGETOS:-linux} GOARCH=${TARGETARCH} \
    go build -trimpath -ldflags='-s -w' -o /out/ \
        ./cmd/worker ./cmd/ccapi-sim ./cmd/starter

# ---- runtime ----------------------------------------------------------------
# Static binaries need no libc; distroless/static brings CA certificates
# (for https://api.consoleconnect.com), tzdata and a non-root user (65532).
FROM gcr.io/distroless/static-debian12:nonroot

COPY --from=build /out/worker /out/ccapi-sim /out/starter /usr/local/bin/

USER nonroot:nonroot

ENTRYPOINT ["/usr/local/bin/worker"]
