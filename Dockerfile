# One image per service, from one Dockerfile:
#   docker build --build-arg SERVICE=registry -t qise-registry .
# SERVICE is registry, activities, requests, stats or console. The image starts with
# `qise migrate $SERVICE` then `qise serve $SERVICE`; Kubernetes runs the two
# steps apart (a migration Job, then the Deployment's `qise serve`), so any of
# the four images can run any service when the command is given.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG NODE_IMAGE=node:20-bookworm-slim
ARG SERVICE=registry

# --- web: the console's single-page app, built from the lockfile (only the console uses it) -
FROM ${NODE_IMAGE} AS web
WORKDIR /web
COPY services/console/web/package.json services/console/web/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY services/console/web ./
RUN rm -rf dist && npm run build

# --- build: a virtualenv with the dependencies, then the project ---------------------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
RUN python -m venv /venv
# The pinned dependencies first: this layer is rebuilt only when pyproject.toml changes.
COPY pyproject.toml README.md ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
      > /tmp/requirements.txt \
 && /venv/bin/pip install --no-cache-dir -r /tmp/requirements.txt
COPY shared ./shared
COPY services ./services
COPY qise ./qise
RUN /venv/bin/pip install --no-cache-dir --no-deps . \
 && /venv/bin/python -m compileall -q /venv/lib

# --- runtime: the virtualenv only, as an unprivileged user ----------------------------------
FROM ${PYTHON_IMAGE} AS runtime
LABEL org.opencontainers.image.title="qise" \
      org.opencontainers.image.description="Qise (七色): community volunteer service for a county"
ENV PATH=/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOME=/home/qise
# The Chinese font every PDF embeds (certificates, the summary report): shared/pdf_fonts.py
# finds it here; without one, PDFs are refused with a 503 rather than drawn blank.
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-wqy-zenhei \
 && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 qise \
 && useradd --system --uid 10001 --gid 10001 --home-dir /home/qise --create-home \
      --shell /usr/sbin/nologin qise
COPY --from=build /venv /venv
# Every image carries the console's web app, so any image runs any service (Kubernetes).
COPY --from=web /web/dist /srv/console-web
ENV CONSOLE_WEB_DIR=/srv/console-web
WORKDIR /home/qise
# Numeric, so that Kubernetes' runAsNonRoot can check it.
USER 10001:10001
# The port comes from <SERVICE>_PORT, set per service below (and overridable at run time).
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import os, sys, urllib.request; port = os.environ[os.environ['SERVICE'].upper() + '_PORT']; sys.exit(0 if urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=2).status == 200 else 1)"]
CMD ["sh", "-c", "qise migrate \"$SERVICE\" && exec qise serve \"$SERVICE\""]

# --- one final stage per service: its name, address and port --------------------------------
FROM runtime AS registry
ENV SERVICE=registry REGISTRY_HOST=0.0.0.0 REGISTRY_PORT=8001
EXPOSE 8001

FROM runtime AS activities
ENV SERVICE=activities ACTIVITIES_HOST=0.0.0.0 ACTIVITIES_PORT=8002
EXPOSE 8002

FROM runtime AS requests
ENV SERVICE=requests REQUESTS_HOST=0.0.0.0 REQUESTS_PORT=8003
EXPOSE 8003

FROM runtime AS stats
ENV SERVICE=stats STATS_HOST=0.0.0.0 STATS_PORT=8004
EXPOSE 8004

# The console owns no data: nothing to migrate; it serves the web app every image carries.
FROM runtime AS console
ENV SERVICE=console CONSOLE_HOST=0.0.0.0 CONSOLE_PORT=8000
EXPOSE 8000
CMD ["qise", "serve", "console"]

# The stage named by --build-arg SERVICE is the image (BuildKit builds only the stages it needs).
FROM ${SERVICE}
