// The mesh dashboard's page script (served by src/dashboard/server.ts under a CSP that allows only
// this server's own scripts). Every string it shows comes from elsewhere (scenario files, header
// values, what servers answer), so it never builds HTML from data: elements are created one by one
// and strings are added as text nodes (append, textContent). Never innerHTML.
'use strict';

const $ = (id) => document.getElementById(id);

/** An element with attributes/properties and children (strings become text nodes). */
function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (k === 'className') node.className = v;
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else node.setAttribute(k, String(v));
  }
  node.append(...children.filter((c) => c !== undefined && c !== null));
  return node;
}

const pct = (x) => (100 * x).toFixed(1) + '%';
const time = (ms) => new Date(ms).toLocaleTimeString();
function expectedText(spec) {
  if (!spec) return 'not expected';
  const v = pct(spec.value);
  return spec.kind === 'share' ? v : spec.kind === 'at-least' ? '≥ ' + v : '≤ ' + v;
}
function pText(p) {
  if (p >= 0.001) return p.toFixed(3);
  return p === 0 ? '0' : p.toExponential(1);
}
const ERROR_CODES = new Set(['CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED', 'error']);
const isError = (outcome) => outcome.split('|').every((part) => ERROR_CODES.has(part));

// --- switching: the typed name and the buttons go through one request, to PlaySession.switchTo
async function post(path, body) {
  const res = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  let answer;
  try {
    answer = await res.json();
  } catch {
    answer = { ok: false, message: 'the dashboard answered ' + res.status + ' with no message' };
  }
  return answer;
}

async function switchTo(name) {
  const message = $('switch-message');
  message.className = '';
  message.textContent = 'applying ' + name + '...';
  $('switch-button').disabled = true;
  try {
    const answer = await post('api/switch', { scenario: name });
    message.className = answer.ok ? 'ok' : 'refused';
    message.textContent = answer.message;
  } catch (err) {
    message.className = 'refused';
    message.textContent = 'the dashboard cannot be reached (' + err.message + '): is canarykit play still running?';
  } finally {
    $('switch-button').disabled = false;
  }
}

$('switch-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const name = $('switch-input').value.trim();
  if (name === '') {
    $('switch-message').className = 'refused';
    $('switch-message').textContent = 'type a scenario name first (the buttons below list them)';
    return;
  }
  switchTo(name);
});

$('verify-button').addEventListener('click', async () => {
  const answer = await post('api/verify', {}).catch((err) => ({ ok: false, message: err.message }));
  $('verify-message').textContent = answer.message;
});

// --- rendering
let lastScenarioKey = '';
let lastCatalogue = '';

function renderScenario(state) {
  const s = state.scenario;
  $('scenario-name').textContent = s ? s.name : state.locked ? 'none (no rules: the mesh balances over every endpoint)' : 'none yet (type a name or click one below)';
  $('scenario-since').textContent = s ? 'in force since ' + time(s.since) : '';
  $('scenario-description').textContent = s ? s.description : '';
  $('scenario-notes').textContent = s && s.notes ? s.notes : '';
  const catalogue = JSON.stringify([state.scenarios, state.clusterOnly, s && s.name]);
  if (catalogue !== lastCatalogue) {
    lastCatalogue = catalogue;
    $('scenario-names').replaceChildren(...state.scenarios.map((sc) => el('option', { value: sc.name })));
    $('scenario-buttons').replaceChildren(...state.scenarios.map((sc) => {
      const b = el('button', { type: 'button', title: sc.summary, className: s && s.name === sc.name ? 'current' : '', dataset: { scenario: sc.name } }, sc.name);
      b.addEventListener('click', () => switchTo(sc.name));
      return b;
    }));
    $('cluster-only').textContent = state.clusterOnly.length ? 'On kind + Istio only (make e2e SCENARIO=<name>): ' + state.clusterOnly.join(', ') : '';
  }
  const key = s ? s.name + '@' + s.since : '';
  if (key !== lastScenarioKey) {
    lastScenarioKey = key;
    $('files').replaceChildren(...(s ? s.files : []).map((f) => el('details', { open: '' }, el('summary', {}, f.path), el('pre', {}, f.text))));
    if (s && s.files.length === 1) $('files').prepend(el('p', { className: 'muted' }, 'No Istio resources: the mesh balances over every endpoint.'));
  }
}

