"""Marker syntax in .py source: prompts, default prompts, the one-line form, bad markers."""
import textwrap

import pytest

from stencil_helpers import snapshot
from stencil_markers import stencil_source


def stencil(src):
    return stencil_source(textwrap.dedent(src))


def test_prompt_body_replaces_the_block_verbatim():
    got = stencil('''
        class Dense:
            def forward(self, inputs):
                """Docstring stays in both trees."""
                # BEGIN SOLUTION
                self.inputs = inputs
                self.outputs = inputs @ self.w + self.b
                # END SOLUTION
                """ # BEGIN PROMPT
                self.inputs = inputs
                self.outputs = None  # TODO: compute the affine transform x @ w + b
                  # odd indentation and a marker-looking comment stay as written  # SOLUTION
                """ # END PROMPT
                return self.outputs
        ''')
    assert got == textwrap.dedent('''
        class Dense:
            def forward(self, inputs):
                """Docstring stays in both trees."""
                self.inputs = inputs
                self.outputs = None  # TODO: compute the affine transform x @ w + b
                  # odd indentation and a marker-looking comment stay as written  # SOLUTION
                return self.outputs
        ''')


def test_single_quoted_prompt_and_empty_prompt():
    got = stencil("""
        def f():
            x = 1
            # BEGIN SOLUTION
            x += 1
            # END SOLUTION
            ''' # BEGIN PROMPT
            ''' # END PROMPT
            return x
        """)
    assert got == "\ndef f():\n    x = 1\n    return x\n"


def test_default_prompt_raises_when_the_block_ends_its_function():
    got = stencil('''
        class Softmax:
            def forward(self, x):
                """Row-wise softmax."""
                # BEGIN SOLUTION
                e = np.exp(x - x.max(-1, keepdims=True))
                return e / e.sum(-1, keepdims=True)
                # END SOLUTION

            def input_gradients(self):
                if self.cache:
                    # BEGIN SOLUTION
                    return self.cache
                    # END SOLUTION
        ''')
    assert got == textwrap.dedent('''
        class Softmax:
            def forward(self, x):
                """Row-wise softmax."""
                raise NotImplementedError

            def input_gradients(self):
                if self.cache:
                    raise NotImplementedError
        ''')


def test_default_prompt_passes_when_code_follows_the_block():
    got = stencil("""
        def fit(self, data):
            for x in data:
                # BEGIN SOLUTION
                self.seen.add(x)
                # END SOLUTION
            return self

        # BEGIN SOLUTION
        CONSTANT = 3
        # END SOLUTION
        """)
    assert got == textwrap.dedent("""
        def fit(self, data):
            for x in data:
                pass
            return self

        pass
        """)


def test_default_prompt_looks_at_the_innermost_function():
    got = stencil("""
        def outer():
            def inner():
                # BEGIN SOLUTION
                return 1
                # END SOLUTION
            return inner
        """)
    assert "        raise NotImplementedError\n" in got


def test_one_line_form_keeps_the_left_hand_side():
    got = stencil("""
        def step(self, g):
            self.t = self.t + 1  # SOLUTION
            m_hat: np.ndarray = self.m / (1 - self.beta_1 ** self.t)  # SOLUTION
            a = b[0] = (g *
                        2)  # SOLUTION
            return  m_hat  # the solution's value
        """)
    assert got == textwrap.dedent("""
        def step(self, g):
            self.t = None  # TODO
            m_hat: np.ndarray = None  # TODO
            a = b[0] = None  # TODO
            return  m_hat  # the solution's value
        """)


def test_markers_inside_other_strings_are_text():
    src = textwrap.dedent('''
        def doc():
            """How to mark code:
            # BEGIN SOLUTION
            x = 1  # SOLUTION
            """
            return "# END SOLUTION"
        ''')
    assert stencil_source(src) == src


def test_one_line_marker_inside_a_block_goes_with_the_block():
    got = stencil("""
        def f():
            # BEGIN SOLUTION
            y = 2  # SOLUTION
            # END SOLUTION
            return 0
        """)
    assert got == "\ndef f():\n    pass\n    return 0\n"


def test_crlf_line_endings_are_kept():
    src = "def f():\r\n    # BEGIN SOLUTION\r\n    return 1\r\n    # END SOLUTION\r\n" \
          "x = 2  # SOLUTION\r\n"
    want = "def f():\r\n    raise NotImplementedError\r\nx = None  # TODO\r\n"
    assert stencil_source(src) == want


