"""deploy/k8s against the code: every service's objects, ports, probes, settings, topics."""

from __future__ import annotations

import shutil
import subprocess
from collections import defaultdict
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from services import SERVICE_NAMES
from services.console.settings import ConsoleSettings
from shared.auth import UnsafeJwtSecret, check_jwt_secret
from shared.settings import ServiceSettings
from tests.ops.helpers import (
    CONTRACT_PORTS,
    ROOT,
    all_topics,
    allowed_env,
    any_service_env,
    console_env,
    default_port,
    load_yaml,
    load_yaml_all,
    prefix,
)

K8S = ROOT / "deploy" / "k8s"
KUBERNETES_VERSION = "1.30"
Manifests = dict[tuple[str, str], dict[str, Any]]


@pytest.fixture(scope="module")
def kustomization() -> dict[str, Any]:
    data: dict[str, Any] = load_yaml(K8S / "kustomization.yaml")
    return data


@pytest.fixture(scope="module")
def manifests(kustomization: dict[str, Any]) -> Manifests:
    """Every object of the files kustomization.yaml lists, by (kind, name)."""
    found: Manifests = {}
    for file in kustomization["resources"]:
        for doc in load_yaml_all(K8S / file):
            key = (doc["kind"], doc["metadata"]["name"])
            assert key not in found, f"{key} defined twice"
            found[key] = doc
    return found


def _pod(workload: dict[str, Any]) -> dict[str, Any]:
    pod: dict[str, Any] = workload["spec"]["template"]["spec"]
    return pod


def _container(workload: dict[str, Any]) -> dict[str, Any]:
    containers = _pod(workload)["containers"]
    assert len(containers) == 1
    container: dict[str, Any] = containers[0]
    return container


def _env_names(manifests: Manifests, container: dict[str, Any]) -> set[str]:
    """Names a container gets: its env, and every key of the ConfigMaps/Secrets it loads."""
    names = {e["name"] for e in container.get("env", [])}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            names |= set(manifests[("ConfigMap", source["configMapRef"]["name"])]["data"])
        if "secretRef" in source:
            secret = manifests[("Secret", source["secretRef"]["name"])]
            names |= set(secret.get("stringData", {})) | set(secret.get("data", {}))
    return names


def _config_value(manifests: Manifests, container: dict[str, Any], name: str) -> str:
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            data = manifests[("ConfigMap", source["configMapRef"]["name"])]["data"]
        elif "secretRef" in source:
            data = manifests[("Secret", source["secretRef"]["name"])].get("stringData", {})
        else:
            continue
        if name in data:
            return str(data[name])
    raise AssertionError(f"{name} is not set")


