"""The trust boundary is a folder boundary: the host never imports the guest.

The guest (autograder/guest/) runs beside student code and can be patched by it, so the
trusted side must not depend on anything defined there. The one exception is the
reference's in-process runner, host/local.py, which serves the trusted reference through
the guest's Session so that both are driven by the same operations.
"""
import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "autograder"
IN_PROCESS_REFERENCE = {PACKAGE / "host" / "local.py"}
TRUSTED = [p for p in sorted(PACKAGE.rglob("*.py"))
           if p.relative_to(PACKAGE).parts[0] not in ("guest", "protocol")]


def imported_modules(path: Path, source: str | None = None):
    """Absolute dotted names of every module `path` imports (relative imports resolved)."""
    package = ["autograder", *path.relative_to(PACKAGE).parent.parts]
    source = path.read_text() if source is None else source
    for node in ast.walk(ast.parse(source, str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *(node.module.split(".") if node.module else [])])
            yield module
            yield from (f"{module}.{alias.name}" for alias in node.names)


def imports_guest(path: Path) -> list:
    return sorted({m for m in imported_modules(path)
                   if m == "autograder.guest" or m.startswith("autograder.guest.")})


@pytest.mark.parametrize("path", TRUSTED, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_trusted_code_does_not_import_the_guest(path):
    if path in IN_PROCESS_REFERENCE:
        return
    assert imports_guest(path) == [], f"{path.relative_to(PACKAGE)} imports the guest"


def test_the_only_exception_is_the_reference_runner():
    assert [p for p in TRUSTED if imports_guest(p)] == sorted(IN_PROCESS_REFERENCE)


@pytest.mark.parametrize("path", sorted((PACKAGE / "guest").rglob("*.py"))
                         + sorted((PACKAGE / "protocol").rglob("*.py")),
                         ids=lambda p: str(p.relative_to(PACKAGE)))
def test_guest_and_protocol_import_nothing_else_of_the_kit(path):
    """They are all of the kit that is copied into the sandbox."""
    ours = {m for m in imported_modules(path) if m.startswith("autograder")}
    outside = {m for m in ours if not m.startswith(("autograder.guest", "autograder.protocol"))
               and m != "autograder"}
    assert outside == set(), f"{path.relative_to(PACKAGE)} reaches {sorted(outside)}"


@pytest.mark.parametrize("source", ["from ..guest.session import Session\n",
                                    "from .. import guest\n",
                                    "import autograder.guest.wire\n",
                                    "def f():\n    from ..guest import procedures\n"])
def test_the_reader_sees_every_form_of_import(source):
    """So that the rule above can fail: each of these, in a host module, imports the guest."""
    names = set(imported_modules(PACKAGE / "host" / "supervisor.py", source))
    assert any(n == "autograder.guest" or n.startswith("autograder.guest.") for n in names)
