// The cluster page: members and their roles, states and heartbeats, the
// meta group's Raft state, how the storage ring is shared out and how many
// targets each scraper owns. It refreshes itself every few seconds.

import {el, heading, errorBox, emptyBox, loadingBox, badge, refreshButton, dataTable, saveFilters} from './dom.js';
import {api} from './api.js';
import {formatAgo, formatDuration, formatTime} from './format.js';

const REFRESH_MS = 5000;

export async function render(root, context) {
  const {signal} = context;
  let timer = null;
  let loaded = false;
  let loads = 0; // the latest load's number: an older answer is dropped

  const problems = el('div', {class: 'cluster-problems'});
  const updated = el('span', {class: 'muted updated'});
  const body = el('div', {class: 'cluster'}, loadingBox('Loading the cluster status…'));
  // Turning auto-refresh off is kept in the URL (auto=0).
  const autoCheck = el('input', {type: 'checkbox', checked: context.params.get('auto') !== '0', onchange: () => {
    saveFilters(context, {auto: !autoCheck.checked && '0'});
    if (autoCheck.checked) load();
    else clearTimeout(timer);
  }});

  root.append(
    heading('Cluster', updated, el('label', {class: 'check'}, autoCheck, `Auto-refresh (${REFRESH_MS / 1000}s)`), refreshButton(load)),
    problems, body);
  signal.addEventListener('abort', () => clearTimeout(timer));
  // No refreshing while the page is not shown; back in view, it catches up.
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && autoCheck.checked) load();
  }, {signal});

  function schedule() {
    clearTimeout(timer);
    if (autoCheck.checked && !signal.aborted && !document.hidden) timer = setTimeout(load, REFRESH_MS);
  }

  async function load() {
    clearTimeout(timer);
    const mine = ++loads;
    try {
      const {data} = await api('/api/v1/status/cluster', {}, {signal});
      if (mine !== loads) return;
      problems.replaceChildren(...statusNotices(data));
      body.replaceChildren(...draw(data));
      updated.textContent = `updated ${formatTime(Date.now()).slice(11)}`;
      loaded = true;
    } catch (error) {
      if (error.name === 'AbortError' || mine !== loads) return;
      // A failed refresh keeps the last status on screen, marked as stale.
      problems.replaceChildren(errorBox(error, loaded ? 'Cannot refresh the cluster status (showing the last one)' : 'Cannot load the cluster status'));
      if (!loaded) body.replaceChildren();
    }
    schedule();
  }

  await load();
}

function statusNotices(data) {
  const notices = [];
  if (data.frozen) {
    notices.push(el('div', {class: 'notice warning cluster-frozen', role: 'alert'},
      el('strong', {}, 'Membership is frozen: '),
      'this node cannot reach the meta group and keeps working with the last membership it knew. Members, states and heartbeats below may be out of date.'));
  }
  if (data.error) notices.push(errorBox(data.error, 'Meta group unreachable'));
  return notices;
}

function draw(data) {
  const members = sortMembers(data.members || []);
  const single = data.mode === 'single';
  const parts = [summaryCards(data, members)];
  if (single) {
    parts.push(el('div', {class: 'notice single-node'},
      'This is a single node (', el('code', {}, 'sonde all'),
      '): it scrapes, stores, evaluates rules and answers queries by itself; there is no meta group, storage ring or scraper to show.'));
  }
  parts.push(el('section', {id: 'members'}, el('h2', {}, 'Members'), membersTable(members, data)));
  if (data.meta) parts.push(raftSection(data.meta));
  else if (!single) {
    parts.push(el('section', {id: 'raft'}, el('h2', {}, 'Meta group (Raft)'),
      emptyBox('No Raft status: the meta group could not be reached.')));
  }
  if (Array.isArray(data.storageRing)) parts.push(ringSection(data.storageRing));
  if (!single) parts.push(scrapersSection(data.scrapers || [], knowsScrapers(data)));
  return parts;
}

function sortMembers(members) {
  const key = (member) => `${(member.roles || []).join(',')}\u0000${member.address}`;
  return [...members].sort((a, b) => key(a).localeCompare(key(b)));
}

function countBy(items, key) {
  const counts = new Map();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) || 0) + 1);
  return [...counts].sort(([a], [b]) => String(a).localeCompare(String(b)));
}

