"""The code samples of README.md run as written."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_has_samples():
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("code", BLOCKS, ids=[f"sample{i}" for i in range(len(BLOCKS))])
def test_readme_sample_runs(code, capsys):
    torch_names = ("DebiasedMF", "Deep", "AnyLoss", "HLGauss")
    if any(n in code for n in torch_names) or "Capsule" in code.split("#")[0]:
        pytest.importorskip("torch")
    exec(compile(code, str(README), "exec"), {"__name__": "__readme__"})
