"""Offline renderer for the Kustomize subset that deploy/k8s uses.

There is no kustomize binary on a fresh machine and no network, so CI renders
the overlays with this module. It supports exactly these kustomization fields,
and refuses anything else with an error instead of silently rendering
something different from kustomize:

* ``resources``: local YAML files and local directories holding a
  ``kustomization.yaml`` (no remote bases, no Helm charts, no generators);
* ``namespace``: set on every namespaced resource; a ``Namespace`` object is
  renamed to it, as kustomize does;
* ``patches``: strategic-merge patches (merge keys only for ``containers``,
  ``initContainers``, ``env``, ``volumes`` and ``volumeMounts`` of the built-in
  workload kinds; other lists are replaced, which is kustomize's behaviour for
  lists without a merge key and for custom resources) and JSON 6902 patches
  (``add``, ``remove``, ``replace``, ``test``), inline or from a file, with a
  ``target`` of group/version/kind/name/namespace regular expressions;
* ``images``: ``newName``, ``newTag`` and ``digest`` for the ``image`` of every
  container and init container.

Transformers run in kustomize's order (patches, namespace, images). Unlike
kustomize, a patch that matches no resource is an error. When a real
kustomize (``kubectl kustomize``) is present, tests/deploy compare the two
renderings resource by resource.

Usage: ``python deploy/render.py deploy/k8s/overlays/production``
"""
from __future__ import annotations

import copy
import re
import sys
from pathlib import Path
from typing import Any

import yaml

SUPPORTED_FIELDS = {"apiVersion", "kind", "namespace", "resources", "patches", "images"}
KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")

# Kinds that are not namespaced (the built-in ones this project could use).
CLUSTER_SCOPED = {
    "Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
    "PersistentVolume", "StorageClass", "PriorityClass", "IngressClass",
    "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration",
    "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "APIService",
    "RuntimeClass", "Node", "CSIDriver", "VolumeAttachment",
}
# Kinds whose kustomize namespace handling goes beyond metadata.namespace
# (subjects, webhook client configs, ...); not implemented, so refused.
NAMESPACE_UNSUPPORTED = {
    "RoleBinding", "ClusterRoleBinding", "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration", "APIService", "CustomResourceDefinition",
}
WORKLOAD_KINDS = {"Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"}
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
}
# Lists that have a merge key in Kubernetes' strategic merge patch but that
# this renderer does not implement: patching them is refused.
UNSUPPORTED_MERGE_LISTS = {
    "ports", "imagePullSecrets", "hostAliases", "topologySpreadConstraints",
    "ephemeralContainers", "volumeDevices", "resourceClaims", "schedulingGates",
}


class RenderError(Exception):
    """The kustomization uses something this renderer does not support, or is wrong."""


def _load_yaml_docs(path: Path) -> list[Any]:
    try:
        return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc is not None]
    except yaml.YAMLError as exc:
        raise RenderError(f"{path}: invalid YAML: {exc}") from exc


def _kustomization_file(directory: Path) -> Path:
    for name in KUSTOMIZATION_FILES:
        candidate = directory / name
        if candidate.is_file():
            return candidate
    raise RenderError(f"{directory}: no kustomization.yaml")


def res_id(res: dict) -> tuple[str, str, str, str]:
    meta = res.get("metadata") or {}
    return (res.get("apiVersion", ""), res.get("kind", ""), meta.get("namespace", ""), meta.get("name", ""))


def _describe(res: dict) -> str:
    return f"{res.get('kind')}/{(res.get('metadata') or {}).get('name')}"


def render(directory: str | Path) -> list[dict]:
    """Render the kustomization in ``directory``; returns the resources in order."""
    return _render(Path(directory).resolve(), stack=())


