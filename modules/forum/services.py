"""Writes of the forum (FO-1, FO-2). Messages are stored first; the `forum.message` event, the
staff notifications and the emails go out after commit.

Refusals raise `ForumError` (French message) before anything is written: an empty or too long
message, too many messages in a minute, a structure where "Forum client" is off (then no
message, no notification and no email).
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from modules.forum.events import FORUM_MESSAGE, message_payload
from modules.forum.models import AuthorKind, Conversation, Message
from modules.forum.selectors import forum_enabled
from ponton.accounts import ratelimit
from ponton.accounts.models import Role, User
from ponton.web.mail import email_send
from realtime.events import publish
from realtime.groups import conversation_group
from realtime.services import notification_create, notification_mark_read_for_page
from tenants.selectors import structure_url

MAX_LENGTH = 5000
NOTIFIED_ROLES = [Role.OWNER, Role.ADMIN, Role.STAFF]


class ForumError(Exception):
    """A refused message, with a French message for the person who wrote it."""

    def __init__(self, message: str, code: str = "invalid"):
        super().__init__(message)
        self.code = code


def _refuse_unless_enabled(structure) -> None:
    if not forum_enabled(structure=structure):
        raise ForumError(
            _("Le forum client n'est pas activé pour cette structure."), code="disabled"
        )


def _clean_body(body: str) -> str:
    body = (body or "").replace("\r\n", "\n").replace("\x00", "").strip()
    if not body:
        raise ForumError(_("Le message est vide."), code="empty")
    if len(body) > MAX_LENGTH:
        raise ForumError(
            _("Le message est trop long : %(max)s caractères au plus (il en compte %(count)s).")
            % {"max": MAX_LENGTH, "count": len(body)},
            code="too_long",
        )
    return body


def _refuse_when_too_many(*, account_id: int) -> None:
    limit = settings.RATELIMIT_FORUM_MESSAGE
    if ratelimit.hit(scope="forum-message", ident=str(account_id), limit=limit):
        raise ForumError(
            _("Vous avez envoyé trop de messages : patientez une minute avant de réessayer."),
            code="limited",
        )


def conversation_open(*, customer) -> Conversation:
    """The customer's conversation, created when a page of it is first opened or on the first
    message (one per customer, safe against two at once). A page always knows its
    conversation, so its socket can listen before anyone has written; the staff list leaves out
    conversations without messages."""
    Conversation.objects.bulk_create([Conversation(customer=customer)], ignore_conflicts=True)
    return Conversation.objects.get(customer=customer)


def _store(
    *, structure, conversation: Conversation, kind: str, account_id: int, name: str, body: str
) -> Message:
    message = Message.objects.create(
        conversation=conversation,
        author_kind=kind,
        author_account_id=account_id,
        author_name=name[:200],
        body=body,
    )
    unread = F("staff_unread") + 1 if kind == AuthorKind.CUSTOMER else 0
    Conversation.objects.filter(pk=conversation.pk).update(
        last_message_at=message.created_at, staff_unread=unread
    )
    publish(
        groups=[conversation_group(structure.pk, conversation.pk)],
        event=FORUM_MESSAGE,
        payload=message_payload(message),
    )
    return message


def staff_conversation_path(*, customer_id: int) -> str:
    return reverse("forum:customer", args=[customer_id], urlconf=settings.ROOT_URLCONF)


def customer_discussions_path() -> str:
    return reverse("forum_compte:discussions", urlconf=settings.ROOT_URLCONF)


@transaction.atomic
def message_post_by_customer(*, structure, customer, body: str) -> Message:
    """FO-1/FO-2: the customer writes to the structure. The message is stored, then (after
    commit) pushed to the conversation's sockets, a notification-centre entry goes to the
    staff (Super Administrateurs, Administrateurs, Équipe), and the structure gets an email
    only if it turned that on (`notify_email_on_forum_message`)."""
    _refuse_unless_enabled(structure)
    body = _clean_body(body)
    if customer.account_id is None:
        raise ForumError(_("Ce client n'a pas accès à l'espace client."), code="no_account")
    _refuse_when_too_many(account_id=customer.account_id)
    conversation = conversation_open(customer=customer)
    message = _store(
        structure=structure,
        conversation=conversation,
        kind=AuthorKind.CUSTOMER,
        account_id=customer.account_id,
        name=customer.full_name,
        body=body,
    )
    path = staff_conversation_path(customer_id=customer.pk)
    with translation.override(settings.LANGUAGE_CODE):
        notification_create(
            structure=structure,
            kind=FORUM_MESSAGE,
            title=_("Nouveau message de %(name)s") % {"name": customer.full_name},
            body=body[:300],
            url=path,
            roles=list(NOTIFIED_ROLES),
        )
        recipient = structure.notification_email or structure.email
        if structure.notify_email_on_forum_message and recipient:
            email_send(
                to=[recipient],
                subject=_("Forum : nouveau message de %(name)s") % {"name": customer.full_name},
                template="forum/email/customer_message",
                context={
                    "structure": structure,
                    "customer": customer,
                    "message": message,
                    "url": structure_url(structure=structure, path=path),
                },
            )
    return message


def staff_author_name(*, user: User, structure) -> str:
    name = user.get_full_name()
    return f"{name} ({structure.display_title})" if name else structure.display_title


@transaction.atomic
def message_post_by_staff(*, structure, customer, user: User, body: str) -> Message:
    """FO-1/FO-2: a staff member answers (or writes first). The message is stored, then (after
    commit) pushed to the conversation's sockets and emailed to the customer with a link to
    "Mes discussions". Answering marks the customer's messages as read, and the answering
    staff member's notifications of the conversation (in all their open tabs)."""
    _refuse_unless_enabled(structure)
    body = _clean_body(body)
    if customer.account_id is None:
        raise ForumError(
            _(
                "Ce client n'a pas encore accès à l'espace client : invitez-le depuis sa fiche "
                "pour qu'il puisse vous lire et vous répondre."
            ),
            code="no_account",
        )
    _refuse_when_too_many(account_id=user.pk)
    conversation = conversation_open(customer=customer)
    message = _store(
        structure=structure,
        conversation=conversation,
        kind=AuthorKind.STAFF,
        account_id=user.pk,
        name=staff_author_name(user=user, structure=structure),
        body=body,
    )
    # Whoever answers has read the conversation: their bell forgets its notifications.
    notification_mark_read_for_page(
        structure=structure, user_id=user.pk, url=staff_conversation_path(customer_id=customer.pk)
    )
    account = User.objects.filter(pk=customer.account_id).first()
    recipient = customer.email or (account.email if account else "")
    if recipient:
        with translation.override(settings.LANGUAGE_CODE):
            email_send(
                to=[recipient],
                subject=_("Nouveau message de %(name)s") % {"name": structure.display_title},
                template="forum/email/staff_answer",
                context={
                    "structure": structure,
                    "customer": customer,
                    "message": message,
                    "url": structure_url(structure=structure, path=customer_discussions_path()),
                },
            )
    return message


@transaction.atomic
def conversation_mark_read_by_staff(*, structure, conversation: Conversation, user: User) -> None:
    """A staff member opened the conversation (the customer card's "Forum", Clients >
    Discussions) or saw new messages arrive on it: its customer messages are read, and so are
    this staff member's notifications about it; `notification.read` reaches every tab they
    have open, so the bell counts down there without a reload."""
    Conversation.objects.filter(pk=conversation.pk, staff_unread__gt=0).update(staff_unread=0)
    notification_mark_read_for_page(
        structure=structure,
        user_id=user.pk,
        url=staff_conversation_path(customer_id=conversation.customer_id),
    )
