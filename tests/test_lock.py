"""requirements.lock pins exactly what requirements.txt allows.

requirements.txt holds the ranges a reader edits; requirements.lock (written by ``make lock``) the
exact version of every package of the environment that ``make`` installs. These tests fail when
the two disagree: a range changed without re-locking, a pin edited by hand out of its range, or a
requirement missing from the lock.
"""

import pathlib
import re

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = pathlib.Path(__file__).resolve().parents[1]


def requirements(path):
    """The requirement lines of a pip requirements file, without comments and options."""
    found = []
    for line in (ROOT / path).read_text().splitlines():
        line = line.split(" #")[0].strip()
        if line and not line.startswith(("#", "-")):
            found.append(Requirement(line))
    return found


def pins():
    """{canonical name: version} from requirements.lock, which must pin every line with ==."""
    pinned = {}
    for requirement in requirements("requirements.lock"):
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", f"requirements.lock: {requirement} is not an exact pin"
        pinned[canonicalize_name(requirement.name)] = Version(specifier.version)
    return pinned


def test_the_lock_pins_every_line_exactly_once():
    names = [canonicalize_name(r.name) for r in requirements("requirements.lock")]
    assert names, "requirements.lock is empty"
    assert len(names) == len(set(names)), "a package is pinned twice"
    pins()


@pytest.mark.parametrize("requirement", requirements("requirements.txt"), ids=str)
def test_every_range_is_pinned_inside_itself(requirement):
    pinned = pins()
    name = canonicalize_name(requirement.name)
    assert name in pinned, f"{requirement.name} is in requirements.txt but not in requirements.lock"
    assert requirement.specifier.contains(pinned[name], prereleases=True), (
        f"requirements.lock pins {requirement.name}=={pinned[name]}, outside "
        f"requirements.txt's {requirement.specifier}; run `make lock`")


def test_lossutils_itself_is_not_pinned():
    # The editable install of this repository (-e .) is not a package to download.
    assert "lossutils" not in pins()


def test_the_header_says_how_to_regenerate():
    header = (ROOT / "requirements.lock").read_text().splitlines()[:3]
    assert any(re.search(r"make lock", line) for line in header)


def test_the_oldest_constraints_are_the_lower_bounds():
    """requirements-oldest.txt (``make test-oldest``) pins each package at requirements.txt's
    lower bound, so that the versions said to be supported are the ones tested."""
    bounds = {}
    for requirement in requirements("requirements.txt"):
        lower = [s.version for s in requirement.specifier if s.operator == ">="]
        if lower:
            bounds[canonicalize_name(requirement.name)] = Version(lower[0])
    oldest = requirements("requirements-oldest.txt")
    assert oldest, "requirements-oldest.txt is empty"
    for requirement in oldest:
        (specifier,) = requirement.specifier
        name = canonicalize_name(requirement.name)
        assert specifier.operator == "==", f"requirements-oldest.txt: {requirement} is not a pin"
        assert name in bounds, f"{requirement.name} has no lower bound in requirements.txt"
        assert Version(specifier.version) == bounds[name], (
            f"requirements-oldest.txt tests {requirement.name}=={specifier.version}, but "
            f"requirements.txt's lower bound is {bounds[name]}")
    pyproject = (ROOT / "pyproject.toml").read_text()
    numpy_bound = re.search(r'"numpy>=([^"]+)"', pyproject).group(1)
    assert Version(numpy_bound) == bounds["numpy"], "lossutils' numpy bound is not the tested one"
