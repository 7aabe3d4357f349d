# syntax=docker/dockerfile:1.7
# Storefront BFF: build a wheel in one stage, run it from a clean venv in the next.
#   docker build -t storefront-bff .
#   docker run --rm -p 8000:8000 -v bff-data:/data storefront-bff
#   docker build --build-arg PYTHON_IMAGE=registry.example.com/mirror/python:3.11-slim ...   (a mirror's base image)
#   docker build --build-arg BFF_EXTRAS=otlp ...   (the optional extras installed: OTLP traces, DAX's client)
# The container runs as a non-root user and needs no write access outside /data and /tmp, so it runs with a
# read-only root filesystem (`docker run --read-only --tmpfs /tmp -v bff-data:/data`; in ECS,
# `readonlyRootFilesystem` with both paths on the task's volumes: infra/service.yaml).

ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS builder

ARG BFF_EXTRAS=otlp,dax

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PIP_CACHE_DIR=/var/cache/pip

WORKDIR /src
RUN python -m venv /opt/venv

# README.md* matches nothing while the README does not exist yet; the build still works without it.
COPY pyproject.toml README.md* ./
COPY bff ./bff
COPY resolvers ./resolvers
COPY loaders ./loaders

# Every dependency ships a manylinux wheel for CPython 3.11, so no compiler is needed here.
RUN --mount=type=cache,target=/var/cache/pip \
    /opt/venv/bin/pip wheel --no-deps --wheel-dir /wheels . \
    && /opt/venv/bin/pip install /wheels/*.whl \
    && /opt/venv/bin/pip install "storefront-bff[${BFF_EXTRAS}]" \
    && /opt/venv/bin/pip check


FROM ${PYTHON_IMAGE} AS runtime

LABEL org.opencontainers.image.title="storefront-bff" \
      org.opencontainers.image.description="GraphQL backend-for-frontend for headless storefronts" \
      org.opencontainers.image.licenses="Apache-2.0"

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    BFF_DATA_DIR=/data

# The recommendation model's library (implicit) links to the system's OpenMP runtime, which slim images lack.
# Unpinned: the base image is a build argument, and its Debian release decides the version.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgomp1 \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 bff \
    && useradd --system --uid 10001 --gid bff --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin bff \
    && mkdir -p /data \
    && chown bff:bff /data

COPY --from=builder /opt/venv /opt/venv

WORKDIR /app
USER 10001:10001
# The only writable paths: declared volumes keep the image's ownership (/data is bff's, /tmp everyone's).
VOLUME ["/data", "/tmp"]
EXPOSE 8000

# No curl in slim images: the interpreter already there does the probe.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=3).status != 200)"]

# `bff serve` runs uvicorn on the app factory (access logs from the app's own middleware, with request ids).
# On first start, an empty catalog gets the demo one, never under BFF_ENV=production (bff/first_start.py):
# `docker run` shows a store, a production task starts on its real, imported catalog.
CMD ["bff", "serve", "--seed-if-empty", "--host", "0.0.0.0", "--port", "8000"]
