"""Expected coalition shares in unit-sum games, and what a coalition can secure.

A unit-sum game gives each of n players a share of one unit, depending on
everyone's actions and on an unknown state x. Players form coalitions, each
randomizing over its members' joint actions; ``r_j(x)`` is coalition j's
expected share. This package binds the Rust core of unitsum-gpu, which
computes ``r_j(x)`` exactly (enumeration, or count vectors in symmetric
games) or by Monte Carlo with error bars, on the GPU (wgpu, WGSL) or on the
CPU (an f64 reference), and the analyses built on it.

>>> import unitsum_gpu as us
>>> problem = us.Problem.from_dict({
...     "players": 5, "actions": 4, "game": {"family": "plurality"},
...     "coalitions": [
...         {"members": [0, 1, 2], "policy": {"kind": "common"}},
...         {"members": [3, 4], "policy": {"kind": "uniform"}}]})
>>> result = us.evaluate(problem, backend="cpu")
>>> bool(result.shares[0, 0] >= 1 - 1 / 4)   # Theorem 1: a majority gets 1 - 1/k
True
>>> result.shares.shape                      # (coalitions, states)
(2, 1)

Threads: the GIL is released while Rust computes. CPU work from several
threads runs in parallel; work that may use the GPU (``backend="gpu"``,
``"both"``, or ``"auto"`` where a hardware GPU exists) is serialised on the
one device. Ctrl-C interrupts a long computation started from the main
thread within a second on the CPU, and after the GPU submission in flight.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from . import _native
from ._native import (
    DEFAULT_CHECK_SAMPLES,
    DEFAULT_SAMPLES,
    DEFAULT_SWEEP_SAMPLES,
    DEFAULT_TOLERANCE,
    GAP,
    Problem,
    Sweep,
    __version__,
)
from .errors import (
    CancelledError,
    CheckFailedError,
    DisagreeError,
    FileError,
    GpuCheckFailedError,
    GpuError,
    InvalidResultError,
    LpError,
    NoAdapterError,
    SpecError,
    TooLargeError,
    UnitsumError,
    UsageError,
)

__all__ = [
    "Problem",
    "Evaluation",
    "CrossCheck",
    "SecurityValue",
    "Evaluator",
    "Sweep",
    "evaluate",
    "security_value",
    "power",
    "power_curve",
    "sweep",
    "check",
    "devices",
    "DEFAULT_CHECK_SAMPLES",
    "DEFAULT_SAMPLES",
    "DEFAULT_SWEEP_SAMPLES",
    "DEFAULT_TOLERANCE",
    "GAP",
    "UnitsumError",
    "SpecError",
    "UsageError",
    "FileError",
    "TooLargeError",
    "GpuError",
    "NoAdapterError",
    "CheckFailedError",
    "GpuCheckFailedError",
    "DisagreeError",
    "InvalidResultError",
    "LpError",
    "CancelledError",
    "__version__",
]

#: What a function taking a problem accepts: a :class:`Problem`, a spec
#: dict, JSON text or the path of a spec file.
ProblemLike = Union[Problem, Mapping[str, Any], str, "os.PathLike[str]"]
#: A range of sizes: ``"3..=11"``-style text, one integer or a list.
RangeLike = Union[str, int, Iterable[int]]


def _as_problem(problem: ProblemLike) -> Problem:
    if isinstance(problem, Problem):
        return problem
    if isinstance(problem, Mapping):
        return Problem.from_dict(problem)
    if isinstance(problem, (str, os.PathLike)):
        return Problem.from_json(problem)
    raise _native.usage_error(
        "problem",
        f"expected a Problem, a spec dict, JSON text or a path, not {type(problem).__name__}",
    )


@dataclass(frozen=True)
class CrossCheck:
    """The GPU's evaluation beside the CPU's (``backend="both"``)."""

    #: The GPU's result.
    gpu: "Evaluation"
    #: ``max |GPU - CPU|`` over coalitions and states.
    max_abs_difference: float
    #: The largest difference allowed.
    tolerance: float
    #: Whether the difference is within the tolerance (always ``True`` in a
    #: returned result: a disagreement raises :class:`DisagreeError`).
    agree: bool


@dataclass
class Evaluation:
    """``r_j(x)`` for every coalition j and state x, and how it was computed."""

    #: ``shares[j, x] = r_j(x)``, float64 of shape ``(coalitions, states)``.
    shares: np.ndarray
    #: Standard errors of the shares when sampled (same shape), else ``None``.
    stderr: Optional[np.ndarray]
    #: 95% intervals ``shares ± 1.96 stderr`` of shape ``(coalitions, states, 2)``
    #: when sampled, else ``None``.
    interval95: Optional[np.ndarray]
    #: ``"cpu"`` or ``"gpu"`` (with ``backend="both"``: ``"cpu"``, the GPU in
    #: :attr:`cross_check`).
    backend: str
    #: The adapter that computed it.
    adapter: str
    #: ``"exact"``, ``"counts"`` or ``"sample"``.
    method: str
    #: Profiles enumerated, pairs of count vectors summed, or samples drawn.
    work: int
    #: Wall-clock seconds of the computation.
    seconds: float
    #: What the backend and method choices did, and why.
    notes: List[str]
    #: ``max_x |Σ_j r_j(x) - 1|``.
    unit_sum_error: float
    #: Shares a rounding-level hair outside [0, 1] (within the backend's
    #: result tolerance, 1e-9 on the CPU) that were clamped into it.
    clamped: int = 0
    profiles: Optional[int] = None
    count_pairs: Optional[int] = None
    samples: Optional[int] = None
    seed: Optional[int] = None
    #: ``"direct"``, ``"fft"``, ``"leave-one-out"`` or ``"stream"`` with the
    #: counts method.
    counts_algorithm: Optional[str] = None
    #: The FFT's bound on its rounding error, when it ran.
    rounding_bound: Optional[float] = None
    #: The counts method: the cost model's estimate of ``seconds``, made
    #: before the job started (what a long job's notice says).
    estimated_seconds: Optional[float] = None
    #: The GPU's result beside this one, with ``backend="both"``.
    cross_check: Optional[CrossCheck] = None

    @classmethod
    def _from_native(cls, d: Dict[str, Any]) -> "Evaluation":
        check = d["cross_check"]
        if check is not None:
            gpu = cls._from_native(check.pop("gpu"))
            d["cross_check"] = CrossCheck(gpu=gpu, **check)
        # The native dict holds every field: filling __dict__ directly is
        # what __init__ would do, at a third of the cost of a small call's
        # sixteen keyword arguments.
        evaluation = cls.__new__(cls)
        evaluation.__dict__.update(d)
        return evaluation

    def min_over_states(self) -> np.ndarray:
        """``min_x r_j(x)`` per coalition: what each gets whatever the state."""
        return self.shares.min(axis=1)

    def to_dict(self) -> Dict[str, Any]:
        """The fields as plain Python values (lists for arrays), as the
        CLI's ``eval --format json`` names them."""
        out: Dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if isinstance(value, np.ndarray):
                value = value.tolist()
            elif isinstance(value, CrossCheck):
                value = {
                    "gpu": value.gpu.to_dict(),
                    "max_abs_difference": value.max_abs_difference,
                    "tolerance": value.tolerance,
                    "agree": value.agree,
                }
            out[name] = value
        out["min_over_states"] = self.min_over_states().tolist()
        return out


