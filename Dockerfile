# One image for web, worker and beat (docker-compose.yml picks the command).

# The web app (frontend/) is built by Node in a stage of its own; only its static files reach the image.
FROM node:20-bookworm-slim AS frontend
WORKDIR /frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    VAR_DIR=/var/lib/chainsleuth \
    STATIC_ROOT=/app/static

# torch==2.13.0 from the default index is a multi-GB CUDA build; pass a CPU-only
# wheel index here (--build-arg TORCH_INDEX_URL=...) for a much smaller image.
ARG TORCH_INDEX_URL=""

RUN useradd --system --create-home --uid 1000 chainsleuth
WORKDIR /app

COPY requirements.txt requirements-spark.txt ./
RUN pip install ${TORCH_INDEX_URL:+--extra-index-url "$TORCH_INDEX_URL"} -r requirements.txt

# `chainstore cluster --engine spark` (docs/scale.md) needs pyspark and Java 17 in the image that submits the
# job: --build-arg WITH_SPARK=1 adds them (about 400 MB), off by default as most deployments never use Spark.
ARG WITH_SPARK=""
RUN if [ -n "$WITH_SPARK" ]; then \
      apt-get update && apt-get install -y --no-install-recommends openjdk-17-jre-headless \
      && rm -rf /var/lib/apt/lists/* && pip install -r requirements-spark.txt; \
    fi

COPY . .
COPY --from=frontend /frontend/dist frontend/dist
# The GraphSense TagPack schema and taxonomy, from the pinned tagpack-tool wheel (docs/tags.md).
RUN python -m tagpack.schema_install /usr/local/share/graphsense-schema
# Static files are built into the image; the dummy URLs keep the build from touching any server.
RUN SECRET_KEY=collectstatic-only GRAPH_URL=bolt://build REDIS_URL=redis://build \
    python manage.py collectstatic --noinput \
 && mkdir -p "$VAR_DIR" && chown chainsleuth "$VAR_DIR"

USER chainsleuth
EXPOSE 8000
CMD ["gunicorn", "app.wsgi", "--config", "python:app.gunicorn_conf", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
