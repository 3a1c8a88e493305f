"""A fake registry RPC client for the gateway's unit tests: canned data, scoping by viewer, and a
record of every call (so batching can be counted). Same method names and shapes as the
registry's RPC contract; the real service is used by the integration tests."""
from __future__ import annotations

import copy
from collections import Counter

from services.common.auth import Viewer
from services.common.errors import NotFound

PROVINCE = {"code": "320000", "name": "江苏省", "level": "province", "parent_code": None}
CITY = {"code": "321100", "name": "镇江市", "level": "city", "parent_code": "320000"}
COUNTY = {"code": "321102", "name": "京口区", "level": "county", "parent_code": "321100"}
OTHER_COUNTY = {"code": "321181", "name": "丹阳市", "level": "county", "parent_code": "321100"}


def township(number: int, county: dict = COUNTY) -> dict:
    return {"code": f"{county['code']}{number:03d}", "name": f"第{number}街道", "level": "township",
            "parent_code": county["code"]}


def station(number: int, county: dict = COUNTY, version: int = 1) -> dict:
    code = township(number, county)["code"]
    return {
        "id": f"ST{code}", "name": f"{county['name']}第{number}街道社工站", "township_code": code,
        "county_code": code[:6], "city_code": code[:4] + "00", "region_code": code, "status": "operating",
        "status_since": "2023-03-01",
        "venue": {"office_area_m2": 60.0, "activity_rooms": 2, "equipment": ["电脑"], "signboard_hung": True,
                  "address": "健康路1号"},
        "population": {"residents": 30000, "year": 2024}, "legal_form": "operated_by_organisation",
        "operator": {"name": "京口区阳光社会工作服务中心", "credit_code": "52321102MJ0000001X", "contact_phone": None},
        "coordinator": {"name": "王芳", "title": "副主任", "phone": None},
        "compliance_status": "not_met", "version": version,
    }


def staff_member(station_id: str, number: int, hours: float = 12.5) -> dict:
    return {
        "id": f"stf-{station_id}-{number}", "station_id": station_id, "name": f"员工{number}",
        "id_number": "320102********1234", "phone": "138****5678", "role": "social_worker",
        "employment_start": "2022-01-01", "employment_end": None, "monthly_salary_fen": 1_050_000,
        "social_insurance": True,
        "qualification": {"kind": "certificate", "level": "social_worker", "certificate_number": "JS12345678",
                          "obtained_on": "2021-06-01", "school": None, "graduation_year": None,
                          "major_is_social_work": True},
        "professional": True, "training_hours_this_year": hours,
        "training": [{"id": "trn-1", "date": "2024-03-01", "hours": hours, "topic": "个案工作实务",
                      "provider": "镇江市民政局"}],
    }


def evaluation(as_of: str = "2024-06-30") -> dict:
    return {
        "status": "not_met", "since": "2024-01-01", "as_of": as_of,
        "policy": {"region_code": "32", "effective_from": "2021-01-01", "source": "Jiangsu 2021"},
        "rules": {
            "venue_area": {"rule": "venue_area", "status": "met",
                           "evidence": {"office_area_m2": 60.0, "minimum_m2": 40.0}, "since": "2023-03-01"},
            "training_hours": {"rule": "training_hours", "status": "at_risk",
                               "evidence": {"year": 2024, "staff": [{"staff_id": "x", "hours": 12.5}]},
                               "since": "2024-05-01"},
        },
    }


class _Method:
    def __init__(self, fake, name):
        self._fake, self._name = fake, name

    def __call__(self, *args, **kwargs):
        return self._fake.call(self._name, args, kwargs)

    def call_async(self, *args, **kwargs):
        fake, name = self._fake, self._name

        class Reply:  # the call is counted when started, like the timed nameko client
            def __init__(self):
                try:
                    self.value, self.error = fake.call(name, args, kwargs), None
                except Exception as exc:
                    self.value, self.error = None, exc

            def result(self):
                if self.error is not None:
                    raise self.error
                return self.value
        return Reply()