function card(title, value, ...hints) {
  return el('div', {class: 'card'}, el('div', {class: 'muted'}, title), el('div', {class: 'big'}, value),
    hints.filter(Boolean).map((hint) => el('div', {class: 'muted small'}, hint)));
}

function summaryCards(data, members) {
  const states = countBy(members, (member) => member.state || 'unknown');
  const cards = [
    card('Mode', data.mode === 'single' ? 'single node' : 'cluster', data.frozen ? badge('frozen') : null),
    card('Members', String(members.length), el('span', {class: 'state-counts'},
      states.map(([state, count]) => [badge(`${count} ${state}`, state), ' ']))),
  ];
  if (data.meta) {
    const leader = data.meta.leader;
    cards.push(card('Raft leader', leader ? String(leader.id) : 'none',
      leader ? leader.address : 'the meta group has no leader', `term ${data.meta.term}`));
  }
  if (knowsScrapers(data)) {
    const targets = data.scrapers.reduce((sum, scraper) => sum + (scraper.ownedTargets || 0), 0);
    cards.push(card('Scraped targets', String(targets), `${data.scrapers.length} active scraper${data.scrapers.length === 1 ? '' : 's'}`));
  }
  if (Array.isArray(data.storageRing)) {
    const tokens = data.storageRing.reduce((sum, node) => sum + (node.tokens || 0), 0);
    cards.push(card('Storage ring', `${data.storageRing.length} node${data.storageRing.length === 1 ? '' : 's'}`, `${tokens} tokens`));
  }
  return el('div', {class: 'cards cluster-summary'}, cards);
}

function roleChips(roles) {
  return el('span', {class: 'roles'}, (roles || []).map((role) => el('span', {class: 'role'}, role)));
}

function membersTable(members, data) {
  if (members.length === 0) return emptyBox('No members: the meta group knows of no node yet.');
  const leaderId = data.meta && data.meta.leader ? String(data.meta.leader.id) : null;
  const owned = new Map((data.scrapers || []).map((scraper) => [String(scraper.id), scraper.ownedTargets]));
  const withTargets = knowsScrapers(data);
  const rows = members.map((member) => {
    const heartbeat = member.lastHeartbeatSecondsAgo;
    const registered = member.registeredAt ? member.registeredAt * 1000 : null;
    return el('tr', {class: 'member-row', dataset: {state: member.state || 'unknown', roles: (member.roles || []).join(','), id: String(member.id)}},
      el('td', {class: 'mono'}, String(member.id), String(member.id) === leaderId ? [' ', badge('leader')] : null),
      el('td', {}, roleChips(member.roles)),
      el('td', {class: 'mono'}, member.address || '—'),
      el('td', {}, member.zone || el('span', {class: 'muted'}, '—')),
      el('td', {}, badge(member.state || 'unknown')),
      el('td', {class: 'nowrap'}, typeof heartbeat === 'number' ? heartbeatAgo(heartbeat) : el('span', {class: 'muted'}, '—')),
      el('td', {class: 'nowrap', title: registered ? formatTime(registered) : null}, registered ? formatAgo(registered) : el('span', {class: 'muted'}, '—')),
      withTargets ? el('td', {class: 'num'}, owned.has(String(member.id)) ? String(owned.get(String(member.id)) ?? '—') : '') : null);
  });
  const headers = ['ID', 'Roles', 'Address', 'Zone', 'State', 'Last heartbeat', 'Registered'];
  if (withTargets) headers.push(['Targets', 'num']);
  return dataTable(headers, rows, {class: 'members'});
}

// Heartbeats come every few seconds: tenths are enough.
function heartbeatAgo(seconds) {
  return seconds < 60 ? `${seconds.toFixed(1)}s ago` : `${formatDuration(seconds)} ago`;
}

