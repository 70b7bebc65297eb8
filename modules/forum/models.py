"""Forum client (FO-1), tenant schema: one conversation per customer, its messages."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Conversation(models.Model):
    """The discussion between one customer and the structure."""

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.PROTECT, related_name="forum_conversation"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_message_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Customer messages that arrived since a staff member last opened the conversation.
    staff_unread = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = [models.F("last_message_at").desc(nulls_last=True), "-id"]
        verbose_name = _("discussion")

    def __str__(self) -> str:
        return str(self.customer)


class AuthorKind(models.TextChoices):
    CUSTOMER = "customer", _("Client")
    STAFF = "staff", _("Équipe")


class Message(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.PROTECT, related_name="messages"
    )
    author_kind = models.CharField(max_length=10, choices=AuthorKind.choices)
    author_account_id = models.BigIntegerField()  # accounts.User id (public schema)
    author_name = models.CharField(max_length=200)  # as shown when the message was written
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("message")
        indexes = [models.Index(fields=["conversation", "id"], name="forum_msg_conv_id")]

    def __str__(self) -> str:
        return f"{self.author_name}: {self.body[:40]}"
