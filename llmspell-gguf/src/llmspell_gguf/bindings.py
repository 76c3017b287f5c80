"""llama.cpp's C API as llama-cpp-python declares it, without the rest of llama-cpp-python.

`import llama_cpp` runs the package's `__init__`, which imports its high-level API too
(`Llama`, numpy, the chat formats, grammars, caches): more than half of what a one-shot
`llmspell exec` spends importing, and llmspell uses none of it. `load()` puts the package
in `sys.modules` without running its `__init__` and imports only the ctypes declarations
(`llama_cpp.llama_cpp`). The package is completed on first use of anything else: its
`__init__` then runs in the same module object (a PEP 562 `__getattr__`), so
`from llama_cpp import Llama` elsewhere in the process works as always and shares the
bindings already loaded.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
from collections.abc import Callable
from types import ModuleType

_lock = threading.RLock()
#: Called after the package's `__init__` ran (it sets its own llama.cpp log callback).
after_complete: list[Callable[[], None]] = []


def load() -> ModuleType:
    """The `llama_cpp.llama_cpp` module (every `llama_*` function and type)."""
    module = sys.modules.get("llama_cpp.llama_cpp")
    if module is not None:
        return module
    with _lock:
        if "llama_cpp" not in sys.modules:
            spec = importlib.util.find_spec("llama_cpp")
            if spec is None or spec.loader is None:
                raise ImportError("No module named 'llama_cpp'", name="llama_cpp")
            package = importlib.util.module_from_spec(spec)
            package.__getattr__ = _completer(package, spec)  # type: ignore[attr-defined]
            sys.modules["llama_cpp"] = package
        return importlib.import_module("llama_cpp.llama_cpp")


def _completer(package: ModuleType, spec):
    """Run the package's real `__init__` the first time a missing attribute is asked for."""

    def __getattr__(name: str):
        if name == "__wrapped__":
            raise AttributeError(name)  # inspect.unwrap's probe must not load numpy
        with _lock:
            if package.__dict__.get("__getattr__") is __getattr__:
                del package.__getattr__
                try:
                    spec.loader.exec_module(package)
                finally:
                    for hook in after_complete:
                        hook()
        try:
            return package.__dict__[name]
        except KeyError:
            raise AttributeError(f"module 'llama_cpp' has no attribute {name!r}") from None

    return __getattr__


def version() -> str | None:
    """llama-cpp-python's version, read without importing the package."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("llama_cpp_python")
    except PackageNotFoundError:
        return None
