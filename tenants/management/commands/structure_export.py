"""`manage.py structure_export SLUG [--output FILE]`: one structure's schema, files and
manifest in one archive (tenants.backup, docs/adr/0023)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation

from tenants.backup import BackupError, structure_export


class Command(BaseCommand):
    help = "Sauvegarde une structure (schéma, fichiers, manifeste) dans une archive."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="identifiant (slug) de la structure")
        parser.add_argument(
            "--output", help="fichier de l'archive (par défaut SLUG-AAAAMMJJ-HHMMSS.tar.gz)"
        )

    def handle(self, *args, slug, output=None, **options):
        translation.activate("fr")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        path = Path(output or f"{slug}-{stamp}.tar.gz")
        try:
            manifest = structure_export(slug=slug, output=path)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        media = sum(1 for name in manifest["files"] if name.startswith("media/"))
        self.stdout.write(
            f"{slug} : archive {path} ({len(manifest['migrations'])} migrations, "
            f"{media} fichier(s), {len(manifest['ledger_anchors'])} ancre(s) du journal)"
        )
