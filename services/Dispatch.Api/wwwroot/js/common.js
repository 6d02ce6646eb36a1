// What every page shares: the API client (JSON over HTTP/1.1, bearer token), sign-in, the language switch,
// the watermark, the connection banner and error messages that say what to do.

const TOKEN = 'dispatch.token';
const USER = 'dispatch.user';
const LANG = 'dispatch.lang';

const texts = {
  'zh-CN': {
    'app.title': '一网统管', 'sign.in': '登录', 'sign.out': '退出', 'user.id': '用户名', 'password': '密码',
    'conn.ok': '已连接', 'conn.lost': '连接中断，正在重连…', 'conn.offline': '离线：操作将在恢复网络后同步',
    'err.401': '登录已过期，请重新登录。', 'err.403': '您的角色无权执行此操作。', 'err.404': '案件不存在或不在您的范围内。',
    'err.400': '输入有误：', 'err.412': '当前状态不允许此操作：', 'err.503': '服务暂时不可用，请稍后重试。', 'err.net': '网络不可用，请检查网络后重试。',
    'loading': '加载中…', 'refresh': '刷新', 'none': '暂无',
    'console.title': '调度台', 'queue': '案件队列', 'search': '搜索编号、描述、类型、街镇', 'all.states': '全部状态',
    'all.scenarios': '全部场景', 'all.streets': '全部街镇', 'all.priorities': '全部等级', 'overdue.only': '仅超期',
    'map': '区域视图', 'heat': '消防隐患热力', 'detail': '案件详情', 'timeline': '时间轴', 'alerts': '告警与证据',
    'file': '立案', 'dismiss': '不予立案', 'merge': '合并', 'dispatch': '派遣', 'extend': '延期', 'defer': '挂账', 'resume': '恢复',
    'approve': '审核通过（结案）', 'rework': '退回返工', 'reopen': '重新打开', 'note': '备注',
    'lead.unit': '主办单位', 'co.units': '协办单位', 'worker': '处置人员', 'reason': '原因', 'confirm': '确定', 'cancel': '取消',
    'rating': '评价（1–5）', 'comment': '评语', 'into': '合并到案件编号', 'extra': '延长时间（如 2h、1wd）', 'ground': '理由类别',
    'due': '剩余', 'overdue': '已超期', 'new.live': '新案件', 'recommended': '推荐',
    'field.title': '我的任务', 'accept': '签收', 'return': '退单', 'arrive': '到达现场', 'submit': '提交处置结果',
    'photo': '现场照片', 'waiting': '待同步', 'synced': '已同步', 'sync.failed': '同步失败', 'back': '返回',
    'audit.title': '一网评效', 'from': '开始日期', 'to': '结束日期', 'by': '分组', 'figures': '评价指标', 'ranking': '单位排名',
    'trend': '趋势', 'export': '导出 CSV', 'total': '合计', 'grade': '等级', 'score': '综合得分',
    'by.Unit': '按单位', 'by.Street': '按街镇', 'by.Scenario': '按场景', 'by.Channel': '按渠道', 'by.Priority': '按等级',
  },
  en: {
    'app.title': 'One Network', 'sign.in': 'Sign in', 'sign.out': 'Sign out', 'user.id': 'User', 'password': 'Password',
    'conn.ok': 'Connected', 'conn.lost': 'Connection lost, reconnecting…', 'conn.offline': 'Offline: actions will sync when the network is back',
    'err.401': 'Your sign-in has expired. Please sign in again.', 'err.403': 'Your role may not do this.', 'err.404': 'No such incident within your scope.',
    'err.400': 'Please correct: ', 'err.412': 'Not allowed in the current state: ', 'err.503': 'The service is unavailable. Try again shortly.', 'err.net': 'No network. Check the connection and try again.',
    'loading': 'Loading…', 'refresh': 'Refresh', 'none': 'None',
    'console.title': 'Dispatch console', 'queue': 'Queue', 'search': 'Search number, description, type, street', 'all.states': 'All states',
    'all.scenarios': 'All scenarios', 'all.streets': 'All streets', 'all.priorities': 'All priorities', 'overdue.only': 'Overdue only',
    'map': 'District', 'heat': 'Fire-hazard density', 'detail': 'Incident', 'timeline': 'Timeline', 'alerts': 'Alerts and evidence',
    'file': 'File', 'dismiss': 'Dismiss', 'merge': 'Merge', 'dispatch': 'Dispatch', 'extend': 'Extend', 'defer': 'Defer', 'resume': 'Resume',
    'approve': 'Approve (close)', 'rework': 'Send back', 'reopen': 'Reopen', 'note': 'Note',
    'lead.unit': 'Lead unit', 'co.units': 'Co-units', 'worker': 'Worker', 'reason': 'Reason', 'confirm': 'OK', 'cancel': 'Cancel',
    'rating': 'Rating (1–5)', 'comment': 'Comment', 'into': 'Merge into incident', 'extra': 'Extra time (e.g. 2h, 1wd)', 'ground': 'Ground',
    'due': 'due in', 'overdue': 'overdue', 'new.live': 'new', 'recommended': 'recommended',
    'field.title': 'My tasks', 'accept': 'Accept', 'return': 'Return', 'arrive': 'Arrived', 'submit': 'Submit result',
    'photo': 'Photo', 'waiting': 'Waiting to sync', 'synced': 'Synced', 'sync.failed': 'Sync failed', 'back': 'Back',
    'audit.title': 'Evaluation', 'from': 'From', 'to': 'To', 'by': 'Group by', 'figures': 'Figures', 'ranking': 'Ranking',
    'trend': 'Trend', 'export': 'Export CSV', 'total': 'Total', 'grade': 'Grade', 'score': 'Score',
    'by.Unit': 'By unit', 'by.Street': 'By street', 'by.Scenario': 'By scenario', 'by.Channel': 'By channel', 'by.Priority': 'By priority',
  },
};

