"""`manage.py structure_import ARCHIVE [--slug NEW] [--replace]`: restore a structure from a
`structure_export` archive (tenants.backup, docs/adr/0023)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from tenants.backup import BackupError, structure_import


class Command(BaseCommand):
    help = "Restaure une structure depuis une archive de structure_export."

    def add_arguments(self, parser):
        parser.add_argument("archive", help="fichier de l'archive")
        parser.add_argument(
            "--slug", help="identifiant sous lequel l'importer (par défaut celui de l'archive)"
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="remplacer la structure existante de même identifiant",
        )

    def handle(self, *args, archive, slug=None, replace=False, **options):
        translation.activate("fr")
        path = Path(archive)
        if not path.is_file():
            raise CommandError(f"Archive introuvable : {path}")
        try:
            result = structure_import(archive_path=path, slug=slug, replace=replace)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        done = "remplacée" if result.replaced else "créée"
        self.stdout.write(
            f"{result.structure.slug} : structure {done} depuis {path} "
            f"({result.ledger_entries} écritures du journal signées sous sa clé, "
            f"{result.files} fichier(s){', schéma migré' if result.migrated else ''})"
        )
