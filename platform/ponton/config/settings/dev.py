"""The embedded default used by `make run`."""

from .base import *  # noqa: F403

DEBUG = True
SERVE_MEDIA = True
SHOW_OUTBOX = True
