from django.db import models


class Note(models.Model):
    """Data the test module keeps in the structure's schema."""

    text = models.CharField(max_length=200)
