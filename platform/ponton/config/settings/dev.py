"""The embedded default used by `make run`: what a new structure tries first.

It faces customers, so it shows the product's own French error pages: DEBUG is a developer's
explicit switch (PONTON_DEBUG=1), off by default. Static files are served by WhiteNoise
straight from the apps (no collectstatic step), media by SERVE_MEDIA.
"""

import os

from .base import *  # noqa: F403
from .base import DATABASES, database_pool

DEBUG = os.environ.get("PONTON_DEBUG", "") == "1"
SERVE_MEDIA = True
SHOW_OUTBOX = True
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# A bounded pool of connections (docs/adr/0010): the private PostgreSQL allows 100 clients;
# `make run` serves from one daphne process. DB_POOL_MAX_SIZE=0 turns it off.
EMBEDDED_POOL_MAX_SIZE = 20
if "DB_POOL_MAX_SIZE" not in os.environ:
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = database_pool(EMBEDDED_POOL_MAX_SIZE)