function renderClients(state) {
  const cards = state.clients.map((c) => {
    const headers = Object.entries(c.headers).map(([k, v]) => k + ': ' + v).join(', ');
    const rows = c.split.map((r) => {
      const track = el('div', { className: 'track' });
      const bar = el('div', { className: 'bar' });
      bar.style.width = Math.min(100, 100 * r.observed) + '%';
      bar.style.background = colour(r.outcome);
      track.append(bar);
      if (r.expected) {
        const mark = el('div', { className: 'expected-mark', title: 'expected ' + expectedText(r.expected) });
        mark.style.left = Math.min(100, 100 * r.expected.value) + '%';
        track.append(mark);
      }
      return el('div', { className: 'split-row' + (isError(r.outcome) ? ' error' : ''), dataset: { outcome: r.outcome, observed: String(r.observed), count: String(r.count) } },
        el('span', { className: 'outcome' }, r.outcome), track,
        el('span', { className: 'figures' }, pct(r.observed) + ' (expected ' + expectedText(r.expected) + ')'));
    });
    const errors = c.errors.length
      ? el('p', { className: 'errors' }, 'errors: ' + c.errors.map((e) => e.code + ' ' + e.count).join(', '))
      : el('p', { className: 'errors muted' }, 'errors: none');
    return el('div', { className: 'client', dataset: { identity: c.identity, total: String(c.total) } },
      el('h3', {}, c.identity),
      el('div', { className: 'headers' }, headers ? 'headers ' + headers : 'no identity headers'),
      el('p', { className: 'muted' }, c.total + ' calls since the switch'),
      c.running ? undefined : el('pre', { className: 'stopped' }, 'the client has exited; switch again to restart it. Its last lines:\n' + (c.tail || '')),
      ...rows, errors);
  });
  $('clients').replaceChildren(...(cards.length ? cards : [el('p', { className: 'muted' }, 'No scenario applied yet.')]));
}

// One uPlot chart per client; rebuilt only when its outcomes change, else fed new data.
const charts = new Map();
const PALETTE = ['#2563eb', '#f97316', '#16a34a', '#9333ea', '#0891b2', '#ca8a04', '#db2777'];
const colours = new Map();
/** One colour per outcome on the whole page (bars and timeline agree); errors are red. */
function colour(outcome) {
  if (isError(outcome)) return '#dc2626';
  if (!colours.has(outcome)) colours.set(outcome, PALETTE[colours.size % PALETTE.length]);
  return colours.get(outcome);
}

function renderTimeline(state) {
  const tl = state.timeline;
  const xs = tl.times.map((t) => t / 1000);
  const seen = new Set();
  for (const client of tl.clients) {
    seen.add(client.identity);
    const outcomes = client.series.map((s) => s.outcome);
    const key = JSON.stringify(outcomes);
    let entry = charts.get(client.identity);
    if (entry && entry.key !== key) {
      entry.plot.destroy();
      entry.box.remove();
      entry = undefined;
    }
    const data = [xs, ...client.series.map((s) => s.shares.map((v) => (v === null ? null : 100 * v)))];
    if (!entry) {
      const box = el('div', { className: 'timeline', dataset: { identity: client.identity } }, el('h3', {}, client.identity));
      $('timelines').append(box);
      entry = { key, box, switches: tl.switches };
      const holder = entry;
      const plot = new uPlot({
        width: Math.max(300, $('timelines').clientWidth - 10),
        height: 170,
        scales: { y: { range: [0, 100] } },
        axes: [{}, { values: (u, ticks) => ticks.map((v) => v + '%') }],
        series: [{}, ...outcomes.map((o, i) => ({ label: o, stroke: colour(o), width: 2, spanGaps: false, value: (u, v) => (v === null ? '-' : v.toFixed(0) + '%') }))],
        hooks: {
          draw: [(u) => {
            const ctx = u.ctx;
            ctx.save();
            ctx.strokeStyle = '#0f172a';
            ctx.fillStyle = '#0f172a';
            ctx.setLineDash([4, 3]);
            ctx.textAlign = 'left';
            ctx.textBaseline = 'alphabetic';
            ctx.font = (12 * devicePixelRatio) + 'px system-ui';
            holder.switches.forEach((sw, i) => {
              const x = u.valToPos(sw.at / 1000, 'x', true);
              if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
              ctx.beginPath();
              ctx.moveTo(x, u.bbox.top);
              ctx.lineTo(x, u.bbox.top + u.bbox.height);
              ctx.stroke();
              // Labels alternate between two rows, so two quick switches stay readable.
              ctx.fillText(sw.name, x + 4, u.bbox.top + (i % 2 === 0 ? 12 : 26) * devicePixelRatio);
            });
            ctx.restore();
          }],
        },
      }, data, box);
      entry.plot = plot;
      charts.set(client.identity, entry);
    } else {
      entry.switches = tl.switches;
      entry.plot.setData(data);
    }
  }
  for (const [identity, entry] of charts) {
    if (!seen.has(identity)) {
      entry.plot.destroy();
      entry.box.remove();
      charts.delete(identity);
    }
  }
}

