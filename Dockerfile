# One image for every service: `docker build --build-arg SERVICE=registry .`
FROM python:3.11-slim AS build
WORKDIR /app
RUN python -m venv /venv
COPY pyproject.toml README.md ./
COPY shared ./shared
COPY services ./services
RUN /venv/bin/pip install --no-cache-dir .

FROM python:3.11-slim
ARG SERVICE=registry
ENV SERVICE=${SERVICE} PATH=/venv/bin:$PATH PYTHONUNBUFFERED=1
RUN useradd --system --uid 10001 qise
COPY --from=build /venv /venv
USER qise
WORKDIR /home/qise
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
  CMD python -c "import os,urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(os.environ[\"SERVICE\"].upper()+\"_PORT\",\"8000\")}/healthz')"
CMD ["sh", "-c", "qise migrate $SERVICE && exec qise serve $SERVICE"]
