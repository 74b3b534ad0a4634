"""The providers that carry SMS and voice pages, and which of them a page goes through.

A page to a mainland mobile number (+86 1…) read in Chinese goes first through the domestic provider
where one is configured: Twilio cannot carry two-way SMS to +86, and domestic carriers take only
registered templates, which are written in Chinese. Anything else goes through Twilio. A person may
name their own provider in the organisation; it then comes first.

A page whose attempt provably did not reach its provider (refused before acting, unreachable, or
refused outright) goes through the next provider of its route on its next attempt. An attempt whose
outcome is unclear is first settled with the provider it went to, as before: only that provider can
say whether the phone was reached, so a page never goes out twice through two providers.

The carrier budget applies per provider: what one provider sent to a number does not count against
the other's limits, and a provider may add its own (a domestic provider's flow control).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from warning.dispatch.notifier import Notifier
from warning.domain import Channel

MAINLAND_MOBILE = re.compile(r"^\+861[3-9]\d{9}$")
PROVIDER_CHANNELS = (Channel.sms, Channel.voice)


def mainland_chinese(phone: str, language: str) -> bool:
    """A mainland mobile number whose holder reads Chinese: what a domestic provider's templates carry."""
    return language == "zh-CN" and MAINLAND_MOBILE.match(phone) is not None


def anyone(_phone: str, _language: str) -> bool:
    return True


def national(phone: str) -> str:
    """A mainland number as a domestic provider writes it: 13800000001 for +8613800000001."""
    return phone.removeprefix("+86") if phone.startswith("+861") else phone


def international(phone: str) -> str:
    """A number a domestic provider reports (13800000001) as the organisation writes it: +8613800000001."""
    return f"+86{phone}" if len(phone) == 11 and phone.startswith("1") and phone.isdigit() else phone


def out_reference(provider: str, out_id: str) -> str:
    """Our reference for a message a provider accepted under our own id (its `OutId`), which its
    receipts name again: the same whether the send answered or a lookup found it."""
    return f"{provider}-{out_id}"


@dataclass(frozen=True)
class Provider:
    """One provider: its notifiers for SMS and voice, whom it can carry, and the flow control it
    applies to every SMS to one number, over the organisation's carrier budget (count, window)."""

    name: str
    notifiers: Mapping[Channel, Notifier]
    carries: Callable[[str, str], bool] = anyone
    sms_limits: tuple[tuple[int, timedelta], ...] = ()


class Carriers:
    """Providers in order of preference, and the notifiers of channels no provider carries (console,
    webhook). `preferred(person)` is the provider the organisation names for a person, if any."""

    def __init__(
        self,
        providers: Sequence[Provider],
        others: Mapping[Channel, Notifier] | None = None,
        preferred: Callable[[str], str | None] = lambda _person: None,
    ) -> None:
        self.providers = {provider.name: provider for provider in providers}
        self.others = dict(others or {})
        self.preferred = preferred

    @classmethod
    def single(cls, notifiers: Mapping[Channel, Notifier], name: str = "twilio") -> Carriers:
        """One provider carrying SMS and voice, the other channels as they are."""
        carried = {channel: notifier for channel, notifier in notifiers.items() if channel in PROVIDER_CHANNELS}
        others = {channel: notifier for channel, notifier in notifiers.items() if channel not in PROVIDER_CHANNELS}
        return cls([Provider(name, carried)] if carried else [], others)

    def route(self, channel: Channel, phone: str, language: str, person: str) -> list[str]:
        """The providers a page may go through, first choice first (empty for a channel no provider carries)."""
        able = [
            name
            for name, provider in self.providers.items()
            if channel in provider.notifiers and provider.carries(phone, language)
        ]
        chosen = self.preferred(person)
        return sorted(able, key=lambda name: name != chosen)  # stable: the rest keep their order

    def after(self, provider: str, channel: Channel, phone: str, language: str, person: str) -> str | None:
        """The provider the next attempt goes through after one through `provider` failed (round the
        route: back to the first when the last fails), or None when there is no other."""
        route = self.route(channel, phone, language, person)
        if provider not in route or len(route) < 2:
            return None
        return route[(route.index(provider) + 1) % len(route)]

    def is_last(self, provider: str, channel: Channel, phone: str, language: str, person: str) -> bool:
        route = self.route(channel, phone, language, person)
        return not route or route[-1] == provider

    def notifier(self, provider: str | None, channel: Channel) -> Notifier | None:
        if channel not in PROVIDER_CHANNELS:
            return self.others.get(channel)
        carrier = self.providers.get(provider) if provider is not None else None
        return carrier.notifiers.get(channel) if carrier is not None else None

    def sms_limits(self, provider: str | None) -> tuple[tuple[int, timedelta], ...]:
        carrier = self.providers.get(provider) if provider is not None else None
        return carrier.sms_limits if carrier is not None else ()
