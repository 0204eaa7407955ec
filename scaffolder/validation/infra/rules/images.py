"""A workload's image lives in a registry repository the Terraform creates, pinned as it allows.

Images are read after rendering, so kustomize `images:` have already replaced name and tag.
Only registry hosts of a kind the Terraform creates are judged: Artifact Registry
(`<location>-docker.pkg.dev/<project>/<repository>/<image>`, from a
`google_artifact_registry_repository` of format DOCKER) and ECR
(`<account>.dkr.ecr.<region>.amazonaws.com/<name>`, from an `aws_ecr_repository`). A part of a
repository's URL that is not static (an account from `data.aws_caller_identity`) matches any
image; a repository name that is not static leaves every image of that kind unjudged. An image
in another registry is judged only where it shares the name of a repository the Terraform
creates: images from somebody else's registry are that registry's business.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from scaffolder.validation.infra.estate import Deployment, Estate, Resource
from scaffolder.validation.kubernetes.objects import FieldPath, Obj, containers, workloads
from scaffolder.validation.model import Finding, Rule, Severity
from scaffolder.validation.terraform.syntax import Literal

IMAGE_REGISTRY = Rule(
    "INFRA010",
    "image-registry-unknown",
    Severity.ERROR,
    "A workload's image names a registry repository the Terraform does not create.",
)
MOVING_TAG = Rule(
    "INFRA011",
    "moving-tag-in-immutable-repository",
    Severity.ERROR,
    "A workload deploys a moving tag (`latest`, or none) from a repository with immutable tags.",
)
RULES = (IMAGE_REGISTRY, MOVING_TAG)

_GAR = re.compile(r"(?P<location>[a-z0-9-]+)-docker\.pkg\.dev")
_ECR = re.compile(
    r"(?P<account>[0-9]{12})\.dkr\.ecr(?:-fips)?\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?"
)


@dataclass(frozen=True, slots=True)
class _Repository:
    """A registry repository: its kind, the parts of its URL (None: not static), its name."""

    kind: str
    #: (location, project) for Artifact Registry, (account, region) for ECR.
    registry: tuple[str | None, str | None]
    name: str
    resource: Resource
    #: `file:line` of the attribute holding the name.
    where: str
    #: `file:line` and the text of the setting that makes tags immutable, when one does.
    immutable: tuple[str, str] | None

    def url(self) -> str:
        first, second = (part or "?" for part in self.registry)
        if self.kind == "gar":
            return f"{first}-docker.pkg.dev/{second}/{self.name}"
        return f"{first}.dkr.ecr.{second}.amazonaws.com/{self.name}"


@dataclass(frozen=True, slots=True)
class _Image:
    """A container image reference split into its registry parts, repository and tag."""

    kind: str
    registry: tuple[str, str]
    name: str
    #: The image without tag or digest, as an overlay's `newName` writes it.
    repository: str
    tag: str | None
    digest: bool


def _parse(image: str) -> _Image | None:
    """The image's parts, when its host is Artifact Registry's or ECR's; else None.

    Written here: the reference grammar is a few lines, and the registry-specific parts (an ECR
    account, an Artifact Registry project) are what no general reference parser splits out.
    """
    reference, _, digest = image.partition("@")
    host, _, path = reference.partition("/")
    tag = None
    last = path.rsplit("/", 1)[-1]
    if ":" in last:
        path, _, tag = path.rpartition(":")
    if not path:
        return None
    repository = f"{host}/{path}"
    if match := _GAR.fullmatch(host):
        project, _, rest = path.partition("/")
        name = rest.split("/", 1)[0]
        if not project or not name or "/" not in rest:
            return None
        return _Image("gar", (match["location"], project), name, repository, tag, bool(digest))
    if match := _ECR.fullmatch(host):
        registry = (match["account"], match["region"])
        return _Image("ecr", registry, path, repository, tag, bool(digest))
    return None


def _repositories(estate: Estate, deployment: Deployment) -> dict[str, list[_Repository] | None]:
    """Each kind's repositories the Terraform creates; None for a kind with a name not static."""
    found: dict[str, list[_Repository] | None] = {}
    for resource in deployment.resources:
        module = estate.modules.get(resource.file.parent)
        if resource.type == "google_artifact_registry_repository":
            kind = "gar"
            attribute, fmt = estate.attribute(resource, "format")
            if attribute is None or (fmt is not None and fmt.upper() != "DOCKER"):
                continue
            if fmt is None:
                found[kind] = None
                continue
            name_attribute, name = estate.attribute(resource, "repository_id")
            _, location = estate.attribute(resource, "location")
            registry = (location, estate.google_project(resource))
            immutable = None
            for config in resource.block.blocks("docker_config"):
                setting = config.attributes.get("immutable_tags")
                if (
                    setting is not None
                    and isinstance(setting.value, Literal)
                    and setting.value.value is True
                ):
                    where = estate.where(resource.file, setting.line)
                    immutable = (where, "immutable_tags = true")
        elif resource.type == "aws_ecr_repository":
            kind = "ecr"
            name_attribute, name = estate.attribute(resource, "name")
            _, region = estate.attribute(resource, "region")
            if region is None and "region" not in resource.block.attributes and module:
                region = estate.string(resource, module.aws_region)
            account = estate.string(resource, module.aws_account) if module else None
            registry = (account, region)
            setting, mutability = estate.attribute(resource, "image_tag_mutability")
            immutable = (
                (estate.where(resource.file, setting.line), 'image_tag_mutability = "IMMUTABLE"')
                if setting is not None and mutability == "IMMUTABLE"
                else None
            )
        else:
            continue
        if kind in found and found[kind] is None:
            continue
        if name_attribute is None or name is None:
            found[kind] = None
            continue
        where = estate.where(resource.file, name_attribute.line)
        repositories = found.setdefault(kind, [])
        assert repositories is not None
        repositories.append(_Repository(kind, registry, name, resource, where, immutable))
    return found


