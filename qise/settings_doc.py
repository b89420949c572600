"""The configuration reference, generated from the settings classes.

Which environment variable feeds which setting is derived the way
pydantic-settings reads them: a field without an alias is read as
`<env_prefix><FIELD>`; a field with a validation alias is read by the alias
(`KAFKA_BOOTSTRAP_SERVERS`) and, because the classes set `populate_by_name`,
also as `<env_prefix><FIELD>` when the alias is unset. Names are
case-insensitive; they are shown upper case.

`settings_reference()` renders the Markdown tables; `write_settings_reference()`
puts them into `docs/operations.md` between the markers below.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, AliasPath
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined
from pydantic_settings import BaseSettings

ROOT = Path(__file__).resolve().parent.parent
OPERATIONS_DOC = ROOT / "docs" / "operations.md"
BEGIN = "<!-- BEGIN GENERATED settings-reference -->"
END = "<!-- END GENERATED settings-reference -->"
REGENERATE = (
    '.venv/bin/python -c "from qise.settings_doc import write_settings_reference;'
    ' write_settings_reference()"'
)


@dataclass(frozen=True)
class Setting:
    """One setting of a settings class and the environment variables that set it."""

    field: str
    env: str
    """The variable to use: the alias when there is one, else `<PREFIX><FIELD>`."""
    also: tuple[str, ...]
    """Other names read too (a per-service override of a shared name)."""
    default: str
    description: str
    shared: bool
    """True when `env` carries no service prefix (the same name for every service)."""

    @property
    def names(self) -> frozenset[str]:
        return frozenset((self.env, *self.also))


@dataclass(frozen=True)
class OtherVariable:
    """A variable read outside the settings classes."""

    env: str
    default: str
    description: str
    read_by: str


# Read with os.environ, not through a settings class; kept here by hand.
OTHER_VARIABLES = (
    OtherVariable(
        "QISE_BROKER_PORT",
        "`9092`",
        "Port of the embedded broker that `qise up` starts when KAFKA_BOOTSTRAP_SERVERS is unset.",
        "`qise up`",
    ),
    OtherVariable(
        "QISE_PDF_FONT",
        "(found: fonts-wqy-zenhei)",
        "Path of the Chinese TrueType font (.ttf or .ttc) every PDF embeds; unset, the first"
        " of Debian's CJK TrueType fonts found (shared/pdf_fonts.py), and with none the PDF"
        " routes answer 503.",
        "activities, stats",
    ),
    OtherVariable(
        "QISE_CERTIFICATE_FONT",
        "(unset)",
        "The older name of QISE_PDF_FONT, still read when that is unset.",
        "activities, stats",
    ),
    OtherVariable(
        "TOKEN",
        "(unset)",
        "Bearer token the `qise` commands that call the APIs use when `--token` is not given.",
        "`qise import`, `qise demo`, `qise stats rebuild`",
    ),
    OtherVariable(
        "TEST_DATABASE_URL",
        "(unset)",
        "PostgreSQL server on which the test suite creates its databases.",
        "tests",
    ),
)


def _aliases(alias: str | AliasPath | AliasChoices | None) -> list[str]:
    if alias is None:
        return []
    if isinstance(alias, str):
        return [alias]
    if isinstance(alias, AliasPath):
        return [str(alias.path[0])]
    names: list[str] = []
    for choice in alias.choices:
        names.extend(_aliases(choice))
    return names


def _default(field: FieldInfo) -> str:
    if field.default_factory is not None:
        return "(computed)"
    value: Any = field.default
    if value is PydanticUndefined:
        return "(required)"
    if value is None:
        return "(unset)"
    if isinstance(value, str):
        return f"`{value}`" if value else '`""`'
    if isinstance(value, tuple):  # read from a comma list
        return f"`{','.join(map(str, value))}`" if value else "(none)"
    return f"`{json.dumps(value)}`"


def _description(cls: type[BaseSettings], name: str) -> str:
    """The field's description, or that of the base class field it overrides."""
    for klass in cls.__mro__:
        fields = getattr(klass, "model_fields", None)
        if isinstance(fields, dict) and name in fields and fields[name].description:
            return str(fields[name].description)
    return ""


