"""CU-1 search: name fragments, email and phone (typed the French way) through the list view's
selector, served by the trigram GIN index customers_customer_search_trgm."""

from __future__ import annotations

from django.db import connection
from django_tenants.utils import schema_context

from ponton.customers.models import Customer
from ponton.customers.selectors import customer_list


def names(query: str) -> list[str]:
    return [c.full_name for c in customer_list(query=query)]


def test_search_by_fragment_email_and_phone_typed_with_spaces(structure_a):
    """CU-1: search is case-insensitive, each word must match; a phone typed "06 12 34 56 78"
    finds the stored +33612345678."""
    structure, _owner = structure_a
    with schema_context(structure.schema_name):
        Customer.objects.create(
            first_name="Maëlle",
            last_name="Le Goff",
            email="maelle@exemple.test",
            mobile="+33612345678",
        )
        Customer.objects.create(
            first_name="Yann", last_name="Kerbrat", email="yann@voile.test", phone="+33298001122"
        )
        assert names("GOF") == ["Maëlle Le Goff"]
        assert names("maëlle le goff") == ["Maëlle Le Goff"]
        assert names("voile.test") == ["Yann Kerbrat"]
        assert names("06 12 34 56 78") == ["Maëlle Le Goff"]
        assert names("02.98.00.11.22") == ["Yann Kerbrat"]
        assert names("+33298001122") == ["Yann Kerbrat"]
        assert names("yann goff") == []
        assert names("") == ["Yann Kerbrat", "Maëlle Le Goff"]


def test_search_uses_the_trigram_index(structure_a):
    """CU-1: on a few thousand customers the search plan reads the trigram GIN index
    (Bitmap Index Scan) in the structure's schema (cloned from the template, where it is
    customers_customer_search_trgm; the clone gives it a new name); pg_trgm lives in public."""
    structure, _owner = structure_a
    with schema_context(structure.schema_name):
        Customer.objects.bulk_create(
            Customer(
                first_name=f"Prénom{i}",
                last_name=f"Nom{i}",
                email=f"client{i}@exemple.test",
                mobile=f"+3361234{i:04d}",
            )
            for i in range(3000)
        )
        with connection.cursor() as cur:
            cur.execute("ANALYZE customers_customer")
            # Neither a sequential scan nor a walk of the name order: only an index on the
            # search expression can answer.
            cur.execute("SET LOCAL enable_seqscan = off")
            cur.execute("SET LOCAL enable_indexscan = off")
            cur.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = %s "
                "AND indexdef LIKE %s",
                [structure.schema_name, "%gin_trgm_ops%"],
            )
            [(index_name, index_def)] = cur.fetchall()
        assert "USING gin (lower(" in index_def
        for query in ("nom1234", "client42@exemple", "06 12 34 01 23"):
            plan = customer_list(query=query).explain()
            assert f"Bitmap Index Scan on {index_name}" in plan, plan
        with schema_context("public"), connection.cursor() as cur:
            cur.execute(
                "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n "
                "ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'"
            )
            assert cur.fetchone() == ("public",)
        assert names("nom1234") == ["Prénom1234 Nom1234"]