@dataclass(frozen=True)
class SecurityValue:
    """What a coalition can secure, and a policy that secures it.

    With ``against="worst"``: the security value ``max_π min_{x, reply} r_j``
    against any replies of the others (who may coordinate), with the reply
    that holds the policy there and an independent check. The dense LP's
    policy is checked against every pure reply; the double oracle's (large
    symmetric and role-dependent games) comes with two certificates,
    ``lower ≤ v ≤ upper``: the
    policy against the others' exact best reply, and the others' mix
    ``reply_mix`` against the coalition's exact best response. With
    ``against="given"``: the best response to the others' policies in the
    spec, ``max_π min_x r_j`` (in symmetric and role-dependent games by one
    pass per round over the coalition's count vectors, a ``counts`` policy),
    and what copying the others gets.
    """

    #: The coalition's index.
    coalition: int
    #: ``"worst"`` or ``"given"``.
    against: str
    #: The value.
    value: float
    #: An optimal policy, as a spec's ``"policy"`` dict (``joint`` from the
    #: dense LP, ``counts`` from the double oracle).
    policy: Dict[str, Any]
    #: What ``policy`` secures against the others' exact best reply (``"worst"``).
    lower: Optional[float] = None
    #: The double oracle's upper bound (``"worst"``; ``None`` from the dense LP).
    upper: Optional[float] = None
    #: ``"dense"`` or ``"double-oracle"`` (``"worst"``).
    solver: Optional[str] = None
    #: The double oracle's rounds, and why it stopped before its gap (a cap).
    iterations: Optional[int] = None
    stopped: Optional[str] = None
    #: The others' certified mix: ``[{"state", "counts", "p"}, ...]`` (double oracle).
    reply_mix: List[Dict[str, Any]] = field(default_factory=list)
    #: The others' pure reply (in player order over the non-members) that
    #: holds the policy to its value (``"worst"``).
    worst_reply: Optional[List[int]] = None
    #: The state where it does (``"worst"``).
    worst_state: Optional[int] = None
    #: The policy's exact value against every pure reply (``"worst"``).
    check: Optional[float] = None
    #: ``|check - value|`` (``"worst"``; at most 1e-7, else the call raises).
    check_error: Optional[float] = None
    #: The LP's strategies and replies, and what they are (``"worst"``).
    strategies: Optional[int] = None
    replies: Optional[int] = None
    basis: Optional[str] = None
    #: ``max |GPU - CPU|`` of the payoff matrix (or of the share table, or
    #: of the double oracle's certified bounds) with ``backend="both"``.
    max_gpu_cpu: Optional[float] = None
    #: What the coalition secures when the others see its actions before
    #: replying (``"worst"``, when computed: ``spy``).
    spy_value: Optional[float] = None
    #: What copying all the other coalitions gets (``"given"``, when the
    #: coalition is large enough to copy them).
    copy_value: Optional[float] = None
    #: What the copy gets when the others see its draws before replying (``"given"``).
    informed_copy_value: Optional[float] = None
    notes: List[str] = field(default_factory=list)