def _same_registry(image: _Image, repository: _Repository, *, known: bool) -> bool:
    """Whether the image's registry is the repository's (``known``: every part static)."""
    return all(
        part == ours if ours is not None else not known
        for part, ours in zip(image.registry, repository.registry, strict=True)
    )


def check(estate: Estate) -> Iterator[Finding]:
    """INFRA010 at an image in no created repository; INFRA011 at a moving, immutable tag."""
    seen: set[tuple[str, str, int]] = set()
    for deployment in estate.deployments():
        created = _repositories(estate, deployment)
        for obj, base, spec in workloads(deployment.objects):
            for _, path, what, container in containers(obj, base, spec):
                text = container.get("image")
                image = _parse(text) if isinstance(text, str) else None
                repositories = created.get(image.kind) if image is not None else None
                if image is None or not repositories:
                    continue
                for finding in _judge(estate, obj, [*path, "image"], what, image, repositories):
                    key = (finding.rule, finding.path, finding.line)
                    if key not in seen:
                        seen.add(key)
                        yield finding


def _judge(
    estate: Estate,
    obj: Obj,
    field: FieldPath,
    what: str,
    image: _Image,
    repositories: list[_Repository],
) -> Iterator[Finding]:
    """The finding, if any, for one container's ``image``."""
    matches = [
        r for r in repositories if r.name == image.name and _same_registry(image, r, known=False)
    ]
    if not matches:
        related = [
            r for r in repositories if r.name == image.name or _same_registry(image, r, known=True)
        ]
        if not related:
            return
        known = ", ".join(f"`{r.url()}` ({r.where})" for r in repositories)
        yield estate.finding(
            obj,
            IMAGE_REGISTRY,
            field,
            f"{what} runs `{image.repository}`, which is in no repository the Terraform "
            f"creates: it creates {known}",
            text=image.repository,
        )
        return
    repository = matches[0]
    if image.digest or image.tag not in {None, "latest"} or repository.immutable is None:
        return
    where, setting = repository.immutable
    tag = f"the tag `{image.tag}`" if image.tag else "no tag (so `latest`)"
    yield estate.finding(
        obj,
        MOVING_TAG,
        field,
        f"{what} deploys `{image.repository}` with {tag}, but `{repository.resource.address}` "
        f"keeps tags immutable (`{setting}`, {where}): the tag can never move to a new image, "
        "and pushing it again fails; pin a version tag or a digest",
        text=image.tag or image.repository,
    )
