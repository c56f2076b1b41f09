# Border Intelligence Exchange: one image for web, worker and beat.
FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

RUN useradd --system --create-home --uid 10001 bix
COPY pyproject.toml README.md ./
COPY portal ./portal
COPY sharing ./sharing
COPY agencies ./agencies
RUN pip install .
COPY manage.py ./
COPY templates ./templates
COPY static ./static
# Collected under production settings (DEBUG off), so the hashed names' manifest
# (staticfiles.json) that DEBUG=false pages need is written. The key only lets settings load
# here and signs nothing; the deployment's own comes from SECRET_KEY_FILE at run time.
RUN DEBUG=false SECRET_KEY=build-time-only-signs-nothing DATABASE_URL=postgres://unused/unused \
    python manage.py collectstatic --no-input
RUN mkdir -p /app/media && chown bix /app/media

USER bix
EXPOSE 8000
# Access log lines leave out query strings and referrers: a key a client wrongly sent in a
# URL, or an indicator value searched for, must not land in the logs.
CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", \
     "--access-logfile", "-", "--access-logformat", "%(h)s %(t)s \"%(m)s %(U)s %(H)s\" %(s)s %(b)s %(L)s \"%(a)s\""]
