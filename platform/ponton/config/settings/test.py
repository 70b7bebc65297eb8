"""Settings for the test suite: real PostgreSQL, real SMTP (set per test by a fixture)."""

from .base import *  # noqa: F403
from .base import INSTALLED_APPS, TENANT_APPS

DEBUG = False
SERVE_MEDIA = True
SHOW_OUTBOX = True
SECRET_KEY = "test-only-key"  # noqa: S105
ALLOWED_HOSTS = ["*"]

# A small module that only exists for tests of the switching machinery.
TEST_MODULE_APP = "tests.support.testmodule"
TENANT_APPS = [*TENANT_APPS, TEST_MODULE_APP]
INSTALLED_APPS = [*INSTALLED_APPS, TEST_MODULE_APP]
EXTRA_MODULE_PLUGINS = [f"{TEST_MODULE_APP}.plugin"]

CELERY_TASK_ALWAYS_EAGER = True

# Static files straight from the apps (no collectstatic in tests): the browser tests need the JS.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
