"""The service layer: every change in one transaction (record + audit event + outbox rows)."""