BAD_MARKERS = {
    "unclosed block": ("""
        def f():
            # BEGIN SOLUTION
            return 1
        """, 3, "BEGIN SOLUTION is never closed"),
    "nested block": ("""
        def f():
            # BEGIN SOLUTION
            x = 1
            # BEGIN SOLUTION
            return x
            # END SOLUTION
        """, 5, "nested BEGIN SOLUTION (block opened at line 3)"),
    "end without begin": ("""
        x = 1
        # END SOLUTION
        """, 3, "END SOLUTION without BEGIN SOLUTION"),
    "prompt without solution": ('''
        x = 1
        """ # BEGIN PROMPT
        x = None
        """ # END PROMPT
        ''', 3, "PROMPT without a SOLUTION block right before it"),
    "prompt after a blank line": ('''
        # BEGIN SOLUTION
        x = 1
        # END SOLUTION

        """ # BEGIN PROMPT
        x = None
        """ # END PROMPT
        ''', 6, "PROMPT without a SOLUTION block right before it"),
    "prompt inside solution": ('''
        # BEGIN SOLUTION
        """ # BEGIN PROMPT
        """ # END PROMPT
        # END SOLUTION
        ''', 3, "BEGIN PROMPT inside the SOLUTION block opened at line 2"),
    "unclosed prompt": ('''
        # BEGIN SOLUTION
        x = 1
        # END SOLUTION
        """ # BEGIN PROMPT
        x = None
        ''', 5, "BEGIN PROMPT is never closed"),
    "end prompt without begin": ('''
        x = 1
        """ # END PROMPT
        ''', 3, "END PROMPT without BEGIN PROMPT"),
    "marker inside prompt": ('''
        # BEGIN SOLUTION
        x = 1
        # END SOLUTION
        """ # BEGIN PROMPT
        # BEGIN SOLUTION
        """ # END PROMPT
        ''', 6, "marker inside the PROMPT block opened at line 5"),
    "one-line marker on a call": ("""
        print(1)  # SOLUTION
        """, 2, "'# SOLUTION' must end a line with a single assignment"),
    "one-line marker after a colon": ("""
        if True: x = 1  # SOLUTION
        """, 2, "'# SOLUTION' assignment must start its own line"),
    "prompt that does not compile": ('''
        def f():
            # BEGIN SOLUTION
            return 1
            # END SOLUTION
            """ # BEGIN PROMPT
            return (None
            """ # END PROMPT
        ''', 7, "stencil does not compile: '(' was never closed"),
    "block that empties an if": ('''
        def f(x):
            if x:
                # BEGIN SOLUTION
                return 1
                # END SOLUTION
                """ # BEGIN PROMPT
                """ # END PROMPT
            return 0
        ''', 9, "stencil does not compile: expected an indented block"),
}


@pytest.mark.parametrize("src, line, reason", BAD_MARKERS.values(), ids=BAD_MARKERS.keys())
def test_bad_marker_stops_with_file_line_and_writes_nothing(kit, src, line, reason):
    kit.generate({"Beras/ok.py": "x = 1  # SOLUTION\n", "notes.txt": "given\n"})
    before = snapshot(kit.stencil.parent / "stencil")
    (kit.solution / "Beras" / "bad.py").write_text(textwrap.dedent(src))

    code, out, err = kit.run()

    assert code == 2
    assert err.startswith(f"{kit.solution / 'Beras' / 'bad.py'}:{line}: {reason}"), err
    assert err.count("\n") == 1
    assert snapshot(kit.stencil) == before  # the old stencil is untouched
    assert sorted(p.name for p in kit.stencil.parent.iterdir()) == ["solution", "stencil"]


def test_bad_marker_on_a_first_run_creates_no_stencil(kit):
    (kit.solution).mkdir()
    (kit.solution / "m.py").write_text("# END SOLUTION\n")
    code, _, err = kit.run()
    assert (code, err) == (2, f"{kit.solution / 'm.py'}:1: END SOLUTION without BEGIN SOLUTION\n")
    assert sorted(p.name for p in kit.stencil.parent.iterdir()) == ["solution"]


def test_unmarked_python_that_does_not_compile_is_reported(kit):
    (kit.solution).mkdir()
    (kit.solution / "given.py").write_text("x = 1\ndef f(:\n")
    code, _, err = kit.run()
    assert code == 2
    assert err.startswith(f"{kit.solution / 'given.py'}:2: does not compile")
