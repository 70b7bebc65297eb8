"""`manage.py verify_ledger [--structure SLUG]`: recompute every structure's ledger chain.

Prints one line per structure; names the first entry that does not match (a wrong hash, a
signature that the structure's key did not make) and every problem with the head and the
anchors kept in the public schema (a tail cut off, a head moved back, an anchor whose
signature fails), and exits with status 1 when any ledger fails."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django_tenants.utils import schema_context

from ponton.ledger.selectors import ledger_verify
from tenants.models import Structure


class Command(BaseCommand):
    help = "Vérifie le chaînage du journal inaltérable de chaque structure."

    def add_arguments(self, parser):
        parser.add_argument("--structure", help="identifiant (slug) d'une seule structure")

    def handle(self, *args, structure=None, **options):
        translation.activate("fr")
        structures = Structure.objects.exclude(schema_name="public").order_by("slug")
        if structure:
            structures = structures.filter(slug=structure)
            if not structures.exists():
                raise CommandError(f"Structure inconnue : {structure}")
        broken = 0
        for item in structures:
            with schema_context(item.schema_name):
                result = ledger_verify()
            if result.ok:
                self.stdout.write(f"{item.slug} : {result.entries} écritures, chaîne intègre")
            else:
                broken += 1
                where = (
                    f"écriture n° {result.broken_position}"
                    if result.broken_position is not None
                    else "tête du journal"
                )
                self.stdout.write(f"{item.slug} : ÉCHEC, {where} : {result.reason}")
                for problem in result.problems[1:]:
                    self.stdout.write(f"{item.slug} :   aussi : {problem}")
        if broken:
            raise CommandError(f"{broken} journal(aux) non intègre(s)", returncode=1)
