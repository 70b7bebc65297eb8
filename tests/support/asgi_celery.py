"""The ASGI application for browser tests that run a real Celery worker: Ponton's own, with the
Celery app switched to the broker of CELERY_BROKER_URL and eager mode off
(tests/support/celery_app.py, imported here before any request), so that a page's action
reaches the worker process."""

from ponton.config.asgi import application
from tests.support import celery_app  # noqa: F401 - configures the Celery app

__all__ = ["application"]
