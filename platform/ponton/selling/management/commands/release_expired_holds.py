"""`manage.py release_expired_holds [--every SECONDS]`: give back the seats of expired online
baskets in every structure; with --every, forever (the embedded default's stand-in for Celery
beat, started by `make run`)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from ponton.selling.tasks import release_expired_holds_everywhere


class Command(BaseCommand):
    help = "Libère les places des paniers en ligne expirés, dans toutes les structures."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=int, default=0, help="recommencer toutes les N s")

    def handle(self, *args, every: int = 0, **options):
        try:
            while True:
                released = release_expired_holds_everywhere()
                if released or not every:
                    self.stdout.write(f"{released} ligne(s) de panier libérée(s).")
                if not every:
                    return
                time.sleep(every)
        except KeyboardInterrupt:  # Ctrl-C on `make run`
            return
