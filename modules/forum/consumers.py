"""The conversation socket, /ws/forum/<conversation_id>/: receives `forum.message` events.

It only receives: messages are sent by HTTP POST to the services, which store them before the
event goes out. Served through the `ponton_websocket_routes` hook (so refused with 4404 when
the module is off); the base class refuses no session (4401) and a foreign Origin (4403)."""

from __future__ import annotations

from modules.forum.models import Conversation
from ponton.accounts.permissions import role_has
from ponton.accounts.selectors import membership_for
from realtime.consumers import StructureConsumer
from realtime.groups import conversation_group


class ConversationConsumer(StructureConsumer):
    def authorize(self) -> list[str] | None:
        """Staff of the structure whose role uses modules, or the customer who owns the
        conversation; anyone else is refused."""
        structure = self.scope["structure"]
        user = self.scope["user"]
        conversation_id = self.scope["url_route"]["kwargs"]["conversation_id"]
        conversation = (
            Conversation.objects.select_related("customer").filter(pk=conversation_id).first()
        )
        if conversation is None:
            return None
        groups = [conversation_group(structure.pk, conversation.pk)]
        membership = membership_for(user=user, structure=structure)
        if membership is not None and role_has(membership.role, "module.use"):
            return groups
        if conversation.customer.account_id == user.pk:
            return groups
        return None

    async def receive_json(self, content, **kwargs):
        """Nothing is accepted from the socket: send messages with an HTTP POST."""