def _matches(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


def _topics_job(manifests: Manifests) -> dict[str, Any]:
    jobs = [
        doc
        for (kind, _), doc in manifests.items()
        if kind == "Job"
        and doc["metadata"]["labels"].get("app.kubernetes.io/component") == "topics"
    ]
    assert len(jobs) == 1
    return jobs[0]


def _job_env(job: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: str(e.get("value", "")) for e in _container(job).get("env", [])}


def test_kustomization_lists_every_file(kustomization: dict[str, Any]) -> None:
    files = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == files
    assert kustomization["namespace"] == "qise"


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_service_has_all_its_objects(manifests: Manifests, service: str) -> None:
    for kind in ("Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"):
        assert (kind, service) in manifests, f"no {kind} {service}"
    assert ("Job", f"{service}-migrate") in manifests


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_deployment_serves_on_the_settings_port(manifests: Manifests, service: str) -> None:
    deployment = manifests[("Deployment", service)]
    container = _container(deployment)
    assert container["command"] == ["qise", "serve", service]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    port = ports["http"]
    assert port == default_port(service) == CONTRACT_PORTS[service]
    assert int(_config_value(manifests, container, f"{prefix(service)}PORT")) == port
    assert _config_value(manifests, container, f"{prefix(service)}HOST") == "0.0.0.0"
    for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
        get = container[probe]["httpGet"]
        assert get["path"] == path
        assert ports.get(get["port"], get["port"]) == port
    assert "replicas" not in deployment["spec"], "the HPA owns the replica count"


def test_the_shipped_jwt_secret_is_refused(manifests: Manifests) -> None:
    """A deployment left as shipped does not start: no one can forge its tokens."""
    value = manifests[("Secret", "qise-secrets")]["stringData"]["QISE_JWT_SECRET"]
    with pytest.raises(UnsafeJwtSecret, match="QISE_JWT_SECRET"):
        check_jwt_secret(ServiceSettings(_env_file=None, jwt_secret=value))
    text = "".join(path.read_text(encoding="utf-8") for path in sorted(K8S.glob("*.yaml")))
    assert "ALLOW_DEV_SECRET" not in text


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_settings_come_from_config_and_secret(manifests: Manifests, service: str) -> None:
    container = _container(manifests[("Deployment", service)])
    kinds = {next(iter(source)) for source in container["envFrom"]}
    assert kinds == {"configMapRef", "secretRef"}
    # Each service reads its own names; the shared objects may carry the others' too.
    names = _env_names(manifests, container)
    assert not names - any_service_env(), sorted(names - any_service_env())
    assert not {e["name"] for e in container.get("env", [])} - allowed_env(service)
    for needed in ("DATABASE_URL", "PORT", "HOST"):
        assert f"{prefix(service)}{needed}" in names
    assert {"KAFKA_BOOTSTRAP_SERVERS", "QISE_JWT_SECRET"} <= names
    url = make_url(_config_value(manifests, container, f"{prefix(service)}DATABASE_URL"))
    assert url.drivername == "postgresql+asyncpg"
    assert url.database == service


def test_secrets_live_in_the_secret(manifests: Manifests) -> None:
    config = manifests[("ConfigMap", "qise-config")]["data"]
    secret = manifests[("Secret", "qise-secrets")]["stringData"]
    assert "QISE_JWT_SECRET" in secret
    assert not [k for k in config if "SECRET" in k or "DATABASE_URL" in k]
    assert {f"{prefix(s)}DATABASE_URL" for s in SERVICE_NAMES} <= set(secret)


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_labels_and_selectors_agree(manifests: Manifests, service: str) -> None:
    deployment = manifests[("Deployment", service)]
    selector = deployment["spec"]["selector"]["matchLabels"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert _matches(selector, labels)
    svc = manifests[("Service", service)]
    assert svc["spec"]["selector"] == selector
    assert [p["targetPort"] for p in svc["spec"]["ports"]] == ["http"]
    assert svc["spec"]["ports"][0]["port"] == CONTRACT_PORTS[service]
    assert (
        manifests[("PodDisruptionBudget", service)]["spec"]["selector"]["matchLabels"] == selector
    )
    # No Job's pods may receive the Service's traffic or count for its budget.
    for (kind, name), doc in manifests.items():
        if kind == "Job":
            job_labels = doc["spec"]["template"]["metadata"]["labels"]
            assert not _matches(selector, job_labels), f"Job {name} matches {service}'s selector"


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_autoscaling_and_disruption_budget(manifests: Manifests, service: str) -> None:
    hpa = manifests[("HorizontalPodAutoscaler", service)]
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": service,
    }
    metrics = hpa["spec"]["metrics"]
    assert [m["resource"]["name"] for m in metrics if m["type"] == "Resource"] == ["cpu"]
    # CPU utilization is measured against the request.
    assert _container(manifests[("Deployment", service)])["resources"]["requests"]["cpu"]
    low, high = hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]
    assert 2 <= low <= high
    pdb = manifests[("PodDisruptionBudget", service)]
    assert pdb["apiVersion"] == "policy/v1"
    assert pdb["spec"]["minAvailable"] < low, "a drain must be able to evict one pod"


def test_stats_replicas_stay_within_the_partitions(manifests: Manifests) -> None:
    """Stats is a consumer: in each of its groups, replicas beyond the partitions idle."""
    partitions = int(_job_env(_topics_job(manifests))["PARTITIONS"])
    assert manifests[("HorizontalPodAutoscaler", "stats")]["spec"]["maxReplicas"] <= partitions


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_migration_job(manifests: Manifests, service: str) -> None:
    job = manifests[("Job", f"{service}-migrate")]
    container = _container(job)
    assert container["command"] == ["qise", "migrate", service]
    assert container["image"] == _container(manifests[("Deployment", service)])["image"]
    assert _pod(job)["restartPolicy"] == "Never"
    assert f"{prefix(service)}DATABASE_URL" in _env_names(manifests, container)