def _render(directory: Path, stack: tuple[Path, ...]) -> list[dict]:
    if directory in stack:
        raise RenderError(f"{directory}: kustomization cycle")
    kfile = _kustomization_file(directory)
    docs = _load_yaml_docs(kfile)
    if len(docs) != 1 or not isinstance(docs[0], dict):
        raise RenderError(f"{kfile}: expected one YAML mapping")
    kust = docs[0]
    unknown = set(kust) - SUPPORTED_FIELDS
    if unknown:
        raise RenderError(
            f"{kfile}: unsupported kustomization field(s) {sorted(unknown)}; "
            f"deploy/render.py supports only {sorted(SUPPORTED_FIELDS)}")
    if kust.get("kind", "Kustomization") != "Kustomization":
        raise RenderError(f"{kfile}: kind must be Kustomization")

    resources: list[dict] = []
    seen: set[tuple[str, str, str, str]] = set()
    for entry in kust.get("resources") or []:
        if not isinstance(entry, str):
            raise RenderError(f"{kfile}: resources entries must be strings")
        if "://" in entry or entry.startswith(("github.com/", "git@")):
            raise RenderError(f"{kfile}: remote resource {entry!r} is not supported (renders offline only)")
        target = (directory / entry).resolve()
        if target.is_dir():
            loaded = _render(target, stack + (directory,))
        elif target.is_file():
            loaded = _load_yaml_docs(target)
        else:
            raise RenderError(f"{kfile}: resource {entry!r} not found")
        for res in loaded:
            if not isinstance(res, dict) or "kind" not in res or "apiVersion" not in res:
                raise RenderError(f"{kfile}: {entry}: every document must be a resource with apiVersion and kind")
            if res["kind"] in ("List",) or res["kind"].endswith("List"):
                raise RenderError(f"{kfile}: {entry}: List kinds are not supported")
            if not (res.get("metadata") or {}).get("name"):
                raise RenderError(f"{kfile}: {entry}: {res['kind']} without metadata.name")
            rid = res_id(res)
            if rid in seen:
                raise RenderError(f"{kfile}: duplicate resource {rid}")
            seen.add(rid)
            resources.append(res)

    for number, patch in enumerate(kust.get("patches") or []):
        _apply_patch_entry(resources, patch, directory, f"{kfile}: patches[{number}]")

    namespace = kust.get("namespace")
    if namespace:
        for res in resources:
            kind = res["kind"]
            if kind in NAMESPACE_UNSUPPORTED:
                raise RenderError(f"{kfile}: namespace transformer for {kind} is not supported by deploy/render.py")
            if kind == "Namespace":
                res["metadata"]["name"] = namespace
            elif kind not in CLUSTER_SCOPED:
                res["metadata"]["namespace"] = namespace

    for number, image in enumerate(kust.get("images") or []):
        _apply_image(resources, image, f"{kfile}: images[{number}]")

    return resources


# ---------------------------------------------------------------- patches

def _apply_patch_entry(resources: list[dict], entry: dict, directory: Path, where: str) -> None:
    if not isinstance(entry, dict):
        raise RenderError(f"{where}: must be a mapping")
    unknown = set(entry) - {"path", "patch", "target"}
    if unknown:
        raise RenderError(f"{where}: unsupported patch field(s) {sorted(unknown)}")
    if ("path" in entry) == ("patch" in entry):
        raise RenderError(f"{where}: give exactly one of path or patch")
    text = (directory / entry["path"]).read_text(encoding="utf-8") if "path" in entry else entry["patch"]
    try:
        docs = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as exc:
        raise RenderError(f"{where}: invalid YAML: {exc}") from exc
    if len(docs) != 1:
        raise RenderError(f"{where}: expected exactly one patch document")
    body = docs[0]
    target = entry.get("target")
    if isinstance(body, list):
        if not target:
            raise RenderError(f"{where}: a JSON 6902 patch needs a target")
        matched = _select(resources, target, where)
        for res in matched:
            _json6902(res, body, f"{where} on {_describe(res)}")
    elif isinstance(body, dict):
        matched = _select(resources, target, where) if target else _select(resources, _target_of(body, where), where)
        for res in matched:
            patched = _smp(res, body, res["kind"] in WORKLOAD_KINDS, f"{where} on {_describe(res)}", ())
            # A strategic-merge patch never changes identity fields.
            patched["apiVersion"], patched["kind"] = res["apiVersion"], res["kind"]
            patched.setdefault("metadata", {})["name"] = res["metadata"]["name"]
            res.clear()
            res.update(patched)
    else:
        raise RenderError(f"{where}: a patch must be a mapping (strategic merge) or a list (JSON 6902)")


