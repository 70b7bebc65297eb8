"""Seed the category taxonomy (CA-1): it lands in the template schema, so every new
structure (a clone of the template) starts with it."""

from django.db import migrations

TAXONOMY = [
    ("Culture", ["Arts et culture", "Musées", "Patrimoine", "Spectacles", "Visites guidées"]),
    ("Sport", ["Voile", "Nautisme", "Randonnée", "Vélo", "Sports d'eau vive", "Équitation"]),
    ("Loisirs", ["Ateliers", "Jeux et animations", "Excursions", "Bien-être"]),
    ("Nature", ["Découverte de la nature", "Pêche", "Observation de la faune"]),
    ("Boutique", ["Souvenirs", "Vêtements", "Librairie", "Équipement"]),
    ("Adhésions", ["Adhésion annuelle", "Licence"]),
]


def seed(apps, schema_editor):
    category = apps.get_model("catalogue", "Category")
    for position, (domain, subdomains) in enumerate(TAXONOMY):
        parent, _ = category.objects.get_or_create(
            parent=None, name=domain, defaults={"position": position}
        )
        for sub_position, name in enumerate(subdomains):
            category.objects.get_or_create(
                parent=parent, name=name, defaults={"position": sub_position}
            )


def unseed(apps, schema_editor):
    category = apps.get_model("catalogue", "Category")
    category.objects.filter(parent__isnull=False).delete()
    category.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0002_offer")]

    operations = [migrations.RunPython(seed, unseed)]
