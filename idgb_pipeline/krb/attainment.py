"""The norm-attainment rule: behaald, op koers, niet op koers or geen data.

This is the reference statement of the rule. The dbt model ``fct_norm_attainment``
computes the same in SQL, and the test suite checks that both agree on every row of
the bundled data.

The path runs in a straight line from the base value in the base year to the target
value in the target year. For a year ``y`` between them::

    path(y) = base + (target - base) * (y - base_year) / (target_year - base_year)

and from the target year on the path is the target itself. Then, in this order:

1. ``geen data``: no actual value for the year.
2. ``behaald``: the comparator is true against the target (``=`` allows ``margin``).
3. ``geen data``: no base value (neither registered nor in the fact table), so no path.
4. ``op koers``: the actual value is at least as good as the path value. For ``<=``
   that is ``actual <= path`` and for ``>=`` it is ``actual >= path``. For ``=`` the
   actual value is no further from the target than the path value (plus the margin).
5. ``niet op koers``: otherwise.
"""

ACHIEVED = "behaald"
ON_COURSE = "op koers"
OFF_COURSE = "niet op koers"
NO_DATA = "geen data"


def path_value(
    base_value: float | None, base_year: int, target_value: float, target_year: int, year: int
) -> float | None:
    """Return the value on the straight path from base to target for the given year."""
    if base_value is None:
        return None
    if year >= target_year:
        return target_value
    # Same operation order as the SQL, so both produce the same floating-point value.
    return base_value + (target_value - base_value) * (year - base_year) / (target_year - base_year)


def meets_target(actual: float, comparator: str, target_value: float, margin: float = 0.0) -> bool:
    """Return whether the actual value satisfies the comparator against the target."""
    if comparator == "<=":
        return actual <= target_value
    if comparator == ">=":
        return actual >= target_value
    if comparator == "=":
        return abs(actual - target_value) <= margin
    raise ValueError(f"Unknown comparator {comparator!r}; expected <=, >= or =")


def is_on_path(
    actual: float, comparator: str, path: float, target_value: float, margin: float = 0.0
) -> bool:
    """Return whether the actual value is at least as good as the path value."""
    if comparator == "<=":
        return actual <= path
    if comparator == ">=":
        return actual >= path
    if comparator == "=":
        return abs(actual - target_value) <= abs(path - target_value) + margin
    raise ValueError(f"Unknown comparator {comparator!r}; expected <=, >= or =")


def attainment_status(
    actual: float | None,
    comparator: str,
    target_value: float,
    path: float | None,
    margin: float = 0.0,
) -> str:
    """Return the Dutch status of one norm × region × year, by the rule in the module docstring."""
    if actual is None:
        return NO_DATA
    if meets_target(actual, comparator, target_value, margin):
        return ACHIEVED
    if path is None:
        return NO_DATA
    if is_on_path(actual, comparator, path, target_value, margin):
        return ON_COURSE
    return OFF_COURSE
