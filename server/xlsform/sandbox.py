"""Reading a workbook in a child process that cannot hurt the server.

pyxform and openpyxl have taken 1.5 GB for a 200 KB form (pyxform #595), 27 s for a sheet
dimensioned A1:AMJ1048576 (#604), and XML bombs reach any parser that expands entities (#501).
So :func:`read_xlsform` first runs the cheap checks of :mod:`server.xlsform.guard` in this
process, then hands the bytes to ``python -m server.xlsform.worker``, which sets its own
``resource.setrlimit`` before it reads a byte: :data:`CPU_SECONDS` of CPU, :data:`MEMORY_BYTES` of
address space, no core file; a wall clock of :data:`WALL_SECONDS` kills it from here. (Limits set
by the child itself, not in a ``preexec_fn``: the server has threads, and forking a threaded
process to run Python before ``exec`` can deadlock.) Whatever the child does, the answer is a
:class:`Converted` or a :class:`~server.xlsform.guard.Refusal`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Any

from server.xlsform.guard import MAX_BYTES, Refusal, check_workbook

__all__ = ["CPU_SECONDS", "MEMORY_BYTES", "WALL_SECONDS", "Converted", "read_xlsform"]

CPU_SECONDS = 10
WALL_SECONDS = 10.0
MEMORY_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class Converted:
    """The worker's answer: a definition's JSON, or the rows it refuses (``problems``)."""

    definition: dict[str, Any] | None
    problems: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def read_xlsform(data: bytes, *, max_bytes: int = MAX_BYTES) -> Converted:
    """Check, then read ``data`` in the sandbox; raise :class:`Refusal` for what it refuses."""
    check_workbook(data, max_bytes=max_bytes)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        # The parent's own path, so the child runs this same code (a checkout, not another install).
        "PYTHONPATH": os.pathsep.join(os.path.abspath(p or os.curdir) for p in sys.path),
        "OPENPYXL_DEFUSEDXML": "True",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "server.xlsform.worker", str(CPU_SECONDS), str(MEMORY_BYTES)],
            input=data,
            capture_output=True,
            timeout=WALL_SECONDS,
            start_new_session=True,
            env=env,
            cwd="/",
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise Refusal("too_complex", 422, f"more than {WALL_SECONDS:.0f} s") from None
    if proc.returncode != 0:
        # Killed by RLIMIT_CPU (SIGXCPU), or a MemoryError the interpreter could not even report.
        raise Refusal("too_complex", 422, f"the reader stopped ({proc.returncode})")
    try:
        answer = json.loads(proc.stdout)
    except ValueError:
        raise Refusal("too_complex", 422, "the reader gave no answer") from None
    if "refused" in answer:
        reason = str(answer["refused"])
        status = {"not_xlsx": 415, "macro": 415, "unsafe_xml": 415, "sheet_too_large": 413}.get(
            reason, 422
        )
        raise Refusal(reason, status, str(answer.get("detail") or ""))
    return Converted(
        definition=answer.get("definition"),
        problems=list(answer.get("problems") or ()),
        warnings=list(answer.get("warnings") or ()),
    )
