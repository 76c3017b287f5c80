"""`llmspell.toml`: discovery, `${VAR}` expansion, and typed structuring with cattrs.

Discovery order: `--config PATH`, `LLMSPELL_CONFIG`, `./llmspell.toml`,
`$LLMSPELL_HOME/config.toml`. No file at all is a valid, default configuration.
Each `[providers.NAME]` table is expanded and typed only when its backend is built
(`Config.settings`), with the options class the backend type declares, so the core never
needs to know a backend's options and one table's mistake disables that backend alone.
"""

from __future__ import annotations

import math
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar
from urllib.parse import urlsplit

import attrs
import cattrs
import cattrs.v

from .errors import ConfigError
from .paths import llmspell_home

if TYPE_CHECKING:
    from .backend import BackendSettings

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

T = TypeVar("T")
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@attrs.define(kw_only=True)
class BackendTable:
    """One `[providers.NAME]` table; `options` is typed later by the backend's `options_type`."""

    provider_type: str | None = None
    enabled: bool = True
    base_url: str | None = None
    api_key: str | None = None
    timeout_seconds: float = 120.0
    options: dict[str, Any] = attrs.field(factory=dict)


@attrs.define(kw_only=True)
class Config:
    default_backend: str | None = None
    auto_pull_missing: bool = False
    #: `[providers.NAME]` tables as written: each is expanded and typed only when its backend
    #: is built (`table`, `settings`), so a mistake in one disables that backend alone.
    providers: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    #: `[lua]`: settings of the Lua plugin (llmspell-lua checks them), e.g. max_memory = "256M".
    lua: dict[str, Any] = attrs.field(factory=dict)
    #: The file this came from (None: defaults only); errors name it.
    source: Path | None = attrs.field(default=None, init=False)

    def table(self, name: str) -> BackendTable:
        """`[providers.NAME]`, `${VAR}`s expanded and typed; a mistake raises `ConfigError`."""
        where = f"providers.{name}"
        raw = _expand(self.providers.get(name, {}), self.source, where)
        table = structure(raw, BackendTable, self.source, where)
        origin = str(self.source) if self.source else "the configuration"
        if not table.timeout_seconds > 0:
            raise ConfigError(
                f"{origin}: {where}.timeout_seconds must be more than 0 seconds, "
                f"got {table.timeout_seconds:g}."
            )
        if table.base_url is not None and not _is_url(table.base_url):
            raise ConfigError(
                f"{origin}: {where}.base_url must be an http:// or https:// URL such as "
                f"http://localhost:11434, got {table.base_url!r}."
            )
        return table

    def settings(self, name: str, type_name: str, options_type: type | None) -> BackendSettings:
        """What backend `name` of type `type_name` is built from; raises `ConfigError`."""
        from .backend import BackendSettings

        table = self.table(name)
        where = f"providers.{name}.options"
        if options_type is not None:
            options: Any = structure(table.options, options_type, self.source, where)
        elif table.options:
            origin = str(self.source) if self.source else "the configuration"
            raise ConfigError(
                f"{origin}: {where}: the {type_name} backend takes no options; remove the table."
            )
        else:
            options = {}
        return BackendSettings(
            name=name,
            type_name=type_name,
            base_url=table.base_url,
            api_key=table.api_key,
            timeout_seconds=table.timeout_seconds,
            options=options,
            source=self.source,
        )


def _is_url(text: str) -> bool:
    parts = urlsplit(text.strip())
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _strict_converter() -> cattrs.Converter:
    """cattrs, but "4096" is not an int and "false" is not a bool: config typos must show."""
    conv = cattrs.Converter(forbid_extra_keys=True)

    def exact(kind: type, *accept: type):
        def hook(value: Any, _t: Any) -> Any:
            if isinstance(value, bool) and kind is not bool:
                raise TypeError(f"expected {kind.__name__}, got a boolean")
            if not isinstance(value, (kind, *accept)):
                raise TypeError(f"expected {kind.__name__}, got {type(value).__name__} {value!r}")
            if kind is float and not math.isfinite(value):
                raise ValueError(f"expected a finite number, got {value!r}")
            return kind(value)

        return hook

    conv.register_structure_hook(int, exact(int))
    conv.register_structure_hook(float, exact(float, int))
    conv.register_structure_hook(bool, exact(bool))
    conv.register_structure_hook(str, exact(str))
    return conv


