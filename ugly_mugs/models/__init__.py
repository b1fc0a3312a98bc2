"""SQLAlchemy models, one module per aggregate. Importing this package registers them all."""

from ugly_mugs.models.alerts import (
    Alert,
    AlertArea,
    AlertMessage,
    CaseNote,
    Delivery,
    DispatchWorker,
    ProjectArea,
    ProjectChannel,
)
from ugly_mugs.models.audit import AuditEntry
from ugly_mugs.models.base import Base
from ugly_mugs.models.consent import ConsentChange
from ugly_mugs.models.erasure import ErasureRequest, PendingErasureKey
from ugly_mugs.models.idempotency import IdempotencyRecord
from ugly_mugs.models.jobs import ScheduledJob
from ugly_mugs.models.keys import GroupKey, RecoveryKey, SealedGroupKey
from ugly_mugs.models.matching import IdentifierIndex, MatchingKeyVersion
from ugly_mugs.models.people import Account, GroupMembership, Project
from ugly_mugs.models.places import Area, PoliceUnit
from ugly_mugs.models.police import PoliceOutcome, PoliceRelease, StaffConsent
from ugly_mugs.models.report import (
    Report,
    ReportCategory,
    ReportSection,
    SealedSectionKey,
)
from ugly_mugs.models.rollup import DayCount
from ugly_mugs.models.sessions import StaffSession
from ugly_mugs.models.settings import SiteSetting
from ugly_mugs.models.subscriptions import Subscription, SubscriptionArea
from ugly_mugs.models.throttle import ThrottleWindow

__all__ = [
    "Account",
    "Alert",
    "AlertArea",
    "AlertMessage",
    "CaseNote",
    "DayCount",
    "Delivery",
    "DispatchWorker",
    "ProjectArea",
    "ProjectChannel",
    "Area",
    "AuditEntry",
    "Base",
    "ConsentChange",
    "ErasureRequest",
    "GroupKey",
    "GroupMembership",
    "IdempotencyRecord",
    "IdentifierIndex",
    "MatchingKeyVersion",
    "PendingErasureKey",
    "PoliceOutcome",
    "PoliceRelease",
    "PoliceUnit",
    "Project",
    "RecoveryKey",
    "Report",
    "ReportCategory",
    "ReportSection",
    "ScheduledJob",
    "SealedGroupKey",
    "SealedSectionKey",
    "SiteSetting",
    "StaffConsent",
    "StaffSession",
    "Subscription",
    "SubscriptionArea",
    "ThrottleWindow",
]
