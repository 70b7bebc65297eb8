"""The campaign socket, /ws/emarketing/<campaign_id>/: receives `emarketing.progress` events.

Staff of the structure whose role uses modules; served through `ponton_websocket_routes` (so
refused with 4404 when the module is off). The page catches up over HTTP when it (re)opens."""

from __future__ import annotations

from modules.emarketing.events import campaign_group
from modules.emarketing.models import Campaign
from ponton.accounts.permissions import role_has
from ponton.accounts.selectors import membership_for
from realtime.consumers import StructureConsumer


class CampaignConsumer(StructureConsumer):
    def authorize(self) -> list[str] | None:
        structure = self.scope["structure"]
        user = self.scope["user"]
        campaign_id = self.scope["url_route"]["kwargs"]["campaign_id"]
        if not Campaign.objects.filter(pk=campaign_id).exists():
            return None
        membership = membership_for(user=user, structure=structure)
        if membership is None or not role_has(membership.role, "module.use"):
            return None
        return [campaign_group(structure.pk, campaign_id)]

    async def receive_json(self, content, **kwargs):
        """Nothing is accepted from the socket."""