class Evaluator:
    """Evaluates problems, keeping the GPU device and its pipelines between calls.

    One evaluator serves any number of threads (see the module's docs).
    The module-level functions (:func:`evaluate`, ...) share one.
    """

    def __init__(self) -> None:
        self._native = _native.Evaluator()

    def evaluate(
        self,
        problem: ProblemLike,
        backend: str = "auto",
        method: str = "auto",
        samples: Optional[int] = None,
        seed: Optional[int] = None,
        tolerance: Optional[float] = None,
        counts: Optional[str] = None,
        memory_limit_gib: float = 8.0,
    ) -> Evaluation:
        """Evaluate ``r_j(x)`` for every coalition and state.

        Args:
            problem: a :class:`Problem`, a spec dict, JSON text or a spec file's path.
            backend: ``"auto"`` (a hardware GPU when there is one, else the
                CPU), ``"cpu"``, ``"gpu"`` or ``"both"`` (both, compared:
                :class:`DisagreeError` beyond ``tolerance``).
            method: ``"auto"`` (the cheapest exact method within its limits,
                else sampling), ``"exact"``, ``"counts"`` (symmetric games)
                or ``"sample"``.
            samples: samples to draw when sampling (default
                :data:`DEFAULT_SAMPLES`).
            seed: seed of the random stream when sampling (default 0; the
                same seed draws the same profiles on both backends).
            tolerance: largest ``|GPU - CPU|`` with ``backend="both"``
                (default :data:`DEFAULT_TOLERANCE`).
            counts: ``"auto"``, ``"direct"`` or ``"fft"``: how the counts
                method sums.
            memory_limit_gib: jobs that need more memory are refused
                (:class:`TooLargeError`) before they start.

        Raises:
            SpecError: the spec is malformed (``.path`` names the value).
            UsageError: an argument has a bad value (``.option`` names it).
            TooLargeError: the job is too large for the method or backend.
            CheckFailedError: the result failed its own checks.
            GpuError: the GPU failed, or there is none for ``backend="gpu"``.
        """
        d = self._native.evaluate(
            _as_problem(problem),
            backend,
            method,
            samples,
            seed,
            tolerance,
            counts,
            memory_limit_gib,
        )
        return Evaluation._from_native(d)

    def security_value(
        self,
        problem: ProblemLike,
        coalition: int = 0,
        against: str = "worst",
        backend: str = "cpu",
        solver: str = "auto",
        spy: Optional[bool] = None,
        max_iterations: Optional[int] = None,
        max_seconds: Optional[float] = None,
    ) -> SecurityValue:
        """The most ``coalition`` can secure (see :class:`SecurityValue`).

        Args:
            backend: where payoffs are computed: ``"cpu"``, ``"gpu"``,
                ``"both"`` (compared) or ``"auto"``. The double oracle's
                share table is always the CPU's f64 (its certificates are
                sums of it); ``"gpu"`` and ``"both"`` check it against the GPU's.
            solver: ``"auto"`` (the dense LP for small or non-symmetric
                games, else the double oracle), ``"dense"`` or ``"double-oracle"``.
            spy: compute :attr:`SecurityValue.spy_value` (default: up to 200 players).
            max_iterations, max_seconds: the double oracle's caps (default
                5000 rounds, 3600 s); at a cap both bounds are returned and
                ``stopped`` says why.
        """
        d = self._native.security_value(
            _as_problem(problem),
            coalition,
            against,
            backend,
            solver,
            spy,
            max_iterations,
            max_seconds,
        )
        return SecurityValue(**d)

    def power_curve(
        self,
        family: str = "plurality",
        players: int = 9,
        actions: int = 3,
        params: Optional[Mapping[str, Any]] = None,
        states: Optional[int] = None,
        seed: Optional[int] = None,
        backend: str = "cpu",
        sizes: Optional[RangeLike] = None,
        solver: str = "auto",
        spy: Optional[bool] = None,
        max_iterations: Optional[int] = None,
        max_seconds: Optional[float] = None,
    ) -> Dict[str, Any]:
        """The power curve v(s): the security value of the first s players
        against the other n - s, beside the theorems' bounds.

        Args:
            family: the game's family.
            players, actions: n and k.
            params: the family's parameters (e.g. ``{"weights": [[1, 2, 3]]}``,
                numpy arrays allowed); without them they are drawn from
                ``seed`` with ``states`` states (plurality has none).
            sizes: the sizes s (``"100..=900..100"``, an int or a list;
                default all, 1..n-1).
            solver, spy, max_iterations, max_seconds: as for
                :meth:`security_value` (``spy`` fills the ``spy`` column).

        Returns:
            columns that ``pandas.DataFrame(...)`` takes directly (numpy
            arrays, and a list for ``solver``): ``size``, ``value`` (the
            certified lower bound with the double oracle), ``upper`` (its
            upper bound, else NaN), ``spy`` (NaN when not computed),
            ``fraction`` (s/n), ``theorem1`` (1 - 1/k for strict majorities
            in the plurality game, else NaN), ``theorem2`` (q/(q+1),
            q = ⌊s/(n-s)⌋ ≥ 1, else NaN), ``strategies`` and ``constraints``
            (the LP's size), ``solver``.
        """
        return self._native.power_curve(
            family,
            players,
            actions,
            params,
            states,
            seed,
            backend,
            sizes,
            solver,
            spy,
            max_iterations,
            max_seconds,
        )

    def power(
        self,
        game: Union[ProblemLike, str] = "plurality",
        players: int = 9,
        actions: int = 3,
        params: Optional[Mapping[str, Any]] = None,
        states: Optional[int] = None,
        seed: Optional[int] = None,
        backend: str = "cpu",
        solver: str = "auto",
        max_iterations: Optional[int] = None,
        max_seconds: Optional[float] = None,
    ) -> Dict[str, Any]:
        """The characteristic function v(S): the security value of every
        coalition S, by its composition (members per role; in a symmetric
        game, its size), and what cooperative game theory reads from it.

        Args:
            game: a problem (a spec's game and roles; its coalitions are
                ignored) as a :class:`Problem`, a spec dict, JSON text or a
                path, or a family's name (text that is neither) with
                ``players``, ``actions``, ``params``, ``states`` and
                ``seed`` as :meth:`power_curve`.
            backend, solver, max_iterations, max_seconds: as for
                :meth:`security_value`.

        Returns:
            ``composition`` (int array, compositions × roles, role 0
            fastest), ``size``, ``value`` (v; the certified lower bound with
            the double oracle), ``upper`` (NaN unless the double oracle
            ran), ``fraction`` (|S|/n), ``solver``; ``roles`` and
            ``role_sizes``; ``shapley`` and ``banzhaf`` (one value per player
            of each role); ``efficiency_error``; ``core``: ``{"empty",
            "allocation" (per player of each role), "least_excess",
            "violated"}``; ``superadditive`` and ``monotone``:
            ``{"checked", "holds", "least_slack", "witness"}``.

        >>> import unitsum_gpu as us
        >>> v = us.power("plurality", players=5, actions=3)
        >>> round(float(v["shapley"][0]), 12), v["core"]["empty"], v["core"]["violated"]
        (0.2, True, [3])
        """
        if not isinstance(game, (Problem, Mapping, str, os.PathLike)):
            raise _native.usage_error(
                "game",
                f"expected a Problem, a spec dict, JSON text, a path or a family's name, "
                f"not {type(game).__name__}",
            )
        # Text that is neither JSON nor an existing file names a family.
        family = isinstance(game, str) and not game.lstrip().startswith("{") and not os.path.exists(game)
        problem = None if family else _as_problem(game)
        return self._native.power(
            problem,
            game if family else "",
            players,
            actions,
            params,
            states,
            seed,
            backend,
            solver,
            max_iterations,
            max_seconds,
        )

    def sweep(
        self,
        preset: Union[str, Mapping[str, Any], "os.PathLike[str]"],
        *,
        players: Optional[RangeLike] = None,
        actions: Optional[RangeLike] = None,
        sizes: str = "majority",
        families: Optional[Union[str, Iterable[str]]] = None,
        games: Optional[int] = None,
        opponents: Optional[Union[str, Iterable[str]]] = None,
        backend: str = "cpu",
        method: str = "auto",
        samples: int = DEFAULT_SWEEP_SAMPLES,
        seed: int = 0,
        tolerance: float = DEFAULT_TOLERANCE,
        shard: Optional[Tuple[int, int]] = None,
    ) -> Sweep:
        """The theorems' sweeps and grids, as an iterator of rows.

        Args:
            preset: ``"theorem1"``, ``"theorem2"``, ``"contexts"`` (Theorem 2
                across two roles: copies by position, by role and translated),
                a grid dict, or the path of a grid file (README, "Sweep grids").
            players, actions: the presets' ranges (``"3..=11"``, ``"101..=301..50"``,
                an integer or a list); defaults as in the CLI.
            sizes: Theorem 1's coalition sizes, ``"majority"`` or ``"all"``.
            families, games: the families and random games per family of
                ``theorem2`` (default: plurality, proportional, congestion,
                anonymous; 2 games) and ``contexts`` (proportional, congestion;
                1 game).
            opponents: ``uniform``, ``pure``, ``common``, ``random:R``, ``worst``
                (default as in the CLI: the library's preset defaults).
            shard: ``(i, n)``: only the points with index ``i mod n``, as the
                CLI's ``--shard I/N`` (for spreading a sweep over workers).

        Returns:
            A :class:`Sweep`: iterating evaluates one point per row, a dict
            with the keys and values of the CLI's ``--format json`` rows
            (``point`` identifies it). ``len()`` is the points left.
        """
        grid: Any = None
        if isinstance(preset, str) and preset in ("theorem1", "theorem2", "contexts"):
            kind = preset
        else:
            kind, grid = "grid", preset
        # The library's defaults (the CLI's): players, actions, families,
        # games, opponents.
        defaults = _native.preset_defaults(kind) or ("", "", "", 1, "")
        default_players, default_actions, default_families, default_games, default_opponents = defaults
        return _native.sweep(
            self._native,
            kind,
            grid,
            _listed(players, default_players),
            _listed(actions, default_actions),
            sizes,
            _listed(default_families if families is None else families, ""),
            default_games if games is None else games,
            _listed(opponents, default_opponents),
            backend,
            method,
            samples,
            seed,
            tolerance,
            shard,
        )

    def check(
        self,
        problem: ProblemLike,
        samples: int = DEFAULT_CHECK_SAMPLES,
        seed: int = 0,
        translate: Optional[Sequence[Sequence[int]]] = None,
    ) -> Dict[str, Any]:
        """Is the game unit-sum, non-negative and symmetric as its roles
        declare (full with one role, within roles otherwise)? Every profile
        where there are few, else ``samples`` random ones.

        Args:
            translate: per role, the permutation from canonical actions to
                the role's actions: also check symmetry in canonical actions
                (players moved between roles with their actions translated).
                Default, as the CLI's: the spec's first translated copy, if any.

        Returns:
            ``{"passed", "coverage", "profiles", "roles", "symmetry",
            "asymmetry", "canonical", "violation"}``: ``symmetry`` is
            ``"full"``, ``"role"`` or ``"none"``; a violation names its
            property, state and profile.
        """
        # The bindings convert the rows, refusing what is not a list of
        # action lists with a UsageError naming ``translate``.
        return self._native.check(_as_problem(problem), samples, seed, translate)

    def devices(self) -> List[Dict[str, Any]]:
        """The GPU adapters wgpu sees, in preference order (the first is the
        one ``backend="gpu"`` uses), with ``name``, ``api``, ``device_type``,
        ``software``, ``driver`` and ``selected``."""
        return self._native.devices()


