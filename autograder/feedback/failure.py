"""A failed check, rendered for a student at 2 a.m."""
from dataclasses import dataclass, field

import numpy as np

MAX_ARRAY_CHARS = 600


def show(value) -> str:
    """An array or value, printed compactly and truncated."""
    if isinstance(value, np.ndarray):
        with np.printoptions(precision=5, suppress=True, threshold=40, edgeitems=3,
                             linewidth=88):
            text = np.array2string(value)
        text = f"{text}  (shape {value.shape})" if value.ndim > 1 else text
    else:
        text = repr(value)
    return text if len(text) <= MAX_ARRAY_CHARS else text[:MAX_ARRAY_CHARS] + " …"


def indent(text: str, pad: str = "    ") -> str:
    return "\n".join(pad + line for line in text.splitlines())


def labelled(label: str, value) -> str:
    text = show(value)
    return f"{label} = {text}" if "\n" not in text else f"{label} =\n{indent(text)}"


@dataclass
class Failure:
    checked: str
    inputs: dict = field(default_factory=dict)
    expected: object = None
    got: object = None
    what: str = "value"
    worst: float | None = None
    diagnosis: str | None = None
    shrunk: bool = False

    @property
    def summary(self) -> str:
        """A few words for the report table."""
        if self.diagnosis:
            head = self.diagnosis.split(":")[0].strip()
            return head if len(head) <= 40 else head[:39] + "…"
        return "wrong " + self.what if self.got is not None else "failed"

    def render(self) -> str:
        lines = [f"Checked: {self.checked}"]
        if self.inputs:
            how = " (found and shrunk by hypothesis)" if self.shrunk else ""
            lines.append(f"Smallest failing input{how}:")
            lines += [indent(labelled(k, v)) for k, v in self.inputs.items()]
        if self.expected is not None or self.got is not None:
            lines.append(labelled(f"expected {self.what}", self.expected))
            lines.append(labelled(f"got {self.what}", self.got))
            if self.worst is not None:
                lines.append(f"worst relative error {self.worst:.3g}")
        if self.diagnosis:
            lines.append(f"Diagnosis: {self.diagnosis}")
        return "\n".join(lines)


class CheckFailed(Exception):
    def __init__(self, failure: Failure):
        super().__init__(failure.checked)
        self.failure = failure
