def inbound(api, channel, sender, text, **extra):
    body = {"channel": channel.pk, "from": sender, "text": text, **extra}
    return api.post("/api/v1/messages/inbound/", body, format="json")