function renderVerdict(state) {
  const v = state.verdict;
  $('verify-button').disabled = !state.scenario || Boolean(state.verifying);
  if (state.verifying) $('verify-message').textContent = 'collecting the calls ' + state.verifying + "'s checks need...";
  else if ($('verify-message').textContent.startsWith('collecting')) $('verify-message').textContent = '';
  if (!v) {
    $('verdict-summary').textContent = state.locked ? 'No verdict yet.' : 'No verdict yet: press Verify (or type verify at the play prompt).';
    $('verdict-table').replaceChildren();
    return;
  }
  const conf = Number(((1 - v.alpha) * 100).toPrecision(8)) + '% interval';
  const failed = v.checks.filter((c) => c.verdict === 'fail').length;
  $('verdict-summary').replaceChildren(
    el('span', { className: v.passed ? 'pass' : 'fail' }, v.passed ? 'PASS' : 'FAIL'),
    ' ' + v.scenario + ' at ' + time(v.at) + ' (alpha ' + v.alpha + '): ' + (v.checks.length - failed) + '/' + v.checks.length + ' checks passed');
  const head = el('tr', {}, ...['client', 'outcome', 'expected', 'observed', 'n', 'planned', conf, 'p', 'verdict'].map((h) => el('th', {}, h)));
  const rows = v.checks.map((c) => el('tr', { title: c.reason },
    el('td', {}, c.identity), el('td', {}, c.outcome), el('td', {}, expectedText({ kind: c.kind, value: c.expected })),
    el('td', { className: 'num' }, pct(c.observed)), el('td', { className: 'num' }, String(c.n)), el('td', { className: 'num' }, String(c.plannedN)),
    el('td', {}, pct(c.interval.lower) + ' – ' + pct(c.interval.upper)), el('td', { className: 'num' }, pText(c.pValue)),
    el('td', { className: c.verdict }, c.verdict)));
  $('verdict-table').replaceChildren(el('table', {}, el('thead', {}, head), el('tbody', {}, ...rows)));
}

// --- a promotion (canarykit promote --dashboard): its steps, the step gathering calls, each gate's evidence
const STATE_TEXT = { starting: 'starting', running: 'running', promoted: 'promoted to 100% v2', 'rolled-back': 'rolled back to 0% v2',
  interrupted: 'interrupted: rolled back to 0% v2', refused: 'refused: routing unchanged', failed: 'failed' };
function gateTable(gates) {
  const head = el('tr', {}, ...['gate', 'v1', 'v2', 'bound', 'n', 'planned', 'p', 'alpha', 'power', 'verdict'].map((h) => el('th', {}, h)));
  const rows = gates.map((g) => el('tr', { title: g.reason, dataset: { gate: g.gate, verdict: g.verdict } },
    el('td', {}, g.gate), el('td', {}, g.v1), el('td', {}, g.v2), el('td', {}, g.bound),
    el('td', { className: 'num' }, String(g.n)), el('td', { className: 'num' }, String(g.planned)),
    el('td', { className: 'num' }, pText(g.pValue)), el('td', { className: 'num' }, String(Number(g.alpha.toPrecision(3)))),
    el('td', { className: 'num' }, pct(g.power)), el('td', { className: g.verdict }, g.verdict)));
  return el('table', {}, el('thead', {}, head), el('tbody', {}, ...rows));
}

