"""The embedded default used by `make run`: what a new structure tries first.

It faces customers, so it shows the product's own French error pages: DEBUG is a developer's
explicit switch (PONTON_DEBUG=1), off by default. Static files are served by WhiteNoise
straight from the apps (no collectstatic step), media by SERVE_MEDIA.
"""

import os

from .base import *  # noqa: F403

DEBUG = os.environ.get("PONTON_DEBUG", "") == "1"
SERVE_MEDIA = True
SHOW_OUTBOX = True
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
