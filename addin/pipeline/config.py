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
"""

from __future__ import annotations

import os
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from addin.pipeline.secrets import register_secret
from addin.pipeline.vendors import READERS, key_settings

__all__ = ["Config", "base_url_variable", "config_template", "load_config", "user_config_file", "user_data_dir"]


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
    data: dict = {}
    if path.is_file():
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    keys = {str(k): str(v) for k, v in (data.get("keys") or {}).items() if v}
    for key in key_settings():
        for variable in key.variables:
            if env.get(variable):
                keys[key.name] = env[variable]
                break
    for value in keys.values():
        register_secret(value)  # from now on any message that quotes the key shows **** instead
    base_urls = {str(k): str(v) for k, v in (data.get("base_urls") or {}).items() if v}
    for vendor in READERS:
        override = env.get(base_url_variable(vendor))
        if override:
            base_urls[vendor] = override
    data_dir_setting = (data.get("paths") or {}).get("data_dir")
    data_dir = (
        Path(env["LAZARUS_DATA_DIR"])
        if env.get("LAZARUS_DATA_DIR")
        else (Path(data_dir_setting).expanduser() if data_dir_setting else user_data_dir(env))
    )
    deadline = float((data.get("refresh") or {}).get("deadline", 60.0))
    store_url = env.get("LAZARUS_STORE") or (data.get("store") or {}).get("url") or None
    return Config(
        data_dir=data_dir, keys=keys, base_urls=base_urls, config_file=path, deadline=deadline, store_url=store_url
    )