class FakeRegistry:
    """Behaves like the registry's RPC proxy as the gateway uses it."""

    def __init__(self, stations: int = 3, staff_per_station: int = 2):
        self.region_table = {r["code"]: r for r in (PROVINCE, CITY, COUNTY, OTHER_COUNTY)}
        self.station_table: dict[str, dict] = {}
        self.staff_table: dict[str, list[dict]] = {}
        for number in range(1, stations + 1):
            self.add_station(station(number), staff_per_station)
        self.calls: list[tuple[str, tuple, dict]] = []
        self.failures: dict[str, Exception] = {}
        self.writes: list[tuple[str, tuple]] = []

    def add_station(self, data: dict, staff: int = 2) -> dict:
        self.region_table[data["township_code"]] = {**township(int(data["township_code"][-3:]),
                                                            self.region_table[data["county_code"]])}
        self.station_table[data["id"]] = data
        self.staff_table[data["id"]] = [staff_member(data["id"], n) for n in range(1, staff + 1)]
        return data

    # --- plumbing -------------------------------------------------------------------------
    def __getattr__(self, name):
        if name.startswith("_") or not hasattr(type(self), "rpc_" + name):
            raise AttributeError(name)
        return _Method(self, name)

    def call(self, name, args, kwargs):
        self.calls.append((name, args, kwargs))
        if name in self.failures:
            raise self.failures[name]
        return copy.deepcopy(getattr(self, "rpc_" + name)(*args, **kwargs))

    def count(self) -> Counter:
        return Counter(name for name, _, _ in self.calls)

    def viewers(self) -> list[dict]:
        return [args[0] for _, args, _ in self.calls]

    def _visible(self, viewer: dict, station_id: str) -> dict | None:
        found = self.station_table.get(station_id)
        if found and Viewer.from_dict(viewer).sees_station(found["id"], found["region_code"]):
            return found
        return None

    # --- the contract ---------------------------------------------------------------------
    def rpc_regions(self, viewer, parent_code=None):
        if parent_code is None:
            return [r for r in self.region_table.values() if r["level"] == "province"]
        children = (r for r in self.region_table.values() if r["parent_code"] == parent_code)
        return sorted(children, key=lambda r: r["code"])

    def rpc_get_regions(self, viewer, codes):
        return [self.region_table.get(code) for code in codes]

    def rpc_list_stations(self, viewer, filters, include=None):
        visible = [s for s in sorted(self.station_table) if self._visible(viewer, s)]
        if filters.get("region"):
            prefix = filters["region"].rstrip("0")
            visible = [s for s in visible if self.station_table[s]["region_code"].startswith(prefix)]
        if filters.get("after"):
            visible = [s for s in visible if s > filters["after"]]
        limit = filters.get("limit", 50)
        page = visible[:limit]
        items = [dict(self.station_table[s]) for s in page]
        wanted = set(include or ())
        for item in items:  # what the registry sends with the page when asked (usecases/stations.py)
            if "staff" in wanted:
                fields = {n.removeprefix("staff.") for n in wanted if n.startswith("staff.")} | {"id", "station_id"}
                item["staff"] = [{k: v for k, v in m.items() if k in fields} for m in self.staff_table[item["id"]]]
            if "compliance" in wanted:
                item["compliance"] = evaluation("2024-06-30")
                if "compliance.evidence" not in wanted:
                    item["compliance"]["rules"] = {k: {n: v for n, v in r.items() if n != "evidence"}
                                                   for k, r in item["compliance"]["rules"].items()}
        return {"items": items, "next_cursor": page[-1] if len(visible) > limit else None, "total": len(visible)}

    def rpc_get_stations(self, viewer, ids):
        return [self._visible(viewer, i) for i in ids]

    def rpc_staff_for_stations(self, viewer, station_ids):
        return {i: (self.staff_table.get(i, []) if self._visible(viewer, i) else []) for i in station_ids}

    def rpc_compliance_for_stations(self, viewer, station_ids, as_of=None):
        return {i: (evaluation(as_of or "2024-06-30") if self._visible(viewer, i) else None) for i in station_ids}

    def rpc_region_rollup(self, viewer, region_code, as_of=None):
        return {"region_code": region_code, "as_of": as_of or "2024-06-30", "stations": 2, "operating": 2,
                "by_status": {"met": 1, "not_met": 1, "at_risk": 0, "unknown": 0},
                "by_rule": {"venue_area": {"met": 2}, "training_hours": {"at_risk": 1, "met": 1}}}

    def rpc_access_log(self, viewer, filters):
        return [{"at": "2024-06-30T08:15:00Z", "user_id": "u1", "role": "county", "subject_type": "staff",
                 "subject_id": "stf-1", "fields": ["id_number", "phone"], "reason": "audit"}]

    def _write(self, name, station_id, data):
        self.writes.append((name, (station_id, data)))
        found = self._visible_by_write(station_id)
        found["version"] += 1
        return found

    def _visible_by_write(self, station_id):
        found = self.station_table.get(station_id)
        if found is None:
            raise NotFound(f"unknown station {station_id}", {"station_id": ["no such station in your scope"]})
        return found

    def rpc_register_station(self, viewer, data):
        self.writes.append(("register_station", (data,)))
        number = int(data["township_code"][-3:])
        return self.add_station(station(number, self.region_table[data["township_code"][:6]]), staff=0)

    def rpc_update_station(self, viewer, station_id, data):
        return self._write("update_station", station_id, data)

    def rpc_add_staff(self, viewer, station_id, data):
        found = self._write("add_staff", station_id, data)
        member = staff_member(station_id, len(self.staff_table[station_id]) + 1, hours=0)
        member.update(name=data["name"], id_number=data["id_number"][:6] + "********" + data["id_number"][-4:])
        self.staff_table[station_id].append(member)
        return found

    def rpc_update_staff(self, viewer, station_id, staff_id, data):
        return self._write("update_staff", station_id, data)

    def rpc_record_staff_left(self, viewer, station_id, staff_id, data):
        return self._write("record_staff_left", station_id, data)

    def rpc_record_qualification(self, viewer, station_id, staff_id, data):
        return self._write("record_qualification", station_id, data)

    def rpc_record_training(self, viewer, station_id, staff_id, data):
        found = self._write("record_training", station_id, data)
        for member in self.staff_table[station_id]:
            if member["id"] == staff_id:
                member["training_hours_this_year"] += data["hours"]
        return found

    def rpc_set_policy(self, viewer, data):
        self.writes.append(("set_policy", (data,)))
        return {"min_venue_m2": 40.0, "min_professional_staff": 3, "population_threshold": 50000,
                "min_training_hours": 30.0, "min_salary_ratio_percent": 100, **data}

    def rpc_import_average_wages(self, viewer, rows):
        self.writes.append(("import_average_wages", (rows,)))
        return {"accepted": len(rows) - 1, "refused": [{"row": len(rows), "field": "year", "reason": "too old"}]}

    def rpc_import_regions(self, viewer, csv_text):
        self.writes.append(("import_regions", (csv_text,)))
        return {"accepted": 1, "unchanged": 0, "refused": []}

    def rpc_reveal_staff_identity(self, viewer, station_id, staff_id, reason):
        return {"id_number": "320102199001011234", "phone": "13812345678"}


