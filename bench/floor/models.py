from django.db import models


class FloorMessage(models.Model):
    """One row per request to the floor endpoint: the single insert the floor pays for."""

    tenant = models.ForeignKey("crm.Tenant", on_delete=models.CASCADE, related_name="+")
    channel_id = models.BigIntegerField()
    from_address = models.CharField(max_length=320)
    text = models.TextField(blank=True)
    subject = models.CharField(max_length=998, blank=True)
    external_id = models.CharField(max_length=255, null=True, blank=True)
    occurred_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
