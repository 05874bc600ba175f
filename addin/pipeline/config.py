"""Where Lazarus finds API keys, its data folder and vendor base-URL overrides.

Keys come from the environment (``LAZARUS_FRED_API_KEY`` …, or the vendors' customary names such as
``FRED_API_KEY``: each reader's :class:`~addin.pipeline.vendors.KeySetting` names them) or from the user's config
file, a TOML file in the user's config folder::

    [keys]
    fred = "…"
    tiingo = "…"

    [base_urls]
    yahoo = "https://query2.finance.yahoo.com"

    [paths]
    data_dir = "D:/lazarus-data"

    [store]
    url = "postgresql://desk-db.example/lazarus"   # a desk's shared store; default: lazarus.sqlite in data_dir

Keys are never read from a workbook, and :func:`addin.pipeline.secrets.redact` is the only way a key is shown.
Base-URL overrides (``LAZARUS_<VENDOR>_BASE_URL`` or ``[base_urls]``) are read here and nowhere else.

The file holds keys, so Lazarus creates it readable by its owner only (:func:`write_config_template`) and warns when a
file holding keys is readable by others. A file a user mistyped is a :class:`ConfigError`: one line naming the file,
the setting and what is wrong with it.
"""

from __future__ import annotations

import logging
import math
import os
import stat
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from addin.pipeline.secrets import register_secret
from addin.pipeline.vendors import READERS, key_settings

__all__ = [
    "Config",
    "ConfigError",
    "base_url_variable",
    "config_template",
    "exposed_keys_warning",
    "load_config",
    "user_config_file",
    "user_data_dir",
    "write_config_template",
]

log = logging.getLogger("lazarus.config")

MAX_DEADLINE = 24 * 3600.0  # seconds; a refresh given more than a day has been given a typo


class ConfigError(ValueError):
    """The config file (or a setting given on the command line) cannot be used; the message names the file, the
    setting and what is wrong, in one line."""


def check_deadline(value: object, where: str) -> float:
    """`value` as a refresh deadline in seconds: a number more than 0 and at most a day (not inf, not nan)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ConfigError(f"{where} must be a number of seconds, not {value!r}")
    try:
        seconds = float(value)
    except ValueError:
        raise ConfigError(f"{where} must be a number of seconds, not {value!r}") from None
    if not math.isfinite(seconds) or not 0 < seconds <= MAX_DEADLINE:
        raise ConfigError(f"{where} must be more than 0 and at most {MAX_DEADLINE:g} seconds, not {value!r}")
    return seconds


def base_url_variable(vendor: str) -> str:
    """The environment variable that overrides a vendor id's base URL: ``LAZARUS_<VENDOR>_BASE_URL``."""
    return f"LAZARUS_{vendor.upper()}_BASE_URL"


def config_template() -> str:
    """The config file the ribbon's Settings button writes on a first visit: every setting commented out, each
    key with the environment variable that would win over it."""
    keys = [f'# {key.name} = "your {key.label}"   # or set {key.variable}' for key in key_settings()]
    example = key_settings()[0].variable
    return "\n".join(
        [
            "# Lazarus settings (TOML). This file stays on your computer; Lazarus never copies it into a workbook.",
            '# Remove the leading "# " of a line to use it. Environment variables such as '
            f"{example} win over this file.",
            "",
            "[keys]",
            *keys,
            "",
            "[paths]",
            '# data_dir = "D:/lazarus-data"   # where the local store of every fetched observation lives',
            "",
        ]
    )


