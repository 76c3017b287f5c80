"""From registered backend types and `[providers.NAME]` tables to backend instances.

Every plugin registers its types in isolation, and every instance is built from its own
table in isolation: an exception in one plugin's hook, or a mistake in one table (unset
`${VAR}`, wrong type, unknown `provider_type`, an `__init__` that raises), disables that
plugin or that backend only and is recorded, never raised at whoever asked for another one.
"""

from __future__ import annotations

import difflib
import os
from typing import TYPE_CHECKING, Any

import attrs

from .backend import Backend
from .errors import BackendUnavailableError, BadInputError, ConfigError, LlmspellError

if TYPE_CHECKING:
    import pluggy

    from .config import Config


@attrs.frozen
class BackendFault:
    """A backend that could not be built; `bad_input` when the configuration is at fault."""

    name: str
    type_name: str
    reason: str
    bad_input: bool
    #: The plugin that registered the type (None: no installed plugin provides it).
    plugin: str | None = None

    def error(self) -> LlmspellError:
        """The error for a command that names this backend: exit 2 for a config mistake."""
        if self.bad_input:
            return ConfigError(self.reason)
        return BackendUnavailableError(self.reason)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type_name": self.type_name,
            "reason": self.reason,
            "bad_input": self.bad_input,
            "plugin": self.plugin,
        }


@attrs.frozen
class Registry:
    """What one round of registration and building produced (built once per `Manager`)."""

    #: Enabled, working instances by name, in priority order.
    backends: dict[str, Backend]
    #: Backends that could not be built, by instance name.
    faults: dict[str, BackendFault]
    #: Registered types by `type_name`, and the plugin that registered each.
    types: dict[str, type[Backend]]
    plugin_of_type: dict[str, str]
    #: Plugins whose `llmspell_register_backends` raised (plugin name → error).
    plugin_errors: dict[str, str]

    @property
    def aliases(self) -> dict[str, str]:
        """Other names → instance: a type's aliases and, when free, its `type_name` itself."""
        out: dict[str, str] = {}
        for type_name, cls in self.types.items():
            target = self._default_instance(type_name)
            if target is None:
                continue
            for alias in (type_name, *cls.aliases):
                if alias != target and alias not in self.backends and alias not in self.faults:
                    out.setdefault(alias, target)
        return out

    def _default_instance(self, type_name: str) -> str | None:
        """The instance a type's aliases address: the one named after it, else its only one."""
        names = [n for n, b in self.backends.items() if b.settings.type_name == type_name]
        names += [n for n, f in self.faults.items() if f.type_name == type_name]
        if type_name in names:
            return type_name
        return names[0] if len(names) == 1 else None


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def register_types(
    pm: pluggy.PluginManager,
) -> tuple[dict[str, type[Backend]], dict[str, str], dict[str, str]]:
    """Call every plugin's `llmspell_register_backends(register)`, each one contained."""
    types: dict[str, type[Backend]] = {}
    owner: dict[str, str] = {}
    errors: dict[str, str] = {}
    for impl in pm.hook.llmspell_register_backends.get_hookimpls():
        plugin = impl.plugin_name

        def register(cls: Any, plugin: str = plugin) -> None:
            if not (isinstance(cls, type) and issubclass(cls, Backend)):
                raise TypeError(
                    f"register() takes a llmspell.Backend subclass (the class, not an instance), "
                    f"got {cls!r}"
                )
            type_name = getattr(cls, "type_name", None)
            if not isinstance(type_name, str) or not type_name:
                raise TypeError(f"{cls.__name__} sets no type_name (its provider_type value)")
            if type_name in types and types[type_name] is not cls:
                raise ValueError(
                    f"backend type {type_name!r} is already registered by plugin {owner[type_name]}"
                )
            types[type_name] = cls
            owner[type_name] = plugin

        try:
            impl.function(register=register)
        except Exception as exc:  # a broken plugin must not take the others down
            errors[plugin] = _describe(exc)
    return types, owner, errors


def build(pm: pluggy.PluginManager, config: Config) -> Registry:
    """Register the types, then build one instance per table (or a default one per type)."""
    types, owner, plugin_errors = register_types(pm)
    by_alias = {alias: t for t, cls in types.items() for alias in cls.aliases}
    backends: dict[str, Backend] = {}
    faults: dict[str, BackendFault] = {}
    configured: set[str] = set()

    def fault(name: str, type_name: str, reason: str, bad_input: bool) -> None:
        faults[name] = BackendFault(name, type_name, reason, bad_input, owner.get(type_name))

    for name, raw in config.providers.items():
        declared = raw.get("provider_type") if isinstance(raw, dict) else None
        type_name = declared if isinstance(declared, str) else by_alias.get(name, name)
        configured.add(type_name)
        if isinstance(raw, dict) and raw.get("enabled") is False:
            continue
        if type_name not in types:
            fault(name, type_name, _unknown_type(config, name, type_name, declared, types), True)
            continue
        _build_one(name, types[type_name], config, backends, fault)
    for type_name, cls in types.items():
        # A type nobody configured gets its default instance, unless that name is taken.
        if (
            type_name not in configured
            and not cls.needs_table
            and type_name not in config.providers
        ):
            _build_one(type_name, cls, config, backends, fault)
    ordered = dict(sorted(backends.items(), key=lambda kv: kv[1].priority))
    return Registry(ordered, faults, types, owner, plugin_errors)


def _build_one(name: str, cls: type[Backend], config: Config, backends, fault) -> None:
    try:
        table = config.table(name) if name in config.providers else None
        if table is not None and not table.enabled:
            return
        settings = config.settings(name, cls.type_name, cls.options_type)
        backends[name] = cls(settings)
    except BadInputError as exc:
        fault(name, cls.type_name, str(exc), True)
    except Exception as exc:  # the plugin's own bug: contained, and said plainly
        fault(name, cls.type_name, f"The {name} backend failed to start: {_describe(exc)}.", False)


def _unknown_type(
    config: Config, name: str, type_name: str, declared: object, types: dict[str, Any]
) -> str:
    origin = str(config.source) if config.source else "the configuration"
    installed = ", ".join(sorted(types)) or "none"
    hint = difflib.get_close_matches(type_name, list(types), n=1)
    extra = f" Did you mean {hint[0]!r}?" if hint else ""
    if os.environ.get("LLMSPELL_LOAD_PLUGINS") is not None:
        extra += " (LLMSPELL_LOAD_PLUGINS restricts which plugins are loaded.)"
    if declared is None:
        return (
            f"{origin}: [providers.{name}] has no provider_type and {name!r} is not an installed "
            f'backend type (installed: {installed}).{extra} Add provider_type = "..." to it, '
            "or install the plugin that provides it."
        )
    return (
        f"{origin}: providers.{name}.provider_type is {type_name!r}, which no installed plugin "
        f"provides (installed: {installed}).{extra}"
    )
