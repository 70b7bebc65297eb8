"""Create the platform's own row and domain (production first start). Idempotent."""

from django.core.management.base import BaseCommand

from tenants.management.commands.seed_demo import ensure_platform


class Command(BaseCommand):
    help = "Create the platform row (public schema) and its domain PLATFORM_DOMAIN."

    def handle(self, *args, **options):
        platform = ensure_platform()
        self.stdout.write(f"Plateforme prête : {platform.get_primary_domain()}")
