"""The template's functions, imported in-process and kept warm: one module per function, loaded by file path."""

from __future__ import annotations

import importlib.util
import logging
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from localrun.events import LambdaContext
from localrun.template import TemplateError, function_properties, resources_of_type, scalar_text

log = logging.getLogger("localrun.functions")

FUNCTION_TYPES = ("AWS::Serverless::Function",)
LAYER_TYPES = ("AWS::Serverless::LayerVersion",)


@dataclass
class Function:
    """One `AWS::Serverless::Function`, its handler imported once and reused for every invocation."""

    logical_id: str
    name: str
    code_uri: Path
    handler: str
    timeout_seconds: float
    memory_mb: int
    properties: dict
    metadata: dict = field(default_factory=dict)
    module_prefix: str = "localrun_functions"
    _handler: Callable[[Any, Any], Any] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def events(self) -> dict[str, dict]:
        return self.properties.get("Events") or {}

    @property
    def module_name(self) -> str:
        return f"{self.module_prefix}_{self.logical_id}"

    def load(self) -> Callable[[Any, Any], Any]:
        """Import the handler (once). The module gets a unique name so the many app.py never collide."""
        if self._handler is not None:
            return self._handler
        with self._lock:
            if self._handler is None:
                module_path, _, attribute = self.handler.rpartition(".")
                if not module_path:
                    raise TemplateError(f"{self.logical_id}: Handler {self.handler!r} is not module.function")
                source = self.code_uri.joinpath(*module_path.split(".")).with_suffix(".py")
                if not source.is_file():
                    raise TemplateError(f"{self.logical_id}: handler file {source} not found")
                spec = importlib.util.spec_from_file_location(self.module_name, source)
                assert spec is not None and spec.loader is not None
                module = importlib.util.module_from_spec(spec)
                # Registered before running it: pydantic and dataclasses look their module up by name.
                sys.modules[self.module_name] = module
                try:
                    spec.loader.exec_module(module)
                except BaseException:
                    sys.modules.pop(self.module_name, None)
                    raise
                found = getattr(module, attribute, None)
                if not callable(found):
                    raise TemplateError(f"{self.logical_id}: {source} has no callable {attribute!r}")
                self._handler = found
        return self._handler

    def context(self, request_id: str | None = None) -> LambdaContext:
        extra = {"aws_request_id": request_id} if request_id else {}
        return LambdaContext(
            function_name=self.name,
            memory_limit_in_mb=self.memory_mb,
            timeout_seconds=self.timeout_seconds,
            **extra,
        )

    def invoke(self, event: Any, request_id: str | None = None) -> Any:
        return self.load()(event, self.context(request_id))


def read_functions(template: dict, template_dir: Path, stack_name: str) -> dict[str, Function]:
    """Every function of the template, by logical id (handlers not imported yet)."""
    functions: dict[str, Function] = {}
    for logical_id, resource in resources_of_type(template, *FUNCTION_TYPES):
        properties = function_properties(template, resource)
        code_uri = properties.get("CodeUri")
        handler = properties.get("Handler")
        if not isinstance(code_uri, str) or not isinstance(handler, str):
            raise TemplateError(f"{logical_id}: CodeUri and Handler must be plain strings to run locally")
        name = properties.get("FunctionName")
        functions[logical_id] = Function(
            logical_id=logical_id,
            name=name if isinstance(name, str) else f"{stack_name}-{logical_id}",
            code_uri=(template_dir / code_uri).resolve(),
            handler=handler,
            timeout_seconds=float(scalar_text(properties.get("Timeout", 3))),
            memory_mb=int(scalar_text(properties.get("MemorySize", 128))),
            properties=properties,
            metadata=resource.get("Metadata") or {},
        )
    return functions


def layer_paths(template: dict, template_dir: Path) -> list[Path]:
    """The folders a Lambda layer would put on sys.path: each layer's content and its `python/`."""
    paths = []
    for _logical_id, resource in resources_of_type(template, *LAYER_TYPES):
        content = (resource.get("Properties") or {}).get("ContentUri")
        if isinstance(content, str):
            root = (template_dir / content).resolve()
            paths += [candidate for candidate in (root / "python", root) if candidate.is_dir()]
    return paths


def add_layers_to_path(paths: list[Path]) -> None:
    for path in reversed(paths):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
