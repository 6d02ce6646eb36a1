// What every page shares: the API client (JSON over HTTP/1.1, bearer token), sign-in, the language switch,
// the watermark, the connection banner, error messages that say what to do, and words for times and codes.
import { LABELS } from './labels.js';

const TOKEN = 'dispatch.token';
const USER = 'dispatch.user';
const LANG = 'dispatch.lang';

const texts = {
  'zh-CN': {
    'app.title': '一网统管',
    'sign.in': '登录',
    'sign.out': '退出',
    'user.id': '用户名',
    password: '密码',
    'sign.wrong': '用户名或密码错误。',
    language: 'English',
    'language.label': '切换到英文',
    'conn.ok': '已连接',
    'conn.lost': '连接中断，正在重连…',
    'conn.offline': '离线：操作将在恢复网络后同步',
    'err.401': '登录已过期，请重新登录。',
    'err.403': '您的角色无权执行此操作。',
    'err.404': '案件不存在或不在您的范围内。',
    'err.400': '输入有误，请检查后重试。',
    'err.400.field': '请检查：',
    'err.412': '案件当前状态不允许此操作，请刷新后再试。',
    'err.409': '案件已被他人更新，请刷新后再试。',
    'err.429': '操作过于频繁，请稍后再试。',
    'err.503': '服务暂时不可用，请稍后重试。',
    'err.500': '服务出错，请稍后重试。',
    'err.net': '网络不可用，请检查网络后重试。',
    loading: '加载中…',
    refresh: '刷新',
    none: '暂无',
    'no.match': '没有符合条件的案件',
    hours: '小时',
    minutes: '分',
    days: '天',
    due: '剩余',
    overdue: '已超期',
    ago: '前',
    'just.now': '刚刚',
    metres: '米',
    kilometres: '公里',
    cases: '件',
    'count.of': '共',
    // console
    'console.title': '调度台',
    queue: '案件队列',
    search: '案件编号（或尾号）、描述、类型、街镇',
    'search.label': '搜索案件',
    'all.states': '全部状态',
    'all.scenarios': '全部场景',
    'all.streets': '全部街镇',
    'all.priorities': '全部等级',
    'all.units': '全部单位',
    'overdue.only': '仅超期',
    'filter.state': '状态',
    'filter.scenario': '场景',
    'filter.street': '街镇',
    'filter.priority': '等级',
    'filter.unit': '单位',
    'new.arrivals': '{n} 条新案件，按 N 查看',
    'keys.hint': '↑↓ 选择 · 回车键打开 · F 立案 · D 派遣 · C 改类 · U 催办 · N 查看新案件 · / 搜索编号',
    map: '区域地图',
    heat: '热力',
    'heat.off': '不显示热力',
    'heat.kind': '热力类别',
    'heat.period': '时段',
    'period.open': '当前未结',
    'period.1d': '近 24 小时',
    'period.7d': '近 7 天',
    'period.30d': '近 30 天',
    'heat.legend': '案件密度',
    'heat.low': '少',
    'heat.high': '多',
    'map.unavailable': '此浏览器无法显示地图（需要 WebGL）。',
    'map.approximate': '街镇边界与道路水系为示意，非测绘成果',
    workers: '处置人员',
    detail: '案件详情',
    timeline: '时间轴',
    alerts: '告警与证据',
    number: '编号',
    state: '状态',
    street: '街镇',
    description: '描述',
    reporter: '上报人',
    priority: '等级',
    channel: '渠道',
    type: '类型',
    'reported.at': '上报时间',
    'photo.full': '查看原图',
    frame: '告警画面',
    'evidence.photo': '处置照片',
    file: '立案',
    dismiss: '不予立案',
    merge: '合并',
    dispatch: '派遣',
    extend: '延期',
    defer: '挂账',
    resume: '恢复',
    approve: '审核通过（结案）',
    rework: '退回返工',
    reopen: '重新打开',
    note: '备注',
    done: '已完成',
    'lead.unit': '主办单位',
    'co.units': '协办单位',
    worker: '处置人员',
    reason: '原因',
    confirm: '确定',
    cancel: '取消',
    rating: '评价（1–5）',
    comment: '评语',
    into: '合并到案件编号',
    extra: '延长多少',
    'extra.unit': '单位',
    'extra.m': '分钟',
    'extra.h': '小时',
    'extra.wh': '工作小时',
    'extra.wd': '工作日',
    ground: '理由类别',
    recommended: '推荐',
    'open.tasks': '在办',
    away: '距离',
    deferred: '挂账中',
    confidence: '置信度',
    buckets: '待办分类',
    'bucket.dispatch': '立案待派',
    'bucket.report': '上报待立案',
    'bucket.returned': '退单',
    'bucket.review': '待核查',
    'bucket.warned': '临近超时',
    'in.bucket': '{bucket} 共 {n} 件',
    'queue.empty': '此类暂无待办案件',
    found: '找到 {n} 件',
    arrived: '{n} 条新案件',
    'load.more': '加载更多',
    lead: '主办',
    'co.unit': '协办',
    'units.progress': '各单位处置进度',
    'photos.before.after': '处置照片（点击看原图）',
    'rating.given': '评价',
    photos: '照片 {n} 张',
    'machine.dispatch': '系统自动派遣',
    'source.ref': '外部工单号',
    'route.units': '承办单位与人员',
    'co.units.wait': '有协办单位时，须主办与每个协办单位都反馈处置结果，案件才进入核查；未勾选的协办单位不参与。',
    'type.priority': '按类型默认等级',
    'reclassify.hint': '改类后各环节时限按新类型重新计算，并按新类型的立案和派遣规则处理。',
    'recall.hint': '撤回主办单位即撤回整个派遣，案件回到待派遣。',
    'to.unit': '改派到单位',
    'worker.optional': '指定人员（选填，账号）',
    'all.open.units': '所有未完成单位',
    'urge.text': '催办内容',
    'open.tasks.n': '在办 {n} 件',
    'no.fix.known': '位置未知',
    'heat.all': '全部案件',
    intake: '受理登记',
    'street.from.place': '按地址或地图位置确定',
    locate: '定位',
    'pick.on.map': '输入地址后点“定位”，或在地图上点选位置',
    'picked.on.map': '已在地图上选点',
    located: '已按地址定位',
    'not.located': '未能定位此地址，请在地图上点选',
    caller: '来电人',
    'personal.data': '（个人信息，按权限脱敏显示）',
    'caller.name': '姓名',
    'caller.phone': '联系电话',
    'urgent.p1': '紧急：按生命安全类（特急）处置',
    duplicates: '附近同类未结案件（可能为重复件）',
    'duplicates.need.place': '选择类型并给出位置或街镇后，显示附近同类案件',
    'no.duplicates': '附近没有同类未结案件',
    'join.duplicate': '作为重复件并入此案',
    'intake.create': '登记为新案件',
    'duplicate.reason': '重复件：受理时并入',
    joined: '已并入 {number}',
    created: '已登记 {number}',
    drill: '评效下钻：{from} 至 {to} 上报的案件',
    'drill.clear': '回到待办队列',
    // field
    'field.title': '我的任务',
    accept: '签收',
    return: '退单',
    arrive: '到达现场',
    submit: '提交处置结果',
    photo: '现场照片',
    'photo.required': '照片必填',
    'photo.optional': '照片（选填）',
    'photo.take': '拍照或选择照片',
    'result.note': '处置说明',
    waiting: '待同步',
    synced: '已同步',
    'sync.failed': '同步失败',
    back: '返回任务列表',
    submitted: '已提交，等待核查',
    address: '地址',
    distance: '距您',
    navigate: '导航',
    'nav.geo': '地图应用',
    'nav.amap': '高德地图',
    'nav.baidu': '百度地图',
    'no.fix': '未能获取手机定位，本次不附带位置。',
    'fix.pending': '正在获取手机定位…',
    'fix.ok': '已附带手机定位',
    'storage.full': '手机存储已满，操作未能保存，请联网后重试。',
    'return.reason': '退单原因',
    'task.state': '任务状态',
    deadline: '时限',
    'new.task': '新任务：{what}',
    'duty.status': '在岗状态',
    'duty.off.none': '离岗时不发送位置',
    'duty.fix': '在岗：每 5 秒发送手机定位（精度约 {m} 米）',
    'duty.no.fix': '在岗，但手机没有定位：不发送位置',
    'report.new': '上报问题',
    'report.position': '提交时附带手机自身的定位（必需）',
    'report.send': '提交上报',
    'report.done': '已上报，案件编号 {number}',
    'handover.to': '转交给本单位人员',
    handover: '转交',
    'handover.reason': '单位值班员转交',
    'handover.done': '已转交',
    // the inbox (通知), on the console and the field page
    inbox: '通知',
    'inbox.unread': '通知 {n} 条未读',
    'inbox.title': '我的通知',
    'inbox.empty': '暂无通知',
    'inbox.ack': '确认收到',
    'inbox.acked': '已确认',
    'inbox.needs.ack': '需确认',
    'inbox.unread.mark': '未读',
    'inbox.read.all': '全部标为已读',
    'inbox.close': '关闭',
    'inbox.case': '案件',
    'inbox.system.enable': '开启系统通知',
    'inbox.system.on': '页面在后台时，紧急和特急通知以系统通知提醒',
    'inbox.system.denied': '浏览器已阻止本站的系统通知，可在浏览器设置中开启',
    'inbox.system.body': '{urgency} · 案件 {number}',
    // audit
    'audit.title': '一网评效',
    from: '开始日期',
    to: '结束日期',
    by: '分组',
    figures: '评价指标',
    ranking: '单位排名',
    trend: '趋势',
    export: '导出表格',
    total: '合计',
    grade: '等级',
    score: '综合得分',
    rank: '名次',
    'by.Unit': '按单位',
    'by.Street': '按街镇',
    'by.Scenario': '按场景',
    'by.Channel': '按渠道',
    'by.Priority': '按等级',
    'too.few': '样本不足',
    'min.sample': '案件少于 {n} 件的单位不评级',
    'vs.previous': '较上期',
    previous: '上期',
    'cases.link': '查看案件',
    unit: '单位',
    name: '名称',
    'trend.table': '趋势明细',
    day: '日期',
    // overview (wall screen)
    'overview.title': '一屏观全域',
    open: '在办',
    'overdue.count': '超期',
    p1: '特急',
    'by.street': '各街镇',
    'by.scenario': '各场景',
    devices: '感知设备',
    'devices.offline': '离线设备',
    'devices.online': '在线设备',
    'devices.noisy': '告警最多的设备',
    today: '今日',
    yesterday: '昨日',
    reported: '上报',
    closed: '结案',
    'urgent.newest': '最新紧急案件',
    updated: '更新于',
    'devices.reporting': '今日有告警的设备',
  },
  en: {
    'app.title': 'One Network',
    'sign.in': 'Sign in',
    'sign.out': 'Sign out',
    'user.id': 'User',
    password: 'Password',
    'sign.wrong': 'Wrong user or password.',
    language: '中文',
    'language.label': 'Switch to Chinese',
    'conn.ok': 'Connected',
    'conn.lost': 'Connection lost, reconnecting…',
    'conn.offline': 'Offline: actions will sync when the network is back',
    'err.401': 'Your sign-in has expired. Please sign in again.',
    'err.403': 'Your role may not do this.',
    'err.404': 'No such incident within your scope.',
    'err.400': 'Please check what you entered and try again.',
    'err.400.field': 'Please check: ',
    'err.412': "The incident's state does not allow this now. Refresh and try again.",
    'err.409': 'Someone else changed the incident. Refresh and try again.',
    'err.429': 'Too many requests. Try again shortly.',
    'err.503': 'The service is unavailable. Try again shortly.',
    'err.500': 'The service failed. Try again shortly.',
    'err.net': 'No network. Check the connection and try again.',
    loading: 'Loading…',
    refresh: 'Refresh',
    none: 'None',
    'no.match': 'No incident matches',
    hours: 'h',
    minutes: 'min',
    days: 'd',
    due: 'due in',
    overdue: 'overdue by',
    ago: 'ago',
    'just.now': 'just now',
    metres: 'm',
    kilometres: 'km',
    cases: 'cases',
    'count.of': 'of',
    'console.title': 'Dispatch console',
    queue: 'Queue',
    search: 'Number (or its last digits), description, type, street',
    'search.label': 'Search incidents',
    'all.states': 'All states',
    'all.scenarios': 'All scenarios',
    'all.streets': 'All streets',
    'all.priorities': 'All priorities',
    'all.units': 'All units',
    'overdue.only': 'Overdue only',
    'filter.state': 'State',
    'filter.scenario': 'Scenario',
    'filter.street': 'Street',
    'filter.priority': 'Priority',
    'filter.unit': 'Unit',
    'new.arrivals': '{n} new incidents, press N to show',
    'keys.hint': '↑↓ move · Enter open · F file · D dispatch · C reclassify · U urge · N show new · / find a number',
    map: 'District map',
    heat: 'Heat',
    'heat.off': 'No heat',
    'heat.kind': 'Heat of',
    'heat.period': 'Period',
    'period.open': 'Open now',
    'period.1d': 'Last 24 hours',
    'period.7d': 'Last 7 days',
    'period.30d': 'Last 30 days',
    'heat.legend': 'Incident density',
    'heat.low': 'few',
    'heat.high': 'many',
    'map.unavailable': 'This browser cannot show the map (it needs WebGL).',
    'map.approximate': 'Street borders, roads and waterways are approximate, not survey data',
    workers: 'Workers',
    detail: 'Incident',
    timeline: 'Timeline',
    alerts: 'Alerts and evidence',
    number: 'Number',
    state: 'State',
    street: 'Street',
    description: 'Description',
    reporter: 'Reporter',
    priority: 'Priority',
    channel: 'Channel',
    type: 'Type',
    'reported.at': 'Reported',
    'photo.full': 'Full size',
    frame: 'Alert frame',
    'evidence.photo': 'Result photo',
    file: 'File',
    dismiss: 'Dismiss',
    merge: 'Merge',
    dispatch: 'Dispatch',
    extend: 'Extend',
    defer: 'Defer',
    resume: 'Resume',
    approve: 'Approve (close)',
    rework: 'Send back',
    reopen: 'Reopen',
    note: 'Note',
    done: 'Done',
    'lead.unit': 'Lead unit',
    'co.units': 'Co-units',
    worker: 'Worker',
    reason: 'Reason',
    confirm: 'OK',
    cancel: 'Cancel',
    rating: 'Rating (1–5)',
    comment: 'Comment',
    into: 'Merge into incident',
    extra: 'Extra time',
    'extra.unit': 'Unit',
    'extra.m': 'minutes',
    'extra.h': 'hours',
    'extra.wh': 'working hours',
    'extra.wd': 'working days',
    ground: 'Ground',
    recommended: 'recommended',
    'open.tasks': 'open tasks',
    away: 'away',
    deferred: 'deferred',
    confidence: 'confidence',
    buckets: 'Work by kind',
    'bucket.dispatch': 'To dispatch',
    'bucket.report': 'To file',
    'bucket.returned': 'Returned',
    'bucket.review': 'To review',
    'bucket.warned': 'Near deadline',
    'in.bucket': '{bucket}: {n}',
    'queue.empty': 'Nothing waiting here',
    found: '{n} found',
    arrived: '{n} new incidents',
    'load.more': 'Load more',
    lead: 'lead',
    'co.unit': 'co-unit',
    'units.progress': 'Units and their progress',
    'photos.before.after': 'Result photos (click for full size)',
    'rating.given': 'Rating',
    photos: '{n} photos',
    'machine.dispatch': 'dispatched by the system',
    'source.ref': 'Work-order number',
    'route.units': 'Units and people',
    'co.units.wait':
      'With co-units, the case goes to review only after the lead unit and every co-unit have reported their result; ' +
      'units left unticked take no part.',
    'type.priority': "The type's own priority",
    'reclassify.hint':
      'After reclassifying, every deadline restarts under the new type, whose filing and dispatch rules apply.',
    'recall.hint': 'Recalling the lead unit withdraws the whole dispatch; the case waits for dispatch again.',
    'to.unit': 'Move to unit',
    'worker.optional': 'Person (optional, user id)',
    'all.open.units': 'every unit not done',
    'urge.text': 'What to say',
    'open.tasks.n': '{n} open tasks',
    'no.fix.known': 'position unknown',
    'heat.all': 'All incidents',
    intake: 'New report',
    'street.from.place': 'From the address or map position',
    locate: 'Locate',
    'pick.on.map': 'Type an address and press Locate, or click the place on the map',
    'picked.on.map': 'Picked on the map',
    located: 'Located by address',
    'not.located': 'The address could not be located; click the place on the map',
    caller: 'Caller',
    'personal.data': '(personal data, masked by role)',
    'caller.name': 'Name',
    'caller.phone': 'Phone',
    'urgent.p1': 'Urgent: handle as life safety (P1)',
    duplicates: 'Open incidents of this type nearby (possible duplicates)',
    'duplicates.need.place': 'Choose a type and give a place or street to see open incidents nearby',
    'no.duplicates': 'No open incident of this type nearby',
    'join.duplicate': 'Join this one as a duplicate',
    'intake.create': 'Create a new incident',
    'duplicate.reason': 'Duplicate: joined at intake',
    joined: 'Joined {number}',
    created: 'Created {number}',
    drill: 'From the evaluation: incidents reported {from} to {to}',
    'drill.clear': 'Back to the queue',
    'field.title': 'My tasks',
    accept: 'Accept',
    return: 'Return',
    arrive: 'Arrived',
    submit: 'Submit result',
    photo: 'Photo',
    'photo.required': 'Photo required',
    'photo.optional': 'Photo (optional)',
    'photo.take': 'Take or choose a photo',
    'result.note': 'What was done',
    waiting: 'Waiting to sync',
    synced: 'Synced',
    'sync.failed': 'Sync failed',
    back: 'Back to my tasks',
    submitted: 'Submitted, waiting for review',
    address: 'Address',
    distance: 'From you',
    navigate: 'Navigate',
    'nav.geo': 'Maps app',
    'nav.amap': 'Amap',
    'nav.baidu': 'Baidu Maps',
    'no.fix': 'The phone has no position fix; none is sent with this action.',
    'fix.pending': "Getting the phone's position…",
    'fix.ok': "The phone's position is attached",
    'storage.full': "The phone's storage is full; the action was not saved. Try again online.",
    'return.reason': 'Why return it',
    'task.state': 'Task state',
    deadline: 'Deadline',
    'new.task': 'New task: {what}',
    'duty.status': 'Duty status',
    'duty.off.none': 'Off duty: no position is sent',
    'duty.fix': "On duty: the phone's position is sent every 5 s (accuracy about {m} m)",
    'duty.no.fix': 'On duty, but the phone has no position fix: none is sent',
    'report.new': 'Report a problem',
    'report.position': "The phone's own position is sent with it (required)",
    'report.send': 'Send report',
    'report.done': 'Reported as {number}',
    'handover.to': 'Give to a person of the unit',
    handover: 'Hand over',
    'handover.reason': "Handed over by the unit's staff",
    'handover.done': 'Handed over',
    inbox: 'Notifications',
    'inbox.unread': 'Notifications, {n} unread',
    'inbox.title': 'My notifications',
    'inbox.empty': 'No notifications',
    'inbox.ack': 'Acknowledge',
    'inbox.acked': 'Acknowledged',
    'inbox.needs.ack': 'Needs acknowledgement',
    'inbox.unread.mark': 'Unread',
    'inbox.read.all': 'Mark all read',
    'inbox.close': 'Close',
    'inbox.case': 'Incident',
    'inbox.system.enable': 'Turn on system notifications',
    'inbox.system.on': 'While the page is in the background, high and critical notices show as system notifications',
    'inbox.system.denied': 'The browser blocks system notifications for this site; its settings can allow them',
    'inbox.system.body': '{urgency} · incident {number}',
    'audit.title': 'Evaluation',
    from: 'From',
    to: 'To',
    by: 'Group by',
    figures: 'Figures',
    ranking: 'Ranking',
    trend: 'Trend',
    export: 'Export table',
    total: 'Total',
    grade: 'Grade',
    score: 'Score',
    rank: 'Rank',
    'by.Unit': 'By unit',
    'by.Street': 'By street',
    'by.Scenario': 'By scenario',
    'by.Channel': 'By channel',
    'by.Priority': 'By priority',
    'too.few': 'Too few cases',
    'min.sample': 'Units with fewer than {n} cases are not graded',
    'vs.previous': 'vs previous period',
    previous: 'Previous',
    'cases.link': 'Show cases',
    unit: 'Unit',
    name: 'Name',
    'trend.table': 'Trend by day',
    day: 'Day',
    'overview.title': 'District at a glance',
    open: 'Open',
    'overdue.count': 'Overdue',
    p1: 'Critical',
    'by.street': 'By street',
    'by.scenario': 'By scenario',
    devices: 'Sensing devices',
    'devices.offline': 'Offline devices',
    'devices.online': 'Online devices',
    'devices.noisy': 'Noisiest devices',
    today: 'Today',
    yesterday: 'Yesterday',
    reported: 'Reported',
    closed: 'Closed',
    'urgent.newest': 'Newest urgent incidents',
    updated: 'Updated',
    'devices.reporting': 'Devices that alerted today',
  },
};

