"""List the Basic libraries, modules and code LibreOffice finds in a workbook's VBA, over UNO, headless.

Run with a Python that has LibreOffice's `uno` module (Debian's python3-uno: /usr/bin/python3), not the project's
virtual environment:  python3 testkit/libreoffice_basic.py BOOK.xlam  -> JSON {library: {module: code}} on stdout.

The workbook is loaded with the filter "Calc MS Excel 2007 VBA XML", which reads xl/vbaProject.bin and turns each VBA
module into a Basic module (LibreOffice's VBA support); a module LibreOffice could not read is simply missing.
"""

from __future__ import annotations

import contextlib
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

import uno  # type: ignore[import-not-found]
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]
from com.sun.star.connection import NoConnectException  # type: ignore[import-not-found]

FILTER = "Calc MS Excel 2007 VBA XML"


def _property(name: str, value: object) -> PropertyValue:
    prop = PropertyValue()
    prop.Name, prop.Value = name, value
    return prop


def _connect(pipe: str, process: subprocess.Popen, timeout: float = 60.0):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + timeout
    while True:
        try:
            return resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except NoConnectException:
            if process.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def basic_modules(path: pathlib.Path) -> dict[str, dict[str, str]]:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise RuntimeError("LibreOffice (soffice) is not installed")
    with tempfile.TemporaryDirectory(prefix="lazarus-lo-") as profile:
        pipe = f"lazarus{os.getpid()}"
        process = subprocess.Popen(
            [
                soffice,
                "--headless",
                "--invisible",
                "--norestore",
                "--nologo",
                f"-env:UserInstallation={pathlib.Path(profile).as_uri()}",
                f"--accept=pipe,name={pipe};urp;",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            context = _connect(pipe, process)
            desktop = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
            url = path.resolve().as_uri()
            document = desktop.loadComponentFromURL(
                url, "_blank", 0, (_property("Hidden", True), _property("FilterName", FILTER))
            )
            try:
                libraries = document.BasicLibraries
                out: dict[str, dict[str, str]] = {}
                for name in libraries.getElementNames():
                    libraries.loadLibrary(name)
                    library = libraries.getByName(name)
                    out[name] = {module: library.getByName(module) for module in library.getElementNames()}
                return out
            finally:
                document.close(True)
        finally:
            with contextlib.suppress(Exception):  # soffice may already be gone
                desktop.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    json.dump(basic_modules(pathlib.Path(sys.argv[1])), sys.stdout)
