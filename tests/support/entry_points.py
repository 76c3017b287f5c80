"""Real plugins on a path: a distribution's `.dist-info` with an `entry_points.txt`.

Putting the directory on `PYTHONPATH` of a subprocess makes `importlib.metadata` find the
entry point exactly as it finds an installed package's, without installing anything.
"""

from __future__ import annotations

from pathlib import Path


def write_plugin(root: Path, dist: str, module: str, source: str, entry: str | None = None) -> Path:
    """Write module `module` and a dist-info declaring it under the `llmspell` group."""
    root.mkdir(parents=True, exist_ok=True)
    (root / f"{module}.py").write_text(source)
    info = root / f"{dist.replace('-', '_')}-0.0.1.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.0.1\n")
    (info / "entry_points.txt").write_text(f"[llmspell]\n{entry or module} = {module}\n")
    return root