def test_topics_job_creates_every_topic(manifests: Manifests) -> None:
    job = _topics_job(manifests)
    container = _container(job)
    assert container["image"].startswith("apache/kafka:")
    env = _job_env(job)
    assert set(env["TOPICS"].split()) == all_topics()
    assert int(env["PARTITIONS"]) >= 3
    assert int(env["REPLICATION_FACTOR"]) >= 1
    script = (ROOT / "deploy" / "create-topics.sh").read_text(encoding="utf-8")
    assert container["command"] == ["/bin/sh", "-c"]
    assert container["args"] == [script], "the Job's script differs from deploy/create-topics.sh"
    bootstrap = next(e for e in container["env"] if e["name"] == "KAFKA_BOOTSTRAP_SERVERS")
    assert bootstrap["valueFrom"]["configMapKeyRef"]["name"] == "qise-config"


def test_every_pod_runs_unprivileged(manifests: Manifests) -> None:
    for (kind, name), doc in manifests.items():
        if kind not in ("Deployment", "Job"):
            continue
        pod = _pod(doc)
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["runAsUser"] != 0, name
        assert pod.get("automountServiceAccountToken") is False, name
        for container in pod["containers"]:
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["readOnlyRootFilesystem"] is True, name
            assert context["capabilities"]["drop"] == ["ALL"], name
            assert container["resources"]["limits"]["memory"], name
            mounts = {m["mountPath"] for m in container.get("volumeMounts", [])}
            assert "/tmp" in mounts, f"{name}: a writable /tmp on a read-only root"


def test_the_image_runs_as_the_pods_user() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "USER 10001:10001" in dockerfile


def test_manifests_match_the_kubernetes_schemas(kustomization: dict[str, Any]) -> None:
    kubernetes_validate = pytest.importorskip("kubernetes_validate")
    counts: dict[str, int] = defaultdict(int)
    for file in kustomization["resources"]:
        for doc in load_yaml_all(K8S / file):
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
            counts[doc["kind"]] += 1
    assert counts["Deployment"] == len(SERVICE_NAMES) + 1  # and the console


def test_kustomize_builds() -> None:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("no kubectl here")
    done = subprocess.run(
        [kubectl, "kustomize", str(K8S)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    import yaml

    docs = [d for d in yaml.safe_load_all(done.stdout) if d]
    namespaced = [d for d in docs if d["kind"] != "Namespace"]
    assert {d["metadata"].get("namespace") for d in namespaced} == {"qise"}
    images = {
        c["image"]
        for d in docs
        if d["kind"] in ("Deployment", "Job")
        for c in d["spec"]["template"]["spec"]["containers"]
    }
    assert all(":" in image for image in images), images


def test_the_console_serves_and_forwards_to_the_services(manifests: Manifests) -> None:
    """The console: its own Deployment on port 8000, the four Services as its upstreams,
    no secret (it checks no token), and an Ingress sending / and /api to it."""
    for kind in ("Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"):
        assert (kind, "console") in manifests, f"no {kind} console"
    container = _container(manifests[("Deployment", "console")])
    assert container["command"] == ["qise", "serve", "console"]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports["http"] == ConsoleSettings.model_fields["port"].default == 8000
    assert _config_value(manifests, container, "CONSOLE_PORT") == "8000"
    assert _config_value(manifests, container, "CONSOLE_HOST") == "0.0.0.0"
    assert [next(iter(s)) for s in container["envFrom"]] == ["configMapRef"]
    assert not {e["name"] for e in container.get("env", [])} - console_env()
    for service in SERVICE_NAMES:
        url = _config_value(manifests, container, f"CONSOLE_{service.upper()}_URL")
        assert url == f"http://{service}:{CONTRACT_PORTS[service]}"
        target = manifests[("Service", service)]["spec"]["ports"][0]
        assert target["port"] == CONTRACT_PORTS[service]
    for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
        assert container[probe]["httpGet"]["path"] == path
    svc = manifests[("Service", "console")]
    deployment = manifests[("Deployment", "console")]
    assert svc["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    ingress = manifests[("Ingress", "console")]
    routes = {
        path["path"]: path["backend"]["service"]
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
    }
    assert set(routes) == {"/", "/api"}
    assert all(backend["name"] == "console" for backend in routes.values())
