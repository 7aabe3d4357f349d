"""The shopper's device type, read from the request's ``User-Agent``: what Personalize's ``context`` carries
as the device (``BFF_RECOMMENDATION_DEVICE_CONTEXT_KEY``).

A small rule rather than a parser library: the user-agent parsers at hand name a device's brand and model
(ua-parser) or are no longer maintained (user-agents), and three classes need only the tokens browsers
have sent for years. In order, first match wins (case-insensitive):

* TABLET: ``iPad``, ``Tablet``, ``Kindle``, ``Silk``, ``PlayBook``, or ``Android`` without ``Mobile``
  (Android phones' browsers send ``Mobile``, tablets' do not);
* MOBILE: ``Mobile``, ``iPhone``, ``iPod``, ``Android``, ``Windows Phone``, ``BlackBerry``, ``Opera Mini``;
* DESKTOP: any other non-empty user agent (iPadOS's Safari asks for desktop sites and says Macintosh: it
  is a DESKTOP here, as the site it asked for).

No user agent at all is no device (None): the context key is then not sent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum


class DeviceType(StrEnum):
    MOBILE = "MOBILE"
    TABLET = "TABLET"
    DESKTOP = "DESKTOP"


_TABLET = re.compile(r"ipad|tablet|kindle|silk|playbook", re.IGNORECASE)
_ANDROID = re.compile(r"android", re.IGNORECASE)
_MOBILE = re.compile(r"mobile|iphone|ipod|android|windows phone|blackberry|opera mini", re.IGNORECASE)
_MOBILE_TOKEN = re.compile(r"mobile", re.IGNORECASE)


def device_type(user_agent: str | None) -> DeviceType | None:
    """The device class of a ``User-Agent`` header (see the module's rule); None without one."""
    if not user_agent or not user_agent.strip():
        return None
    if _TABLET.search(user_agent) or (_ANDROID.search(user_agent) and not _MOBILE_TOKEN.search(user_agent)):
        return DeviceType.TABLET
    if _MOBILE.search(user_agent):
        return DeviceType.MOBILE
    return DeviceType.DESKTOP


def recommendation_context(
    static: Mapping[str, str], device_key: str | None, device: DeviceType | None
) -> tuple[tuple[str, str], ...]:
    """Personalize's ``context`` for one request, as sorted pairs: the configured static keys plus, when a
    device key is configured and the device is known, the device under that key."""
    context = dict(static)
    if device_key and device is not None:
        context[device_key] = device.value
    return tuple(sorted(context.items()))