const fromUrl = new URLSearchParams(location.search).get('lang');
if (fromUrl === 'en' || fromUrl === 'zh-CN') localStorage.setItem(LANG, fromUrl);

export const lang = () => (localStorage.getItem(LANG) === 'en' ? 'en' : 'zh-CN');
export const zh = () => lang() === 'zh-CN';
export const t = (key) => texts[lang()][key] ?? texts['zh-CN'][key] ?? key;
/** A label and its value: "原因：…" / "Reason: …". */
export const labelled = (key, value) => `${t(key)}${zh() ? '：' : ': '}${value}`;
/** A text with {name} placeholders filled. */
export const tf = (key, values) => t(key).replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ''));

/** The reference data's vocabulary behind each kind of code the pages name. */
const VOCABULARY = {
  state: 'incidentState',
  priority: 'priority',
  event: 'eventKind',
  role: 'role',
  channel: 'channel',
  stage: 'stage',
  escalation: 'escalationLevel',
  disposition: 'disposition',
  ground: 'dismissalGround',
  grade: 'grade',
  assignment: 'assignmentState',
  worker: 'workerStatus',
  action: 'incidentAction',
  unitKind: 'unitKind',
  staffRole: 'staffRole',
  topic: 'noticeTopic',
  urgency: 'noticeUrgency',
  dimension: 'dimension',
  pickBasis: 'pickBasis',
};
// Summaries carry the escalation level as its number (0..3).
const ESCALATION = ['None', 'Warned', 'Overdue', 'ListedForSupervision'];

