"""The base of the catalogue's API views: permissions and pagination."""

from __future__ import annotations

from rest_framework import generics

from ponton.web.api import ApiPagination

READ_METHODS = ("GET", "HEAD", "OPTIONS")


class CatalogueView(generics.GenericAPIView):
    """Reading needs "catalogue.view", writing "catalogue.manage"."""

    pagination_class = ApiPagination

    @property
    def required_permission(self) -> str:
        return "catalogue.view" if self.request.method in READ_METHODS else "catalogue.manage"
