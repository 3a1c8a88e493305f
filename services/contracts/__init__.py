"""The platform's public contracts: every event a service publishes, and the vocabularies several services share.

Any service, the gateway and the tools may import this package; it imports only the kernel's event
machinery (`services.common.events`). A service never imports another service's modules, only these.
"""