export const lang = () => localStorage.getItem(LANG) || 'zh-CN';
export const t = (key) => texts[lang()][key] ?? texts['zh-CN'][key] ?? key;

/** Fills every [data-i18n] element (text) and [data-i18n-placeholder] (placeholder) in the current language. */
export function translate(root = document) {
  document.documentElement.lang = lang();
  root.querySelectorAll('[data-i18n]').forEach((e) => { e.textContent = t(e.dataset.i18n); });
  root.querySelectorAll('[data-i18n-placeholder]').forEach((e) => { e.placeholder = t(e.dataset.i18nPlaceholder); });
}

export function languageSwitch(onChange) {
  const button = document.getElementById('lang');
  const label = () => { button.textContent = lang() === 'zh-CN' ? 'English' : '中文'; };
  label();
  button.onclick = () => {
    localStorage.setItem(LANG, lang() === 'zh-CN' ? 'en' : 'zh-CN');
    label();
    translate();
    onChange?.();
  };
}

/** A name from the catalog in the current language. */
export const named = (item) => (item ? (lang() === 'zh-CN' ? item.zh : item.en) : '');

export const session = {
  get token() { return localStorage.getItem(TOKEN); },
  get user() { return JSON.parse(localStorage.getItem(USER) || 'null'); },
  save(reply) { localStorage.setItem(TOKEN, reply.token); localStorage.setItem(USER, JSON.stringify(reply.user)); },
  clear() { localStorage.removeItem(TOKEN); localStorage.removeItem(USER); },
};

/** An error the API answered, with the advice a person can act on. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
  get advice() {
    const prefix = { 400: t('err.400'), 409: t('err.412'), 412: t('err.412') }[this.status];
    if (prefix) return prefix + this.message;
    return t(`err.${this.status}`) !== `err.${this.status}` ? t(`err.${this.status}`) : this.message;
  }
}

export async function call(method, path, body) {
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: { 'content-type': 'application/json', ...(session.token ? { authorization: `Bearer ${session.token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    connection('lost');
    throw new ApiError(0, t('err.net'));
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
  // FAILED_PRECONDITION arrives as 400 too; its message names the state.
  if (!response.ok) throw new ApiError(response.status === 400 && /state|状态/.test(json.message ?? '') ? 412 : response.status, json.message ?? response.statusText);
  return json;
}

export const id = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`);

/** A short message at the bottom of the screen: what happened, or what to do. */
export function toast(message, kind = 'info') {
  const box = document.getElementById('toast');
  box.textContent = message;
  box.className = `toast ${kind}`;
  clearTimeout(box.timer);
  box.timer = setTimeout(() => { box.className = 'toast hidden'; }, kind === 'error' ? 8000 : 3000);
}

export const report = (error) => toast(error instanceof ApiError ? error.advice : String(error), 'error');

/** The connection banner: ok, lost (retrying) or offline. */
export function connection(state) {
  const banner = document.getElementById('conn');
  banner.dataset.state = state;
  banner.textContent = t(`conn.${state}`);
}

