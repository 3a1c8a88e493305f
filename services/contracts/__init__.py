"""The platform's public contracts: every event a service publishes, and the vocabularies several services share.

Any service, the gateway and the tools may import this package; it imports only the kernel's event
machinery (`services.common.events`). A service never imports another service's modules, only these.
"""

# The services whose event log the gateway serves to anyone (their chain heads and entries). Identity and
# supervision keep an event log too, not served yet: adding one here adds it to the public schema.
PUBLIC_EVENT_LOGS = ("registry", "casework", "volunteers", "funding")