def settings_of(cls: type[BaseSettings]) -> list[Setting]:
    """Every setting of a settings class, with the variables that set it."""
    config = cls.model_config
    prefix = str(config.get("env_prefix") or "").upper()
    target = config.get("env_prefix_target") or "variable"
    by_name = bool(config.get("populate_by_name") or config.get("validate_by_name"))
    result = []
    for name, field in cls.model_fields.items():
        prefixed = (prefix if target in ("variable", "all") else "") + name.upper()
        alias_prefix = prefix if target in ("alias", "all") else ""
        aliases = [alias_prefix + a.upper() for a in _aliases(field.validation_alias)]
        if aliases:
            env, also = aliases[0], [*aliases[1:], *([prefixed] if by_name else [])]
        else:
            env, also = prefixed, []
        result.append(
            Setting(
                field=name,
                env=env,
                also=tuple(also),
                default=_default(field),
                description=" ".join(_description(cls, name).split()),
                shared=not (prefix and env.startswith(prefix)),
            )
        )
    return result


def accepted_env_names(cls: type[BaseSettings]) -> frozenset[str]:
    """Every environment variable name the class reads (upper case)."""
    return frozenset(name for setting in settings_of(cls) for name in setting.names)


def service_settings() -> dict[str, type[BaseSettings]]:
    """Each service's settings class, by service name."""
    from services import SERVICE_NAMES, service_module

    classes: dict[str, type[BaseSettings]] = {}
    for name in SERVICE_NAMES:
        cls: type[BaseSettings] = service_module(name).SETTINGS
        classes[name] = cls
    return classes


def other_settings() -> dict[str, type[BaseSettings]]:
    """The settings classes of what is not one of the four services: the console."""
    from services.console.settings import ConsoleSettings

    return {"console": ConsoleSettings}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(rows: list[tuple[str, str, str]]) -> list[str]:
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    lines += [f"| `{env}` | {_cell(default)} | {_cell(text)} |" for env, default, text in rows]
    return lines


def settings_reference(
    classes: Mapping[str, type[BaseSettings]] | None = None,
    others: Mapping[str, type[BaseSettings]] | None = None,
) -> str:
    """Markdown: the variables every service reads, one table per service, then one for
    each of `others` (the console), which shares none of the services' names."""
    classes = classes if classes is not None else service_settings()
    others = others if others is not None else other_settings()
    per_service = {name: settings_of(cls) for name, cls in classes.items()}
    # A shared name whose default and meaning are the same everywhere gets one row.
    candidates = [
        {(s.env, s.default, s.description) for s in ss if s.shared} for ss in per_service.values()
    ]
    common = set.intersection(*candidates) if candidates else set()
    common_envs = {env for env, _, _ in common}
    lines = [
        "Settings come from the environment, or from a `.env` file in the working directory.",
        "Names are case-insensitive.",
        "",
        "### Every service",
        "",
        "Each service reads these same names. Each can also be set for one service alone as",
        "`<PREFIX>_<NAME>` (e.g. `STATS_JWT_AUDIENCE` for `QISE_JWT_AUDIENCE`), which applies only",
        "when the shared name is unset.",
        "",
    ]
    lines += _table(sorted(common, key=lambda row: row[0]))
    for name, settings in per_service.items():
        prefix = str(classes[name].model_config.get("env_prefix") or "")
        rows = [(s.env, s.default, s.description) for s in settings if s.env not in common_envs]
        lines += ["", f"### {name} (`{prefix}`)", ""]
        lines += _table(rows)
    for name, cls in others.items():
        prefix = str(cls.model_config.get("env_prefix") or "")
        lines += ["", f"### {name} (`{prefix}`)", ""]
        lines += _table([(s.env, s.default, s.description) for s in settings_of(cls)])
    lines += [
        "",
        "### Read outside the settings classes",
        "",
        "| variable | default | meaning | read by |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| `{v.env}` | {_cell(v.default)} | {_cell(v.description)} | {v.read_by} |"
        for v in OTHER_VARIABLES
    ]
    return "\n".join(lines) + "\n"


def generated_section(text: str) -> str | None:
    """The generated part of a document (between the markers), or None without markers."""
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        return None
    body = text[start + len(BEGIN) : end]
    return body.strip("\n") + "\n"


def write_settings_reference(path: Path | str = OPERATIONS_DOC) -> None:
    """Replace the generated section of `docs/operations.md` with the current reference."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"{path} has no {BEGIN} ... {END} section")
    body = f"{BEGIN}\n{settings_reference()}{END}"
    path.write_text(text[:start] + body + text[end + len(END) :], encoding="utf-8")
