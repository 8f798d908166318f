// Interface texts in English and Chinese. Scenario names follow the application list of
// T/CSAE 53-2020 in both languages.

const TEXT = {
  en: {
    title: "roadcloud — zone map",
    connected: "live",
    connecting: "connecting…",
    reconnecting: "reconnecting…",
    participants: "participants",
    intersections: "intersections",
    events: "road events",
    advisoriesPerMin: "advisories / min",
    fps: "fps",
    exposureProtected: "loopback only",
    exposureProtectedTitle: "Unsecured listeners are on this machine's loopback only",
    exposureInsecure: "INSECURE",
    exposureInsecureTitle: "--insecure: open to the network without TLS or authentication:",
    exposureSecured: "TLS · login",
    exposureSecuredTitle: "Devices and operators authenticate; MQTT and the API speak TLS",
    signingRequired: "signed",
    signingRequiredTitle: "Every message must carry a valid IEEE 1609.2 signature (SM2 or ECDSA P-256) under the zone's trust anchors",
    signingAllowUnsigned: "UNSIGNED ALLOWED",
    signingAllowUnsignedTitle: "--allow-unsigned: messages without a signature are admitted, unverified",
    loginTitle: "Log in to roadcloud",
    userName: "User name",
    password: "Password",
    logIn: "Log in",
    loginFailed: "Login failed:",
    showAudit: "changes",
    auditBy: "by",
    auditFrom: "from",
    fit: "Fit zone",
    lang: "中文",
    tabAdvisories: "Advisories",
    tabApps: "Applications",
    tabDevices: "Devices",
    tabMisbehaviour: "Misbehaviour",
    quarantinedNow: "quarantined now",
    priorityFor: "priority for",
    gapMerge: "merging: gap granted",
    gapLaneChange: "changing lane: gap granted",
    laneClosed: "lane closed",
    laneFor: "lane for",
    move_straight: "straight",
    move_left: "left",
    move_right: "right",
    move_u_turn: "U-turn",
    noMisbehaviour: "No misbehaviour reported.",
    action_none: "counted",
    action_flagged: "flagged",
    action_quarantined: "quarantined",
    tabEvents: "Event log",
    tabCharts: "Charts",
    noAdvisories: "No advisories yet.",
    app: "Application",
    enabled: "On",
    sent: "Sent",
    device: "Device",
    kind: "Kind",
    lastSeen: "Last seen",
    rate: "Msg/s",
    rejected: "Rejected",
    status: "Status",
    online: "online",
    offline: "offline",
    filter: "Filter…",
    showAdvisories: "advisories",
    showRoadEvents: "road events",
    showDevices: "devices",
    allScenarios: "all scenarios",
    messageRate: "Messages per second (received, admitted, rejected)",
    latency: "Ingest latency, ms (p50, p99)",
    advisoryRate: "Advisories per second",
    received: "received",
    admitted: "admitted",
    details: "Participant",
    id: "Id",
    type: "Type",
    speed: "Speed",
    heading: "Heading",
    lane: "Lane",
    sources: "Sources",
    recentAdvisories: "Recent advisories",
    none: "none",
    close: "Close",
    ago: "s ago",
    target: "to",
    about: "about",
    ttc: "TTC",
    appeared: "appeared",
    changed: "changed",
    ended: "ended",
    event: "event",
    sign: "sign",
    legendSelf: "self-reported",
    legendRoadside: "roadside-detected",
    legendFused: "fused",
    vehicle: "vehicle",
    pedestrian: "pedestrian",
    cyclist: "cyclist",
    "road-worker": "road worker",
    unknown: "unknown",
    shown: "shown",
    of: "of",
    appSwitchFailed: "Could not switch the application",
  },
  zh: {
    title: "roadcloud — 示范区地图",
    connected: "实时",
    connecting: "连接中…",
    reconnecting: "重新连接中…",
    participants: "交通参与者",
    intersections: "路口",
    events: "道路事件",
    advisoriesPerMin: "预警 / 分钟",
    fps: "帧/秒",
    exposureProtected: "仅本机",
    exposureProtectedTitle: "未加密的监听只在本机回环地址上",
    exposureInsecure: "不安全",
    exposureInsecureTitle: "--insecure：无 TLS、无认证地对网络开放：",
    exposureSecured: "TLS · 登录",
    exposureSecuredTitle: "设备与操作员均须认证；MQTT 与 API 使用 TLS",
    signingRequired: "已签名",
    signingRequiredTitle: "每条消息都须带有本区信任锚下有效的 IEEE 1609.2 签名（SM2 或 ECDSA P-256）",
    signingAllowUnsigned: "允许未签名",
    signingAllowUnsignedTitle: "--allow-unsigned：未签名的消息也被接收，未经验证",
    loginTitle: "登录 roadcloud",
    userName: "用户名",
    password: "密码",
    logIn: "登录",
    loginFailed: "登录失败：",
    showAudit: "变更",
    auditBy: "操作者",
    auditFrom: "来自",
    fit: "显示全区",
    lang: "English",
    tabAdvisories: "预警",
    tabApps: "应用",
    tabDevices: "设备",
    tabMisbehaviour: "异常行为",
    quarantinedNow: "当前隔离",
    priorityFor: "优先通行",
    gapMerge: "协作汇入：已分配间隙",
    gapLaneChange: "协作换道：已分配间隙",
    laneClosed: "车道关闭",
    laneFor: "车道改为",
    move_straight: "直行",
    move_left: "左转",
    move_right: "右转",
    move_u_turn: "掉头",
    noMisbehaviour: "未发现异常行为。",
    action_none: "仅计数",
    action_flagged: "已标记",
    action_quarantined: "已隔离",
    tabEvents: "事件日志",
    tabCharts: "图表",
    noAdvisories: "暂无预警。",
    app: "应用",
    enabled: "启用",
    sent: "已发送",
    device: "设备",
    kind: "类型",
    lastSeen: "最后在线",
    rate: "消息/秒",
    rejected: "拒收",
    status: "状态",
    online: "在线",
    offline: "离线",
    filter: "筛选…",
    showAdvisories: "预警",
    showRoadEvents: "道路事件",
    showDevices: "设备",
    allScenarios: "全部场景",
    messageRate: "每秒消息数（接收、接纳、拒收）",
    latency: "接入时延，毫秒（p50、p99）",
    advisoryRate: "每秒预警数",
    received: "接收",
    admitted: "接纳",
    details: "交通参与者",
    id: "编号",
    type: "类型",
    speed: "速度",
    heading: "航向",
    lane: "车道",
    sources: "数据来源",
    recentAdvisories: "最近预警",
    none: "无",
    close: "关闭",
    ago: "秒前",
    target: "发给",
    about: "涉及",
    ttc: "碰撞时间",
    appeared: "出现",
    changed: "变更",
    ended: "结束",
    event: "事件",
    sign: "标牌",
    legendSelf: "车辆自报",
    legendRoadside: "路侧感知",
    legendFused: "融合",
    vehicle: "机动车",
    pedestrian: "行人",
    cyclist: "骑行者",
    "road-worker": "道路作业人员",
    unknown: "未知",
    shown: "显示",
    of: "/",
    appSwitchFailed: "应用开关操作失败",
  },
};

