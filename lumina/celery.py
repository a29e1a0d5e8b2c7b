"""The Celery app. Broker: Redis when REDIS_URL is set, else kombu's filesystem://
transport under var/broker (settings.local), so `make run` needs no server."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lumina.settings.local")
# One libvips thread per task: the worker already runs one task per core.
os.environ.setdefault("VIPS_CONCURRENCY", "1")

app = Celery("lumina")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="lumina.ping", acks_late=True)
def ping() -> str:
    return "pong"