def _listed(value: Any, default: str) -> Any:
    """A range or list argument, or its default (the native layer checks it)."""
    return default if value is None else value


_default: Optional[Evaluator] = None
_default_lock = threading.Lock()


def _evaluator() -> Evaluator:
    global _default
    if _default is not None:
        return _default
    with _default_lock:
        if _default is None:
            _default = Evaluator()
        return _default


def evaluate(
    problem: ProblemLike,
    backend: str = "auto",
    method: str = "auto",
    samples: Optional[int] = None,
    seed: Optional[int] = None,
    tolerance: Optional[float] = None,
    counts: Optional[str] = None,
    memory_limit_gib: float = 8.0,
) -> Evaluation:
    """:meth:`Evaluator.evaluate` on the module's shared evaluator."""
    return _evaluator().evaluate(
        problem, backend, method, samples, seed, tolerance, counts, memory_limit_gib
    )


def security_value(
    problem: ProblemLike,
    coalition: int = 0,
    against: str = "worst",
    backend: str = "cpu",
    solver: str = "auto",
    spy: Optional[bool] = None,
    max_iterations: Optional[int] = None,
    max_seconds: Optional[float] = None,
) -> SecurityValue:
    """:meth:`Evaluator.security_value` on the module's shared evaluator."""
    return _evaluator().security_value(
        problem, coalition, against, backend, solver, spy, max_iterations, max_seconds
    )


