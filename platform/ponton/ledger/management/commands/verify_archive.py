"""`manage.py verify_archive FILE [--public-key PEM]`: check a ledger archive offline (PO-7).

Checks the manifest's Ed25519 signature, every file's SHA-256 against the manifest and the
chain inside ledger.json, without the database. Prints what was altered, one line each, and
exits with status 1; prints a summary and exits 0 when the archive is intact."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from ponton.ledger.archives import archive_verify


class Command(BaseCommand):
    help = "Vérifie hors ligne une archive signée du journal inaltérable."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("file", help="l'archive ZIP à vérifier")
        parser.add_argument(
            "--public-key",
            help="la clé publique (PEM) de la structure, obtenue à part de l'archive",
        )

    def handle(self, *args, file, public_key=None, **options):
        translation.activate("fr")
        try:
            data = Path(file).read_bytes()
            key = Path(public_key).read_bytes() if public_key else None
        except OSError as exc:
            raise CommandError(f"Lecture impossible : {exc}") from exc
        check = archive_verify(data, public_key_pem=key)
        if check.ok:
            self.stdout.write(
                f"{file} : archive intègre, {check.entries} écritures, "
                f"clé {check.fingerprint}"
                + ("" if key else " (clé incluse dans l'archive : comparez son empreinte)")
            )
            return
        for problem in check.problems:
            self.stdout.write(f"{file} : {problem}")
        raise CommandError(f"{len(check.problems)} problème(s) : archive non intègre", returncode=1)
