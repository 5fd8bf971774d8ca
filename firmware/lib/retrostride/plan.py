"""Workout plans (shared/contracts/plan.md, version 1): validate, flatten, load.

The same validator runs on the host (``retrostride plan validate``, deploy) and
on the device (which re-validates its plan file and falls back to a safe
default when it is damaged), so a plan that passes here is one the timer can
run. Every problem is reported as ``"json.path: problem"``.

Extensions
----------
Version 1 forbids unknown keys. A plan that needs more declares it by name in
a top-level ``"extensions"`` list; only the keys of declared extensions are
then accepted:

``caps``
    top-level ``"caps": {"backward_s": S, "backward_steps": N}`` -- the plan
    explicitly allows backward blocks (and continuous backward stretches) up
    to S seconds / N steps, instead of the configured cap. Never above
    ``HARD_BACKWARD_S`` / ``HARD_BACKWARD_STEPS``.
``cues``
    leaf ``"cue": PATTERN`` (a buzz pattern played at the block's start instead
    of the kind's default) and top-level ``"countdown_s"`` (3..5, the warning
    buzz before each change).
``progression``
    top-level ``"progression": {"step_s": S, "max_backward_s": M,
    "max_repeat": R}`` -- how ``retrostride.progression`` may grow the plan.
``backward_clock``
    top-level ``"backward_clock": "wall" | "backward_steps"``; with
    ``"backward_steps"`` a time-counted backward block's clock runs only while
    backward steps are being detected.
"""

try:
    from micropython import const
except ImportError:  # CPython: const() is a plain identity there

    def const(__expr):  # positional-only, like the stub's
        return __expr


import json

from retrostride.events import KINDS
from retrostride.cues import NAMES as PATTERNS

EXTENSIONS = ("caps", "cues", "progression", "backward_clock")
CLOCKS = ("wall", "backward_steps")

DEFAULT_BACKWARD_S = const(60)  # conservative: guidance starts at ~30 s backward
DEFAULT_BACKWARD_STEPS = const(100)  # about 40 s of backward walking
HARD_BACKWARD_S = const(600)  # no plan, whatever it declares, goes past these
HARD_BACKWARD_STEPS = const(1500)
MAX_BLOCK_S = const(10800)  # 3 h
MAX_BLOCK_STEPS = const(30000)
MAX_REPEAT = const(100)
MAX_DEPTH = const(6)
MAX_LEAVES = const(400)  # flattened blocks: bounds the device's memory
MAX_TOTAL_S = const(14400)  # 4 h
MAX_NAME = const(40)
# a stretch of backward ends at a block of something else this long: a 2 s rest
# between two 60 s backward blocks is one run of 120 s
RECOVER_S = const(15)
RECOVER_STEPS = const(30)

_TOP_KEYS = ("version", "name", "blocks", "extensions")
_EXT_TOP = {
    "caps": ("caps",),
    "cues": ("countdown_s",),
    "progression": ("progression",),
    "backward_clock": ("backward_clock",),
}


class PlanError(ValueError):
    """A plan that cannot be used; ``problems`` lists each ``path: problem``."""

    def __init__(self, problems):
        super().__init__("invalid plan: " + "; ".join(problems))
        self.problems = problems


def _is_int(v):
    return type(v) is int


def extensions(obj):
    """The extension names a (valid) plan declares."""
    ext = obj.get("extensions", ()) if isinstance(obj, dict) else ()
    return ext if isinstance(ext, list) else ()


def caps(obj, cap_s=None, cap_steps=None):
    """``(backward_s, backward_steps)`` caps in force for ``obj``.

    The configured cap (``cap_s``/``cap_steps``, conservative defaults) holds
    unless the plan declares the ``caps`` extension, which then sets them
    explicitly (bounded by the hard limits).
    """
    cs = DEFAULT_BACKWARD_S if cap_s is None else cap_s
    cn = DEFAULT_BACKWARD_STEPS if cap_steps is None else cap_steps
    if "caps" in extensions(obj):
        c = obj.get("caps")
        if isinstance(c, dict):
            v = c.get("backward_s")
            if type(v) is int and 0 < v <= HARD_BACKWARD_S:
                cs = v
            v = c.get("backward_steps")
            if type(v) is int and 0 < v <= HARD_BACKWARD_STEPS:
                cn = v
    return cs, cn


def _int_in(out, path, v, lo, hi):
    if not _is_int(v):
        out.append(path + ": must be an integer")
        return False
    if v < lo:
        out.append(path + ": must be >= " + str(lo) if lo != 1 else path + ": must be > 0")
        return False
    if v > hi:
        out.append(path + ": must be <= " + str(hi))
        return False
    return True