const REFERENCE = 'dispatch.reference';
let served = null;
try {
  served = JSON.parse(localStorage.getItem(REFERENCE) || 'null')?.labels ?? null;
} catch {
  /* none kept */
}
/** Remembers the words the server sent (ReferenceData.labels), for every later labelOf. */
export const useLabels = (labels) => {
  served = labels ?? served;
};

/**
 * The reference data (catalog names and the words of every code), kept in the browser so that a page offline (the
 * field page) still names things; the words are used by every later labelOf.
 */
export async function loadReference() {
  try {
    const reference = await call('GET', '/api/v1/reference');
    try {
      localStorage.setItem(REFERENCE, JSON.stringify(reference));
    } catch {
      /* storage full: still used now */
    }
    useLabels(reference.labels);
    return reference;
  } catch (error) {
    const kept = JSON.parse(localStorage.getItem(REFERENCE) || 'null');
    if (!kept) throw error;
    useLabels(kept.labels);
    return kept;
  }
}

/**
 * The word for a code of the given kind (state, priority, event, role, channel, stage, escalation, disposition,
 * ground, grade, assignment, worker, action …): the server's words (the reference data's labels), else a neutral
 * dash, never the raw code. Only the names of request fields, which the server names in refusals but has no words
 * for, come from the pages' own table.
 */
