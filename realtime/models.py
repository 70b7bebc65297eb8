"""The staff notification centre (tenant schema): one row per recipient."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    user_id = models.BigIntegerField(db_index=True)  # accounts.User id (public schema)
    kind = models.CharField(max_length=50)
    title = models.CharField(_("titre"), max_length=200)
    body = models.TextField(_("texte"), blank=True)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["user_id", "read_at"], name="notif_user_unread")]

    def __str__(self) -> str:
        return self.title

    @property
    def link(self) -> str:
        """The url when it is a path of this site or an http(s) address; "" otherwise (never a
        `javascript:` link, whoever wrote the row)."""
        url = self.url.strip()
        if url.startswith("/") and not url.startswith(("//", "/\\")):
            return url
        if url.lower().startswith(("https://", "http://")):
            return url
        return ""
