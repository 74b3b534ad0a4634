// Words of the console in Chinese (the default) and English, and times in the command centre's zone.

const WORDS = {
  "zh-CN": {
    appTitle: "预警指挥台", board: "值班总览", duty: "我的待办", planner: "规划视图", create: "上报事件",
    signIn: "登录", signOut: "退出", user: "用户名", password: "密码", wrongPassword: "用户名或密码错误",
    live: "实时", connecting: "连接中…", disconnected: "连接中断，正在重连", stale: "数据可能已过期",
    heldReleases: "待批准对外发布", releaseToPublic: "批准发布", releasedToPublic: "已对外发布",
    msgType_Alert: "首发", msgType_Update: "更新", msgType_Cancel: "解除",
    openIncidents: "当前预警", none: "暂无", level: "等级", hazard: "灾种", area: "区域", causes: "成因",
    age: "持续", tracks: "部门响应", silenced: "静默中", code: "编号", status: "状态", title: "标题",
    paged: "已通知", ackedBy: "确认人", quorum: "会签", map: "态势图", station: "监测站", stations: "监测站",
    timeline: "时间线", readings: "监测数据", evidence: "证据", actions: "处置", back: "返回",
    acknowledge: "确认", ackFor: "代为确认", escalate: "立即升级", relevel: "调整等级", lift: "解除",
    reassign: "转派", note: "添加备注", repage: "重新通知", handover: "交接", confirm: "确认执行", cancel: "取消",
    willRecord: "将记录", willPage: "将通知", nobodyPaged: "不会通知任何人", reason: "原因", person: "人员",
    department: "部门", tier: "层级", nextStep: "下一步", toTier: "直接升至上级", toDepartment: "指定部门",
    tell: "通知已收到预警的人员", text: "内容", people: "人员（留空：当前步骤已通知的人员）",
    description: "情况描述", source: "来源", callback: "回拨号码", location: "经纬度", submit: "提交",
    created: "已创建", refused: "被拒绝", noAccess: "此角色无此操作", awaiting: "待我部门确认",
    nothingAwaiting: "我部门暂无待确认预警", handoverTo: "交接给", rules: "规则", firings: "24小时触发",
    lastFired: "最近触发", standing: "当前生效", feedHealth: "数据接入", lastReading: "最新读数",
    deadLetters: "无效数据", received: "接收时间", payload: "内容", compound: "组合规则",
    thresholds: "阈值", clearAt: "解除", language: "English", opened: "发生时间", acknowledged: "已确认",
    pages: "通知记录", channel: "方式", preview: "执行前预览", loading: "加载中…", previewFailed: "无法预览",
    hazard_flood: "洪涝", hazard_gas: "燃气", hazard_traffic: "交通", hazard_waterlogging: "内涝",
    hazard_weather: "气象", hazard_fire: "火灾", hazard_compound: "复合",
    status_open: "未确认", status_acknowledged: "已确认", status_lifted: "已解除",
    state_active: "通知中", state_exhausted: "已穷尽", state_acknowledged: "已确认", state_stopped: "已停止",
    channel_sms: "短信", channel_voice: "语音", channel_console: "控制台", channel_webhook: "Webhook",
    source_hotline_12345: "12345热线", source_video_analytics: "视频分析", source_field_report: "现场报告",
    source_another_agency: "其他单位", source_other: "其他",
    level_blue: "蓝色 IV级", level_yellow: "黄色 III级", level_orange: "橙色 II级", level_red: "红色 I级",
    role_dispatcher: "调度员", role_duty_officer: "值班员", role_planner: "规划员", role_administrator: "管理员",
    page_claimed: "待发送", page_sending: "发送中", page_sent: "已发送", page_accepted: "服务商已受理",
    page_queued: "排队中", page_delivered: "已送达", page_undelivered: "未送达", page_failed: "失败",
    page_answered: "已接听", page_completed: "已完成", page_busy: "占线", "page_no-answer": "无人接听", page_canceled: "已取消", page_expired: "已过期",
    page_held: "暂缓", page_suppressed: "已抑制", page_blocked: "已拦截", page_uncertain: "状态未知",
    drill: "演练", minutes: "分", hours: "小时", days: "天", all: "全部", search: "搜索", readOnly: "只读：规划员不能处置实时事件",
  },
  en: {
    appTitle: "Warning console", board: "Board", duty: "Awaiting me", planner: "Planner", create: "Report incident",
    signIn: "Sign in", signOut: "Sign out", user: "User", password: "Password", wrongPassword: "Wrong user or password",
    live: "Live", connecting: "Connecting…", disconnected: "Disconnected, reconnecting", stale: "Data may be stale",
    heldReleases: "Awaiting approval for public release", releaseToPublic: "Release", releasedToPublic: "Released to the public",
    msgType_Alert: "Alert", msgType_Update: "Update", msgType_Cancel: "Cancel",
    openIncidents: "Open incidents", none: "None", level: "Level", hazard: "Hazard", area: "Area", causes: "Causes",
    age: "Age", tracks: "Departments", silenced: "Silenced", code: "Code", status: "Status", title: "Title",
    paged: "Paged", ackedBy: "Acknowledged by", quorum: "Quorum", map: "Map", station: "Station", stations: "Stations",
    timeline: "Timeline", readings: "Readings", evidence: "Evidence", actions: "Actions", back: "Back",
    acknowledge: "Acknowledge", ackFor: "Acknowledge for", escalate: "Escalate now", relevel: "Set level",
    lift: "Lift", reassign: "Reassign", note: "Add note", repage: "Page again", handover: "Hand over",
    confirm: "Confirm", cancel: "Cancel", willRecord: "Will record", willPage: "Will page",
    nobodyPaged: "Nobody will be paged", reason: "Reason", person: "Person", department: "Department",
    tier: "Tier", nextStep: "Next step", toTier: "Straight to a tier", toDepartment: "A department",
    tell: "Tell everyone paged", text: "Text", people: "People (empty: whoever the current steps paged)",
    description: "Description", source: "Source", callback: "Call-back number", location: "Longitude, latitude",
    submit: "Submit", created: "Created", refused: "Refused", noAccess: "Not allowed for this role",
    awaiting: "Awaiting my department", nothingAwaiting: "Nothing awaits my department", handoverTo: "Hand over to",
    rules: "Rules", firings: "Fired (24 h)", lastFired: "Last fired", standing: "Standing", feedHealth: "Feed health",
    lastReading: "Last reading", deadLetters: "Dead letters", received: "Received", payload: "Payload",
    compound: "Compound", thresholds: "Thresholds", clearAt: "clear", language: "中文", opened: "Opened",
    acknowledged: "Acknowledged", pages: "Pages", channel: "Channel", preview: "Before it happens",
    loading: "Loading…", previewFailed: "Cannot preview",
    hazard_flood: "Flood", hazard_gas: "Gas", hazard_traffic: "Traffic", hazard_waterlogging: "Waterlogging",
    hazard_weather: "Weather", hazard_fire: "Fire", hazard_compound: "Compound",
    status_open: "Open", status_acknowledged: "Acknowledged", status_lifted: "Lifted",
    state_active: "paging", state_exhausted: "exhausted", state_acknowledged: "acknowledged", state_stopped: "stopped",
    channel_sms: "SMS", channel_voice: "voice", channel_console: "console", channel_webhook: "webhook",
    source_hotline_12345: "12345 hotline", source_video_analytics: "Video analytics", source_field_report: "Field report",
    source_another_agency: "Another agency", source_other: "Other",
    level_blue: "Blue IV", level_yellow: "Yellow III", level_orange: "Orange II", level_red: "Red I",
    role_dispatcher: "Dispatcher", role_duty_officer: "Duty officer", role_planner: "Planner",
    role_administrator: "Administrator", drill: "drill", minutes: "min", hours: "h", days: "d", all: "All", search: "Search",
    readOnly: "Read only: a planner takes no live actions",
  },
};