export function labelOf(kind, code, reference) {
  const labels = reference?.labels ?? served;
  const key = kind === 'escalation' && typeof code === 'number' ? ESCALATION[code] : code;
  const word = labels?.[VOCABULARY[kind] ?? kind]?.words?.[key];
  if (word) return named(word);
  const pair = LABELS[kind]?.[code];
  return pair ? pair[zh() ? 0 : 1] : '—';
}

/** Fills every [data-i18n] element (text), [data-i18n-placeholder] and [data-i18n-label] (aria-label). */
export function translate(root = document) {
  document.documentElement.lang = lang();
  root.querySelectorAll('[data-i18n]').forEach((e) => {
    e.textContent = t(e.dataset.i18n);
  });
  root.querySelectorAll('[data-i18n-placeholder]').forEach((e) => {
    e.placeholder = t(e.dataset.i18nPlaceholder);
  });
  root.querySelectorAll('[data-i18n-label]').forEach((e) => {
    e.setAttribute('aria-label', t(e.dataset.i18nLabel));
  });
  if (document.body.dataset.title) document.title = `${t('app.title')} · ${t(document.body.dataset.title)}`;
}

export function languageSwitch(onChange) {
  const button = document.getElementById('lang');
  if (!button) return;
  const label = () => {
    button.textContent = t('language');
    button.title = t('language.label');
    button.lang = zh() ? 'en' : 'zh-CN';
  };
  label();
  button.addEventListener('click', () => {
    localStorage.setItem(LANG, zh() ? 'en' : 'zh-CN');
    label();
    translate();
    if (document.getElementById('conn')) connection(document.getElementById('conn').dataset.state || 'ok');
    onChange?.();
  });
}

