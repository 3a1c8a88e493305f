"""Offline checks of the deployment artefacts, and proof that each check catches what it claims.

The first tests run deploy/check.py on the repository and must pass. Every other test copies
deploy/ and docker-compose.yml to a temporary directory, breaks one thing, runs only the check
concerned, and asserts that it fails with a message naming the problem.
"""
from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
import yaml

from .conftest import REPO


def failures(check, broken, only, overlays=None) -> list[str]:
    result = check.run(broken.root, only=only, overlays=overlays, echo=False)
    return result.failures


def assert_fails(found: list[str], *needles: str) -> None:
    assert found, "the check passed on a broken copy"
    for needle in needles:
        assert any(needle in line for line in found), f"no failure mentions {needle!r}: {found}"


# ------------------------------------------------------------------ the repository itself

def test_deploy_check_passes_on_the_repository():
    proc = subprocess.run([sys.executable, str(REPO / "deploy" / "check.py")],
                          capture_output=True, text=True, timeout=300, cwd=REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "all checks OK" in proc.stdout
    for name in ("yamllint", "hadolint", "dockerfile", "compose", "render", "kubernetes",
                 "crds", "policy", "secrets"):
        assert f"ok   {name}:" in proc.stdout, f"check {name} did not run:\n{proc.stdout}"


@pytest.mark.parametrize("overlay", ["base", "production", "small"])
def test_every_overlay_renders(render, overlay, check):
    docs = render.render(REPO / "deploy" / check.OVERLAYS[overlay])
    kinds = {d["kind"] for d in docs}
    assert {"Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler",
            "NetworkPolicy", "Ingress", "Job", "ConfigMap", "ServiceAccount"} <= kinds
    assert all(d["metadata"].get("namespace") == "shegong" for d in docs if d["kind"] != "Namespace")
    assert "Secret" not in kinds


def test_production_overlay_has_the_operator_resources(render, check):
    docs = render.render(REPO / "deploy" / check.OVERLAYS["production"])
    by_kind = {}
    for doc in docs:
        by_kind.setdefault(doc["kind"], []).append(doc)
    cluster, = by_kind["RabbitmqCluster"]
    assert cluster["spec"]["replicas"] == 3 and "podAntiAffinity" in cluster["spec"]["affinity"]
    vhost, = by_kind["Vhost"]
    assert vhost["spec"]["defaultQueueType"] == "quorum"
    definitions = [p["spec"]["definition"] for p in by_kind["Policy"]]
    assert any("delivery-limit" in d and "dead-letter-routing-key" in d for d in definitions)
    mongo, = by_kind["MongoDBCommunity"]
    assert mongo["spec"]["members"] == 3
    assert all(h["spec"]["minReplicas"] >= 3 for h in by_kind["HorizontalPodAutoscaler"])


def test_small_overlay_runs_broker_and_store_as_single_replica_statefulsets(render, check):
    docs = render.render(REPO / "deploy" / check.OVERLAYS["small"])
    sets = {d["metadata"]["name"]: d for d in docs if d["kind"] == "StatefulSet"}
    assert set(sets) == {"shegong-rabbitmq", "shegong-mongodb"}
    for statefulset in sets.values():
        assert statefulset["spec"]["replicas"] == 1 and statefulset["spec"]["volumeClaimTemplates"]
    images = {c["image"] for s in sets.values() for c in s["spec"]["template"]["spec"]["containers"]}
    assert any(i.startswith("rabbitmq:3.13.") and i.endswith("-management") for i in images)
    assert any(i.startswith("mongo:7.0.") for i in images)
    assert "--replSet" in sets["shegong-mongodb"]["spec"]["template"]["spec"]["containers"][0]["args"]


@pytest.mark.skipif(not (shutil.which("kubectl") or shutil.which("kustomize")),
                    reason="no kubectl or kustomize on PATH to compare deploy/render.py with")
def test_renderer_matches_real_kustomize(check):
    result = check.run(REPO, only=["kustomize"], echo=False)
    assert result.ok, result.failures
    assert any("identical" in line for line in result.lines)


# ------------------------------------------------------------------ the renderer refuses what it cannot do

def test_renderer_refuses_unsupported_fields(render, broken):
    broken.append("deploy/k8s/base/kustomization.yaml",
                  "configMapGenerator:\n  - name: extra\n    literals:\n      - A=B\n")
    with pytest.raises(render.RenderError, match="configMapGenerator"):
        render.render(broken.path("deploy/k8s/base"))


def test_renderer_refuses_remote_bases(render, broken):
    broken.replace("deploy/k8s/overlays/small/kustomization.yaml", "  - ../../base\n",
                   "  - ../../base\n  - https://github.com/example/repo//deploy?ref=v1\n")
    with pytest.raises(render.RenderError, match="remote resource"):
        render.render(broken.path("deploy/k8s/overlays/small"))


def test_renderer_refuses_a_patch_that_matches_nothing(render, broken):
    broken.replace("deploy/k8s/overlays/small/kustomization.yaml", "name: shegong-.*", "name: nothing-.*")
    with pytest.raises(render.RenderError, match="matched no resource"):
        render.render(broken.path("deploy/k8s/overlays/small"))


# ------------------------------------------------------------------ kubernetes-validate (strict)

def test_unknown_field_fails(check, broken):
    broken.replace("deploy/k8s/base/registry.yaml", "          args:\n            - service\n",
                   "          bogusField: true\n          args:\n            - service\n")
    assert_fails(failures(check, broken, ["kubernetes"], ["base"]),
                 "Deployment/shegong-registry", "bogusField")


def test_removed_api_version_fails(check, broken):
    broken.replace("deploy/k8s/base/ingress.yaml", "apiVersion: networking.k8s.io/v1", "apiVersion: extensions/v1beta1")
    assert_fails(failures(check, broken, ["kubernetes"], ["base"]),
                 "Ingress/shegong-gateway", "extensions/v1beta1", "not served", "networking.k8s.io/v1")


def test_api_version_removed_before_the_oldest_supported_kubernetes_fails(check, broken):
    # autoscaling/v2beta2 was removed in Kubernetes 1.26: neither 1.29 nor 1.37 serves it.
    broken.replace("deploy/k8s/base/funding.yaml", "apiVersion: autoscaling/v2\n", "apiVersion: autoscaling/v2beta2\n")
    assert_fails(failures(check, broken, ["kubernetes"], ["base"]),
                 "HorizontalPodAutoscaler/shegong-funding", "autoscaling/v2beta2", "Kubernetes 1.29")


def test_unknown_kind_fails(check, broken):
    broken.path("deploy/k8s/base/typo.yaml").write_text(
        "---\napiVersion: apps/v1\nkind: Deploymnet\nmetadata:\n  name: typo\nspec: {}\n", encoding="utf-8")
    broken.replace("deploy/k8s/base/kustomization.yaml", "  - ingress.yaml\n", "  - ingress.yaml\n  - typo.yaml\n")
    assert_fails(failures(check, broken, ["kubernetes"], ["base"]), "Deploymnet/typo", "unknown kind Deploymnet")


def test_custom_resource_without_schema_fails(check, broken):
    broken.path("deploy/k8s/overlays/small/widget.yaml").write_text(
        "---\napiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec: {}\n", encoding="utf-8")
    broken.replace("deploy/k8s/overlays/small/kustomization.yaml", "  - networkpolicies.yaml\n",
                   "  - networkpolicies.yaml\n  - widget.yaml\n")
    assert_fails(failures(check, broken, ["kubernetes"], ["small"]), "Widget/w", "unknown kind Widget")


# ------------------------------------------------------------------ custom resources against deploy/schemas

def test_custom_resource_with_a_wrong_field_fails(check, broken):
    broken.replace("deploy/k8s/overlays/production/rabbitmq-cluster.yaml", "  replicas: 3\n", "  replica: 3\n")
    assert_fails(failures(check, broken, ["crds"], ["production"]), "RabbitmqCluster/shegong-rabbitmq", "replica")


def test_custom_resource_with_a_wrong_value_fails(check, broken):
    broken.replace("deploy/k8s/overlays/production/rabbitmq-topology.yaml",
                   "defaultQueueType: quorum", "defaultQueueType: quorom")
    assert_fails(failures(check, broken, ["crds"], ["production"]), "Vhost/shegong", "quorom")


def test_policy_cannot_set_the_queue_type(check, broken):
    broken.replace("deploy/k8s/overlays/production/rabbitmq-topology.yaml",
                   "    delivery-limit: 10\n", "    delivery-limit: 10\n    x-queue-type: quorum\n")
    assert_fails(failures(check, broken, ["crds"], ["production"]),
                 "Policy/shegong-consumer-queues", "x-queue-type")


def test_mongodbcommunity_with_a_wrong_field_fails(check, broken):
    broken.replace("deploy/k8s/overlays/production/mongodb.yaml", "  members: 3\n", "  members: 3\n  shards: 2\n")
    assert_fails(failures(check, broken, ["crds"], ["production"]), "MongoDBCommunity/shegong-mongodb", "shards")


# ------------------------------------------------------------------ linters

def test_yaml_lint_error_fails(check, broken):
    broken.replace("deploy/k8s/base/configmap.yaml", "  SHEGONG_LOG_LEVEL: INFO\n", "  SHEGONG_LOG_LEVEL: INFO   \n")
    assert_fails(failures(check, broken, ["yamllint"]), "deploy/k8s/base/configmap.yaml", "trailing-spaces")


def test_yaml_lint_duplicate_key_fails(check, broken):
    broken.replace("docker-compose.yml", "    command: [\"migrate\"]\n",
                   "    command: [\"migrate\"]\n    command: [\"seed\"]\n")
    assert_fails(failures(check, broken, ["yamllint"]), "docker-compose.yml", "key-duplicates")


def test_dockerfile_latest_base_image_fails(check, broken):
    broken.replace("deploy/Dockerfile", "FROM ${PYTHON_IMAGE} AS build", "FROM python:latest AS build")
    found = failures(check, broken, ["hadolint", "dockerfile"])
    assert_fails(found, "DL3007", "python:latest")
    assert any(line.startswith("hadolint:") for line in found) and any(line.startswith("dockerfile:") for line in found)


def test_dockerfile_unpinned_base_image_argument_fails(check, broken):
    broken.replace("deploy/Dockerfile", "@sha256:", "-unpinned@sha256:", count=1)
    broken.replace("deploy/Dockerfile",
                   "-unpinned@sha256:0bee7276f83efd4a1ee05bbbf4281d95ed28e079220a9457f25a93e3f1e3c31b", "")
    assert_fails(failures(check, broken, ["dockerfile"]), "must be pinned by an exact tag and a sha256 digest")


def test_dockerfile_running_as_root_fails(check, broken):
    broken.replace("deploy/Dockerfile", "USER 10001:10001", "USER root")
    assert_fails(failures(check, broken, ["dockerfile"]), "USER 10001")


def test_dockerfile_build_tools_in_final_stage_fail(check, broken):
    broken.replace("deploy/Dockerfile", "COPY --from=build /opt/shegong /opt/shegong",
                   "COPY --from=build /opt/shegong /opt/shegong\n"
                   "RUN apt-get update && apt-get install -y --no-install-recommends gcc=4:12.2.0-3 "
                   "&& rm -rf /var/lib/apt/lists/*")
    assert_fails(failures(check, broken, ["dockerfile"]), "must not install packages or build tools")


# ------------------------------------------------------------------ compose

def test_compose_invalid_against_the_specification_fails(check, broken):
    broken.replace("docker-compose.yml", "condition: service_completed_successfully",
                   "condition: service_completed_successfuly", count=1)
    assert_fails(failures(check, broken, ["compose"]), "compose-spec")


def test_compose_service_not_waiting_for_migrate_fails(check, broken):
    broken.replace("docker-compose.yml", "    command: [\"service\", \"funding\"]\n    depends_on: *after-migrate\n",
                   "    command: [\"service\", \"funding\"]\n")
    assert_fails(failures(check, broken, ["compose"]), "funding: must depend on migrate")


# ------------------------------------------------------------------ policy

def test_missing_security_context_field_fails(check, broken):
    # The registry's main container (the last securityContext in the Deployment).
    broken.replace("deploy/k8s/base/registry.yaml", "            readOnlyRootFilesystem: true\n", "", last=True)
    assert_fails(failures(check, broken, ["policy"], ["base"]),
                 "Deployment/shegong-registry container registry: securityContext.readOnlyRootFilesystem")


def test_missing_capabilities_drop_fails(check, broken):
    broken.replace("deploy/k8s/base/migrate-job.yaml", "              drop:\n                - ALL\n",
                   "              drop:\n                - NET_RAW\n")
    assert_fails(failures(check, broken, ["policy"], ["base"]), "Job/shegong-migrate",
                 "capabilities.drop must contain ALL")


def test_inlined_secret_fails(check, broken):
    broken.replace("deploy/k8s/base/gateway.yaml",
                   "            - name: AMQP_URI\n              valueFrom:\n                secretKeyRef:\n"
                   "                  name: shegong-amqp\n                  key: uri\n",
                   "            - name: AMQP_URI\n              value: amqp://shegong:hunter2@shegong-rabbitmq:5672/shegong\n",
                   count=2)
    assert_fails(failures(check, broken, ["policy"], ["base"]),
                 "Deployment/shegong-gateway container gateway: env AMQP_URI must come from a Secret")


def test_inlined_password_in_a_statefulset_fails(check, broken):
    broken.replace("deploy/k8s/overlays/small/mongodb.yaml",
                   "            - name: MONGO_INITDB_ROOT_PASSWORD\n              valueFrom:\n"
                   "                secretKeyRef:\n"
                   "                  name: shegong-mongodb-root\n                  key: password\n",
                   "            - name: MONGO_INITDB_ROOT_PASSWORD\n              value: hunter2\n")
    assert_fails(failures(check, broken, ["policy"], ["small"]),
                 "StatefulSet/shegong-mongodb container mongodb: env MONGO_INITDB_ROOT_PASSWORD")


def test_credential_in_configmap_fails(check, broken):
    broken.replace("deploy/k8s/base/configmap.yaml", "  SHEGONG_LOG_LEVEL: INFO\n",
                   "  SHEGONG_LOG_LEVEL: INFO\n  SHEGONG_TOKEN_SECRET: not-so-secret\n")
    assert_fails(failures(check, broken, ["policy"], ["base"]), "ConfigMap/shegong-config", "SHEGONG_TOKEN_SECRET")


def test_unpinned_image_fails(check, broken):
    broken.replace("deploy/k8s/overlays/small/rabbitmq.yaml", "image: rabbitmq:3.13.7-management", "image: rabbitmq")
    assert_fails(failures(check, broken, ["policy"], ["small"]), "StatefulSet/shegong-rabbitmq", "must be pinned")


def test_missing_probe_fails(check, broken):
    text = broken.path("deploy/k8s/base/volunteers.yaml").read_text(encoding="utf-8")
    start = text.index("          startupProbe:\n")
    end = text.index("          livenessProbe:\n")
    broken.path("deploy/k8s/base/volunteers.yaml").write_text(text[:start] + text[end:], encoding="utf-8")
    assert_fails(failures(check, broken, ["policy"], ["base"]), "Deployment/shegong-volunteers",
                 "startupProbe is missing")


def test_missing_resources_fail(check, broken):
    broken.replace("deploy/k8s/base/casework.yaml", "              memory: 512Mi\n", "", last=True)
    assert_fails(failures(check, broken, ["policy"], ["base"]), "Deployment/shegong-casework",
                 "resources.limits.memory")


def test_deployment_without_pdb_fails(check, broken):
    path = broken.path("deploy/k8s/base/funding.yaml")
    docs = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d["kind"] != "PodDisruptionBudget"]
    path.write_text(yaml.safe_dump_all(docs, explicit_start=True), encoding="utf-8")
    assert_fails(failures(check, broken, ["policy"], ["base"]), "Deployment/shegong-funding", "PodDisruptionBudget")


