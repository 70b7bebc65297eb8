"""`manage.py close_ledger [--structure SLUG]`: record the closings of every day, month and
year that ended, for structures that appended nothing since (appends close by themselves)."""

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from ponton.ledger.services import ledger_close_due
from tenants.models import Structure


class Command(BaseCommand):
    help = "Enregistre les clôtures journalières, mensuelles et annuelles échues."

    def add_arguments(self, parser):
        parser.add_argument("--structure", help="identifiant (slug) d'une seule structure")

    def handle(self, *args, structure=None, **options):
        structures = Structure.objects.exclude(schema_name="public").order_by("slug")
        if structure:
            structures = structures.filter(slug=structure)
            if not structures.exists():
                raise CommandError(f"Structure inconnue : {structure}")
        for item in structures:
            with schema_context(item.schema_name):
                closed = ledger_close_due()
            self.stdout.write(f"{item.slug} : {len(closed)} clôture(s) enregistrée(s)")
