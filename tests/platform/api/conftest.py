"""Fixtures of the API tests: a JSON client on a structure's host, authenticated by token."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from ponton.accounts.services import api_token_issue
from tests.conftest import host_of


class ApiClient:
    """JSON requests on a structure's host, with `Authorization: Token …` when given a user."""

    def __init__(self, structure, user=None):
        self.client = Client(HTTP_HOST=host_of(structure))
        self.headers = {}
        if user is not None:
            self.headers["HTTP_AUTHORIZATION"] = f"Token {api_token_issue(user=user)}"

    def _send(self, method: str, url: str, data=None):
        kwargs = dict(self.headers)
        if data is not None:
            kwargs.update(data=json.dumps(data), content_type="application/json")
        response = getattr(self.client, method)(url, **kwargs)
        # The request left the connection on the structure's schema: back to public, as
        # every test starts (reads of a structure go through `in_schema`).
        connection.set_schema_to_public()
        return response

    def get(self, url: str, params: dict | None = None):
        response = self.client.get(url, params or {}, **self.headers)
        connection.set_schema_to_public()
        return response

    def post(self, url: str, data=None):
        return self._send("post", url, data if data is not None else {})

    def patch(self, url: str, data=None):
        return self._send("patch", url, data if data is not None else {})

    def delete(self, url: str):
        return self._send("delete", url)


@pytest.fixture
def api():
    """api(structure, user=None) -> ApiClient."""
    return ApiClient


@pytest.fixture
def club(structure_a):
    return structure_a


@pytest.fixture
def in_schema():
    """in_schema(structure): a context manager to read or prepare data in its schema."""

    def _in(structure):
        return schema_context(structure.schema_name)

    return _in
