"""The local runtime: template.yaml served on 127.0.0.1 without Docker (moto + PostgreSQL + in-process handlers)."""

from localrun.runtime import LocalRuntime

__all__ = ["LocalRuntime"]
