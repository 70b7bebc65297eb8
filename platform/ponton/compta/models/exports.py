"""CO-2 kept exports ("Mes exports"): a list exported in the background when it has more
rows than `COMPTA_EXPORT_BACKGROUND_THRESHOLD`.

The job keeps what is needed to make the exact same file again: the list, the format and the
list's GET parameters (filters and sort), validated before the job exists. A task that names
its structure streams the rows into a write-only workbook (or CSV) in a temporary file,
moving `done` as it goes (the progress bar reads it), then keeps the file in the
structure's PRIVATE storage (`exports/…`, never served by path: `web/files.py`); only its
author, still allowed to read the books of that structure, downloads it."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportJob(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("en attente")
        RUNNING = "running", _("en cours")
        DONE = "done", _("prêt")
        FAILED = "failed", _("échoué")

    class Format(models.TextChoices):
        XLSX = "xlsx", _("Excel")
        CSV = "csv", _("CSV")

    list_slug = models.CharField(_("liste"), max_length=40)
    list_title = models.CharField(_("titre de la liste"), max_length=100)
    format = models.CharField(_("format"), max_length=4, choices=Format)
    parameters = models.JSONField(_("filtres et tri"), default=dict)
    total = models.PositiveIntegerField(_("lignes à exporter"))
    done = models.PositiveIntegerField(_("lignes exportées"), default=0)
    state = models.CharField(_("état"), max_length=10, choices=State, default=State.PENDING)
    error = models.TextField(_("erreur"), blank=True)
    file = models.FileField(_("fichier"), upload_to="exports/", max_length=300, blank=True)
    file_name = models.CharField(_("nom du fichier"), max_length=200)
    created_by_id = models.BigIntegerField(_("demandé par (compte)"))
    created_at = models.DateTimeField(_("demandé le"), auto_now_add=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("export de liste")
        indexes = [models.Index(fields=["created_by_id", "-created_at"], name="compta_export_mine")]

    def __str__(self) -> str:
        return f"{self.list_slug}.{self.format} {self.done}/{self.total} ({self.state})"

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, self.done * 100 // self.total)

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)
