"""No float anywhere in savings/: money is ``Decimal`` with its currency, and a float that slips in
(a literal, ``float(...)``, a ``FloatField``, ``math``, a division that is not on Decimals, a clock
in float seconds) is a cent that can go missing. Every .py file under savings/ is parsed with
``ast``; the test lists each offence as file:line."""

import ast
from pathlib import Path

import savings

ROOT = Path(savings.__file__).resolve().parent.parent
SAVINGS = ROOT / "savings"
# A true division is allowed only on a line that says it divides Decimals.
DECIMAL_DIVISION = "# Decimal division"
FLOAT_MODULES = {"math", "cmath", "statistics", "random"}
FLOAT_CLOCKS = {"perf_counter", "monotonic", "process_time", "total_seconds"}  # float seconds; *_ns are int


def offences(source: str, name: str) -> list[str]:
    """Every float ``source`` could produce, as "name:line: what"."""
    lines = source.splitlines()
    found = []

    def offence(node, what):
        found.append((node.lineno, f"{name}:{node.lineno}: {what}"))

    for node in ast.walk(ast.parse(source, filename=name)):
        if isinstance(node, ast.Constant) and isinstance(node.value, float | complex):
            offence(node, f"float literal {node.value!r}")
        elif isinstance(node, ast.Name) and node.id == "float":
            offence(node, "float")
        elif getattr(node, "id", None) == "FloatField" or getattr(node, "attr", None) == "FloatField":
            offence(node, "a float model field")
        elif isinstance(node, ast.Import | ast.ImportFrom):
            modules = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for module in modules:
                if module.split(".")[0] in FLOAT_MODULES:
                    offence(node, f"import of {module}")
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in FLOAT_MODULES:
            offence(node, f"{node.value.id}.{node.attr}")
        elif isinstance(node, ast.Attribute) and node.attr in FLOAT_CLOCKS:
            offence(node, f"{node.attr} (float seconds; use the *_ns clock or timedelta arithmetic)")
        elif (isinstance(node, ast.BinOp | ast.AugAssign) and isinstance(node.op, ast.Div)
              and DECIMAL_DIVISION not in lines[node.lineno - 1]):
            offence(node, f"true division without '{DECIMAL_DIVISION}'")
    return [text for _line, text in sorted(found)]


def test_no_float_anywhere_in_savings():
    files = sorted(SAVINGS.rglob("*.py"))
    assert len(files) >= 8  # the scan sees the app (models, ledger, contributions, money, migrations...)
    found = [offence for path in files
             for offence in offences(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))]
    assert found == [], "floats in savings/:\n" + "\n".join(found)


def test_the_scan_finds_each_kind_of_float():
    source = "\n".join([
        "import math",  # 1
        "from statistics import mean",  # 2
        "rate = 0.1",  # 3
        "amount = float('1.10')",  # 4
        "field = models.FloatField()",  # 5
        "share = total / count",  # 6
        "share = total / count  # Decimal division",  # 7: allowed
        "seconds = time.perf_counter()",  # 8
        "ceiling = math.ceil(amount)",  # 9
        "total //= 2",  # 10: integer division is fine
        "def f(x: float): ...",  # 11
    ])
    assert offences(source, "sample.py") == [
        "sample.py:1: import of math",
        "sample.py:2: import of statistics",
        "sample.py:3: float literal 0.1",
        "sample.py:4: float",
        "sample.py:5: a float model field",
        "sample.py:6: true division without '# Decimal division'",
        "sample.py:8: perf_counter (float seconds; use the *_ns clock or timedelta arithmetic)",
        "sample.py:9: math.ceil",
        "sample.py:11: float",
    ]
