# 政务服务大厅管理系统 — one image for the web server, the Celery worker and Celery beat.
# docker-compose.yml runs it three times with different commands.

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=hall.settings \
    VAR_DIR=/app/var \
    MEDIA_ROOT=/app/var/media

WORKDIR /app

# An unprivileged account runs every process; the code stays owned by root (read-only to it).
RUN groupadd --system --gid 10001 hall \
 && useradd --system --uid 10001 --gid hall --home-dir /app --no-create-home --shell /usr/sbin/nologin hall

# Dependencies first so that code changes do not reinstall them. Every runtime package ships
# manylinux wheels (psycopg2-binary included), so no compiler or libpq-dev is needed.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Static files are collected into the image (served by WhiteNoise from /app/var/staticfiles).
# settings.py refuses to start with DEBUG off and no SECRET_KEY, so the build passes a
# throwaway key inline: it is never stored in the image and is not the one used at runtime.
# DEBUG=0 selects WhiteNoise's compressed, hashed (manifest) storage, as in production.
RUN SECRET_KEY=collectstatic-build-only-not-a-secret DEBUG=0 \
    python manage.py collectstatic --noinput \
 && mkdir -p /app/var/media \
 && chown hall:hall /app/var \
 && find /app/var -mindepth 1 -maxdepth 1 ! -name staticfiles -exec chown -R hall:hall {} + \
 && chmod 0750 /app/var/media
# /app/var/media must exist and belong to `hall` in the image: Docker copies that ownership into
# a new named volume mounted there, so uploads are writable without running as root.

USER hall

EXPOSE 8000

CMD ["gunicorn", "hall.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
