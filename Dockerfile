# The Koza application image: web (gunicorn), worker and beat all run it.
FROM python:3.13-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    STATIC_ROOT=/app/staticfiles MEDIA_ROOT=/data/media

# ffmpeg probes uploaded recordings and makes their poster images.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg gettext curl \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
RUN pip install --upgrade pip && pip install .
COPY . .
RUN DEBUG=1 python manage.py compilemessages -l ja --ignore=.venv \
    && DEBUG=1 python manage.py collectstatic --no-input \
    && useradd --system --uid 1000 koza && mkdir -p /data/media /data/private && chown -R koza /data

USER koza
EXPOSE 8000
# Workers, timeouts and how signals stop or reload it: docker/gunicorn.conf.py.
CMD ["gunicorn", "lms.wsgi:application", "-c", "docker/gunicorn.conf.py"]