# --- calling the gateway's pipeline without nameko -----------------------------------------
def gateway_request(endpoint, registry, query: str | None = None, *, variables=None, operation_name=None,
                    token: str | None = None, method: str = "POST", accept: str | None = None,
                    settings=None, headers=None, body=None, correlation_id="corr-test-0001", funding=None):
    """Send one request through GraphQLEndpoint.handle with `registry` as the registry client (and
    `funding` as the funding client, when given: without it, funding fields are SERVICE_UNAVAILABLE)."""
    import json as _json

    from gateway.http import HttpRequest
    from services.common import config

    settings = settings or config.Settings()
    all_headers = dict(headers or {})
    if token:
        all_headers["Authorization"] = f"Bearer {token}"
    if accept:
        all_headers["Accept"] = accept
    args = {}
    if method == "GET":
        if query is not None:
            args["query"] = query
        if variables is not None:
            args["variables"] = _json.dumps(variables)
        if operation_name:
            args["operationName"] = operation_name
        body = b""
    elif body is None:
        all_headers.setdefault("Content-Type", "application/json")
        payload = {"query": query}
        if variables is not None:
            payload["variables"] = variables
        if operation_name:
            payload["operationName"] = operation_name
        body = _json.dumps(payload)
    request = HttpRequest.build(method, all_headers, args, body)
    clients = {"registry": registry} if funding is None else {"registry": registry, "funding": funding}
    return endpoint.handle(request, clients=clients, settings=settings, correlation_id=correlation_id,
                           rpc_calls=lambda: sum(len(client.calls) for client in clients.values()))


def token_for(role: str, user_id: str = "u-test", **scope) -> str:
    """A token signed with the settings' secret (the development one unless overridden)."""
    from services.common import config
    from services.common.auth import mint_token
    return mint_token(config.Settings().token_secret, role=role, user_id=user_id, **scope)
