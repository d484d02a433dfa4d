FROM python:3.12-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update && apt-get install -y --no-install-recommends gettext && rm -rf /var/lib/apt/lists/*
RUN python -m venv /venv
COPY requirements.txt /app/requirements.txt
RUN /venv/bin/pip install -r /app/requirements.txt
COPY . /app
WORKDIR /app
RUN rm -f .env \
    && READ_DOT_ENV=false SECRET_KEY=build-only /venv/bin/python manage.py collectstatic --noinput \
    && READ_DOT_ENV=false SECRET_KEY=build-only /venv/bin/python manage.py compilemessages

FROM python:3.12-slim
RUN useradd --system --create-home --uid 10001 panel
COPY --from=build /venv /venv
COPY --from=build --chown=panel:panel /app /app
WORKDIR /app
USER panel
ENV PATH=/venv/bin:$PATH PYTHONUNBUFFERED=1 READ_DOT_ENV=false
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s CMD ["python", "config/healthcheck.py"]
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