function raftSection(meta) {
  const leaderId = meta.leader ? String(meta.leader.id) : null;
  const voters = (meta.members || []).filter((member) => member.voter).length;
  const learners = (meta.members || []).length - voters;
  const indexes = [['Term', meta.term], ['Commit index', meta.commitIndex], ['Applied index', meta.appliedIndex],
    ['Last log index', meta.lastLogIndex], ['Snapshot index', meta.snapshotIndex], ['Purged index', meta.purgedIndex]];
  const rows = (meta.members || []).map((member) => el('tr', {class: 'raft-row', dataset: {id: String(member.id), voter: String(Boolean(member.voter))}},
    el('td', {class: 'mono'}, String(member.id)),
    el('td', {class: 'mono'}, member.address),
    el('td', {}, member.voter ? 'voter' : 'learner'),
    el('td', {}, String(member.id) === leaderId ? badge('leader') : el('span', {class: 'muted'}, 'follower'))));
  return el('section', {id: 'raft'},
    el('h2', {}, 'Meta group (Raft)'),
    el('p', {class: 'muted'},
      `${voters} voter${voters === 1 ? '' : 's'}, ${learners} learner${learners === 1 ? '' : 's'}. `,
      `Answered by node ${meta.answeredBy ?? '?'} (${meta.raftState || 'unknown state'}).`),
    el('dl', {class: 'raft-indexes'}, indexes.map(([name, value]) => el('div', {}, el('dt', {}, name), el('dd', {}, String(value ?? '—'))))),
    rows.length
      ? dataTable(['ID', 'Address', 'Kind', 'Role'], rows, {class: 'raft'})
      : emptyBox('The meta group reported no Raft members.'));
}

function ringSection(ring) {
  const nodes = [...ring].sort((a, b) => String(a.address).localeCompare(String(b.address)));
  const rows = nodes.map((node) => {
    const share = Math.max(0, Math.min(1, Number(node.ownership) || 0));
    return el('tr', {class: 'ring-row', dataset: {id: String(node.id), state: node.state || ''}},
      el('td', {class: 'mono'}, String(node.id)),
      el('td', {class: 'mono'}, node.address),
      el('td', {}, node.zone || el('span', {class: 'muted'}, '—')),
      el('td', {}, node.state ? badge(node.state) : el('span', {class: 'muted'}, '—')),
      el('td', {class: 'num'}, String(node.tokens ?? '—')),
      el('td', {class: 'num'}, `${(share * 100).toFixed(1)}%`),
      el('td', {class: 'bar-cell'}, el('span', {class: 'bar', style: {width: `${share * 100}%`}})));
  });
  return el('section', {id: 'storage-ring'},
    el('h2', {}, 'Storage ring'),
    el('p', {class: 'muted'}, 'The share of the token ring each storage node owns as primary replica',
      nodes.length ? ` (an even split gives each ${(100 / nodes.length).toFixed(1)}%).` : '.'),
    rows.length
      ? dataTable(['ID', 'Address', 'Zone', 'State', ['Tokens', 'num'], ['Ownership', 'num'], ['', 'bar-cell']], rows, {class: 'ring'})
      : emptyBox('The storage ring is empty: no storage node is active.'));
}

// Target counts come from the meta leader: unknown when it cannot be reached.
function knowsScrapers(data) {
  return Array.isArray(data.scrapers) && !data.error;
}

function scrapersSection(scrapers, known) {
  const most = Math.max(1, ...scrapers.map((scraper) => scraper.ownedTargets || 0));
  const rows = [...scrapers].sort((a, b) => String(a.address).localeCompare(String(b.address))).map((scraper) =>
    el('tr', {class: 'scraper-row', dataset: {id: String(scraper.id)}},
      el('td', {class: 'mono'}, String(scraper.id)),
      el('td', {class: 'mono'}, scraper.address),
      el('td', {class: 'num'}, scraper.ownedTargets === null || scraper.ownedTargets === undefined ? '—' : String(scraper.ownedTargets)),
      el('td', {class: 'bar-cell'}, el('span', {class: 'bar', style: {width: `${(100 * (scraper.ownedTargets || 0)) / most}%`}}))));
  return el('section', {id: 'scrapers'},
    el('h2', {}, 'Scrapers'),
    rows.length
      ? dataTable(['ID', 'Address', ['Owned targets', 'num'], ['', 'bar-cell']], rows, {class: 'scrapers'})
      : emptyBox(known ? 'No active scrapers: no node with the scraper role is active, so no target is scraped.'
        : 'Unknown: how many targets each scraper owns comes from the meta group, which could not be reached.'));
}
