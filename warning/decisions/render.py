"""The one place a decision becomes words: each event's summary in English and in Chinese, from its
fields. People and departments are named through `Names` (the organisation in force where the text is
read); without it, by their ids, as the stored English summary has them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from warning.decisions.events import (
    AcknowledgementRefusedEvent,
    BudgetHeld,
    CauseAdded,
    CauseChanged,
    CauseCleared,
    DrillGuardBlocked,
    DutyOverridden,
    DutyOverrideEnded,
    EscalatedByHand,
    EscalationExhausted,
    EscalationHastened,
    EscalationNotStarted,
    EscalationReevaluated,
    EscalationResumed,
    EscalationSilenced,
    EscalationStarted,
    EscalationStepTaken,
    EscalationStopped,
    Event,
    Evidence,
    FallbackCallPlaced,
    HandedOver,
    HandoverRefused,
    IncidentAcknowledged,
    IncidentClosed,
    IncidentCreated,
    IncidentDowngraded,
    IncidentLifted,
    IncidentMerged,
    IncidentOpened,
    IncidentReassigned,
    IncidentRelevelled,
    IncidentReopened,
    IncidentUpgraded,
    InputDeadLettered,
    NoteAdded,
    NotificationExpired,
    NotificationFailed,
    NotificationHeldForBundle,
    NotificationReconciled,
    NotificationSent,
    NotificationSilenced,
    NotificationStatusChanged,
    NotificationSuppressed,
    OrganisationLoaded,
    OrganisationReloadRefused,
    PageReplanned,
    PageTaken,
    PublicReleaseApproved,
    PublicReleaseHeld,
    QualityGateFailed,
    QualityGatePassed,
    QuorumProgressed,
    ReadingsRedelivered,
    Repaged,
    RulesReloaded,
    RulesReloadRefused,
    SilenceAdded,
    SilenceExpired,
    SuperiorInformed,
    WebhookReplayed,
)
from warning.domain import Level, hazard_name

LANGUAGES = ("en", "zh-CN")
# Words a Chinese reader reads in place of ids and English keys.
_CHANNEL_ZH = {"sms": "短信", "voice": "电话", "console": "控制台", "webhook": "接口推送"}
_ROLE_ZH = {"duty officer": "值班员", "deputy": "副值班员", "every member": "全体成员", "grid worker": "网格员"}
_KIND_ZH = {"water": "水务", "traffic": "交警", "emergency": "应急管理", "gas": "燃气"}
_STATUS_ZH = {"delivered": "已送达", "undelivered": "未送达", "failed": "失败", "busy": "占线", "no-answer": "无人接听",
              "completed": "已接听", "canceled": "已取消"}  # fmt: skip


def _zh(words: dict[str, str], key: str) -> str:
    return words.get(key, key)


def _in_chinese(evidence: Evidence) -> str:
    """What a detection says in Chinese: the rule's message, else its reason, else the English."""
    return evidence.message.get("zh-CN") or evidence.said.get("zh-CN") or evidence.reason


@dataclass(frozen=True)
class Names:
    """Display names of people and departments, by id; an id not found is shown as itself."""

    people: Mapping[str, str] = field(default_factory=dict)
    departments: Mapping[str, str] = field(default_factory=dict)

    def person(self, person_id: str) -> str:
        return self.people.get(person_id, person_id)

    def department(self, department_id: str) -> str:
        return self.departments.get(department_id, department_id)


_IDS = Names()


def _level(level: Level, zh: bool) -> str:
    return f"{level.zh}（{level.roman}级）" if zh else level.label


def _t(moment: Any) -> str:
    return str(moment.isoformat())


def _paged(paged: list[PageTaken], names: Names, zh: bool) -> str:
    if zh:
        return "、".join(
            f"{'和'.join(_zh(_CHANNEL_ZH, c.value) for c in page.channels)}通知{names.person(page.person)}"
            for page in paged
        )
    return ", ".join(f"{' and '.join(c.value for c in page.channels)} {names.person(page.person)}" for page in paged)


