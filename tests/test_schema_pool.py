"""The test suite's blank-schema pool (tests/support/schema_pool.py) is on whenever the run
made a test database: without it every new structure is a real clone of the template (about
450 tables), and the suite takes twice as long. A run that made none (only files that use no
database) has no pool and no error."""

from django.db import connection


def test_the_pool_is_on_in_a_run_with_a_test_database(_schema_pool, db):
    assert connection.settings_dict["NAME"].startswith("test_")
    assert _schema_pool is not None
