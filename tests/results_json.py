"""Every results.json the kit's tests read goes through read(): it must follow Gradescope's
specification (autograder/results/schema.json), whoever wrote it: the grader, grade-all's
error form, or run_autograder's fallback."""
import json
from pathlib import Path

import jsonschema

SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "autograder" / "results"
                     / "schema.json").read_text())


def check(results: dict) -> dict:
    jsonschema.validate(results, SCHEMA)
    return results


def read(path) -> dict:
    return check(json.loads(Path(path).read_text()))