// The Day-1 applications of T/CSAE 53-2020, named in both languages.
const SCENARIOS = {
  FCW: ["Forward collision warning", "前向碰撞预警"],
  ICW: ["Intersection collision warning", "交叉路口碰撞预警"],
  LTA: ["Left turn assist", "左转辅助"],
  BSW: ["Blind spot warning", "盲区预警"],
  LCW: ["Lane change warning", "变道预警"],
  "BSW/LCW": ["Blind spot / lane change warning", "盲区预警 / 变道预警"],
  DNPW: ["Do not pass warning", "逆向超车预警"],
  EBW: ["Emergency brake warning", "紧急制动预警"],
  AVW: ["Abnormal vehicle warning", "异常车辆提醒"],
  CLW: ["Control loss warning", "车辆失控预警"],
  HLW: ["Hazardous location warning", "道路危险状况提示"],
  SLW: ["Speed limit warning", "限速预警"],
  RLVW: ["Red light violation warning", "闯红灯预警"],
  VRUCW: ["Vulnerable road user collision warning", "弱势交通参与者碰撞预警"],
  GLOSA: ["Green light optimal speed advisory", "绿波车速引导"],
  IVS: ["In-vehicle signage", "车内标牌"],
  TJW: ["Traffic jam warning", "前方拥堵提醒"],
  EVW: ["Emergency vehicle warning", "紧急车辆提醒"],
};

let lang = "en";
try {
  const saved = localStorage.getItem("roadcloud.lang");
  if (saved === "zh" || saved === "en") lang = saved;
  else if ((navigator.language || "").toLowerCase().startsWith("zh")) lang = "zh";
} catch (_) {
  // Storage may be off (private mode): English, or the browser's language next time.
}

/** The current language, `en` or `zh`. */
export function language() {
  return lang;
}

/** Switches the language and re-labels every `data-i18n` element. */
export function setLanguage(l) {
  lang = l === "zh" ? "zh" : "en";
  try {
    localStorage.setItem("roadcloud.lang", lang);
  } catch (_) {
    // Not kept; the switch still applies to this page.
  }
  translatePage();
}

/** The text for `key` in the current language (the key itself when there is none). */
export function t(key) {
  return TEXT[lang][key] ?? TEXT.en[key] ?? key;
}

/** A scenario's name in the current language. */
export function scenarioName(id) {
  const names = SCENARIOS[id];
  return names ? names[lang === "zh" ? 1 : 0] : id;
}

/** Sets the text (or placeholder) of every element marked `data-i18n`. */
export function translatePage() {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  document.title = t("title");
  for (const el of document.querySelectorAll("[data-i18n]")) {
    el.textContent = t(el.dataset.i18n);
  }
  for (const el of document.querySelectorAll("[data-i18n-placeholder]")) {
    el.placeholder = t(el.dataset.i18nPlaceholder);
  }
}
