# Production image of the Guildhall API (used by docker-compose.yml).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY api ./api
COPY schema ./schema
COPY search ./search
COPY media ./media
COPY migrations ./migrations
RUN pip install --no-cache-dir .
RUN useradd --create-home guildhall && mkdir -p /data/media && chown -R guildhall /data
USER guildhall
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=5 \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)"
CMD ["sh", "-c", "guildhall migrate && exec uvicorn api.asgi:app --host 0.0.0.0 --port 8000 --ws websockets-sansio --proxy-headers --timeout-graceful-shutdown 30"]
