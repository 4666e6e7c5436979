"""Live activity for the admin's live page, over a websocket (staff only)."""

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from messages_api.activity import GROUP, snapshot

FORBIDDEN = 4403


class ActivityConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        if not (user and user.is_active and user.is_staff):
            await self.close(code=FORBIDDEN)
            return
        await self.channel_layer.group_add(GROUP, self.channel_name)
        await self.accept()
        await self.send_json(snapshot())

    async def disconnect(self, code):
        await self.channel_layer.group_discard(GROUP, self.channel_name)

    async def activity_event(self, message):
        await self.send_json(message["data"])
