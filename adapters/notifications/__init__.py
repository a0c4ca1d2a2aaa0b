"""Notifications: leerroute's events leave it as NL GOV CloudEvents, signed per Standard Webhooks,
read from the log at each subscription's own cursor (``dispatcher``)."""