/** A name from the catalog in the current language. */
export const named = (item) => (item ? (zh() ? item.zh : item.en) || item.zh || item.en || '' : '');

export const session = {
  get token() {
    return localStorage.getItem(TOKEN);
  },
  get user() {
    return JSON.parse(localStorage.getItem(USER) || 'null');
  },
  save(reply) {
    localStorage.setItem(TOKEN, reply.token);
    localStorage.setItem(USER, JSON.stringify(reply.user));
  },
  clear() {
    localStorage.removeItem(TOKEN);
    localStorage.removeItem(USER);
  },
};

// gRPC status codes, as the transcoded error body carries them (google.rpc.Status.code).
const GRPC = {
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
};

/**
 * An error the API answered, with the advice a person can act on. The meaning comes from the status, the gRPC code
 * and the typed details (google.rpc.BadRequest field violations, google.rpc.ErrorInfo), never from the message text,
 * which is the server's English and is kept only for the browser's console.
 */
export class ApiError extends Error {
  constructor(status, body = {}) {
    super(typeof body.message === 'string' ? body.message : String(status));
    this.status = status;
    this.code = Number(body.code ?? 0);
    const details = Array.isArray(body.details) ? body.details : [];
    this.fields = details
      .filter((d) => String(d['@type'] ?? '').endsWith('google.rpc.BadRequest'))
      .flatMap((d) => (d.fieldViolations ?? []).map((v) => v.field))
      .filter(Boolean);
    this.reason = details.find((d) => String(d['@type'] ?? '').endsWith('google.rpc.ErrorInfo'))?.reason ?? '';
  }