def _target_of(body: dict, where: str) -> dict:
    try:
        api_version = body["apiVersion"]
        group, _, version = api_version.rpartition("/")
        return {"group": group, "version": version, "kind": body["kind"],
                "name": re.escape(body["metadata"]["name"])}
    except (KeyError, TypeError) as exc:
        raise RenderError(f"{where}: a strategic-merge patch without target needs apiVersion, kind "
                          "and metadata.name") from exc


def _select(resources: list[dict], target: dict, where: str) -> list[dict]:
    unknown = set(target) - {"group", "version", "kind", "name", "namespace"}
    if unknown:
        raise RenderError(f"{where}: unsupported target selector(s) {sorted(unknown)}")
    matched = []
    for res in resources:
        group, _, version = res["apiVersion"].rpartition("/")
        values = {
            "group": group, "version": version, "kind": res["kind"],
            "name": res["metadata"]["name"], "namespace": res["metadata"].get("namespace", ""),
        }
        if all(re.fullmatch(str(pattern), values[key]) for key, pattern in target.items()):
            matched.append(res)
    if not matched:
        raise RenderError(f"{where}: target {target} matched no resource")
    return matched


def _smp(orig: Any, patch: Any, workload: bool, where: str, path: tuple[str, ...]) -> Any:
    if not isinstance(patch, dict) or not isinstance(orig, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(orig)
    for key, value in patch.items():
        if isinstance(key, str) and key.startswith("$"):
            raise RenderError(f"{where}: patch directive {key} is not supported")
        if value is None:
            result.pop(key, None)
            continue
        current = result.get(key)
        if isinstance(value, dict) and isinstance(current, dict):
            result[key] = _smp(current, value, workload, where, path + (key,))
        elif isinstance(value, list) and isinstance(current, list) and workload and key in MERGE_KEYS:
            result[key] = _merge_list(current, value, MERGE_KEYS[key], workload, where, path + (key,))
        elif isinstance(value, list) and workload and key in UNSUPPORTED_MERGE_LISTS:
            raise RenderError(f"{where}: patching the list {'.'.join(path + (key,))} is not supported")
        else:
            result[key] = copy.deepcopy(value)
    return result


def _merge_list(current: list, patch: list, merge_key: str, workload: bool, where: str,
                path: tuple[str, ...]) -> list:
    result = copy.deepcopy(current)
    for item in patch:
        if not isinstance(item, dict) or merge_key not in item:
            raise RenderError(f"{where}: items of {'.'.join(path)} need {merge_key}")
        if any(isinstance(k, str) and k.startswith("$") for k in item):
            raise RenderError(f"{where}: patch directives in {'.'.join(path)} are not supported")
        for index, existing in enumerate(result):
            if isinstance(existing, dict) and existing.get(merge_key) == item[merge_key]:
                result[index] = _smp(existing, item, workload, where, path)
                break
        else:
            result.append(copy.deepcopy(item))
    return result


def _pointer(path: str, where: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise RenderError(f"{where}: JSON pointer {path!r} must start with /")
    return [part.replace("~1", "/").replace("~0", "~") for part in path[1:].split("/")]


def _walk(doc: Any, parts: list[str], where: str) -> Any:
    for part in parts:
        if isinstance(doc, dict):
            if part not in doc:
                raise RenderError(f"{where}: path element {part!r} not found")
            doc = doc[part]
        elif isinstance(doc, list):
            try:
                doc = doc[int(part)]
            except (ValueError, IndexError) as exc:
                raise RenderError(f"{where}: bad list index {part!r}") from exc
        else:
            raise RenderError(f"{where}: cannot descend into {part!r}")
    return doc


def _json6902(res: dict, ops: list, where: str) -> None:
    for op in ops:
        if not isinstance(op, dict) or "op" not in op or "path" not in op:
            raise RenderError(f"{where}: each operation needs op and path")
        kind = op["op"]
        parts = _pointer(op["path"], where)
        if not parts:
            raise RenderError(f"{where}: replacing the whole document is not supported")
        parent = _walk(res, parts[:-1], where)
        last = parts[-1]
        if kind == "test":
            if _walk(res, parts, where) != op.get("value"):
                raise RenderError(f"{where}: test of {op['path']} failed")
        elif kind in ("add", "replace"):
            if "value" not in op:
                raise RenderError(f"{where}: {kind} needs a value")
            value = copy.deepcopy(op["value"])
            if isinstance(parent, dict):
                if kind == "replace" and last not in parent:
                    raise RenderError(f"{where}: replace of missing {op['path']}")
                parent[last] = value
            elif isinstance(parent, list):
                if last == "-" and kind == "add":
                    parent.append(value)
                else:
                    try:
                        index = int(last)
                    except ValueError as exc:
                        raise RenderError(f"{where}: bad list index {last!r}") from exc
                    if kind == "add":
                        if not 0 <= index <= len(parent):
                            raise RenderError(f"{where}: index {index} out of range")
                        parent.insert(index, value)
                    else:
                        if not 0 <= index < len(parent):
                            raise RenderError(f"{where}: index {index} out of range")
                        parent[index] = value
            else:
                raise RenderError(f"{where}: cannot {kind} at {op['path']}")
        elif kind == "remove":
            if isinstance(parent, dict):
                if last not in parent:
                    raise RenderError(f"{where}: remove of missing {op['path']}")
                del parent[last]
            elif isinstance(parent, list):
                try:
                    del parent[int(last)]
                except (ValueError, IndexError) as exc:
                    raise RenderError(f"{where}: bad list index {last!r}") from exc
            else:
                raise RenderError(f"{where}: cannot remove at {op['path']}")
        else:
            raise RenderError(f"{where}: JSON 6902 operation {kind!r} is not supported")


# ----------------------------------------------------------------- images

_IMAGE_RE = re.compile(r"^(?P<name>[^@]+?)(?::(?P<tag>[^:/@]+))?(?:@(?P<digest>sha256:[0-9a-f]{64}))?$")


def split_image(ref: str) -> tuple[str, str | None, str | None]:
    """Split an image reference into (name, tag, digest)."""
    match = _IMAGE_RE.match(ref)
    if not match:
        return ref, None, None
    return match["name"], match["tag"], match["digest"]


def _apply_image(resources: list[dict], spec: dict, where: str) -> None:
    unknown = set(spec) - {"name", "newName", "newTag", "digest"}
    if unknown or "name" not in spec:
        raise RenderError(f"{where}: needs name and only newName/newTag/digest")

    def fix(container: dict) -> None:
        name, tag, digest = split_image(container.get("image", ""))
        if name != spec["name"]:
            return
        name = spec.get("newName", name)
        if "newTag" in spec:
            tag = str(spec["newTag"])
        if "digest" in spec:
            digest, tag = spec["digest"], None
        container["image"] = name + (f":{tag}" if tag else "") + (f"@{digest}" if digest else "")

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("containers", "initContainers") and isinstance(value, list):
                    for item in value:
                        if isinstance(item, dict) and isinstance(item.get("image"), str):
                            fix(item)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for res in resources:
        walk(res)


def dump(resources: list[dict]) -> str:
    return yaml.safe_dump_all(resources, sort_keys=False, default_flow_style=False)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python deploy/render.py DIRECTORY", file=sys.stderr)
        return 2
    try:
        sys.stdout.write(dump(render(argv[0])))
    except RenderError as exc:
        print(f"render error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