def _check_caps(out, c):
    if not isinstance(c, dict):
        out.append("caps: must be an object")
        return
    if not c:
        out.append("caps: must set backward_s and/or backward_steps")
    for k in c:
        if k == "backward_s":
            _int_in(out, "caps.backward_s", c[k], 1, HARD_BACKWARD_S)
        elif k == "backward_steps":
            _int_in(out, "caps.backward_steps", c[k], 1, HARD_BACKWARD_STEPS)
        else:
            out.append("caps." + str(k) + ": unknown key")


def _check_progression(out, p, cap_s):
    if not isinstance(p, dict):
        out.append("progression: must be an object")
        return
    for k in p:
        path = "progression." + str(k)
        if k == "step_s":
            _int_in(out, path, p[k], 5, 60)
        elif k == "max_backward_s":
            _int_in(out, path, p[k], 1, cap_s)
        elif k == "max_repeat":
            _int_in(out, path, p[k], 1, 20)
        else:
            out.append(path + ": unknown key")


def _check_blocks(out, path, blocks, ext, depth):
    """Check a ``blocks`` list; returns the number of leaves it expands to."""
    if not isinstance(blocks, list):
        out.append(path + ": must be a list")
        return 0
    if not blocks:
        out.append(path + ": must not be empty")
        return 0
    total = 0
    for i in range(len(blocks)):
        total += _check_block(out, path + "[" + str(i) + "]", blocks[i], ext, depth)
    return total


def _check_block(out, path, b, ext, depth):
    if not isinstance(b, dict):
        out.append(path + ": must be an object")
        return 0
    if "repeat" in b:
        for k in b:
            if k not in ("repeat", "blocks"):
                if k in ("kind", "seconds", "steps"):
                    out.append(path + "." + str(k) + ": not allowed in a repeat block")
                else:
                    out.append(path + "." + str(k) + ": unknown key")
        if depth >= MAX_DEPTH:
            out.append(path + ": repeats nest deeper than " + str(MAX_DEPTH))
            return 0
        ok = _int_in(out, path + ".repeat", b["repeat"], 1, MAX_REPEAT)
        if "blocks" not in b:
            out.append(path + ".blocks: missing")
            return 0
        n = _check_blocks(out, path + ".blocks", b["blocks"], ext, depth + 1)
        return n * b["repeat"] if ok else n
    allowed = ("kind", "seconds", "steps", "cue") if "cues" in ext else ("kind", "seconds", "steps")
    for k in b:
        if k not in allowed:
            if k == "blocks":
                out.append(path + ".blocks: only a repeat block has blocks")
            elif k == "cue":
                out.append(path + ".cue: unknown key (declare the 'cues' extension)")
            else:
                out.append(path + "." + str(k) + ": unknown key")
    kind = b.get("kind")
    if kind is None:
        out.append(path + ".kind: missing")
    elif kind not in KINDS:
        out.append(path + ".kind: must be one of " + ", ".join(KINDS))
    has_s = "seconds" in b
    has_n = "steps" in b
    if has_s and has_n:
        out.append(path + ": give seconds or steps, not both")
    elif not has_s and not has_n:
        out.append(path + ": needs seconds or steps")
    elif has_s:
        _int_in(out, path + ".seconds", b["seconds"], 1, MAX_BLOCK_S)
    else:
        _int_in(out, path + ".steps", b["steps"], 1, MAX_BLOCK_STEPS)
    if "cue" in b and "cues" in ext and b["cue"] not in PATTERNS:
        out.append(path + ".cue: must be a buzz pattern name")
    return 1


def _leaves(blocks, path, out):
    """Leaf blocks with their JSON paths, repeats expanded (input already checked)."""
    for i in range(len(blocks)):
        b = blocks[i]
        p = path + "[" + str(i) + "]"
        if "repeat" in b:
            for _ in range(b["repeat"]):
                _leaves(b["blocks"], p + ".blocks", out)
        else:
            out.append((p, b))
    return out


