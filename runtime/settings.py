"""How an option is declared: one ``Setting`` says everything every surface needs to know.

A setting is declared once, beside the model it belongs to (training options in
``runtime.config``, a built-in data set's options in ``runtime.data.builtin``, augmentation
strengths in ``runtime.data.augment``). From that one declaration come the validation, the
Train and Data page widgets, the command-line flags and their help, the exported
``train.py``'s arguments and ``docs/config.md``; adding an option means editing one place.

Words: a setting carries its own label, help and choice names in English and Chinese (as a
layer does in the catalog); everything else people read lives in the locale table.
"""
from __future__ import annotations

from dataclasses import dataclass, field

# Where a setting is offered. Every setting is in docs/config.md and can be given in a
# config file (``--config``, ``config.json``); these say where else it appears.
FORM = "form"          # the Train page's form
DATA = "data"          # the Data page
CLI = "cli"            # python -m runtime train --flag
SCRIPT = "script"      # the exported train.py's argument
SURFACES = (FORM, DATA, CLI, SCRIPT)

# The kinds of values: what a widget, a flag and the docs make of them.
KINDS = ("int", "float", "rate", "share", "choice", "bool", "text", "list", "dict")
#   rate: a float spanning decades (learning rates), shown in scientific notation
#   share: a float in [0, 1] shown as a percentage on the pages


@dataclass(frozen=True)
class Applies:
    """Where a setting has an effect; given anywhere else (other than at its default) it is
    refused with the reason, never silently ignored."""
    modes: tuple = ()           # the (resolved) training modes it applies to; empty: all
    optimizers: tuple = ()      # the optimizers that read it; empty: all
    schedules: tuple = ()       # the schedules that read it; empty: all
    losses: tuple = ()          # the losses that read it; empty: all
    needs: str | None = None    # a setting that must be on (truthy) for it to matter


@dataclass(frozen=True)
class Setting:
    """One option: its type, default(s), range or choices, where it applies and is shown, its words."""
    name: str
    kind: str
    default: object
    label: dict                                  # {"en", "zh"}
    help: dict                                   # one line, {"en", "zh"}
    lo: float | None = None
    hi: float | None = None
    step: float | None = None                    # a widget's step
    choices: tuple = ()
    choice_labels: dict = field(default_factory=dict)   # choice -> {"en", "zh"}; default: the choice itself
    unit: str = ""                               # for the docs: "epochs", "samples", "s", ...
    group: str = "basic"                         # the form's section
    surfaces: tuple = ()
    applies: Applies = Applies()
    mode_defaults: dict = field(default_factory=dict)   # mode -> default
    data_defaults: dict = field(default_factory=dict)   # built-in data set -> default (over the mode's)
    flags: tuple = ()                            # command-line flags; default: --name-with-dashes
    metavar: str | None = None
    nullable: bool = False                       # None is a value (e.g. "the mode's default")

    def __post_init__(self):
        assert self.kind in KINDS, (self.name, self.kind)
        assert set(self.surfaces) <= set(SURFACES), (self.name, self.surfaces)
        assert not self.choices or self.default in self.choices or self.nullable, self.name

    @property
    def cli_flags(self) -> tuple:
        return self.flags or ("--" + self.name.replace("_", "-"),)

    def default_for(self, mode: str | None = None, data: str | None = None):
        """The default for a run of ``mode`` on the built-in set ``data`` (data over mode over plain)."""
        if data in self.data_defaults:
            return self.data_defaults[data]
        if mode in self.mode_defaults:
            return self.mode_defaults[mode]
        return self.default

    def format(self, value) -> str:
        """A value as a person reads it: 100, 0.02, 1e-08."""
        return f"{value:g}" if isinstance(value, float) else str(value)

    def choice_label(self, choice, lang: str) -> str:
        words = self.choice_labels.get(choice)
        return words.get(lang) or words["en"] if words else str(choice)

    def range_text(self) -> str:
        if self.choices:
            return ", ".join(str(c) for c in self.choices)
        if self.lo is None and self.hi is None:
            return ""
        return f"{_num(self.lo)} to {_num(self.hi)}"


def on(settings, surface: str) -> list[Setting]:
    """The settings a surface shows, in their declared order."""
    return [s for s in settings if surface in s.surfaces]


def first_sentence(text: str) -> str:
    """A help text's first sentence: the one line a flag or a table cell has room for."""
    for stop in (". ", "。"):
        if stop in text:
            return text.split(stop)[0] + ("." if stop == ". " else "。")
    return text


def _num(value) -> str:
    if value is None:
        return "?"
    if isinstance(value, float) and (abs(value) >= 1e5 or 0 < abs(value) < 1e-3):
        return f"{value:g}"
    return f"{value:,}" if isinstance(value, int) else f"{value:g}"
