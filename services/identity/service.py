"""The identity service's nameko entrypoints: declarations of its use cases (services/identity/usecases).

RPC (every method takes `viewer`, a Viewer as a dict, first):
- create_user(viewer, data{username, display_name, region_code?, password?, grants[]}) → User
- grant_role(viewer, user_id, grant{role, region_code?, station_ids[], administrator, valid_from?, valid_to?}),
  revoke_grant(viewer, user_id, grant_id), set_password(viewer, user_id, password) → User
- list_users(viewer, filters{region_code?, after?, limit?}) → {items, next_cursor, total}; me(viewer) → User|None
- sign_in(viewer, credentials{username, password, grant_id?, totp?, address?}) → Tokens;
  refresh_session(viewer, refresh_token, grant_id?) → Tokens; sign_out(viewer, refresh_token) → {signed_out}
- enrol_totp(viewer) → {secret, provisioning_uri}; confirm_totp(viewer, code) → User (the caller's own account)
- usage_report(viewer, filters{region_code?, since?}) → {since, regions[], users[]} (the caller's scope)
- jwks(viewer) → {keys}; discovery(viewer, base_url) → OIDC metadata; rotate_signing_key(viewer) → {kid}
- register_agency(viewer, data{name, kind, region_code}) → Agency; list_agencies(viewer, filters) → page;
  clients_of_agencies(viewer, agency_ids) → {agency_id: [Client]}
- create_agency_client(viewer, data{agency_id, name, scopes}) / rotate_agency_client_secret(viewer, client_id,
  data{previous_valid_hours}) → {client_id, client_secret (shown once), client}; revoke_agency_client → Client
- issue_client_token(viewer, credentials{client_id, client_secret, scope?, address?}) → token (client credentials)
"""
from __future__ import annotations

from services.common import storage
from services.common.consumers import Inbox
from services.common.entrypoints import use_case_rpc
from services.common.eventlog import EventLogEndpoints
from services.common.health import OperationalEndpoints
from services.common.observability import Observability
from services.common.outbox import OutboxRelay
from services.common.retention import IdempotencyRetention
from services.common.rpc import credential_rpc

from .storage import AGENCIES, AGENCY_CLIENTS, INDEXES, USERS
from .usecases import Identity, agencies, client_credentials, keys, second_factor, sessions, usage, users

SERVICE = "identity"


class IdentityService(OperationalEndpoints, EventLogEndpoints, IdempotencyRetention):
    name = SERVICE

    observability = Observability()
    db = storage.ServiceDatabase(SERVICE, [*INDEXES, *Inbox.indexes])
    relay = OutboxRelay(SERVICE, [USERS, AGENCIES, AGENCY_CLIENTS])

    @property
    def use_cases(self) -> Identity:
        return Identity.over(self.db)

    create_user = use_case_rpc(users.create_user, sensitive_arguments=("data",))
    grant_role = use_case_rpc(users.grant_role)
    revoke_grant = use_case_rpc(users.revoke_grant)
    set_password = use_case_rpc(users.set_password, sensitive_arguments=("password",))
    list_users = use_case_rpc(users.list_users)
    me = use_case_rpc(users.me)
    sign_in = use_case_rpc(sessions.sign_in, kind=credential_rpc, sensitive_arguments=("credentials",))
    refresh_session = use_case_rpc(sessions.refresh_session, kind=credential_rpc,
                                   sensitive_arguments=("refresh_token",))
    sign_out = use_case_rpc(sessions.sign_out, kind=credential_rpc, sensitive_arguments=("refresh_token",))
    enrol_totp = use_case_rpc(second_factor.enrol_totp, kind=credential_rpc)
    confirm_totp = use_case_rpc(second_factor.confirm_totp, sensitive_arguments=("code",))
    usage_report = use_case_rpc(usage.usage_report)
    jwks = use_case_rpc(keys.jwks)
    discovery = use_case_rpc(keys.discovery)
    rotate_signing_key = use_case_rpc(keys.rotate_signing_key)
    register_agency = use_case_rpc(agencies.register_agency)
    list_agencies = use_case_rpc(agencies.list_agencies)
    clients_of_agencies = use_case_rpc(agencies.clients_of_agencies)
    create_agency_client = use_case_rpc(agencies.create_client, kind=credential_rpc)
    rotate_agency_client_secret = use_case_rpc(agencies.rotate_client_secret, kind=credential_rpc)
    revoke_agency_client = use_case_rpc(agencies.revoke_client)
    issue_client_token = use_case_rpc(client_credentials.issue_client_token, kind=credential_rpc,
                                      sensitive_arguments=("credentials",))
