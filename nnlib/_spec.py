"""Build a component (activation, cost, optimiser) from a name, a config dict or an instance."""
from __future__ import annotations

from typing import Any


def from_spec(spec: Any, registry: dict[str, type], base: type, kind: str) -> Any:
    """``spec`` is an instance of ``base`` (returned as is), a name, or a dict ``{"name": …, **kwargs}``
    such as ``config()`` returns.  Unknown names raise a ValueError that lists the known ones."""
    if isinstance(spec, base):
        return spec
    if isinstance(spec, dict):
        kwargs = dict(spec)
        name = kwargs.pop("name", None)
    else:
        name, kwargs = spec, {}
    if name not in registry:
        raise ValueError(f"unknown {kind} {name!r}; known: {', '.join(sorted(registry))}")
    return registry[name](**kwargs)
