"""The Spark profile (docker-compose.spark.yml), checked as data: no Docker here."""

import re

import yaml

from tests.conftest import REPO_ROOT
from tests.test_compose import env_example, interpolate


def _spark() -> dict:
    return yaml.safe_load(interpolate((REPO_ROOT / "docker-compose.spark.yml").read_text(), env_example()))


def test_a_master_and_two_workers_of_the_official_image_at_the_pinned_spark_version():
    services = _spark()["services"]
    assert sorted(services) == ["spark-master", "spark-worker-1", "spark-worker-2"]
    pinned = re.search(r"^pyspark==(\S+)$", (REPO_ROOT / "requirements-spark.txt").read_text(), re.M).group(1)
    for service in services.values():
        assert service["image"] == f"apache/spark:{pinned}", "the driver's Spark is the cluster's"
        assert service["profiles"] == ["spark"]
    assert "org.apache.spark.deploy.master.Master" in services["spark-master"]["command"]
    assert any(port.endswith(":7077") for port in services["spark-master"]["ports"])
    for name in ("spark-worker-1", "spark-worker-2"):
        command = services[name]["command"]
        assert command[1:3] == ["org.apache.spark.deploy.worker.Worker", "spark://spark-master:7077"]
        assert services[name]["depends_on"]["spark-master"]["condition"] == "service_healthy"


def test_every_node_mounts_the_store_at_the_path_the_driver_names():
    """Executors read `<store>/tables` and write `<store>/clusters` at the path the driver passes them."""
    for service in _spark()["services"].values():
        (volume,) = service["volumes"]
        host, inside = volume.split(":")
        assert host == inside
        assert host.startswith("/")


def test_the_spark_cluster_is_not_part_of_the_production_stack():
    main = yaml.safe_load(interpolate((REPO_ROOT / "docker-compose.yml").read_text(), env_example()))
    assert not any(name.startswith("spark") for name in main["services"])
