"""Outbound webhooks: Remedia tells other systems what changed (issue 19.1)."""
