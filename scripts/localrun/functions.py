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


MAX_INSTANCES = 32  # per function, like Lambda's concurrent execution environments


@dataclass
class Function:
    """One `AWS::Serverless::Function`, run as Lambda runs it: each invocation gets an instance (an
    execution environment: the handler module imported on its own) that serves no other invocation
    meanwhile. Instances are kept warm and reused; a new one is imported when all are busy.

    This matters because handlers keep per-request state on module-level objects (a Powertools
    resolver stores the current event on itself), which is safe in Lambda and must stay safe here."""

    logical_id: str
    name: str
    code_uri: Path
    handler: str
    timeout_seconds: float
    memory_mb: int
    properties: dict
    metadata: dict = field(default_factory=dict)
    module_prefix: str = "localrun_functions"
    max_instances: int = MAX_INSTANCES
    _idle: list[Callable[[Any, Any], Any]] = field(default_factory=list)
    _instances: int = 0
    _available: threading.Condition = field(default_factory=threading.Condition)

    @property
    def events(self) -> dict[str, dict]:
        return self.properties.get("Events") or {}

    @property
    def module_name(self) -> str:
        return f"{self.module_prefix}_{self.logical_id}"

    def _import_instance(self, number: int) -> Callable[[Any, Any], Any]:
        """Import the handler file once more under a unique module name (so the many app.py never collide)."""
        module_path, _, attribute = self.handler.rpartition(".")
        if not module_path:
            raise TemplateError(f"{self.logical_id}: Handler {self.handler!r} is not module.function")
        source = self.code_uri.joinpath(*module_path.split(".")).with_suffix(".py")
        if not source.is_file():
            raise TemplateError(f"{self.logical_id}: handler file {source} not found")
        module_name = self.module_name if number == 0 else f"{self.module_name}_{number}"
        spec = importlib.util.spec_from_file_location(module_name, source)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        # Registered before running it: pydantic and dataclasses look their module up by name.
        sys.modules[module_name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(module_name, None)
            raise
        found = getattr(module, attribute, None)
        if not callable(found):
            raise TemplateError(f"{self.logical_id}: {source} has no callable {attribute!r}")
        return found

    def load(self) -> Callable[[Any, Any], Any]:
        """Make sure one warm instance exists (imports the handler the first time); returns a handler."""
        with self._available:
            if self._instances == 0:
                self._idle.append(self._import_instance(0))
                self._instances = 1
            return self._idle[0] if self._idle else self._import_instance(self._instances)

    def _acquire(self) -> Callable[[Any, Any], Any]:
        with self._available:
            while True:
                if self._idle:
                    return self._idle.pop()
                if self._instances < self.max_instances:
                    number = self._instances
                    self._instances += 1
                    break
                self._available.wait()
        try:
            return self._import_instance(number)
        except BaseException:
            with self._available:
                self._instances -= 1
                self._available.notify()
            raise

    def _release(self, handler: Callable[[Any, Any], Any]) -> None:
        with self._available:
            self._idle.append(handler)
            self._available.notify()

    def context(self, request_id: str | None = None) -> LambdaContext:
        extra = {"aws_request_id": request_id} if request_id else {}
        return LambdaContext(
            function_name=self.name,
            memory_limit_in_mb=self.memory_mb,
            timeout_seconds=self.timeout_seconds,
            **extra,
        )

    def invoke(self, event: Any, request_id: str | None = None) -> Any:
        handler = self._acquire()
        try:
            return handler(event, self.context(request_id))
        finally:
            self._release(handler)


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
