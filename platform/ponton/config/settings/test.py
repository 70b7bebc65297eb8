"""Settings for the test suite: real PostgreSQL, real SMTP (set per test by a fixture)."""

from .base import *  # noqa: F403
from .base import INSTALLED_APPS, PASSWORD_HASHERS, TENANT_APPS

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

# Argon2 costs ~0.1 s and 100 MB per password: the suite sets thousands. New hashes here are
# fast (test users only); the real hashers still check the others. tests/test_security.py checks
# that the settings of every deployment hash with Argon2.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]

# Static files straight from the apps (no collectstatic in tests): the browser tests need the JS.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
