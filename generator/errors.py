"""The exceptions a user can act on; the CLI prints each as one line and exits 1."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One finding in a user's file, printed as ``path:line:col: severity: message``."""

    path: str
    line: int
    col: int
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.severity}: {self.message}"

    def annotation(self) -> str:
        """The GitHub Actions workflow command for this problem."""
        kind = "error" if self.severity == "error" else "warning"
        message = self.message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        # A property is cut at ',' and ':' (a file may be named "a,line=1.yaml"): escape them.
        path = self.path.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        path = path.replace(":", "%3A").replace(",", "%2C")
        return f"::{kind} file={path},line={self.line},col={self.col}::{message}"


def counted(n: int, one: str, many: str | None = None) -> str:
    """``1 error``, ``2 errors``, ``0 components``: a count with its noun in the right number."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


class KabarError(Exception):
    """A problem the user can fix; shown as one line, no traceback."""


class ValidationError(KabarError):
    """Config or incident files break the rules; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class BuildError(KabarError):
    """The site could not be rendered or written; the previous site is untouched."""


class ProbeError(KabarError):
    """A probe could not be run at all (not: a service is down, which is data)."""


class WriteError(KabarError):
    """A file could not be written (a full disk, a read-only folder); the old one is intact."""


class HistoryError(KabarError):
    """History or results files could not be read or written."""
