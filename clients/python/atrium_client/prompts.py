"""Prompt versions read from the registry, rendered here exactly as the
server renders them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional

from .errors import InvalidError, TooLargeError

# The server's variable syntax: {{ name }} (registry.variableRE).
VARIABLE_RE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")

# The largest rendered prompt the server returns (registry.MaxRendered).
MAX_RENDERED = 1 << 20


def variables(template: str) -> List[str]:
    """The variables of a template, sorted, each once."""
    return sorted(set(VARIABLE_RE.findall(template)))


def render(template: str, values: Mapping[str, str]) -> str:
    """Fill a template's {{ name }} variables. Every variable must be given and no
    other, and values must be strings; they go in as they are, once (a value
    that looks like {{ x }} is not filled again). The rules and the
    messages are the server's, so a prompt renders the same here and there.

    Raises:
        InvalidError: a variable is missing, unknown, or not a string.
        TooLargeError: the result is over 1 MiB.
    """
    want = variables(template)
    missing = [v for v in want if v not in values]
    if missing:
        raise InvalidError("missing value for variable %s" % ", ".join(missing))
    for k, v in values.items():
        if k not in want:
            raise InvalidError("the template has no variable \"%s\"" % k[:70])
        if not isinstance(v, str):
            raise InvalidError("variable %s must be a string, not %s" % (k, type(v).__name__))
    out: List[str] = []
    size = 0
    last = 0
    for m in VARIABLE_RE.finditer(template):
        for part in (template[last : m.start()], values[m.group(1)]):
            out.append(part)
            size += len(part.encode("utf-8"))
        last = m.end()
        if size > MAX_RENDERED:
            raise TooLargeError("the rendered prompt is too large (more than %d bytes)" % MAX_RENDERED)
    out.append(template[last:])
    size += len(template[last:].encode("utf-8"))
    if size > MAX_RENDERED:
        raise TooLargeError("the rendered prompt is too large (more than %d bytes)" % MAX_RENDERED)
    return "".join(out)


@dataclass(frozen=True)
class Prompt:
    """One version of a prompt asset.

    Attributes:
        usecase, name: where it is registered.
        version: its number.
        alias: the alias it was read through, if any.
        template: the text with ``{{ name }}`` variables.
        form: "text" or "chat".
        variables: the variable names, sorted.
        model_config: the model configuration registered with it (any JSON),
            or None.
    """

    usecase: str
    name: str
    version: int
    template: str
    form: str = "text"
    variables: List[str] = field(default_factory=list)
    model_config: Any = None
    alias: Optional[str] = None

    def render(self, /, **values: str) -> str:
        """The template filled with ``values`` (keyword arguments named like
        the variables). Refuses missing and unknown variables, like the
        server. Use :meth:`render_map` for a mapping."""
        return render(self.template, values)

    def render_map(self, values: Mapping[str, str]) -> str:
        """:meth:`render` with the values in a mapping."""
        return render(self.template, values)

    @classmethod
    def from_version(cls, usecase: str, name: str, v: Mapping[str, Any], alias: Optional[str] = None) -> "Prompt":
        """Read a prompt version as the registry API answers it."""
        p: Dict[str, Any] = v.get("prompt") or {}
        template = str(p.get("template", ""))
        return cls(
            usecase=usecase,
            name=name,
            version=int(v.get("number", 0)),
            template=template,
            form=str(p.get("form") or "text"),
            variables=list(p.get("variables") or variables(template)),
            model_config=p.get("model_config"),
            alias=alias,
        )
