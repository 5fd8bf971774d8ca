"""The in-runtime half of the MicroPython test tier (runs inside MicroPython).

The host lists a module's ``test_*`` functions and asks :func:`run` to call
them; each outcome comes back as one line ``\\x02{json}`` that the pytest
plugin (``tests/mp_collect.py``) turns into a pass or a failure.
"""

import io
import json
import sys


def raises(exc_type, fn, *args):
    """Call ``fn(*args)`` and return the ``exc_type`` it must raise."""
    try:
        fn(*args)
    except exc_type as e:
        return e
    raise AssertionError("did not raise " + exc_type.__name__)


def _report(name, error):
    print("\x02" + json.dumps({"name": name, "ok": error is None, "error": error}))


def run(module_name, names):
    """Import ``module_name`` and run each named test, reporting every outcome."""
    try:
        module = __import__(module_name)
    except Exception as e:  # an import failure fails every test of the module
        buf = io.StringIO()
        sys.print_exception(e, buf)
        for name in names:
            _report(name, "import of " + module_name + " failed:\n" + buf.getvalue())
        return
    for name in names:
        try:
            getattr(module, name)()
            _report(name, None)
        except Exception as e:
            buf = io.StringIO()
            sys.print_exception(e, buf)
            _report(name, buf.getvalue())
