"""Reading YAML config files into models, with one-line errors that say what to fix."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


class ConfigError(ValueError):
    """A config file is missing or malformed; the message is one line naming file and key."""


class _StrictLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe YAML that refuses a key given twice in one mapping (YAML would keep the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_yaml(path: Path) -> Any:
    """Parse a YAML file, turning every failure into a one-line ConfigError."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read ({exc.__class__.__name__}: {exc})") from None
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{path}:{where}: invalid YAML: {problem}") from None


def format_error(path: Path, exc: ValidationError) -> str:
    """First validation error as `file: key.path: message`."""
    errors = exc.errors()
    first = errors[0]
    key = ".".join(str(p) for p in first["loc"]) or "(top level)"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{path}: {key}: {first['msg']}{more}"


def load_model(path: Path, model: type[M]) -> M:
    """Load and validate a YAML file as `model`; unchanged files are parsed once per process."""
    try:
        stat = Path(path).stat()
    except OSError:
        return _load_model(path, model)
    return _load_cached(str(Path(path).resolve()), stat.st_mtime_ns, stat.st_size, model)


@functools.lru_cache(maxsize=32)
def _load_cached(path: str, mtime_ns: int, size: int, model: type[M]) -> M:
    return _load_model(Path(path), model)


def _load_model(path: Path, model: type[M]) -> M:
    data = load_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: (top level): expected a mapping, got {type(data).__name__}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_error(path, exc)) from None


def config_hashes(config_dir: Path) -> dict[str, str]:
    """sha256 of every file in the config folder, for the scan manifest."""
    out: dict[str, str] = {}
    for path in sorted(Path(config_dir).rglob("*")):
        if path.is_file():
            out[str(path.relative_to(config_dir))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out