function renderPromotion(state) {
  const p = state.promotion;
  $('promotion-section').hidden = !p;
  // A promotion or an e2e run owns the routing: no switch, no verify; the page says why.
  $('switch-form').hidden = Boolean(state.locked);
  $('scenario-buttons').hidden = Boolean(state.locked);
  $('verify-button').hidden = Boolean(state.locked);
  $('locked').textContent = state.locked || '';
  // A promotion's gates have their own table (below); an e2e run's verdicts show in the verdict's.
  $('verdict-section').hidden = Boolean(p) && !state.verdict;
  if (!p) return;
  document.body.dataset.promotion = p.state;
  $('promotion-scenario').textContent = p.scenario + ' (' + (p.driver === 'kind' ? 'kind + Istio' : 'local mesh') + ')';
  $('promotion-state').textContent = STATE_TEXT[p.state] || p.state;
  $('promotion-state').className = p.state;
  const inForce = p.inForce ? p.inForce.weight + '% v2 in force (' + p.inForce.dir + ')' : 'no step applied yet';
  const r = p.result;
  $('promotion-summary').textContent = r
    ? 'Ended ' + (STATE_TEXT[r.result] || r.result) + ' after ' + r.totalCalls + ' calls in ' + (r.ms / 1000).toFixed(1) + ' s; ' + inForce + '.' + (r.reason ? ' ' + r.reason : '')
    : inForce + '. Each step below 100% holds until its planned calls are in, then its gates decide (alpha ' + p.alpha + ' in all).';
  const decided = new Map(p.steps.filter((st) => st.gates.length > 0 || st.weight >= 100).map((st) => [st.index, st]));
  $('promotion-schedule').replaceChildren(...p.schedule.map((weight, i) => {
    const index = i + 1;
    const st = decided.get(index);
    const failed = st && st.gates.some((g) => g.verdict === 'fail');
    const complete = st && (st.weight >= 100 || st.gates.length === 3);
    const cls = [failed ? 'failed' : complete ? 'passed' : p.gathering && p.gathering.index === index ? 'gathering' : '',
      p.inForce && p.inForce.index === index ? 'in-force' : ''].filter(Boolean).join(' ');
    return el('li', { className: cls, dataset: { weight: String(weight) } }, weight + '%');
  }));
  const g = p.gathering;
  if (g) {
    const bar = el('div', {});
    bar.style.width = Math.min(100, (100 * g.calls) / Math.max(1, g.planned)) + '%';
    $('promotion-gathering').replaceChildren(
      el('p', {}, 'Step ' + g.index + ' (' + g.weight + '% v2): ' + g.calls + ' of the ' + g.planned + ' calls its gates need'),
      el('div', { className: 'progress', role: 'progressbar', 'aria-valuenow': String(g.calls), 'aria-valuemax': String(g.planned) }, bar));
  } else {
    $('promotion-gathering').replaceChildren();
  }
  $('promotion-steps').replaceChildren(...[...p.steps].reverse().map((st) => el('div', { className: 'promotion-step', dataset: { index: String(st.index), weight: String(st.weight) } },
    el('h3', {}, 'Step ' + st.index + ': ' + st.weight + '% v2, ' + st.calls + ' calls' + (st.ms ? ' in ' + (st.ms / 1000).toFixed(1) + ' s' : ' so far')),
    st.gates.length ? gateTable(st.gates) : el('p', { className: 'muted' }, st.weight >= 100 ? 'All of the calls go to v2: nothing left to compare.' : 'No gate has decided yet.'))));
}

function render(state) {
  renderPromotion(state);
  renderScenario(state);
  renderClients(state);
  renderTimeline(state);
  renderVerdict(state);
  document.body.dataset.scenario = state.scenario ? state.scenario.name : '';
}

// --- live updates (Server-Sent Events; the browser reconnects by itself)
const events = new EventSource('api/events');
events.addEventListener('state', (event) => {
  $('connection').textContent = 'live';
  $('connection').className = 'connection live';
  render(JSON.parse(event.data));
});
events.addEventListener('error', () => {
  $('connection').textContent = 'disconnected: retrying (is canarykit play still running?)';
  $('connection').className = 'connection lost';
});
