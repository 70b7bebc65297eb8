"""The till's functions: cash in/out, X and Z, closings, ticket search (PO-2..PO-5)."""

urlpatterns: list = []