_converter = _strict_converter()


def structure(data: Any, cls: type[T], source: Path | None, where: str = "") -> T:
    """Structure `data` into `cls`, turning cattrs' errors into one sentence per problem."""
    try:
        return _converter.structure(data, cls)
    except Exception as exc:  # cattrs raises exception groups of many kinds
        problems = _describe(exc, where)
        origin = str(source) if source else "the configuration"
        raise ConfigError(f"{origin}: " + "; ".join(problems) + ".") from exc


def _format_problem(exc: BaseException, expected: Any) -> str:
    args = getattr(expected, "__args__", None)
    if getattr(expected, "__origin__", None) is Literal and args:
        return "expected one of " + ", ".join(map(str, args))
    if isinstance(exc, (TypeError, ValueError)) and str(exc).startswith("expected"):
        return str(exc)
    return cattrs.v.format_exception(exc, expected)


def _describe(exc: BaseException, where: str) -> list[str]:
    prefix = where + "." if where else ""
    out = []
    for line in cattrs.transform_error(exc, path="$", format_exception=_format_problem):
        message, _, path = line.rpartition(" @ ")
        key = prefix + path.removeprefix("$").lstrip(".").replace("['", ".").replace("']", "")
        key = key.rstrip(".") or "(top level)"
        if message.startswith("extra fields found"):
            fields = message.split("(", 1)[-1].rstrip(")")
            out.append(f"unknown key {fields} in {key}")
        else:
            out.append(f"{key}: {message}")
    return out or [str(exc)]


def _expand(value: Any, source: Path | None, key: str = "") -> Any:
    if isinstance(value, str):

        def sub(match: re.Match[str]) -> str:
            name = match.group(1)
            if name == "HOME" and "HOME" not in os.environ:
                return str(Path.home())
            if name not in os.environ:
                raise ConfigError(
                    f"{source}: {key} uses ${{{name}}}, which is not set. "
                    f"Set the variable or write the value in the file."
                )
            return os.environ[name]

        return _VAR.sub(sub, value)
    if isinstance(value, dict):
        return {k: _expand(v, source, f"{key}.{k}" if key else k) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v, source, key) for v in value]
    return value


def find_config(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """The config file in discovery order; a path named explicitly must exist."""
    for named, origin in (
        (explicit, "--config"),
        (os.environ.get("LLMSPELL_CONFIG"), "LLMSPELL_CONFIG"),
    ):
        if named:
            path = Path(named).expanduser()
            if not path.is_file():
                raise ConfigError(f"{origin} names {path}, which is not a file.")
            return path
    for candidate in (Path.cwd() / "llmspell.toml", llmspell_home() / "config.toml"):
        if candidate.is_file():
            return candidate
    return None


def load_config(explicit: str | os.PathLike[str] | None = None) -> Config:
    path = find_config(explicit)
    if path is None:
        return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}. Fix that line and retry.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} cannot be read: {exc}.") from None
    return parse_config(data, path)


def parse_config(data: dict[str, Any], source: Path | None = None) -> Config:
    """Type the top level now; provider tables are expanded and typed per backend, later."""
    top = {k: v for k, v in data.items() if k != "providers"}
    config = structure({**_expand(top, source), **_providers(data)}, Config, source)
    config.source = source
    return config


def _providers(data: dict[str, Any]) -> dict[str, Any]:
    tables = data.get("providers")
    if tables is None:
        return {}
    # Only the shape is checked here (a table of tables); what is inside waits for its backend.
    return {"providers": tables}
