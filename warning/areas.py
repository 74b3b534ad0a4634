"""Administrative area codes: GB/T 2260 (2 digits province, 2 city, 2 county or district) and,
below a district, the 12-digit statistical division codes (the county's 6 digits, 3 for the street
or township, 3 for the community or village). Pure functions of the codes: the tree they imply,
and whether one area lies within another.

    370000        Shandong Province
    370100        Jinan City
    370102        Lixia District
    370102001000  a street (街道) of Lixia
    370102001001  a community (社区) of that street
"""

from __future__ import annotations

AREA_CODE_HINT = (
    "a six-digit GB/T 2260 code (370102), or a twelve-digit code for a street or community below a "
    "district (370102001001); quote it in YAML"
)


def normal_area_code(value: str) -> str:
    """The code as the engine keeps it (a 12-digit code of a whole district is its 6 digits), or
    ValueError saying what an area code looks like."""
    if not value.isascii() or not value.isdigit() or len(value) not in (6, 12):
        raise ValueError(f"area code {value[:40]!r} must be {AREA_CODE_HINT}")
    if len(value) == 12 and value.endswith("000000"):
        return value[:6]
    if len(value) == 12 and value[9:] != "000" and value[6:9] == "000":
        raise ValueError(f"area code {value!r}: a community code needs its street's three digits (not 000)")
    return value


def area_prefix(code: str) -> str:
    """The prefix every area inside `code` starts with: 370000 -> 37, 370100 -> 3701, 370102 ->
    370102, 370102001000 -> 370102001, 370102001001 -> 370102001001. A shorter prefix (written as
    a selector: 37, 3701) is kept as it is."""
    if len(code) == 12:
        if code.endswith("000"):
            code = code[:9]
        return code
    while len(code) > 2 and len(code) % 2 == 0 and code.endswith("00"):
        code = code[:-2]
    return code


def within(area: str, scope: str) -> bool:
    """Whether `area` lies in `scope` (itself included): a district in its city, a community in its
    district and street."""
    return area.startswith(area_prefix(scope))


def structural_parent(code: str) -> str | None:
    """The area directly above, read from the code itself: a community's street, a street's district,
    a district's city, a city's province; None above a province."""
    if len(code) == 12:
        return code[:9] + "000" if not code.endswith("000") else code[:6]
    if not code.endswith("00"):
        return code[:4] + "00"
    if not code.endswith("0000"):
        return code[:2] + "0000"
    return None


def level_of(code: str) -> str:
    """province, city, district, street or community."""
    if len(code) == 12:
        return "street" if code.endswith("000") else "community"
    if code.endswith("0000"):
        return "province"
    return "city" if code.endswith("00") else "district"


def narrowed(asked: str | None, own: str) -> str | None:
    """The area prefix a caller of area `own` sees when asking for `asked` (a code or prefix): the
    narrower of the two where one lies in the other; None when they do not meet."""
    own_prefix = area_prefix(own)
    if asked is None:
        return own_prefix
    asked_prefix = area_prefix(asked)
    if asked_prefix.startswith(own_prefix):
        return asked_prefix
    return own_prefix if own_prefix.startswith(asked_prefix) else None
