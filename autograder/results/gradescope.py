"""results.json as Gradescope's autograder specification defines it (see schema.json)."""
import json
import os
import tempfile
from pathlib import Path


def test_entry(result) -> dict:
    item = result.item
    return {
        "score": result.score,
        "max_score": item.points,
        "status": "passed" if result.passed else "failed",
        "name": item.name,
        "number": item.number,
        "output": result.output,
        "output_format": "text",
        "tags": list(item.tags),
        "visibility": item.visibility,
        "extra_data": {"seconds": round(result.seconds, 3)},  # benchmarks/ reads it
    }


def results_json(grade, output: str) -> dict:
    return {
        "score": grade.score,
        "execution_time": round(grade.seconds, 2),
        "output": output,
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [test_entry(r) for r in grade.results],
    }


def error_json(message: str, seconds: float = 0.0) -> dict:
    """A valid results.json for a grade that could not run: zero, and why."""
    return {"score": 0.0, "execution_time": round(seconds, 2), "output": message,
            "output_format": "text", "visibility": "visible",
            "stdout_visibility": "hidden", "tests": []}


def write(results: dict, path: Path) -> None:
    """Write atomically: a reader never sees half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".results-", suffix=".json")
    with os.fdopen(fd, "w") as f:
        json.dump(results, f, indent=2)
        f.write("\n")
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
