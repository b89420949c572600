"""What a service certificate (志愿服务证明) says; rendered by `certificate.py`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class ServiceLine:
    """One certified activity on the certificate."""

    day: date
    title: str
    category_name: str
    kind_name: str
    team_name: str
    hours: float


@dataclass(frozen=True)
class CertificateData:
    number: str | None  # e.g. "QS-longquan-2026-000012"; None: not issued yet, a preview
    issued_on: date  # a preview: the day it is read
    volunteer_name: str
    volunteer_number: str  # the volunteer's id in Qise
    period_from: date | None
    period_to: date | None
    total_hours: float  # certified hours only
    lines: list[ServiceLine]
    organisation: str  # e.g. "龙泉社区（城南大支部）"
    person_in_charge: str | None  # 负责人; None leaves a line to sign
    handler: str | None  # 经办人; None leaves a line to sign
    # With the number, what lets anyone check it (GET /certificates/{number}?code=...);
    # None on a preview, which has neither.
    check_code: str | None = None
    verification_url: str | None = None  # absolute: the QR code on the certificate holds it