def test_deployment_without_hpa_fails(check, broken):
    path = broken.path("deploy/k8s/base/funding.yaml")
    docs = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8"))
            if d["kind"] != "HorizontalPodAutoscaler"]
    path.write_text(yaml.safe_dump_all(docs, explicit_start=True), encoding="utf-8")
    assert_fails(failures(check, broken, ["policy"], ["base"]), "Deployment/shegong-funding", "HorizontalPodAutoscaler")


def test_service_without_migration_gate_fails(check, broken):
    broken.replace("deploy/k8s/base/casework.yaml", "until shegong migrate --check;", "until true;")
    assert_fails(failures(check, broken, ["policy"], ["base"]), "Deployment/shegong-casework", "migrate --check")


def test_service_token_automount_fails(check, broken):
    broken.replace("deploy/k8s/base/serviceaccount.yaml", "automountServiceAccountToken: false",
                   "automountServiceAccountToken: true")
    assert_fails(failures(check, broken, ["policy"], ["base"]), "ServiceAccount/shegong",
                 "automountServiceAccountToken")


def test_gateway_egress_to_the_store_fails(check, broken):
    broken.replace("deploy/k8s/base/networkpolicies.yaml",
                   "  egress:\n    - ports:\n        - protocol: TCP\n          port: 5672\n---\n# The migrate",
                   "  egress:\n    - ports:\n        - protocol: TCP\n          port: 5672\n"
                   "        - protocol: TCP\n          port: 27017\n---\n# The migrate")
    assert_fails(failures(check, broken, ["policy"], ["base"]), "Deployment/shegong-gateway", "27017")


