"""The `kit` fixture: a scratch solution/ + stencil/ pair (helpers: stencil_helpers.py)."""
import pytest

from stencil_helpers import write
import make_stencil  # noqa: E402  (stencil_helpers put scripts/ on sys.path)


@pytest.fixture
def kit(tmp_path, capsys):
    """A scratch solution/ + stencil/ pair and a runner for the generator's CLI."""

    class Kit:
        solution = tmp_path / "solution"
        stencil = tmp_path / "stencil"

        def run(self, *args):
            """Run make_stencil; returns (exit code, stdout, stderr)."""
            code = make_stencil.main(["--solution", str(self.solution),
                                      "--stencil", str(self.stencil), *args])
            out, err = capsys.readouterr()
            return code, out, err

        def generate(self, files):
            write(self.solution, files)
            code, out, err = self.run()
            assert code == 0, err
            return self.stencil

    return Kit()