/** A watermark of the user and the time over the whole page (屏幕水印), redrawn every minute. */
export function watermark() {
  let layer = document.getElementById('watermark');
  if (!layer) {
    layer = document.createElement('div');
    layer.id = 'watermark';
    document.body.appendChild(layer);
  }
  const draw = () => {
    const user = session.user;
    if (!user) { layer.style.backgroundImage = 'none'; return; }
    const canvas = document.createElement('canvas');
    canvas.width = 320; canvas.height = 180;
    const g = canvas.getContext('2d');
    g.translate(160, 90); g.rotate(-Math.PI / 9);
    g.font = '14px "WenQuanYi Micro Hei", sans-serif'; g.fillStyle = 'rgba(120,120,120,0.16)'; g.textAlign = 'center';
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
      toast(error.status === 401 ? (lang() === 'zh-CN' ? '用户名或密码错误。' : 'Wrong user or password.') : error.advice ?? String(error), 'error');
    }
  };
}

/** The sign-in form every page shares, titled with the page's name (data-title). */
function signInForm() {
  const form = document.getElementById('signin');
  form.innerHTML = `<h2><span data-i18n="app.title"></span> · <span data-i18n="${form.dataset.title}"></span></h2>
    <input name="user" autocomplete="username" data-i18n-placeholder="user.id" required>
    <input name="password" type="password" autocomplete="current-password" data-i18n-placeholder="password" required>
    <button data-i18n="sign.in"></button>`;
}

/** Starts a page: the language, then sign-in if needed, then <paramref name="start"/> with the user. */
export function boot(start) {
  signInForm();
  translate();
  signedIn = start;
  document.getElementById('signout')?.addEventListener('click', () => { session.clear(); location.reload(); });
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
 * Follows the live change stream (POST /api/v1/incidents:watch, JSON transcoding writes one JSON object per
 * change), reconnecting with backoff; the banner shows the state. onResync is called after a reconnect or when
 * the server says changes may have been missed, so the page reloads its list.
 */
export function watch(filter, onChange, onResync) {
  let stopped = false;
  let delay = 500;
  const controller = { stop() { stopped = true; this.abort?.(); } };
  // A phone or laptop that says it is offline has lost the stream, whatever the socket still believes.
  window.addEventListener('offline', () => { connection('lost'); controller.abort?.(); });
  (async function loop() {
    let first = true;
    while (!stopped) {
      const abort = new AbortController();
      controller.abort = () => abort.abort();
      try {
        const response = await fetch('/api/v1/incidents:watch', {
          method: 'POST', signal: abort.signal,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${session.token}` },
          body: JSON.stringify({ filter }),
        });
        if (response.status === 401) { session.clear(); showSignIn(); return; }
        if (!response.ok) throw new Error(response.statusText);
        connection('ok');
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
          let objects;
          [objects, buffer] = splitObjects(buffer);
          for (const change of objects) change.resync ? onResync() : onChange(change);
        }
      } catch (error) {
        if (stopped) return;
      }
      connection('lost');
      first = false;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 10000);
    }
  })();
  return controller;
}

/** Splits a buffer of concatenated JSON objects into the complete ones and the rest. */
function splitObjects(buffer) {
  const objects = [];
  let depth = 0; let inString = false; let escaped = false; let start = -1;
  for (let i = 0; i < buffer.length; i++) {
    const c = buffer[i];
    if (inString) {
      if (escaped) escaped = false; else if (c === '\\') escaped = true; else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{') { if (depth++ === 0) start = i; }
    else if (c === '}' && --depth === 0) { objects.push(JSON.parse(buffer.slice(start, i + 1))); start = -1; }
  }
  const rest = depth > 0 && start >= 0 ? buffer.slice(start) : '';
  return [objects, rest];
}

export const escape = (text) => String(text ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));

/** "2 h 05 min" until (or past) a deadline. */
export function countdown(dueAt) {
  if (!dueAt) return '';
  const ms = new Date(dueAt) - Date.now();
  const abs = Math.abs(ms);
  const h = Math.floor(abs / 3600000); const m = Math.floor((abs % 3600000) / 60000);
  const text = h > 48 ? `${Math.floor(h / 24)} d` : h > 0 ? `${h} h ${String(m).padStart(2, '0')} min` : `${m} min`;
  return ms < 0 ? `${t('overdue')} ${text}` : `${t('due')} ${text}`;
}

const stateZh = {
  Reported: '上报', Filed: '立案', Dismissed: '不予立案', Dispatched: '派遣', Returned: '退单', Accepted: '签收', InProgress: '处置中',
  Handled: '处置反馈', UnderReview: '核查', Closed: '结案', Merged: '合并',
};

export const stateName = (state) => (lang() === 'zh-CN' ? stateZh[state] ?? state : state);
