// Intake by people (受理): a 12345 call, a patrol report or a referral from above, taken in the console's detail pane
// (so the map stays clickable for the place). Before it is created, the open cases of the same type nearby are shown
// (重复件): the new report can join one of them instead (it is created and merged into it at once, so the call is
// on record). The caller's name and number are personal data: shown masked to roles that do not need them.
import {
  call,
  t,
  tf,
  escape,
  named,
  id,
  labelOf,
  report,
  toast,
  badge,
  distance,
  metresBetween,
  countdown,
} from './common.js';

const CHANNELS = ['Hotline', 'GridPatrol', 'HigherLevel', 'ThirdParty', 'CitizenApp'];

let state = null;

const $ = (selector) => document.querySelector(selector);

/** Shows the form in the detail pane; onCreated(number) when a case was created (or joined another). */
export function openIntake({ reference, map, onCreated }) {
  state = { reference, map, onCreated, location: null, duplicates: [] };
  const typeOption = (x) =>
    `<option value="${escape(x.code)}">${escape(named(x))} · ${escape(labelOf('priority', x.priority))}</option>`;
  const types = reference.scenarios
    .map((s) => `<optgroup label="${escape(named(s))}">${s.types.map(typeOption).join('')}</optgroup>`)
    .join('');
  const channels = CHANNELS.map((c) => `<option value="${c}">${escape(labelOf('channel', c))}</option>`).join('');
  const streets =
    `<option value="">${t('street.from.place')}</option>` +
    reference.streets.map((s) => `<option value="${escape(s.code)}">${escape(named(s))}</option>`).join('');
  $('#detail').innerHTML = `<h2 id="detail-title">${t('intake')}</h2>
    <form id="intake" class="intake" novalidate>
      <label>${t('channel')}<select name="channel" id="i-channel">${channels}</select></label>
      <label>${t('type')}<select name="type" id="i-type" required>${types}</select></label>
      <label>${t('street')}<select name="street" id="i-street">${streets}</select></label>
      <div class="inline">
        <label class="grow">${t('address')}<input name="address" id="i-address" autocomplete="off"></label>
        <button type="button" id="i-locate" class="secondary">${t('locate')}</button>
      </div>
      <p class="muted" id="i-place" role="status">${t('pick.on.map')}</p>
      <label>${t('description')}<textarea name="description" id="i-description" rows="3"></textarea></label>
      <fieldset><legend>${t('caller')} <span class="muted">${t('personal.data')}</span></legend>
        <label>${t('caller.name')}<input name="callerName" id="i-caller" autocomplete="off"></label>
        <label>${t('caller.phone')}<input name="callerPhone" id="i-phone" type="tel" autocomplete="off"></label>
      </fieldset>
      <label>${t('source.ref')}<input name="externalRef" id="i-ref" autocomplete="off"></label>
      <label class="check"><input type="checkbox" name="urgent" id="i-urgent"> ${t('urgent.p1')}</label>
      <section aria-labelledby="dup-title"><h3 id="dup-title">${t('duplicates')}</h3><ol id="duplicates"
        class="plain"></ol></section>
      <div class="actions"><button type="submit" id="i-submit">${t('intake.create')}</button>
        <button type="button" class="secondary" id="i-cancel">${t('cancel')}</button></div>
    </form>`;
  const form = $('#intake');
  form.addEventListener('change', (event) => {
    if (['type', 'street'].includes(event.target.name)) duplicates();
  });
  $('#i-locate').addEventListener('click', locate);
  $('#i-cancel').addEventListener('click', () => {
    $('#detail').innerHTML = `<h2 id="detail-title">${t('detail')}</h2>`;
    state = null;
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    create(null);
  });
  $('#duplicates').addEventListener('click', (event) => {
    const join = event.target.closest('[data-join]');
    if (join) create(join.dataset.join);
  });
  document.addEventListener('map-pick', picked);
  $('#i-type').focus();
  duplicates();
}

function picked(event) {
  if (!state || !document.getElementById('intake')) {
    document.removeEventListener('map-pick', picked);
    return;
  }
  place(event.detail, t('picked.on.map'));
}

function place(at, how) {
  state.location = at;
  state.map?.select({ number: '', location: at });
  $('#i-place').textContent = `${how} · ${at.lat.toFixed(5)}, ${at.lon.toFixed(5)}`;
  duplicates();
}

async function locate() {
  const address = $('#i-address').value.trim();
  if (!address) {
    $('#i-address').focus();
    return;
  }
  try {
    const reply = await call('GET', `/api/v1/gazetteer?address=${encodeURIComponent(address)}`);
    if (!reply.found) {
      $('#i-place').textContent = t('not.located');
      return;
    }
    if (reply.street) $('#i-street').value = reply.street;
    place(reply.location, t('located'));
  } catch (error) {
    report(error);
  }
}

let asked = 0;
async function duplicates() {
  const type = $('#i-type')?.value;
  const street = $('#i-street')?.value;
  const seq = ++asked;
  if (!type || (!state.location && !street)) {
    $('#duplicates').innerHTML = `<li class="muted">${t('duplicates.need.place')}</li>`;
    return;
  }
  try {
    const reply = await call('POST', '/api/v1/intake:duplicates', {
      type,
      street,
      ...(state.location ? { location: state.location } : {}),
    });
    if (seq !== asked || !document.getElementById('duplicates')) return;
    state.duplicates = reply.items ?? [];
    const away = (i) =>
      state.location && i.location ? ` · ${distance(metresBetween(state.location, i.location))}` : '';
    $('#duplicates').innerHTML =
      state.duplicates
        .map(
          (i) => `<li class="duplicate" data-number="${escape(i.number)}">
      ${badge(i.priority)} <span>${escape(i.number)}</span>
      <span class="muted">${escape(labelOf('state', i.state))}${away(i)} · ${escape(countdown(i.dueAt))}</span>
      <span class="desc">${escape(i.description ?? '')}</span>
      <button type="button" class="secondary" data-join="${escape(i.number)}">${t('join.duplicate')}</button></li>`,
        )
        .join('') || `<li class="muted" id="no-duplicates">${t('no.duplicates')}</li>`;
  } catch (error) {
    report(error);
  }
}

/** Creates the case; with `into`, merges it into that open case at once as its duplicate. */
async function create(into) {
  const form = $('#intake');
  const data = Object.fromEntries(new FormData(form));
  const body = {
    commandId: (form.dataset.commandId ||= id()),
    type: data.type,
    channel: data.channel,
    street: data.street,
    address: data.address,
    description: data.description,
    callerName: data.callerName,
    callerPhone: data.callerPhone,
    externalRef: data.externalRef,
    urgent: data.urgent === 'on',
    ...(state.location ? { location: state.location } : {}),
  };
  $('#i-submit').disabled = true;
  try {
    const reply = await call('POST', '/api/v1/intake', body);
    if (into) {
      await call('POST', `/api/v1/incidents/${encodeURIComponent(reply.number)}:merge`, {
        commandId: `${body.commandId}/merge`,
        into,
        reason: t('duplicate.reason'),
      });
      toast(tf('joined', { number: into }));
    } else {
      toast(tf('created', { number: reply.number }));
    }
    const done = state.onCreated;
    state = null;
    done(into ?? reply.number);
  } catch (error) {
    $('#i-submit').disabled = false;
    report(error);
  }
}
