"""A MicroPython worker shared by this tier's differential property tests."""

from collections.abc import Iterator

import pytest

from host_tools.micropython import MicroPython


@pytest.fixture(scope="session")
def micropython() -> Iterator[MicroPython]:
    with MicroPython() as mp:
        yield mp
