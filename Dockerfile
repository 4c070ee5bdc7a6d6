# Production image of the Guildhall API (used by docker-compose.yml).

# GraphiQL's files, fetched from the npm registry (pinned and integrity-checked) at build time:
# Guildhall serves them itself, so the IDE needs no CDN and works on an offline network.
FROM node:20-slim AS graphiql
COPY scripts/install-graphiql.sh /usr/local/bin/install-graphiql.sh
RUN GUILDHALL_CACHE=/assets install-graphiql.sh

FROM python:3.11-slim
# GUILDHALL_CACHE: where Guildhall finds GraphiQL's files.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 GUILDHALL_CACHE=/opt/guildhall
# Extras to install: `tracing` (OpenTelemetry; on only when OTEL_EXPORTER_OTLP_ENDPOINT is set).
# Build with --build-arg EXTRAS= for the smallest image.
ARG EXTRAS=tracing
# `guildhall backup` runs pg_dump, which must be at least the server's major version: the client
# tools of PG_MAJOR (docker-compose.yml's postgres) from the PostgreSQL project's own apt repository.
ARG PG_MAJOR=16
RUN apt-get update \
  && apt-get install -y --no-install-recommends ca-certificates postgresql-common \
  && /usr/share/postgresql-common/pgdg/apt.postgresql.org.sh -y \
  && apt-get install -y --no-install-recommends "postgresql-client-${PG_MAJOR}" \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY api ./api
COPY schema ./schema
COPY search ./search
COPY media ./media
COPY migrations ./migrations
RUN pip install --no-cache-dir ".${EXTRAS:+[$EXTRAS]}"
COPY --from=graphiql /assets /opt/guildhall
RUN useradd --create-home guildhall && mkdir -p /data/media && chown -R guildhall /data
USER guildhall
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=5 \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)"
# WORKERS serving processes (0: one per core), sharing their metrics through one fresh folder.
CMD ["sh", "-c", "guildhall migrate && w=${WORKERS:-1} && if [ \"$w\" = 0 ]; then w=$(nproc); fi && export PROMETHEUS_MULTIPROC_DIR=${PROMETHEUS_MULTIPROC_DIR:-/tmp/guildhall-metrics} && rm -rf \"$PROMETHEUS_MULTIPROC_DIR\" && mkdir -p \"$PROMETHEUS_MULTIPROC_DIR\" && exec uvicorn api.asgi:app --host 0.0.0.0 --port 8000 --workers \"$w\" --ws websockets-sansio --no-proxy-headers --timeout-graceful-shutdown 30"]
