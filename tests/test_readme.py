"""Every snippet of the README runs as it is, without a single warning."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```(python|bash)\n(.*?)```", README.read_text(), flags=re.S)
PYTHON = [code for lang, code in BLOCKS if lang == "python"]
#: Shell lines that set up an environment or run for minutes are not run here.
SKIPPED = ("pip ", "skdeepcluster demo")
SHELL = [line.split("#")[0].strip() for lang, code in BLOCKS if lang == "bash"
         for line in code.splitlines()]
SHELL = [line for line in SHELL if line and not line.startswith(SKIPPED)]


def _run(args, cwd):
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_the_readme_has_snippets():
    assert len(PYTHON) >= 4 and any(line.startswith("skdeepcluster fit") for line in SHELL)


@pytest.mark.parametrize("index", range(len(PYTHON)))
def test_python_snippet_runs_without_warnings(index, tmp_path):
    result = _run([sys.executable, "-W", "error", "-c", PYTHON[index]], tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Warning" not in result.stderr, result.stderr[-3000:]


def test_shell_snippets_run_without_warnings(tmp_path):
    for line in SHELL:
        if line.startswith("python "):
            args = [sys.executable, *_split(line)[1:]]
        else:
            name, *rest = _split(line)
            args = [sys.executable, "-m", "skdeepcluster.cli", *rest]
            assert name == "skdeepcluster", line
        result = _run(args, tmp_path)
        assert result.returncode == 0, (line, result.stderr[-3000:])
        assert "Warning" not in result.stderr, (line, result.stderr[-3000:])
    assert (tmp_path / "labels.csv").read_text() == (tmp_path / "again.csv").read_text()


def _split(line):
    import shlex

    return shlex.split(line)