def validate(obj, cap_s=None, cap_steps=None):
    """Every problem with ``obj`` as ``"json.path: problem"``; empty if it is valid.

    ``cap_s``/``cap_steps`` are the configured caps on one backward stretch;
    a plan above them is rejected unless it declares the ``caps`` extension.
    """
    out = []
    if not isinstance(obj, dict):
        return ["$: a plan must be a JSON object"]
    v = obj.get("version")
    if v is None:
        out.append("version: missing")
    elif not _is_int(v) or v != 1:
        out.append("version: must be 1")
    name = obj.get("name")
    if name is None:
        out.append("name: missing")
    elif not isinstance(name, str) or not name.strip():
        out.append("name: must be a non-empty string")
    elif len(name) > MAX_NAME:
        out.append("name: longer than " + str(MAX_NAME) + " characters")
    ext = []
    if "extensions" in obj:
        e = obj["extensions"]
        if not isinstance(e, list):
            out.append("extensions: must be a list of names")
        else:
            for i in range(len(e)):
                if e[i] not in EXTENSIONS:
                    out.append(
                        "extensions["
                        + str(i)
                        + "]: unknown extension (known: "
                        + ", ".join(EXTENSIONS)
                        + ")"
                    )
                elif e[i] in ext:
                    out.append("extensions[" + str(i) + "]: declared twice")
                else:
                    ext.append(e[i])
    for k in obj:
        if k in _TOP_KEYS:
            continue
        owner = None
        for x in EXTENSIONS:
            if k in _EXT_TOP[x]:
                owner = x
        if owner is None:
            out.append(str(k) + ": unknown key")
        elif owner not in ext:
            out.append(str(k) + ": unknown key (declare the '" + owner + "' extension)")
    if "caps" in ext:
        if "caps" in obj:
            _check_caps(out, obj["caps"])
        else:
            out.append("caps: missing (the 'caps' extension is declared)")
    cs, cn = caps(obj, cap_s, cap_steps)
    if "countdown_s" in obj and "cues" in ext:
        _int_in(out, "countdown_s", obj["countdown_s"], 3, 5)
    if "progression" in obj and "progression" in ext:
        _check_progression(out, obj["progression"], cs)
    if "backward_clock" in ext and obj.get("backward_clock", "wall") not in CLOCKS:
        out.append("backward_clock: must be one of " + ", ".join(CLOCKS))
    if "blocks" not in obj:
        out.append("blocks: missing")
        return out
    before = len(out)
    n = _check_blocks(out, "blocks", obj["blocks"], ext, 0)
    if len(out) != before:
        return out
    if n > MAX_LEAVES:
        out.append("blocks: expands to " + str(n) + " blocks, more than " + str(MAX_LEAVES))
        return out
    _check_flat(out, _leaves(obj["blocks"], "blocks", []), cs, cn)
    return out


def _check_flat(out, leaves, cap_s, cap_steps):
    """Caps on continuous backward stretches and the plan's total length.

    A stretch runs on over blocks of something else shorter than ``RECOVER_S``
    (``RECOVER_STEPS``), and its seconds and steps count together, each as its share
    of its cap: 55 s and then 95 steps is over a 60 s / 100 step cap."""
    total = 0
    run_s = 0
    run_n = 0
    bridged = False  # the stretch runs over a short stop
    seen = {}
    for path, b in leaves:
        s = b.get("seconds", 0)
        n = b.get("steps", 0)
        total += s
        if b["kind"] == "backward":
            run_s += s
            run_n += n
            if run_s * cap_steps + run_n * cap_s > cap_s * cap_steps and path not in seen:
                seen[path] = 1
                out.append(path + ": " + _over(run_s, run_n, cap_s, cap_steps, bridged))
        elif s >= RECOVER_S or n >= RECOVER_STEPS:
            run_s = 0
            run_n = 0
            bridged = False
        elif run_s or run_n:
            bridged = True
    if total > MAX_TOTAL_S:
        out.append("blocks: " + str(total) + " s in all, more than " + str(MAX_TOTAL_S))


def _over(run_s, run_n, cap_s, cap_steps, bridged):
    if not run_n:
        why = str(run_s) + " s of continuous backward is above the cap of " + str(cap_s)
    elif not run_s:
        why = str(run_n) + " continuous backward steps is above the cap of " + str(cap_steps)
    else:
        why = (
            str(run_s) + " s and " + str(run_n) + " steps of continuous backward are above"
            " the caps of " + str(cap_s) + " s and " + str(cap_steps) + " steps together"
        )
    if bridged:
        why += " (a stop under " + str(RECOVER_S) + " s does not end it)"
    return why + " (declare the 'caps' extension to allow it)"


def flatten(obj):
    """Leaf blocks in order, repeats expanded: ``[(kind, seconds, steps), ...]``.

    Exactly one of seconds/steps is non-zero. ``obj`` must be valid.
    """
    out = []
    for _, b in _leaves(obj["blocks"], "blocks", []):
        out.append((b["kind"], b.get("seconds", 0), b.get("steps", 0)))
    return out


def cues(obj):
    """Per leaf (flattened order) the cue pattern the plan sets, or None."""
    return [b.get("cue") for _, b in _leaves(obj["blocks"], "blocks", [])]


def load(text, cap_s=None, cap_steps=None):
    """Parse and validate a plan's JSON text; raise :class:`PlanError` if unusable."""
    try:
        obj = json.loads(text)
    except ValueError as e:
        raise PlanError(["$: not valid JSON (" + str(e) + ")"]) from None
    problems = validate(obj, cap_s, cap_steps)
    if problems:
        raise PlanError(problems)
    return obj


def load_or_default(text, cap_s=None, cap_steps=None):
    """The plan in ``text``, or the safe default and why: ``(obj, problem_or_None)``.

    The device calls this on its plan file so a damaged file never stops a
    session; the app logs the problem.
    """
    from retrostride.default_plan import PLAN

    if text is None:
        return PLAN, "no plan file"
    try:
        return load(text, cap_s, cap_steps), None
    except PlanError as e:
        return PLAN, str(e)