def power_curve(
    family: str = "plurality",
    players: int = 9,
    actions: int = 3,
    params: Optional[Mapping[str, Any]] = None,
    states: Optional[int] = None,
    seed: Optional[int] = None,
    backend: str = "cpu",
    sizes: Optional[RangeLike] = None,
    solver: str = "auto",
    spy: Optional[bool] = None,
    max_iterations: Optional[int] = None,
    max_seconds: Optional[float] = None,
) -> Dict[str, Any]:
    """:meth:`Evaluator.power_curve` on the module's shared evaluator."""
    return _evaluator().power_curve(
        family,
        players,
        actions,
        params,
        states,
        seed,
        backend,
        sizes,
        solver,
        spy,
        max_iterations,
        max_seconds,
    )


def power(
    game: Union[ProblemLike, str] = "plurality",
    players: int = 9,
    actions: int = 3,
    params: Optional[Mapping[str, Any]] = None,
    states: Optional[int] = None,
    seed: Optional[int] = None,
    backend: str = "cpu",
    solver: str = "auto",
    max_iterations: Optional[int] = None,
    max_seconds: Optional[float] = None,
) -> Dict[str, Any]:
    """:meth:`Evaluator.power` on the module's shared evaluator."""
    return _evaluator().power(
        game, players, actions, params, states, seed, backend, solver, max_iterations, max_seconds
    )