_SKIP_EN = {
    "beyond_top": "no department that many tiers above this incident's; skipped",
    "below_level": "skipped, it applies from {min_level}, the warning is {level}",
    "outside_hours": "skipped, it applies {hours} {zone} time, it is {local} there",
    "nobody_in_role": "{department} has nobody as {role}; no page sent, moving on",
}
_SKIP_ZH = {
    "beyond_top": "本级以上没有该层级的部门，跳过",
    "below_level": "跳过：该步自{min_level}级起适用，当前为{level}",
    "outside_hours": "跳过：该步仅在{zone}时间{hours}适用，当地现在{local}",
    "nobody_in_role": "{department}无人担任{role}，未发送，继续下一步",
}


def _step(event: EscalationStepTaken, names: Names, zh: bool) -> str:
    if zh:
        where = f"策略{event.policy}第{event.step}/{event.steps}步" + (
            f"（第{event.round}轮）" if event.round > 1 else ""
        )
    else:
        where = f"step {event.step} of {event.steps}" + (f", round {event.round}" if event.round > 1 else "")
        where += f" of policy {event.policy}"
    department = names.department(event.department)
    if event.skipped is not None:
        template = (_SKIP_ZH if zh else _SKIP_EN)[event.skipped]
        role = _zh(_ROLE_ZH, event.role) if zh else event.role
        detail = {"department": department, "role": role, **event.skip_detail}
        return f"{event.incident}: {where}: {template.format_map(_Defaulting(detail))}"
    if zh:
        return f"{event.incident}：{where}：{department}{_zh(_ROLE_ZH, event.role)}，{_paged(event.paged, names, zh)}"
    return f"{event.incident}: {where}: {_paged(event.paged, names, zh)}, {event.role} of {department}"


