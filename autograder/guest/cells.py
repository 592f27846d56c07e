"""Inside the notebook's kernel: hand the values a cell computed to the grader, as data.

The grader runs this file's text once in the kernel (it is not imported there: the kernel
sees only the student's code folder), then, after each graded cell, asks for
`_beras_values([expression, ...])` as a Jupyter user expression. Each expression is
evaluated in the notebook's namespace and made a plain numeric ndarray (an ndarray
subclass, its __str__ and anything else it overrides are dropped), written as .npy bytes
without pickles, base64 in a JSON string. A failure is reported as text for that value.

Student code can patch all of this, as anything in the kernel: it only reports. The
grader reads the reply as untrusted bytes and compares the values with the reference's.
"""


def _beras_values(expressions):
    import base64
    import io
    import json

    import numpy
    from IPython import get_ipython

    namespace = get_ipython().user_ns
    out = {}
    for expression in expressions:
        try:
            value = numpy.array(eval(expression, namespace), order="C")  # noqa: S307
            if value.dtype.kind not in "biuf":
                raise TypeError(f"not an array of numbers (dtype {value.dtype})")
            buffer = io.BytesIO()
            numpy.lib.format.write_array(buffer, value, allow_pickle=False)
            out[expression] = {"npy": base64.b64encode(buffer.getvalue()).decode()}
        except Exception as e:  # noqa: BLE001 - whatever it is, it costs this value only
            out[expression] = {"error": f"{type(e).__name__}: {e}"[:300]}
    return json.dumps(out)
