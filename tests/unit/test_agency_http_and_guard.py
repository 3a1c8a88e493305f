"""The client-credentials grant at the token endpoint (client_secret_basic and client_secret_post, RFC 6749 §2.3.1,
§4.4, §5.2) and the gateway's refusal of root fields outside an agency client's scopes (gateway/identity_http.py,
gateway/agency.py)."""
from __future__ import annotations

import base64
import urllib.parse

from graphql import get_operation_ast, parse

from gateway import identity_http
from gateway.agency import refusal
from services.common.auth import Viewer
from services.common.errors import OutOfScope, Unauthenticated

ISSUED = {"access_token": "a.b.c", "token_type": "Bearer", "expires_in": 900, "scope": "region:321181",
          "agency_id": "ag-1"}


class IdentityStub:
    def __init__(self, failure=None):
        self.calls = []
        self.failure = failure

    def issue_client_token(self, viewer, credentials):
        self.calls.append((viewer, credentials))
        if self.failure:
            raise self.failure
        return ISSUED


def basic(client_id: str, secret: str) -> str:
    pair = f"{urllib.parse.quote_plus(client_id)}:{urllib.parse.quote_plus(secret)}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


def test_client_secret_basic_decodes_the_form_encoded_pair():
    identity = IdentityStub()
    answer = identity_http.token(identity, {"grant_type": "client_credentials", "scope": "region:321181"},
                                 basic("agc-1", "s3cr:et+/="), "10.0.0.9")
    assert answer.status == 200 and answer.json() == {k: ISSUED[k] for k in ("access_token", "token_type",
                                                                             "expires_in", "scope")}
    assert answer.headers["Cache-Control"] == "no-store"
    viewer, credentials = identity.calls[0]
    assert viewer is None and credentials == {"client_id": "agc-1", "client_secret": "s3cr:et+/=",
                                              "certificate_thumbprint": None, "scope": "region:321181",
                                              "address": "10.0.0.9"}


def test_client_secret_post_takes_the_form_fields():
    identity = IdentityStub()
    answer = identity_http.token(identity, {"grant_type": "client_credentials", "client_id": "agc-1",
                                            "client_secret": "s"}, None, "")
    assert answer.status == 200 and identity.calls[0][1]["client_secret"] == "s"


def test_one_authentication_method_only_and_a_well_formed_basic_header():
    both = identity_http.token(IdentityStub(), {"grant_type": "client_credentials", "client_secret": "s"},
                               basic("agc-1", "s"), "")
    assert both.status == 400 and both.json()["error"] == "invalid_request"
    malformed = identity_http.token(IdentityStub(), {"grant_type": "client_credentials"}, "Basic !!!", "")
    assert malformed.status == 401 and malformed.json()["error"] == "invalid_client"
    assert malformed.headers["WWW-Authenticate"].startswith("Basic")


def test_refused_clients_and_scopes_answer_as_rfc_6749_says():
    refused = identity_http.token(IdentityStub(Unauthenticated("client authentication failed")),
                                  {"grant_type": "client_credentials"}, basic("agc-1", "wrong"), "")
    assert refused.status == 401 and refused.json()["error"] == "invalid_client"
    assert "WWW-Authenticate" in refused.headers
    wider = identity_http.token(IdentityStub(OutOfScope("not granted")),
                                {"grant_type": "client_credentials", "client_id": "a", "client_secret": "s",
                                 "scope": "mutation:import_roster"}, None, "")
    assert wider.status == 400 and wider.json()["error"] == "invalid_scope"


AGENCY = Viewer(user_id="agc-1", role="agency", region="321181", agency_id="ag-1",
                scopes=("region:321181", "domain:disability"))
ANSWERING = Viewer(user_id="agc-1", role="agency", region="321181", agency_id="ag-1",
                   scopes=("region:321181", "mutation:answer_referral"))


def refused(viewer: Viewer, query: str):
    document = parse(query)
    return refusal(viewer, get_operation_ast(document), document)


def test_an_agency_client_may_ask_only_for_its_fields():
    assert refused(AGENCY, "{ agencyReferrals { items { id } } }") is None
    stations = refused(AGENCY, "{ agencyReferrals { items { id } } stations { totalCount } }")
    assert stations.extensions == {"code": "OUT_OF_SCOPE", "field": "stations"}
    hidden = refused(AGENCY, "query { ...more } fragment more on Query { ... on Query { households { totalCount } } }")
    assert hidden is not None and hidden.extensions["field"] == "households"


def test_a_mutation_needs_its_scope():
    answer = 'mutation { answerAgencyReferral(input: {caseId: "c", referralId: "r", status: ACCEPTED}) { id } }'
    assert refused(AGENCY, answer).extensions["field"] == "answerAgencyReferral"
    assert refused(ANSWERING, answer) is None
    assert refused(ANSWERING, 'mutation { makeReferral(caseId: "c", input: {}) { referral { id } } }') is not None


def test_other_viewers_are_not_the_guards_business():
    assert refused(Viewer(user_id="c", role="county", region="321181"), "{ stations { totalCount } }") is None


def test_tls_client_auth_passes_the_forwarded_certificates_thumbprint():
    from services.common.agency import certificate_thumbprint
    from tests.support.certificates import self_signed_pem
    pem = self_signed_pem()
    identity = IdentityStub()
    answer = identity_http.token(identity, {"grant_type": "client_credentials", "client_id": "agc-1"}, None, "",
                                 certificate=urllib.parse.quote(pem))
    assert answer.status == 200
    credentials = identity.calls[0][1]
    assert credentials["certificate_thumbprint"] == certificate_thumbprint(pem) and credentials["client_secret"] is None
    unreadable = identity_http.token(IdentityStub(), {"grant_type": "client_credentials", "client_id": "agc-1"},
                                     None, "", certificate="not a certificate")
    assert unreadable.status == 401 and unreadable.json()["error"] == "invalid_client"
