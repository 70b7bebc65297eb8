"""Customer base benchmark (CU-1).

customer_search_p95_ms: a structure with 100,000 customers (generated French-ish names, emails,
mobiles); 200 searches (name fragments, full names, emails, phone numbers) through the list
view's selector and paginator (`selectors.customer_list` + first page of 50 + count); p95 of the
server time. Goal 50 ms, served by the trigram GIN index `customers_customer_search_trgm`.
"""

from __future__ import annotations

import math
import random
import statistics
import sys
import time

CUSTOMERS = 100_000
SEARCHES = 200
BATCH = 5_000
GOAL_MS = 50

FIRST_NAMES = (
    "Camille Léa Manon Chloé Emma Inès Jade Louise Lina Zoé Anne Marie Claire Sophie Julie "
    "Lucas Hugo Louis Gabriel Arthur Jules Raphaël Nathan Léo Tom Yann Erwan Loïc Gaël Ronan "
    "Mathis Paul Pierre Jean Marc Alain Hervé Nolwenn Maëlle Gwen"
).split()
LAST_NAMES = tuple(
    (
        "Martin,Bernard,Thomas,Petit,Robert,Richard,Durand,Dubois,Moreau,Laurent,Simon,Michel,"
        "Lefebvre,Leroy,Roux,David,Bertrand,Morel,Fournier,Girard,Bonnet,Dupont,Lambert,Fontaine,"
        "Rousseau,Vincent,Muller,Lefèvre,Faure,André,Mercier,Blanc,Guérin,Boyer,Garnier,"
        "Chevalier,Le Goff,Le Gall,Kerbrat,Le Bihan,Tanguy,Quéméner,Guillou,Le Roux,Morvan,Jaouen,"
        "Cariou,Le Meur,Salaün,Abgrall,Hamon,Le Floch,Prigent,Bourhis,Calvez,Le Guen,Le Corre,"
        "Nicolas"
    ).split(",")
)
DOMAINS = ("exemple.fr", "courriel.test", "mail.test", "voile.test", "orange.test")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def _people(rng: random.Random, n: int):
    for i in range(n):
        first = rng.choice(FIRST_NAMES)
        last = rng.choice(LAST_NAMES)
        email = f"{first.lower()}.{last.lower().replace(' ', '')}{i}@{rng.choice(DOMAINS)}"
        mobile = f"+336{rng.randrange(10**8):08d}"
        yield first, last, email, mobile


def bench_customer_search_p95_ms(*, env: dict[str, str], emit) -> None:
    from django.core.paginator import Paginator
    from django_tenants.utils import schema_context

    from ponton.customers import selectors
    from ponton.customers.models import Customer
    from tenants.services import StructureData, structure_create

    stamp = int(time.time())
    structure, _owner = structure_create(
        data=StructureData(
            name="Club des 100 000 clients",
            slug=f"clients{stamp}",
            owner_email=f"owner@clients{stamp}.test",
        )
    )
    rng = random.Random(42)  # noqa: S311 - test data
    people = list(_people(rng, CUSTOMERS))
    with schema_context(structure.schema_name):
        started = time.perf_counter()
        for start in range(0, CUSTOMERS, BATCH):
            Customer.objects.bulk_create(
                Customer(first_name=f, last_name=la, email=e, mobile=m)
                for f, la, e, m in people[start : start + BATCH]
            )
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute("ANALYZE customers_customer")
        log(f"customers: {CUSTOMERS} inserted in {time.perf_counter() - started:.1f} s")

        queries = []
        for i in range(SEARCHES):
            first, last, email, mobile = people[rng.randrange(CUSTOMERS)]
            kind = i % 4
            if kind == 0:
                word = max(last.split(), key=len)
                queries.append(word[: max(3, len(word) - 2)])  # a name fragment
            elif kind == 1:
                queries.append(f"{first} {last}")
            elif kind == 2:
                queries.append(email.split("@")[0])
            else:
                national = "0" + mobile[3:]
                queries.append(" ".join(national[j : j + 2] for j in range(0, 10, 2)))

        def search(query: str) -> float:
            t0 = time.perf_counter()
            page = Paginator(selectors.customer_list(query=query), 50).get_page(1)
            list(page.object_list)
            page.paginator.num_pages  # noqa: B018 - the count the list view shows
            return (time.perf_counter() - t0) * 1000

        for query in queries[:10]:
            search(query)  # warm-up
        times = [search(query) for query in queries]
    p95 = percentile(times, 95)
    for kind, label in enumerate(("name fragment", "full name", "email", "phone")):
        of_kind = times[kind::4]
        slowest = max(range(len(of_kind)), key=of_kind.__getitem__)
        log(
            f"  {label}: median {statistics.median(of_kind):.1f} ms, "
            f"p95 {percentile(of_kind, 95):.1f} ms, slowest {queries[kind::4][slowest]!r}"
        )
    log(
        f"customer search: median {statistics.median(times):.1f} ms, p95 {p95:.1f} ms, "
        f"max {max(times):.1f} ms"
    )
    emit(
        "customer_search_p95_ms",
        round(p95, 2),
        "ms",
        GOAL_MS,
        median=round(statistics.median(times), 2),
        customers=CUSTOMERS,
        searches=SEARCHES,
    )
