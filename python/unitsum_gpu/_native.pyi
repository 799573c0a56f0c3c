"""Stubs of the extension module ``unitsum_gpu._native`` (Rust, PyO3).

The public names are re-exported, typed and documented by
``unitsum_gpu/__init__.py``; the native methods return plain dicts that the
Python layer turns into its result types.
"""

import os
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

from .errors import UsageError

__version__: str
DEFAULT_SAMPLES: int
DEFAULT_CHECK_SAMPLES: int
DEFAULT_SWEEP_SAMPLES: int
DEFAULT_TOLERANCE: float
#: The certified gap at which the double oracle stops (`upper - lower`).
GAP: float

class Problem:
    """A validated problem: n players, k actions, a game and coalitions."""

    @staticmethod
    def from_dict(spec: Mapping[str, Any]) -> Problem:
        """A problem from a spec dict (numpy arrays allowed); SpecError names the JSON path."""
    @staticmethod
    def from_json(source: Union[str, os.PathLike[str]]) -> Problem:
        """A problem from JSON text (first character ``{``, ``[`` or ``"``) or a spec file's path."""
    def to_dict(self) -> Dict[str, Any]:
        """The spec as a dict of plain Python values."""
    def to_json(self) -> str:
        """The spec as pretty JSON text."""
    @property
    def players(self) -> int: ...
    @property
    def actions(self) -> int: ...
    @property
    def states(self) -> int: ...
    @property
    def family(self) -> str: ...
    @property
    def roles(self) -> List[int]: ...
    @property
    def coalitions(self) -> List[List[int]]: ...
    def __eq__(self, other: object) -> bool: ...
    def __reduce__(self) -> Tuple[Any, Tuple[str]]: ...

class Sweep(Iterator[Dict[str, Any]]):
    """A sweep's remaining points; each ``next()`` evaluates one into its row."""

    @property
    def total(self) -> int:
        """Points of the sweep (of its shard), evaluated or not."""
    def __len__(self) -> int:
        """Points not evaluated yet."""
    def __iter__(self) -> Sweep: ...
    def __next__(self) -> Dict[str, Any]: ...

class Evaluator:
    """The core evaluator pool: one GPU evaluator, CPU evaluators per thread."""

    def __init__(self) -> None: ...
    def evaluate(
        self,
        problem: Problem,
        backend: str,
        method: str,
        samples: Optional[int],
        seed: Optional[int],
        tolerance: Optional[float],
        counts: Optional[str],
        memory_limit_gib: float,
    ) -> Dict[str, Any]: ...
    def security_value(
        self,
        problem: Problem,
        coalition: int,
        against: str,
        backend: str,
        solver: str,
        spy: Optional[bool],
        max_iterations: Optional[int],
        max_seconds: Optional[float],
    ) -> Dict[str, Any]: ...
    def power_curve(
        self,
        family: str,
        players: int,
        actions: int,
        params: Optional[Mapping[str, Any]],
        states: Optional[int],
        seed: Optional[int],
        backend: str,
        sizes: Optional[Union[str, int, Sequence[int]]],
        solver: str,
        spy: Optional[bool],
        max_iterations: Optional[int],
        max_seconds: Optional[float],
    ) -> Dict[str, Any]: ...
    def power(
        self,
        problem: Optional[Problem],
        family: str,
        players: int,
        actions: int,
        params: Optional[Mapping[str, Any]],
        states: Optional[int],
        seed: Optional[int],
        backend: str,
        solver: str,
        max_iterations: Optional[int],
        max_seconds: Optional[float],
    ) -> Dict[str, Any]: ...
    def check(
        self,
        problem: Problem,
        samples: int,
        seed: int,
        translate: Optional[Sequence[Sequence[int]]] = None,
    ) -> Dict[str, Any]: ...
    def devices(self) -> List[Dict[str, Any]]: ...

def usage_error(option: str, message: str) -> UsageError:
    """The ``UsageError`` naming ``option`` (for the Python layer to raise)."""

def preset_defaults(kind: str) -> Optional[Tuple[str, str, str, int, str]]: ...
def sweep(
    evaluator: Evaluator,
    kind: str,
    grid: Any,
    players: Any,
    actions: Any,
    sizes: str,
    families: Any,
    games: int,
    opponents: Any,
    backend: str,
    method: str,
    samples: int,
    seed: int,
    tolerance: float,
    shard: Optional[Tuple[int, int]],
) -> Sweep: ...