export const LEVELS = ["red", "orange", "yellow", "blue"]; // most severe first
// Shapes as well as colours, so that a level reads without colour (and in print).
export const LEVEL_ICON = { red: "◆", orange: "▲", yellow: "●", blue: "■" };

let language = localStorage.getItem("warning.language") || "zh-CN";
let zone = "Asia/Shanghai";

export function currentLanguage() {
  return language;
}

export function setLanguage(value) {
  language = value;
  localStorage.setItem("warning.language", value);
  document.documentElement.lang = value;
}

export function setTimeZone(value) {
  zone = value;
}

// The engine's clock as the page last heard it: a rehearsal's runs faster than the wall, and ages are
// counted on it, not on the browser's clock.
let engineAt = Date.now();
let wallAt = Date.now();
let speed = 1;

export function setEngineClock(nowIso, clockSpeed) {
  engineAt = Date.parse(nowIso);
  wallAt = Date.now();
  speed = clockSpeed;
}

export function engineNow() {
  return engineAt + (Date.now() - wallAt) * speed;
}

export function timeZone() {
  return zone;
}

export function t(key) {
  const words = WORDS[language] || WORDS["zh-CN"];
  if (key in words) return words[key];
  const prefixed = key.indexOf("_");
  return prefixed > 0 ? key.slice(prefixed + 1) : key;
}

// Building a formatter costs far more than using one: one per language, zone and form, kept.
const formatters = new Map();

export function formatTime(iso, withDate = true) {
  if (!iso) return "";
  const key = `${language}|${zone}|${withDate}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    const options = { timeZone: zone, hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false };
    if (withDate) Object.assign(options, { year: "numeric", month: "2-digit", day: "2-digit" });
    formatter = new Intl.DateTimeFormat(language === "en" ? "en-GB" : language, options); // en: day first, 24 h
    formatters.set(key, formatter);
  }
  return formatter.format(new Date(iso));
}

export function formatAge(iso, now = engineNow()) {
  const seconds = Math.max(0, Math.floor((now - Date.parse(iso)) / 1000));
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}${t("minutes")}`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}${t("hours")}${minutes % 60}${t("minutes")}`;
  return `${Math.floor(hours / 24)}${t("days")}`;
}
