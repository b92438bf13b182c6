"""A custom component (v2) whose JS and CSS the browser fetches once by URL, instead of receiving
them inline in every message that draws the component.

Streamlit 1.67 sends a component's inline ``js``/``css`` with each of its deltas: for the canvas
(~100 KB) that was most of what every edit sent back. A component can name files instead, served at
``/_stcore/bidi-components/<name>/<file>`` and imported by the browser as an ES module (loaded once
per page; ``Cache-Control: public``), but only from an ``asset_dir`` that Streamlit learned of from
a *manifest*, which its start-up scan reads from installed packages' ``pyproject.toml``. NetCanvas
runs from its folder, so ``ServedComponent`` declares the manifest itself, on the running
Streamlit's component manager, for a folder where it writes the source under a name holding its
hash (a changed file gets a new URL: no browser ever runs a stale copy). A style sheet travels in
the served module too (``ENTRY``), adopted by the component's shadow root before the component
draws. Without a running Streamlit (or with another Streamlit whose internals differ) it mounts the
same source inline.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Callable

import streamlit as st

PROJECT = "netcanvas"   # a served component's name is "netcanvas.<name>" (Streamlit's manifest naming)


def reported() -> None:
    """The ``on_<name>_change`` callback of a component value the page reads from the component's result:
    Streamlit 1.67 keeps a component's state and trigger values only for the names given a callback."""


def asset_folder() -> Path:
    """Where served sources are written: this user's cache folder (``$XDG_CACHE_HOME/netcanvas/components``,
    default ``~/.cache/netcanvas/components``), shared by this user's NetCanvas servers: the names hold
    the content's hash, so two servers write the same bytes to the same name."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "netcanvas" / "components"


def write_asset(folder: Path, stem: str, suffix: str, text: str) -> str:
    """Write ``text`` to ``<stem>.<hash><suffix>`` in ``folder`` and return that file name. A file of that
    name that holds anything else (cut short, changed by hand) is written again: the browser runs
    exactly this source."""
    data = text.encode("utf-8")
    name = f"{stem}.{hashlib.sha256(data).hexdigest()[:16]}{suffix}"
    path = folder / name
    try:
        if path.read_bytes() == data:
            return name
    except OSError:
        pass
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    part = folder / f".{name}.{os.getpid()}.part"
    part.write_bytes(data)
    os.replace(part, path)   # atomic: a server reading it never sees half a file
    return name


def _runtime_manager() -> Any | None:
    """The running Streamlit's component manager, or None (no runtime: bare mode, imports in tests)."""
    from streamlit.runtime import Runtime

    return Runtime.instance().bidi_component_registry if Runtime.exists() else None


def _declare(manager: Any, name: str, folder: Path) -> None:
    """Tell ``manager`` that component ``netcanvas.<name>`` serves the files of ``folder``, as the
    start-up scan does for an installed package's ``pyproject.toml``. Once per manager: declaring
    again would reset the component's definition to the scan's placeholder."""
    from streamlit.components.v2.manifest_scanner import ComponentConfig, ComponentManifest

    if manager.get_component_asset_root(f"{PROJECT}.{name}") == folder.resolve():
        return
    manifest = ComponentManifest(name=PROJECT, version="1",
                                 components=[ComponentConfig(name=name, asset_dir=".")])
    manager.register_from_manifest(manifest, folder)


# The module Streamlit imports when a served component has a style sheet: the sheet is adopted by the
# component's shadow root before its own module draws (a <link> would load after it, and a drawing that
# measures its elements would measure them unstyled).
ENTRY = """import mount from "./%(module)s";
const sheet = new CSSStyleSheet();
sheet.replaceSync(%(css)s);
export default function (component) {
  const root = component.parentElement;
  if ("adoptedStyleSheets" in root && !root.adoptedStyleSheets.includes(sheet)) {
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
  }
  return mount(component);
}
"""


class ServedComponent:
    """``st.components.v2.component(name, js=, css=)`` with the source served by URL when it can be.
    Call it as the mount function ``component()`` returns."""

    def __init__(self, name: str, *, js: str, css: str | None = None,
                 folder: Callable[[], Path] = asset_folder) -> None:
        self.name, self._js, self._css, self._folder = name, js, css, folder
        self._files: tuple[Path, str] | None = None
        self._served: Callable[..., Any] | None = None
        self._inline: Callable[..., Any] | None = None

    @property
    def served_name(self) -> str:
        return f"{PROJECT}.{self.name}"

    def _write(self) -> tuple[Path, str]:
        """The folder and the module Streamlit imports (the JS, or an entry that styles, then imports it)."""
        if self._files is None:
            folder = self._folder()
            module = write_asset(folder, self.name, ".js", self._js)
            if self._css is not None:
                entry = ENTRY % {"module": module, "css": json.dumps(self._css)}
                module = write_asset(folder, f"{self.name}_entry", ".js", entry)
            self._files = (folder, module)
        return self._files

    def mount(self) -> Callable[..., Any]:
        """The mount function for this run: the served one on a running Streamlit, else inline."""
        try:
            manager = _runtime_manager()
            if manager is not None:
                folder, module = self._write()
                _declare(manager, self.name, folder)
                if self._served is None:
                    self._served = st.components.v2.component(self.served_name, js=module)
                return self._served
        except (ImportError, AttributeError, OSError, TypeError):   # another Streamlit, an unwritable cache
            pass
        if self._inline is None:
            self._inline = st.components.v2.component(f"{PROJECT}_{self.name}", js=self._js, css=self._css)
        return self._inline

    def __call__(self, **kwargs: Any) -> Any:
        return self.mount()(**kwargs)
