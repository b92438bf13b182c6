"""ui.served_component: the files a component's source is served from (their names follow their content,
so a browser never runs an old copy under a new source), and the inline fallback without a server."""
from __future__ import annotations

import hashlib

from ui.served_component import PROJECT, ServedComponent, write_asset


def test_the_file_is_named_by_its_content_and_holds_it(tmp_path):
    name = write_asset(tmp_path, "graph_canvas", ".js", "export default function () {}\n")
    digest = hashlib.sha256(b"export default function () {}\n").hexdigest()[:16]
    assert name == f"graph_canvas.{digest}.js"
    assert (tmp_path / name).read_text(encoding="utf-8") == "export default function () {}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]          # no partial file left behind


def test_changed_source_gets_another_name_and_a_file_that_does_not_hold_its_source_is_written_again(tmp_path):
    first = write_asset(tmp_path, "c", ".css", "a { color: red; }")
    second = write_asset(tmp_path, "c", ".css", "a { color: blue; }")
    assert second != first and (tmp_path / second).read_text() == "a { color: blue; }"
    (tmp_path / first).write_text("a { color: red")                      # cut short, or changed by another hand
    assert write_asset(tmp_path, "c", ".css", "a { color: red; }") == first
    assert (tmp_path / first).read_text() == "a { color: red; }"


def test_without_a_running_streamlit_the_source_is_mounted_inline(tmp_path):
    component = ServedComponent("probe_x", js="export default function () {}\n", css="p {}\n",
                                folder=lambda: tmp_path / "assets")
    component.mount()
    assert component.served_name == f"{PROJECT}.probe_x"
    assert not (tmp_path / "assets").exists()                             # nothing to serve from