class _Defaulting(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return f"{{{key}}}"


_FAILED_EN = {
    "uncertain": "unclear; will ask the provider before retrying",
    "will_retry": "will retry",
    "gave_up": "giving up after {attempts} attempt(s)",
    "failed_over": "the next attempt goes through {next_provider}",
}
_PROVIDER_ZH = {"twilio": "Twilio", "aliyun": "阿里云"}
_FAILED_ZH = {
    "uncertain": "结果不明，重试前先向服务商查询",
    "will_retry": "将重试",
    "gave_up": "已尝试{attempts}次，放弃",
    "failed_over": "改由{next_provider}重试",
}
_SUPPRESSED_EN = {
    "incident_moved_on": "the warning was {status} during the silence",
    "incident_lifted": "the warning was lifted during the silence",
    "never_told": "they were never told of the warning: the silence covered all of it",
}
_SUPPRESSED_ZH = {
    "incident_moved_on": "静默期间预警已{status}",
    "incident_lifted": "静默期间预警已解除",
    "never_told": "此人从未收到该预警：整个预警都在静默期内",
}
_HASTENED_EN = {
    "asked": "{person} asked to escalate {incident} now",
    "unreachable": "{incident}: {person} could not be reached ({failure}); policy {policy} moves to its next step now",
    "carrier_budget": "{incident}: {person} cannot be paged before {held_until} (carrier budget); policy "
    "{policy} moves to its next step now",
}
_HASTENED_ZH = {
    "asked": "{person}要求立即升级{incident}",
    "unreachable": "{incident}：无法联系{person}（{failure}），策略{policy}立即进入下一步",
    "carrier_budget": "{incident}：{held_until}前无法通知{person}（运营商限额），策略{policy}立即进入下一步",
}


def _hastened(event: EscalationHastened, n: Names) -> dict[str, str]:
    """The fields the hastening templates of both languages fill in."""
    held_until = _t(event.held_until) if event.held_until else ""
    return {"person": n.person(event.person), "incident": event.incident, "policy": event.policy,
            "failure": event.failure or "", "held_until": held_until}  # fmt: skip


def _english(event: Event, n: Names) -> str:
    # One case per kind, in the order of events.py.
    who = n.person(getattr(event, "person", ""))
    match event:
        case InputDeadLettered():
            return f"input from {event.source} set aside: {event.reason}"
        case ReadingsRedelivered():
            more = ", ..." if event.count > len(event.readings) else ""
            return f"{event.count} reading(s) seen before; ignored: {', '.join(event.readings)}{more}"
        case QualityGateFailed():
            effect = "not judged" if event.blocks else "judged as Possible"
            return (
                f"{event.station} failed the quality gate of rule {event.rule} ({'; '.join(event.problems)}); "
                f"its readings are {effect} until they pass again"
            )
        case QualityGatePassed():
            return f"{event.station} passes the quality gate of rule {event.rule} again"
        case OrganisationLoaded():
            return (
                f"organisation {event.version} from {event.source} is in force: {event.departments} departments, "
                f"{event.people} people, {event.policies} policies"
            )
        case OrganisationReloadRefused():
            return (
                f"organisation reload from {event.source} refused, the running one stays in force: "
                f"{len(event.problems)} problem(s)"
            )
        case RulesReloadRefused():
            return f"rule reload refused, the running rules stay in force: {len(event.problems)} problem(s)"
        case RulesReloaded():
            return f"rules reloaded: {len(event.versions)} rule(s) in force"
        case IncidentOpened():
            return f"{event.level.label} {event.hazard} warning {event.incident} opened: {event.evidence.reason}"
        case IncidentUpgraded() | IncidentDowngraded():
            change = "upgraded" if isinstance(event, IncidentUpgraded) else "downgraded"
            return (
                f"warning {event.incident} {change} from {event.from_level.label} to {event.level.label}: "
                f"{event.evidence.reason}"
            )
        case IncidentLifted():
            return f"warning {event.incident} lifted: {event.evidence.reason}"
        case CauseAdded():
            return (
                f"{event.incident} has a new cause ({event.level.value}, rule {event.evidence.rule} at "
                f"{event.evidence.station}), the warning stays {event.incident_level.value}: {event.evidence.reason}"
            )
        case CauseChanged():
            return (
                f"{event.incident}: the cause of rule {event.evidence.rule} at {event.evidence.station} moved from "
                f"{event.from_level.value} to {event.level.value}, the warning stays {event.incident_level.value}: "
                f"{event.evidence.reason}"
            )
        case CauseCleared():
            return (
                f"{event.incident}: the cause of rule {event.evidence.rule} at {event.evidence.station} cleared, "
                f"{event.causes_left} still stand(s) at {event.incident_level.value}: {event.evidence.reason}"
            )
        case IncidentMerged():
            return f"{event.incident} joined {event.into}: its causes are that warning's now, which pages from here on"
        case IncidentCreated():
            return (
                f"{event.by_name} opened {event.level.label} {event.hazard} warning {event.incident} by hand "
                f"({event.source.replace('_', ' ')}): {event.title}"
            )
        case IncidentRelevelled():
            return (
                f"{event.by_name} set {event.incident} from {event.from_level.label} to {event.level.label}: "
                f"{event.reason}"
            )
        case IncidentClosed():
            told = "everyone paged is told" if event.told else "nobody is told"
            return f"{event.by_name} lifted {event.incident} by hand ({told}): {event.reason}"
        case IncidentReassigned():
            return f"{event.by_name} reassigned {event.incident} to {n.department(event.to)}: {event.reason}"
        case EscalatedByHand():
            target = {"next_step": "to the next step", "tier": f"to tier {event.tier}",
                      "department": f"to {n.department(event.department or '')}"}[event.to]  # fmt: skip
            return f"{event.by_name} escalated {event.incident} {target} now"
        case NoteAdded():
            return f"{event.by_name} noted on {event.incident}: {event.text}"
        case Repaged():
            return f"{event.by_name} paged {', '.join(n.person(p) for p in event.people)} again for {event.incident}"
        case DutyOverridden():
            return (
                f"{event.by} put {n.person(event.person)} on duty as {event.role} of {n.department(event.department)} "
                f"until {_t(event.ends_at)}: {event.reason}"
            )
        case DutyOverrideEnded():
            return f"{event.by} ended duty override {event.override}"
        case IncidentAcknowledged():
            how = f"; the quorum of {event.quorum} departments is complete" if event.quorum else ""
            recorded = f" (recorded by {event.by})" if event.by else ""
            return f"{who} acknowledged {event.incident} by {event.source.value}{recorded}{how}"
        case IncidentReopened():
            return f"{event.incident} engages more departments at {event.level.value}: it awaits their acknowledgement"
        case AcknowledgementRefusedEvent():
            return f"acknowledgement of {event.incident} by {who} via {event.source.value} refused: {event.reason}"
        case QuorumProgressed():
            return (
                f"{who} acknowledged {event.incident} by {event.source.value} for "
                f"{n.department(event.department)}; {event.acknowledged} of {event.engaged} departments have "
                f"acknowledged this {event.level.value} warning, still awaiting {', '.join(event.awaiting_kinds)}"
            )
        case HandedOver():
            return f"{who} handed {event.incident} over to {n.person(event.to)}"
        case HandoverRefused():
            return f"hand-over of {event.incident} by {who} to {n.person(event.to)} refused: {event.reason}"
        case EscalationNotStarted():
            if event.cause == "no_policy":
                return (
                    f"no escalation policy covers a {event.level.value} {event.hazard} warning: nobody is paged "
                    f"for {event.incident}; add one to the organisation file"
                )
            return (
                f"policy {event.policy}: no {event.department_kind} department covers area {event.area} or any "
                f"area above it: nobody is paged for {event.incident}"
            )
        case EscalationStarted():
            return (
                f"escalation of {event.incident} follows policy {event.policy}: {event.steps} steps through "
                f"{', '.join(event.departments)}"
            )
        case EscalationStepTaken():
            return _step(event, n, zh=False)
        case EscalationReevaluated():
            return (
                f"{event.incident} is now {event.level.value}: policy {event.policy} pages "
                f"{_paged(event.paged, n, False)} of {n.department(event.department)}"
            )
        case SuperiorInformed():
            return (
                f"{event.incident}: policy {event.policy} informs {n.department(event.department)} of every "
                f"{event.level.value} warning: {who} is told by SMS"
            )
        case EscalationSilenced():
            return (
                f"{event.incident}: the escalation under policy {event.policy} waits until {_t(event.until)} "
                f"(silence {event.silence})"
            )
        case EscalationResumed():
            return (
                f"{event.incident} is now {event.level.value}: no silence covers it, the escalation under policy "
                f"{event.policy} goes on now"
            )
        case EscalationExhausted():
            return (
                f"escalation of {event.incident} under policy {event.policy} exhausted after {event.steps} steps "
                f"with no acknowledgement; the dispatcher must follow up by hand"
            )
        case EscalationHastened():
            return _HASTENED_EN[event.cause].format_map(_hastened(event, n))
        case EscalationStopped():
            why = {"lifted": "warning lifted", "merged": "the warning joined another",
                   "reassigned": "the warning was reassigned"}[event.cause]  # fmt: skip
            return f"escalation of {event.incident} under policy {event.policy} stopped: {why}"
        case FallbackCallPlaced():
            return f"{event.incident}: the SMS page to {who} was {event.failed}: calling instead"
        case DrillGuardBlocked():
            return f"not sent to {who} ({event.phone}): {event.reason}"
        case NotificationHeldForBundle():
            return (
                f"sms {event.purpose.value} to {who} waits until {_t(event.until)} to go with anything "
                f"else due for them by then"
            )
        case PageReplanned():
            moved = "handed on to the next step" if event.to == "next_step" else f"moved to {event.to}"
            return (
                f"{event.channel.value} page to {who} ({event.phone}) {moved}: the carrier would drop it "
                f"until {_t(event.held_until)}"
            )
        case BudgetHeld():
            return (
                f"{event.channel.value} to {who} ({event.phone}) held until {_t(event.until)}: the "
                f"carrier would drop it before then"
            )
        case NotificationSilenced():
            return (
                f"{event.channel.value} {event.purpose.value} to {who} held until {_t(event.until)} "
                f"(silence {event.silence})"
            )
        case NotificationSuppressed():
            why = _SUPPRESSED_EN[event.cause].format(status=event.status)
            return f"{event.channel.value} {event.purpose.value} to {who} not sent: {why}"
        case NotificationSent():
            text = (
                f"{event.channel.value} {event.purpose.value} to {who} ({event.phone}) accepted by "
                f"{event.provider or 'the provider'} as {event.provider_sid}"
            )
            return text + (f" (one message for {event.bundled} notifications)" if event.bundled > 1 else "")
        case NotificationReconciled():
            text = (
                f"{event.channel.value} to {who}: {event.provider or 'the provider'} had it as {event.provider_sid} "
                "after an unclear answer; not sent again"
            )
            return text + (f" (one message for {event.bundled} notifications)" if event.bundled > 1 else "")
        case NotificationFailed():
            outcome = _FAILED_EN[event.outcome].format(attempts=event.attempts, next_provider=event.next_provider)
            through = f" through {event.provider}" if event.provider else ""
            return f"{event.channel.value} to {who}{through} failed ({outcome}): {event.error}"
        case NotificationExpired():
            return (
                f"sms page to {who} not delivered within {event.valid_for_seconds // 60} min of "
                f"acceptance (the provider says {event.provider_status or 'nothing'})"
            )
        case NotificationStatusChanged():
            return f"{event.channel.value} to {who} {event.status}"
        case SilenceAdded():
            return f"{who} added silence {event.silence} from {_t(event.starts_at)} until {_t(event.ends_at)}"
        case SilenceExpired():
            return f"{who} ended silence {event.silence}"
        case WebhookReplayed():
            return f"{event.request} request {event.reference} received again; refused"
        case PublicReleaseHeld():
            return (f"CAP {event.msg_type} {event.identifier} of {event.incident} ({event.level.value}) held for a "
                    "dispatcher's approval before public release")  # fmt: skip
        case PublicReleaseApproved():
            return f"{event.by_name} released {', '.join(event.identifiers)} of {event.incident} to the public"
    raise ValueError(f"no summary for decision kind {event.kind}")


def _chinese(event: Event, n: Names) -> str:
    # One case per kind, in the order of events.py.
    who = n.person(getattr(event, "person", ""))
    channel = _zh(_CHANNEL_ZH, str(getattr(getattr(event, "channel", None), "value", "")))
    hazard = hazard_name(str(getattr(event, "hazard", "")), "zh-CN")
    awaiting = "、".join(_zh(_KIND_ZH, kind) for kind in getattr(event, "awaiting_kinds", []))
    match event:
        case InputDeadLettered():
            return f"来自{event.source}的输入已搁置：{event.reason}"
        case ReadingsRedelivered():
            return f"{event.count}条读数此前已处理，本次忽略"
        case QualityGateFailed():
            effect = "不参与研判" if event.blocks else "按“可能”研判"
            problems = "；".join(event.problems)
            return f"{event.station}未通过规则{event.rule}的数据质量检查（{problems}），恢复前其读数{effect}"
        case QualityGatePassed():
            return f"{event.station}重新通过规则{event.rule}的数据质量检查"
        case OrganisationLoaded():
            return (
                f"组织架构{event.version}（{event.source}）已生效：{event.departments}个部门、{event.people}人、"
                f"{event.policies}条升级策略"
            )
        case OrganisationReloadRefused():
            return f"组织架构重新加载被拒绝（{event.source}），原架构继续生效：{len(event.problems)}个问题"
        case RulesReloadRefused():
            return f"规则重新加载被拒绝，原规则继续生效：{len(event.problems)}个问题"
        case RulesReloaded():
            return f"规则已重新加载：{len(event.versions)}条规则生效"
        case IncidentOpened():
            message = _in_chinese(event.evidence)
            return f"{_level(event.level, True)}{hazard}预警{event.incident}发布：{message}"
        case IncidentUpgraded() | IncidentDowngraded():
            change = "升级" if isinstance(event, IncidentUpgraded) else "降级"
            message = _in_chinese(event.evidence)
            return (
                f"预警{event.incident}由{_level(event.from_level, True)}{change}为{_level(event.level, True)}："
                f"{message}"
            )
        case IncidentLifted():
            return f"预警{event.incident}解除：{event.evidence.said.get('zh-CN') or event.evidence.reason}"
        case CauseAdded():
            message = _in_chinese(event.evidence)
            return (
                f"{event.incident}新增诱因（{_level(event.level, True)}，规则{event.evidence.rule}，"
                f"{event.evidence.station}），预警仍为{_level(event.incident_level, True)}：{message}"
            )
        case CauseChanged():
            message = _in_chinese(event.evidence)
            return (
                f"{event.incident}：规则{event.evidence.rule}在{event.evidence.station}的诱因由"
                f"{_level(event.from_level, True)}变为{_level(event.level, True)}，"
                f"预警仍为{_level(event.incident_level, True)}：{message}"
            )
        case CauseCleared():
            return (
                f"{event.incident}：规则{event.evidence.rule}在{event.evidence.station}的诱因已消除，"
                f"其余{event.causes_left}个诱因仍在，预警为{_level(event.incident_level, True)}"
            )
        case IncidentMerged():
            return f"{event.incident}并入{event.into}：其诱因归入该预警，此后由该预警通知"
        case IncidentCreated():
            return (
                f"{event.by_name}人工发布{_level(event.level, True)}{hazard}预警{event.incident}"
                f"（{_SOURCE_KIND_ZH.get(event.source, event.source)}）：{event.title}"
            )
        case IncidentRelevelled():
            return (
                f"{event.by_name}将{event.incident}由{_level(event.from_level, True)}调整为"
                f"{_level(event.level, True)}：{event.reason}"
            )
        case IncidentClosed():
            told = "已通知所有收到预警的人" if event.told else "未通知他人"
            return f"{event.by_name}人工解除{event.incident}（{told}）：{event.reason}"
        case IncidentReassigned():
            return f"{event.by_name}将{event.incident}改派给{n.department(event.to)}：{event.reason}"
        case EscalatedByHand():
            target = {"next_step": "下一步", "tier": f"第{event.tier}级",
                      "department": n.department(event.department or "")}[event.to]  # fmt: skip
            return f"{event.by_name}将{event.incident}立即升级至{target}"
        case NoteAdded():
            return f"{event.by_name}在{event.incident}中备注：{event.text}"
        case Repaged():
            return f"{event.by_name}再次通知{'、'.join(n.person(p) for p in event.people)}（{event.incident}）"
        case DutyOverridden():
            return (
                f"{event.by}安排{n.person(event.person)}担任{n.department(event.department)}的"
                f"{_zh(_ROLE_ZH, event.role.replace('_', ' '))}至{_t(event.ends_at)}：{event.reason}"
            )
        case DutyOverrideEnded():
            return f"{event.by}结束了值班调整{event.override}"
        case IncidentAcknowledged():
            how = f"；{event.quorum}个部门均已确认" if event.quorum else ""
            recorded = f"（由{event.by}代为记录）" if event.by else ""
            return f"{who}通过{_SOURCE_ZH[event.source.value]}确认了{event.incident}{recorded}{how}"
        case IncidentReopened():
            return f"{event.incident}升为{event.level.zh}后涉及更多部门，等待其确认"
        case AcknowledgementRefusedEvent():
            return f"{who}通过{_SOURCE_ZH[event.source.value]}确认{event.incident}被拒绝：{event.reason}"
        case QuorumProgressed():
            return (
                f"{who}代表{n.department(event.department)}确认了{event.incident}；"
                f"{event.engaged}个部门中{event.acknowledged}个已确认，仍在等待{awaiting}"
            )
        case HandedOver():
            return f"{who}将{event.incident}移交给{n.person(event.to)}"
        case HandoverRefused():
            return f"{who}将{event.incident}移交给{n.person(event.to)}被拒绝：{event.reason}"
        case EscalationNotStarted():
            if event.cause == "no_policy":
                nobody = f"{event.incident}未通知任何人，请在组织架构文件中补充"
                return f"没有升级策略覆盖{event.level.zh}{hazard}预警：{nobody}"
            return (
                f"策略{event.policy}：区域{event.area}及其上级均无{_zh(_KIND_ZH, event.department_kind or '')}部门："
                f"{event.incident}未通知任何人"
            )
        case EscalationStarted():
            return f"{event.incident}按策略{event.policy}升级：共{event.steps}步，经{'、'.join(event.departments)}"
        case EscalationStepTaken():
            return _step(event, n, zh=True)
        case EscalationReevaluated():
            return (
                f"{event.incident}现为{event.level.zh}：策略{event.policy}通知{n.department(event.department)}"
                f" {_paged(event.paged, n, True)}"
            )
        case SuperiorInformed():
            return (
                f"{event.incident}：按策略{event.policy}，{event.level.zh}预警须告知{n.department(event.department)}："
                f"短信告知{who}"
            )
        case EscalationSilenced():
            return f"{event.incident}：策略{event.policy}的升级因静默{event.silence}暂停至{_t(event.until)}"
        case EscalationResumed():
            return f"{event.incident}现为{event.level.zh}，已不在静默范围内：策略{event.policy}的升级继续"
        case EscalationExhausted():
            return f"{event.incident}按策略{event.policy}的{event.steps}步升级均无人确认，请调度员人工跟进"
        case EscalationHastened():
            return _HASTENED_ZH[event.cause].format_map(_hastened(event, n))
        case EscalationStopped():
            why = {"lifted": "预警解除", "merged": "预警已并入其他预警", "reassigned": "预警已改派"}[event.cause]
            return f"{event.incident}按策略{event.policy}的升级已停止：{why}"
        case FallbackCallPlaced():
            return f"{event.incident}：发给{who}的短信{event.failed}，改为电话通知"
        case DrillGuardBlocked():
            return f"未发送给{who}（{event.phone}）：{event.reason}"
        case NotificationHeldForBundle():
            return f"发给{who}的短信等待至{_t(event.until)}，与届时到期的其他通知合并发送"
        case PageReplanned():
            moved = "转入下一步" if event.to == "next_step" else f"改用{event.to}"
            until = _t(event.held_until)
            return f"发给{who}（{event.phone}）的{channel}通知{moved}：运营商在{until}前会拦截"
        case BudgetHeld():
            return f"发给{who}（{event.phone}）的{channel}暂缓至{_t(event.until)}：此前运营商会拦截"
        case NotificationSilenced():
            return f"发给{who}的{channel}通知因静默{event.silence}暂缓至{_t(event.until)}"
        case NotificationSuppressed():
            why = _SUPPRESSED_ZH[event.cause].format(status=event.status)
            return f"发给{who}的{channel}通知未发送：{why}"
        case NotificationSent():
            bundled = f"（一条消息合并{event.bundled}条通知）" if event.bundled > 1 else ""
            to = f"发给{who}（{event.phone}）的{channel}"
            return f"{to}已被{_PROVIDER_ZH.get(event.provider or '', '服务商')}受理，编号{event.provider_sid}{bundled}"
        case NotificationReconciled():
            to = f"发给{who}的{channel}"
            by = _PROVIDER_ZH.get(event.provider or "", "服务商")
            return f"{to}：{by}答复不明后查询，已有记录{event.provider_sid}，不再重发"
        case NotificationFailed():
            outcome = _FAILED_ZH[event.outcome].format(
                attempts=event.attempts, next_provider=_PROVIDER_ZH.get(event.next_provider or "", event.next_provider)
            )
            through = f"经{_PROVIDER_ZH.get(event.provider, event.provider)}" if event.provider else ""
            return f"{through}发给{who}的{channel}失败（{outcome}）：{event.error}"
        case NotificationExpired():
            return (
                f"发给{who}的短信受理后{event.valid_for_seconds // 60}分钟内未送达"
                f"（服务商状态：{event.provider_status or '无'}）"
            )
        case NotificationStatusChanged():
            return f"发给{who}的{channel}状态：{_zh(_STATUS_ZH, event.status)}"
        case SilenceAdded():
            return f"{who}设置静默{event.silence}：{_t(event.starts_at)}至{_t(event.ends_at)}"
        case SilenceExpired():
            return f"{who}结束了静默{event.silence}"
        case WebhookReplayed():
            return f"服务商请求{event.request} {event.reference}重复到达，已拒绝"
        case PublicReleaseHeld():
            return f"{event.incident}的CAP消息{event.identifier}（{event.level.zh}）待调度员批准后对外发布"
        case PublicReleaseApproved():
            return f"{event.by_name}批准对外发布{event.incident}的{'、'.join(event.identifiers)}"
    raise ValueError(f"no summary for decision kind {event.kind}")


_SOURCE_ZH = {"sms_reply": "短信回复", "keypress": "电话按键", "api": "接口", "console": "控制台", "phone": "电话"}
_SOURCE_KIND_ZH = {"hotline_12345": "12345热线", "video_analytics": "视频分析", "field_report": "现场报告",
                   "another_agency": "其他部门通报", "other": "其他"}  # fmt: skip
_RENDERERS: dict[str, Callable[[Event, Names], str]] = {"en": _english, "zh-CN": _chinese}


def summary(event: Event, language: str = "en", names: Names = _IDS) -> str:
    """The event in words, in `language` (en or zh-CN)."""
    return _RENDERERS[language](event, names)