def write_config_template(path: Path) -> bool:
    """Create the config file at `path` from the template, readable and writable by its owner only (it will hold
    keys); an existing file is left as it is. True when the file was created."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(config_template())
    return True


def exposed_keys_warning(path: Path, holds_keys: bool) -> str:
    """A warning when `path` holds keys and other local users may read it (POSIX permissions), else ""."""
    if not holds_keys or sys.platform == "win32":
        return ""
    try:
        mode = path.stat().st_mode
    except OSError:
        return ""
    if not mode & (stat.S_IRGRP | stat.S_IROTH):
        return ""
    return (
        f"{path} holds API keys and other users of this computer can read it "
        f"(permissions {stat.filemode(mode)}): run `chmod 600 '{path}'`."
    )


def _table(data: Mapping[str, object], name: str, path: Path) -> Mapping[str, object]:
    value = data.get(name) or {}
    if not isinstance(value, Mapping):
        raise ConfigError(f"{path}: [{name}] must be a table of settings, not {type(value).__name__} {value!r}")
    return value


def _text(table: Mapping[str, object], section: str, name: str, path: Path) -> str | None:
    value = table.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ConfigError(f"{path}: [{section}] {name} must be text in quotes, not {value!r}")
    return value


def _read_file(path: Path) -> dict:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML ({exc}); fix that line or delete the file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} cannot be read ({exc})") from None


def _home_folder(windows_var: str, mac_sub: str, xdg_var: str, xdg_default: str) -> Path:
    if sys.platform == "win32":
        return Path(os.environ.get(windows_var) or Path.home() / "AppData" / "Roaming") / "Lazarus"
    if sys.platform == "darwin":
        return Path.home() / "Library" / mac_sub / "Lazarus"
    return Path(os.environ.get(xdg_var) or Path.home() / xdg_default) / "lazarus"


def user_config_file(env: Mapping[str, str] | None = None) -> Path:
    """The config file: ``LAZARUS_CONFIG`` if set, else ``config.toml`` in the user's config folder."""
    env = os.environ if env is None else env
    if env.get("LAZARUS_CONFIG"):
        return Path(env["LAZARUS_CONFIG"])
    return _home_folder("APPDATA", "Application Support", "XDG_CONFIG_HOME", ".config") / "config.toml"


def user_data_dir(env: Mapping[str, str] | None = None) -> Path:
    """The data folder (holds the store): ``LAZARUS_DATA_DIR`` if set, else the platform's user data
    folder."""
    env = os.environ if env is None else env
    if env.get("LAZARUS_DATA_DIR"):
        return Path(env["LAZARUS_DATA_DIR"])
    return _home_folder("LOCALAPPDATA", "Application Support", "XDG_DATA_HOME", ".local/share")


@dataclass(frozen=True)
class Config:
    """Resolved settings. ``repr`` hides the keys so a Config can be logged or shown in a traceback."""

    data_dir: Path
    keys: Mapping[str, str] = field(default_factory=dict, repr=False)
    base_urls: Mapping[str, str] = field(default_factory=dict)
    config_file: Path | None = None
    store_url: str | None = None  # a PostgreSQL URL (LAZARUS_STORE or [store] url); None = the SQLite file
    deadline: float = 60.0  # seconds a whole refresh may take ([refresh] deadline in the config file)

    def key(self, name: str) -> str | None:
        """The API key for a key name ("fred", "tiingo", "stooq", "alphavantage"), or None."""
        return self.keys.get(name) or None

    def base_url(self, vendor: str) -> str | None:
        """The overridden base URL of a vendor id, or None for the vendor's real address."""
        return self.base_urls.get(vendor) or None

    @property
    def store_path(self) -> Path:
        return self.data_dir / "lazarus.sqlite"


def load_config(env: Mapping[str, str] | None = None, config_file: Path | None = None) -> Config:
    """Read the config file (if any) and let the environment override it."""
    env = os.environ if env is None else env
    path = config_file or user_config_file(env)
    data: dict = _read_file(path) if path.is_file() else {}
    file_keys = _table(data, "keys", path)
    keys = {str(k): value for k in file_keys if (value := _text(file_keys, "keys", str(k), path))}
    warning = exposed_keys_warning(path, bool(keys))
    if warning:
        log.warning("%s", warning)
    for key in key_settings():
        for variable in key.variables:
            if env.get(variable):
                keys[key.name] = env[variable]
                break
    for value in keys.values():
        register_secret(value)  # from now on any message that quotes the key shows **** instead
    file_urls = _table(data, "base_urls", path)
    base_urls = {str(k): value for k in file_urls if (value := _text(file_urls, "base_urls", str(k), path))}
    for vendor in READERS:
        override = env.get(base_url_variable(vendor))
        if override:
            base_urls[vendor] = override
    data_dir_setting = _text(_table(data, "paths", path), "paths", "data_dir", path)
    data_dir = (
        Path(env["LAZARUS_DATA_DIR"])
        if env.get("LAZARUS_DATA_DIR")
        else (Path(data_dir_setting).expanduser() if data_dir_setting else user_data_dir(env))
    )
    deadline = check_deadline(_table(data, "refresh", path).get("deadline", 60.0), f"{path}: [refresh] deadline")
    store_url = env.get("LAZARUS_STORE") or _text(_table(data, "store", path), "store", "url", path)
    return Config(
        data_dir=data_dir, keys=keys, base_urls=base_urls, config_file=path, deadline=deadline, store_url=store_url
    )
