"""The agents' socket: one per open dashboard page.

On connect the socket joins its tenant's group (the tenant the agent works on in the
dashboards, among their memberships) and their own mentions' group; a socket without a logged-in
staff member with a membership is refused. The page may then ``watch`` one ticket of that tenant
and say it is ``typing``: the other agents watching it are told (collision warning).
"""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from crm.models import Ticket
from crm.views.access import SESSION_KEY, staff_tenants

from .groups import tenant_group, ticket_group, user_group

#: close codes: no logged-in user; a user without a tenant
UNAUTHENTICATED, FORBIDDEN = 4401, 4403
PRESENCE_STATES = {"viewing", "typing", "idle"}


class AgentConsumer(AsyncJsonWebsocketConsumer):
    tenant_id: int | None = None
    watching: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=UNAUTHENTICATED)
            return
        self.tenant_id = await database_sync_to_async(self._tenant_id)(user)
        if self.tenant_id is None:
            await self.close(code=FORBIDDEN)
            return
        self.user_id, self.name = user.pk, user.get_full_name() or user.get_username()
        self.groups_joined = [tenant_group(self.tenant_id), user_group(self.tenant_id, user.pk)]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    def _tenant_id(self, user) -> int | None:
        tenants = staff_tenants(user)
        if not tenants:
            return None
        chosen = self.scope["session"].get(SESSION_KEY)
        return next((t.pk for t in tenants if t.pk == chosen), tenants[0].pk)

    async def disconnect(self, code) -> None:
        if self.tenant_id is None:
            return
        await self._unwatch()
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content, **kwargs) -> None:
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        if kind == "watch":
            await self._watch(content.get("ticket"))
        elif kind == "presence" and self.watching and content.get("state") in PRESENCE_STATES:
            await self._presence(content["state"])

    async def _watch(self, ticket_id) -> None:
        await self._unwatch()
        if not isinstance(ticket_id, int) or isinstance(ticket_id, bool):
            return
        if not await database_sync_to_async(self._ticket_exists)(ticket_id):
            return  # another tenant's ticket or none: nothing to join, nothing said
        self.watching = ticket_group(self.tenant_id, ticket_id)
        self.watched_ticket = ticket_id
        await self.channel_layer.group_add(self.watching, self.channel_name)
        await self.send_json({"type": "watching", "ticket": ticket_id})
        await self._presence("viewing")

    def _ticket_exists(self, ticket_id: int) -> bool:
        return Ticket.objects.filter(tenant_id=self.tenant_id, pk=ticket_id).exists()

    async def _unwatch(self) -> None:
        if self.watching:
            await self._presence("left")
            await self.channel_layer.group_discard(self.watching, self.channel_name)
            self.watching = None

    async def _presence(self, state: str, *, answer: bool = False) -> None:
        event = {
            "type": "presence",
            "ticket": self.watched_ticket,
            "user": self.user_id,
            "name": self.name,
            "state": state,
            "answer": answer,
        }
        await self.channel_layer.group_send(self.watching, {"type": "live.presence", "event": event})

    async def live_event(self, message) -> None:
        await self.send_json(message["event"])

    async def live_presence(self, message) -> None:
        event = message["event"]
        if event["user"] == self.user_id:
            return
        await self.send_json(event)
        if event["state"] == "viewing" and not event["answer"] and self.watching:
            await self._presence("viewing", answer=True)  # the newcomer learns who is here
