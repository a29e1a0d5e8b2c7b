"""Settings of the gallery benchmark's web server (gunicorn): the local settings without
debug, and whitenoise serving static files straight from the source folders, so the
benchmark needs no collectstatic step."""

from lumina.settings.local import *  # noqa: F403
from lumina.settings.local import STORAGES

DEBUG = False
WHITENOISE_USE_FINDERS = True
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