@pytest.mark.parametrize("overlay", ["base", "production", "small"])
def test_only_the_webhook_sender_reaches_receivers_on_443_and_80(render, check, overlay):
    docs = render.render(REPO / "deploy" / check.OVERLAYS[overlay])
    policies = [d for d in docs if d["kind"] == "NetworkPolicy"]
    for deployment in (d for d in docs if d["kind"] == "Deployment"):
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        selecting = [p for p in policies if check._selector_matches(p["spec"]["podSelector"], labels)]
        egress = check._allowed_ports(selecting, "egress")
        if deployment["metadata"]["name"] == "shegong-webhooks":
            assert {443, 80} <= egress and egress <= {53, 5672, 27017, 443, 80}
        elif labels.get("app.kubernetes.io/part-of") == "shegong" and "app.kubernetes.io/component" in labels:
            assert not egress & {443, 80}, deployment["metadata"]["name"]
    [sender] = [p for p in policies if p["metadata"]["name"] == "shegong-webhooks-egress"]
    [rule] = sender["spec"]["egress"]
    assert "169.254.0.0/16" in rule["to"][0]["ipBlock"]["except"]  # no cloud metadata, no cluster addresses


def test_webhook_egress_given_to_another_service_fails(check, broken):
    broken.replace("deploy/k8s/base/networkpolicies.yaml", "      app.kubernetes.io/name: shegong-webhooks\n",
                   "      app.kubernetes.io/component: service\n")
    assert_fails(failures(check, broken, ["policy"], ["base"]), "Deployment/shegong-registry", "443")


def test_missing_default_deny_fails(check, broken):
    broken.replace("deploy/k8s/base/networkpolicies.yaml",
                   "  podSelector: {}\n  policyTypes:\n    - Ingress\n    - Egress\n---",
                   "  podSelector: {}\n  policyTypes:\n    - Ingress\n---")
    assert_fails(failures(check, broken, ["policy"], ["base"]), "no default-deny NetworkPolicy")


# ------------------------------------------------------------------ secrets

def test_secret_example_in_a_kustomization_fails(check, broken):
    broken.replace("deploy/k8s/overlays/small/kustomization.yaml", "  - networkpolicies.yaml\n",
                   "  - networkpolicies.yaml\n  - ../../secret.example.yaml\n")
    assert_fails(failures(check, broken, ["secrets"], ["small"]),
                 "must not include secret.example.yaml", "renders Secret/shegong-app")


def test_real_value_in_secret_example_fails(check, broken):
    broken.replace("deploy/k8s/secret.example.yaml", "token-secret: CHANGE-ME-token-secret",
                   "token-secret: 7hT9kq2v")
    assert_fails(failures(check, broken, ["secrets"], ["base"]), "Secret/shegong-app", "token-secret")
