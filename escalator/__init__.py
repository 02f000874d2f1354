"""Escalator: the service layer, the SLA policy and the command line."""