def sweep(
    preset: Union[str, Mapping[str, Any], "os.PathLike[str]"],
    *,
    players: Optional[RangeLike] = None,
    actions: Optional[RangeLike] = None,
    sizes: str = "majority",
    families: Optional[Union[str, Iterable[str]]] = None,
    games: Optional[int] = None,
    opponents: Optional[Union[str, Iterable[str]]] = None,
    backend: str = "cpu",
    method: str = "auto",
    samples: int = DEFAULT_SWEEP_SAMPLES,
    seed: int = 0,
    tolerance: float = DEFAULT_TOLERANCE,
    shard: Optional[Tuple[int, int]] = None,
) -> Sweep:
    """:meth:`Evaluator.sweep` on the module's shared evaluator."""
    return _evaluator().sweep(
        preset,
        players=players,
        actions=actions,
        sizes=sizes,
        families=families,
        games=games,
        opponents=opponents,
        backend=backend,
        method=method,
        samples=samples,
        seed=seed,
        tolerance=tolerance,
        shard=shard,
    )


def check(
    problem: ProblemLike,
    samples: int = DEFAULT_CHECK_SAMPLES,
    seed: int = 0,
    translate: Optional[Sequence[Sequence[int]]] = None,
) -> Dict[str, Any]:
    """:meth:`Evaluator.check` on the module's shared evaluator."""
    return _evaluator().check(problem, samples, seed, translate)


def devices() -> List[Dict[str, Any]]:
    """:meth:`Evaluator.devices` on the module's shared evaluator."""
    return _evaluator().devices()
