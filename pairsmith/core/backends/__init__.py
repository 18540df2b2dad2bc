"""Generation backends behind one small interface, registered by name."""

from __future__ import annotations

from pairsmith.core.backends.base import Backend, BackendStats, Completion, Request

__all__ = ["Backend", "BackendStats", "Completion", "Request"]
