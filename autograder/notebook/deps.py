"""Which earlier code cell each code cell depends on, read from the code (AST).

A cell depends on an earlier cell when it reads a name that it has not bound itself yet
and that cell was the last one to bind it. IPython syntax (`%magic`, `!shell`) is turned
into plain Python first, with IPython's own transformer.
"""
import ast
import builtins

from IPython.core.inputtransformer2 import TransformerManager

_BUILTINS = set(dir(builtins)) | {"get_ipython", "display"}


def to_python(source: str) -> ast.Module | None:
    """The cell's code as an AST, magics transformed; None if it is not valid Python."""
    try:
        return ast.parse(TransformerManager().transform_cell(source))
    except SyntaxError:
        return None


def _bound_names(node: ast.AST) -> set[str]:
    """Names a top-level statement binds in the notebook's namespace."""
    names = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, (ast.Store, ast.Del)):
            names.add(sub.id)
        elif isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(sub.name)
        elif isinstance(sub, ast.alias):
            names.add((sub.asname or sub.name).split(".")[0])
        elif isinstance(sub, ast.arg):
            names.add(sub.arg)  # parameters: local, but never a dependency either
        elif isinstance(sub, ast.ExceptHandler) and sub.name:
            names.add(sub.name)
    return names


def _read_names(node: ast.AST) -> set[str]:
    return {sub.id for sub in ast.walk(node)
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load)}


def cell_names(source: str) -> tuple[set[str], set[str]]:
    """(names the cell reads before binding them, names the cell binds)."""
    tree = to_python(source)
    if tree is None:
        return set(), set()
    free, bound = set(), set()
    for statement in tree.body:
        binds = _bound_names(statement)
        if isinstance(statement, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            reads = _read_names(statement)  # `x = f(x)` reads x before binding it
            if isinstance(statement, ast.AugAssign) and isinstance(statement.target, ast.Name):
                reads.add(statement.target.id)
            free |= reads - bound - _BUILTINS
        else:  # loops, defs, comprehensions: their own bindings are local to them
            free |= _read_names(statement) - bound - binds - _BUILTINS
        bound |= binds
    return free, bound


def dependencies(sources: list[str]) -> list[dict[str, int]]:
    """For each cell, {name it reads: index of the earlier cell that last bound it}."""
    last_binder: dict[str, int] = {}
    result = []
    for index, source in enumerate(sources):
        free, bound = cell_names(source)
        result.append({name: last_binder[name] for name in sorted(free) if name in last_binder})
        last_binder.update(dict.fromkeys(bound, index))
    return result