  /** What kind of refusal: 'net', 400, 401, 403, 404, 409, 412, 429, 500 or 503. */
  get kind() {
    if (this.status === 0) return 'net';
    if (this.code === GRPC.FAILED_PRECONDITION) return 412;
    if (this.code === GRPC.ABORTED || this.code === GRPC.ALREADY_EXISTS) return 409;
    if (this.code === GRPC.RESOURCE_EXHAUSTED) return 429;
    if (this.code === GRPC.UNAVAILABLE) return 503;
    if (this.code === GRPC.INVALID_ARGUMENT) return 400;
    if (this.code === GRPC.NOT_FOUND) return 404;
    if (this.code === GRPC.PERMISSION_DENIED) return 403;
    if (this.code === GRPC.UNAUTHENTICATED) return 401;
    return [400, 401, 403, 404, 409, 412, 429, 503].includes(this.status)
      ? this.status
      : this.status >= 500
        ? 500
        : 400;
  }

  get advice() {
    const kind = this.kind;
    if (kind === 'net') return t('err.net');
    if (kind === 400 && this.fields.length) {
      return t('err.400.field') + this.fields.map((f) => labelOf('field', f.split('.').pop())).join(zh() ? '、' : ', ');
    }
    return t(`err.${kind}`);
  }
}

