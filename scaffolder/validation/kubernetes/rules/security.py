"""Pod and container security.

Privilege, escalation, root, the root filesystem, capabilities, host namespaces and paths,
service account tokens.
"""

from __future__ import annotations

from collections.abc import Iterator

from scaffolder.validation.kubernetes.objects import (
    FieldPath,
    ObjectSet,
    containers,
    mapping,
    workloads,
)
from scaffolder.validation.model import Finding, Rule, Severity

W = Severity.WARNING
PRIVILEGED = Rule("K8S104", "privileged", W, "A container runs privileged.")
ESCALATION = Rule(
    "K8S105", "privilege-escalation", W, "A container does not set allowPrivilegeEscalation: false."
)
ROOT = Rule("K8S106", "root-user", W, "A pod or container may run as root.")
WRITABLE_ROOT = Rule(
    "K8S107", "writable-root-filesystem", W, "A container's root filesystem is writable."
)
CAPABILITIES = Rule("K8S108", "added-capabilities", W, "A container adds Linux capabilities.")
HOST = Rule("K8S109", "host-access", W, "A pod shares host namespaces or mounts a hostPath.")
TOKEN = Rule(
    "K8S111", "token-automount", W, "A pod mounts a service account token it may not need."
)
RULES = (PRIVILEGED, ESCALATION, ROOT, WRITABLE_ROOT, CAPABILITIES, HOST, TOKEN)


def _restricted(capabilities: dict[str, object]) -> bool:
    """`drop: [ALL]` and only `NET_BIND_SERVICE` added: what Pod Security "restricted" allows."""
    added, dropped = capabilities.get("add"), capabilities.get("drop")
    if not isinstance(added, list) or not isinstance(dropped, list):
        return False
    names = {str(name).upper().removeprefix("CAP_") for name in added}
    return names == {"NET_BIND_SERVICE"} and "ALL" in {str(name).upper() for name in dropped}


def check(objects: ObjectSet) -> Iterator[Finding]:
    """K8S104-K8S109 and K8S111 for every workload in the set."""
    for obj, base, spec in workloads(objects):
        pod_context = mapping(spec.get("securityContext"))
        for key in ("hostNetwork", "hostPID", "hostIPC"):
            if spec.get(key) is True:
                yield obj.finding(HOST, [*base, key], f"`{obj.label()}` sets `{key}: true`")
        for index, volume in enumerate(spec.get("volumes") or []):
            if isinstance(volume, dict) and "hostPath" in volume:
                yield obj.finding(
                    HOST,
                    [*base, "volumes", index, "hostPath"],
                    f"`{obj.label()}` mounts hostPath volume `{volume.get('name')}`",
                )
        if spec.get("automountServiceAccountToken") is not False:
            yield obj.finding(
                TOKEN,
                [*base, "automountServiceAccountToken"]
                if "automountServiceAccountToken" in spec
                else base,
                f"`{obj.label()}` mounts a service account token; set "
                "`automountServiceAccountToken: false` unless it calls the Kubernetes API",
            )
        pod_non_root = pod_context.get("runAsNonRoot") is True and pod_context.get("runAsUser") != 0
        for _, where, what, container in containers(obj, base, spec):
            context = mapping(container.get("securityContext"))
            at_context: FieldPath = [*where, "securityContext"] if context else where
            if context.get("privileged") is True:
                yield obj.finding(
                    PRIVILEGED, [*where, "securityContext", "privileged"], f"{what} runs privileged"
                )
            # A privileged container escalates by definition (K8S104 says so), and the API
            # rejects `allowPrivilegeEscalation: false` beside `privileged: true`.
            if (
                context.get("allowPrivilegeEscalation") is not False
                and context.get("privileged") is not True
            ):
                yield obj.finding(
                    ESCALATION, at_context, f"{what} does not set `allowPrivilegeEscalation: false`"
                )
            non_root = context.get("runAsNonRoot", pod_non_root or None) is True
            if (
                context.get("runAsUser") == 0
                or (context.get("runAsUser") is None and pod_context.get("runAsUser") == 0)
                or not non_root
            ):
                yield obj.finding(
                    ROOT,
                    at_context,
                    f"{what} may run as root; set `runAsNonRoot: true` and a non-zero runAsUser",
                )
            if context.get("readOnlyRootFilesystem") is not True:
                yield obj.finding(
                    WRITABLE_ROOT,
                    at_context,
                    f"{what} has a writable root filesystem; set `readOnlyRootFilesystem: true`",
                )
            capabilities = mapping(context.get("capabilities"))
            added = capabilities.get("add") or []
            if added and not _restricted(capabilities):
                yield obj.finding(
                    CAPABILITIES,
                    [*where, "securityContext", "capabilities", "add"],
                    f"{what} adds capabilities {', '.join(map(str, added))}",
                )
