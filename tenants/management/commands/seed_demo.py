"""Create the platform row, a platform operator and the demo structure, once.

Prints the URLs and the demo logins. Running it again changes nothing.
"""

import os

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django_tenants.utils import schema_context

from ponton.accounts.models import User
from ponton.catalogue.services import site_create
from ponton.plugins.manager import hooks_for
from tenants.demo import fill_demo_structure
from tenants.models import Domain, Structure
from tenants.selectors import platform_url, structure_url
from tenants.services import StructureData, module_grant, module_set_enabled, structure_create

DEMO_SLUG = "demo"
DEMO_NAME = "Base nautique de démonstration"
DEMO_OWNER = "demo@ponton.test"
OPERATOR = "operateur@ponton.test"
# Obvious demo values, printed at start-up; override them with the environment.
DEMO_PASSWORD = os.environ.get("PONTON_DEMO_PASSWORD", "ponton-demo-2026")


def ensure_platform() -> Structure:
    platform, _ = Structure.objects.get_or_create(
        schema_name=settings.PUBLIC_SCHEMA_NAME,
        defaults={"name": settings.PLATFORM_NAME, "slug": "platform"},
    )
    Domain.objects.get_or_create(
        domain=settings.PLATFORM_DOMAIN, defaults={"tenant": platform, "is_primary": True}
    )
    return platform


class Command(BaseCommand):
    help = "Seed the platform and the demo structure (idempotent)."

    def handle(self, *args, **options):
        with transaction.atomic():
            ensure_platform()
            if not User.objects.filter(email=OPERATOR).exists():
                User.objects.create_user(
                    email=OPERATOR,
                    password=DEMO_PASSWORD,
                    first_name="Opératrice",
                    last_name="Plateforme",
                    is_platform_operator=True,
                )
            demo = Structure.objects.filter(slug=DEMO_SLUG).first()
            if demo is None:
                demo, owner = structure_create(
                    data=StructureData(
                        name=DEMO_NAME,
                        slug=DEMO_SLUG,
                        owner_email=DEMO_OWNER,
                        owner_first_name="Camille",
                        owner_last_name="Marin",
                        profile={
                            "title": "Base nautique de la baie",
                            "city": "Brest",
                            "postal_code": "29200",
                            "address_line1": "1 quai de la Douane",
                            "email": "contact@demo.ponton.test",
                            "phone": "+33298000000",
                            # Cheques are deposited into this account (CO-1).
                            "bank_account_holder": "Base nautique de la baie",
                            "iban": "FR7630006000011234567890189",
                            "bic": "AGRIFRPP",
                            # A made-up number (valid check digits): the FEC is named after
                            # the SIREN, its first 9 digits (CO-3).
                            "siret": "12345678200002",
                        },
                    )
                )
                owner.set_password(DEMO_PASSWORD)
                owner.save(update_fields=["password"])
                with schema_context(demo.schema_name):
                    site_create(
                        name="Base nautique",
                        address_line1="1 quai de la Douane",
                        postal_code="29200",
                        city="Brest",
                    )
                    fill_demo_structure(structure=demo)
                # The demo has the till, the SMS and e-marketing (paid modules, granted here as an
                # operator would): modules that are on add their own demo data.
                module_grant(structure=demo, label="pos")
                module_grant(structure=demo, label="sms")  # its quota: modules/sms/demo.py
                module_grant(structure=demo, label="emarketing")
                # FF Voile (free): on, on the federation emulator (modules/ffvoile/demo.py).
                module_set_enabled(structure=demo, label="ffvoile", enabled=True)
                hooks_for(demo).ponton_demo_fill(structure=demo)
        self.stdout.write(
            "\n"
            "  Ponton est prêt.\n"
            f"  Plateforme (inscription, console) : {platform_url('/')}\n"
            f"  Console des opérateurs            : {platform_url('/console/')}\n"
            f"      identifiant : {OPERATOR}   mot de passe : "
            f"{DEMO_PASSWORD}\n"
            f"  Structure de démonstration        : {structure_url(structure=demo, path='/')}\n"
            f"  Club Manager                      : "
            f"{structure_url(structure=demo, path='/manager/')}\n"
            f"      identifiant : {DEMO_OWNER}   mot de passe : {DEMO_PASSWORD}\n"
            f"  Caisse (même identifiant)         : "
            f"{structure_url(structure=demo, path='/caisse/')}\n"
            f"  Emails envoyés (mode local)       : {platform_url('/outbox/')} (opérateurs)\n"
            f"      ceux de la démonstration      : "
            f"{structure_url(structure=demo, path='/manager/emails/')}\n"
        )