export async function call(method, path, body) {
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(session.token ? { authorization: `Bearer ${session.token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    connection('lost');
    throw new ApiError(0);
  }
  if (document.getElementById('conn')?.dataset.state === 'lost') connection('ok');
  if (response.status === 401 && path !== '/api/v1/sign-in') {
    session.clear();
    showSignIn();
  }
  const text = await response.text();
  let json = {};
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    // A proxy's HTML error page: the status says enough.
  }
  if (!response.ok) {
    const error = new ApiError(response.status, json);
    console.warn(`${method} ${path}: ${response.status} ${error.message}`);
    throw error;
  }
  return json;
}

export const id = () =>
  crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`;

/** A short message at the bottom of the screen: what happened, or what to do. Read out by screen readers. */
export function toast(message, kind = 'info') {
  const box = document.getElementById('toast');
  if (!box) return;
  box.textContent = message;
  box.className = `toast ${kind}`;
  box.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  clearTimeout(box.timer);
  box.timer = setTimeout(
    () => {
      box.className = 'toast hidden';
    },
    kind === 'error' ? 8000 : 3000,
  );
}

export const report = (error) => toast(error instanceof ApiError ? error.advice : t('err.500'), 'error');

/** The connection banner: ok, lost (retrying) or offline. */
export function connection(state) {
  const banner = document.getElementById('conn');
  if (!banner) return;
  // A page that keeps working offline (data-offline="queue") says so, rather than "reconnecting", while the browser
  // is offline.
  if (state === 'lost' && !navigator.onLine && document.body.dataset.offline === 'queue') state = 'offline';
  banner.dataset.state = state;
  banner.textContent = t(`conn.${state}`);
}

/** A watermark of the user and the time over the whole page (屏幕水印), redrawn every minute. */
export function watermark() {
  let layer = document.getElementById('watermark');
  if (!layer) {
    layer = document.createElement('div');
    layer.id = 'watermark';
    layer.setAttribute('aria-hidden', 'true');
    document.body.appendChild(layer);
  }
  const draw = () => {
    const user = session.user;
    if (!user) {
      layer.style.backgroundImage = 'none';
      return;
    }
    const canvas = document.createElement('canvas');
    canvas.width = 320;
    canvas.height = 180;
    const g = canvas.getContext('2d');
    g.translate(160, 90);
    g.rotate(-Math.PI / 9);
    g.font = '14px "WenQuanYi Micro Hei", sans-serif';
    g.fillStyle = 'rgba(120,120,120,0.16)';
    g.textAlign = 'center';
    g.fillText(`${user.name || user.userId} ${user.userId}`, 0, -8);
    g.fillText(new Date().toLocaleString(lang()), 0, 14);
    layer.style.backgroundImage = `url(${canvas.toDataURL()})`;
    layer.dataset.user = user.userId;
  };
  draw();
  clearInterval(layer.timer);
  layer.timer = setInterval(draw, 60000);
}

let signedIn = () => {};

/** Shows the sign-in form; on success stores the token and calls the page back. */
export function showSignIn() {
  const form = document.getElementById('signin');
  form.hidden = false;
  document.getElementById('app').hidden = true;
  form.querySelector('[name=user]')?.focus();
  form.onsubmit = async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    try {
      session.save(await call('POST', '/api/v1/sign-in', { userId: data.get('user'), password: data.get('password') }));
      form.hidden = true;
      document.getElementById('app').hidden = false;
      watermark();
      signedIn(session.user);
    } catch (error) {
      toast(error.status === 401 || error.kind === 401 ? t('sign.wrong') : (error.advice ?? t('err.500')), 'error');
    }
  };
}

/** The sign-in form every page shares, titled with the page's name (data-title). */
function signInForm() {
  const form = document.getElementById('signin');
  form.innerHTML = `<h1><span data-i18n="app.title"></span> · <span data-i18n="${form.dataset.title}"></span></h1>
    <label><span data-i18n="user.id"></span><input name="user" autocomplete="username" required></label>
    <label><span data-i18n="password"></span><input name="password" type="password"
      autocomplete="current-password" required></label>
    <button data-i18n="sign.in"></button>`;
}

/** The user as the header shows them: name and role, in words. */
export const userLine = (user) => `${user.name || user.userId} · ${labelOf('role', user.role)}`;

/** Starts a page: the language, then sign-in if needed, then <paramref name="start"/> with the user. */
export function boot(start) {
  signInForm();
  translate();
  signedIn = start;
  document.getElementById('signout')?.addEventListener('click', () => {
    session.clear();
    location.reload();
  });
  if (session.token && session.user) {
    document.getElementById('signin').hidden = true;
    document.getElementById('app').hidden = false;
    watermark();
    start(session.user);
  } else {
    showSignIn();
  }
}

/**
 * Follows the live change stream (POST /api/v1/incidents:watch; JSON transcoding writes one JSON object per
 * line), reconnecting with backoff; the banner shows the state. onResync is called after a reconnect or when the
 * server says changes may have been missed, so the page reloads its list.
 */
export const watch = (filter, onChange, onResync) => follow('/api/v1/incidents:watch', { filter }, onChange, onResync);

/**
 * Follows one of the API's live streams (a server-streaming call, which JSON transcoding writes as one JSON object
 * per line): each message goes to onMessage, except one with resync set, which calls onResync, as does every
 * reconnect after the first connection. Reconnects with backoff until stopped. Only the page's main stream
 * (banner: true) shows its state in the connection banner, so that two streams never contradict each other there.
 */
export function follow(path, body, onMessage, onResync, { banner = true } = {}) {
  let stopped = false;
  let delay = 500;
  const say = (state) => {
    if (banner) connection(state);
  };
  const controller = {
    stop() {
      stopped = true;
      this.abort?.();
    },
  };
  // A phone or laptop that says it is offline has lost the stream, whatever the socket still believes.
  window.addEventListener('offline', () => {
    say('lost');
    controller.abort?.();
  });
  (async function loop() {
    let first = true;
    while (!stopped) {
      const abort = new AbortController();
      controller.abort = () => abort.abort();
      try {
        const response = await fetch(path, {
          method: 'POST',
          signal: abort.signal,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${session.token}` },
          body: JSON.stringify(body),
        });
        if (response.status === 401) {
          session.clear();
          showSignIn();
          return;
        }
        if (!response.ok) throw new Error(String(response.status));
        say('ok');
        if (!first) onResync();
        first = false;
        delay = 500;
        const reader = response.body.getReader();
        const decoder = new TextDecoder();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          const lines = buffer.split('\n');
          buffer = lines.pop();
          for (const line of lines) {
            if (!line.trim()) continue;
            const message = JSON.parse(line);
            if (message.resync) onResync();
            else onMessage(message);
          }
        }
      } catch {
        if (stopped) return;
      }
      say('lost');
      first = false;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 10000);
    }
  })();
  return controller;
}

export const escape = (text) =>
  String(text ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );

/** A span of time in words: "2小时05分", "3天" / "2 h 05 min", "3 d". */
export function duration(ms) {
  const abs = Math.abs(ms);
  const h = Math.floor(abs / 3600000);
  const m = Math.floor((abs % 3600000) / 60000);
  if (zh()) return h >= 48 ? `${Math.floor(h / 24)}天` : h > 0 ? `${h}小时${String(m).padStart(2, '0')}分` : `${m}分钟`;
  return h >= 48 ? `${Math.floor(h / 24)} d` : h > 0 ? `${h} h ${String(m).padStart(2, '0')} min` : `${m} min`;
}

/** "剩余 2小时05分" / "due in 2 h 05 min" until (or past) a deadline; empty when no clock runs. */
export function countdown(dueAt) {
  if (!dueAt) return '';
  const ms = new Date(dueAt) - Date.now();
  return `${ms < 0 ? t('overdue') : t('due')} ${duration(ms)}`;
}

/** A distance in words: "350 米", "1.2 公里" / "350 m", "1.2 km". */
export function distance(metres) {
  if (!(metres >= 0)) return '';
  const gap = zh() ? '' : ' ';
  return metres < 1000
    ? `${Math.round(metres)}${gap}${t('metres')}`
    : `${(metres / 1000).toFixed(1)}${gap}${t('kilometres')}`;
}

/** Great-circle distance in metres between two {lat, lon}. */
export function metresBetween(a, b) {
  const rad = (d) => (d * Math.PI) / 180;
  const h =
    Math.sin(rad(b.lat - a.lat) / 2) ** 2 +
    Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(rad(b.lon - a.lon) / 2) ** 2;
  return 2 * 6371000 * Math.asin(Math.min(1, Math.sqrt(h)));
}

export const stateName = (state, reference) => labelOf('state', state, reference);
export const priorityName = (priority, reference) => labelOf('priority', priority, reference);

/** The priority badge: colour and word, with the code for those who know it (P1 … P4 are the district's own terms). */
export const badge = (priority, reference) =>
  `<span class="badge ${escape(priority)}">${escape(priorityName(priority, reference))}</span>`;

/** A date and time in the page's language. */
export const when = (at) => (at ? new Date(at).toLocaleString(lang(), { hour12: false }) : '');
