"""Why a rule moved a warning, in words a duty officer reads, in every language of the catalogue:
{"zh-CN": "小清河滨河桥水位站读数4.31m，达到橙色预警值4.2m", "en": "Xiaoqing River, Riverside Bridge
gauge (HY-370102-01) read 4.31 m, at or above the orange threshold 4.2 m"}.

The English is what the decision log has always said; the Chinese is shorter (no station id, no
spaces), so that a page fits in one SMS segment where it can.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from warning.catalogue import N_, Local, both, clock_time, duration, local_name
from warning.domain import Level, Threshold, level_rank
from warning.rulebook.compiler import CompiledRule, CompiledStation

_SIGNALS = {
    "rate": N_("rate over {over} was {value}{unit}"),
    "sum": N_("sum over {over} was {value}{unit}"),
    "avg": N_("avg over {over} was {value}{unit}"),
    "max": N_("max over {over} was {value}{unit}"),
    "min": N_("min over {over} was {value}{unit}"),
    "count": N_("count over {over} was {value}{unit}"),
}


def signal_unit(rule: CompiledRule) -> str:
    """The unit thresholds are written in, as English writes it after a number: the reading's, per
    hour for a rate, none for a count."""
    return signal_units(rule)["en"]


def signal_units(rule: CompiledRule) -> dict[str, str]:
    """The unit in each language: ' m/h' and 'm/h', ' readings' and '条'."""
    unit = rule.spec.unit or ""
    signal = rule.spec.signal
    if signal is not None and signal.of == "rate":
        unit = f"{unit}/h"
    elif signal is not None and signal.of == "count":
        return {"en": " readings", "zh-CN": "条"}
    return {"en": f" {unit}" if unit else "", "zh-CN": unit}


def station_name(station: CompiledStation) -> dict[str, str]:
    return local_name(station.spec.name, station.spec.name_zh)


def rule_title(rule: CompiledRule) -> dict[str, str]:
    return local_name(rule.spec.title, rule.spec.title_zh)


def level_name(level: Level) -> dict[str, str]:
    return {"en": level.value, "zh-CN": level.zh}


def signal_words(rule: CompiledRule, value: float) -> dict[str, str]:
    """'read 3.62 m' or 'rate over 1h was 0.42 m/h'; '读数3.62m' or '1小时变化率0.42m/h'."""
    signal, unit = rule.spec.signal, signal_units(rule)
    if signal is None:
        return both("read {value}{unit}", value=f"{value:g}", unit=unit)
    return both(_SIGNALS[signal.of], over=duration(signal.over), value=f"{value:.3g}", unit=unit)


def judged(
    rule: CompiledRule, station: CompiledStation, value: float, previous: Level | None, level: Level | None
) -> dict[str, str]:
    """A reading's verdict: the threshold it reached on a rise, or the clear level it passed on a fall."""
    where = {"station": station_name(station), "station_id": station.spec.id, "signal": signal_words(rule, value)}
    by_level: dict[Level, Threshold] = {threshold.level: threshold for threshold in station.thresholds}
    if level is not None and level_rank(level) > level_rank(previous):
        threshold = by_level[level]
        words = {**where, "level": level_name(level), "unit": signal_units(rule)}
        if threshold.rising:
            message = N_("{station} ({station_id}) {signal}, at or above the {level} threshold {threshold}{unit}")
            return both(message, **words, threshold=f"{threshold.above:g}")
        message = N_("{station} ({station_id}) {signal}, at or below the {level} threshold {threshold}{unit}")
        return both(message, **words, threshold=f"{threshold.below:g}")
    if previous is not None:
        threshold = by_level[previous]
        words = {**where, "level": level_name(previous), "unit": signal_units(rule)}
        if threshold.rising:
            message = N_("{station} ({station_id}) {signal}, below the {level} clear level {threshold}{unit}")
            return both(message, **words, threshold=f"{threshold.clear_below:g}")
        message = N_("{station} ({station_id}) {signal}, above the {level} clear level {threshold}{unit}")
        return both(message, **words, threshold=f"{threshold.clear_above:g}")
    return both("{station} ({station_id}) {signal}", **where)


def station_label(station: CompiledStation) -> dict[str, str]:
    """What falls silent: 'Xiaoqing River, East Lock gauge (HY-370102-02)'."""
    return both("{station} ({station_id})", station=station_name(station), station_id=station.spec.id)


def area_label(rule: CompiledRule, area: str) -> dict[str, str]:
    """'every river-stage station in area 370102'."""
    return both("every {rule} station in area {area}", rule={"en": rule.id, "zh-CN": rule_title(rule)["zh-CN"]},
                area=area)  # fmt: skip


def silent(label: Local, heard: datetime | None, after: timedelta) -> dict[str, str]:
    """No reading for longer than the rule allows; `heard` None: nothing since the engine started."""
    since = both("the engine started") if heard is None else _instant(heard)
    return both("no reading from {label} since {since}, longer than {after}", label=label, since=since,
                after=duration(after))  # fmt: skip


def reports_again(station: CompiledStation) -> dict[str, str]:
    return both("{station} ({station_id}) reports again", station=station_name(station), station_id=station.spec.id)


def expired(rule: CompiledRule, station: CompiledStation, since: datetime, until: datetime) -> dict[str, str]:
    """A rule of events: the last event said it ends, and it has."""
    return both("{station} ({station_id}): its {kind} event of {since} expired at {until}",
                station=station_name(station), station_id=station.spec.id, kind=rule.spec.kind,
                since=_instant(since), until=_instant(until))  # fmt: skip


def lapsed(rule: CompiledRule, station: CompiledStation, since: datetime, lapse: timedelta) -> dict[str, str]:
    """A rule of events: nothing heard from the station for `lapse_after`."""
    return both("{station} ({station_id}): no {kind} event since {since}, longer than {lapse}",
                station=station_name(station), station_id=station.spec.id, kind=rule.spec.kind,
                since=_instant(since), lapse=duration(lapse))  # fmt: skip


def _instant(value: datetime) -> dict[str, str]:
    """As the decision log has always written it in English; as a duty officer reads it in Chinese."""
    return {"en": value.isoformat(), "zh-CN": clock_time(value)}
