// The receivers view (/api/v2/receivers) and the status view
// (/api/v2/status: version, uptime, cluster and the configuration).

import {amApi} from './api.js';
import {el, errorBox, emptyBox, loadingBox, badge, heading, keyValueTable, dataTable} from './dom.js';
import {hashLink, timeElement} from './alertmanager-common.js';

export async function render(root, context) {
  if (context.view === 'receivers') return renderReceivers(root, context);
  return renderStatus(root, context);
}

async function load(root, title, path, signal) {
  root.append(heading(title));
  const waiting = root.appendChild(loadingBox());
  try {
    const data = await amApi(path, {signal});
    waiting.remove();
    return data;
  } catch (error) {
    if (error.name !== 'AbortError') waiting.replaceWith(errorBox(error, `Cannot read ${path}`));
    return null;
  }
}

async function renderReceivers(root, {signal}) {
  const receivers = await load(root, 'Receivers', '/api/v2/receivers', signal);
  if (!receivers) return;
  if (!receivers.length) {
    root.append(emptyBox('No receivers'));
    return;
  }
  const names = receivers.map((receiver) => receiver.name).sort();
  root.append(
    el('p', {class: 'muted'}, 'The receivers of the loaded configuration. Follow one to see the alerts routed to it.'),
    el('ul', {class: 'am-receivers'}, names.map((name) => el('li', {class: 'am-receiver', dataset: {receiver: name}},
      el('a', {href: hashLink('alerts', {receiver: name, silenced: 'true', inhibited: 'true'})}, name)))));
}

async function renderStatus(root, {signal}) {
  const status = await load(root, 'Status', '/api/v2/status', signal);
  if (!status) return;
  const version = status.versionInfo || {};
  const uptime = Date.parse(status.uptime);
  root.append(
    el('h2', {}, 'Version'),
    keyValueTable([
      ['Version', version.version],
      ['Revision', version.revision],
      ['Branch', version.branch],
      ['Build user', version.buildUser],
      ['Build date', version.buildDate || el('span', {class: 'muted'}, 'unknown')],
      ['Runtime', version.goVersion],
      ['Started', Number.isFinite(uptime) ? timeElement(status.uptime) : el('span', {class: 'muted'}, 'unknown')],
    ], {class: 'am-version'}),
    renderCluster(status.cluster || {status: 'disabled'}),
    el('h2', {}, 'Configuration'),
    el('pre', {class: 'am-config'}, (status.config && status.config.original) || ''));
}

function renderCluster(cluster) {
  const state = cluster.status || 'disabled';
  const peers = cluster.peers || [];
  const section = el('section', {class: 'am-cluster', dataset: {status: state}},
    el('h2', {}, 'Cluster'),
    el('dl', {class: 'am-cluster-meta'},
      el('dt', {}, 'Status'), el('dd', {}, badge(state)),
      cluster.name ? [el('dt', {}, 'Name'), el('dd', {}, el('code', {}, cluster.name))] : null));
  if (state === 'disabled') {
    section.append(emptyBox('Clustering is off: this Alertmanager runs alone.'));
    return section;
  }
  if (!peers.length) {
    section.append(emptyBox('No peers'));
    return section;
  }
  const rows = peers.map((peer) => el('tr', {class: 'am-peer', dataset: {name: peer.name}},
    el('td', {}, el('code', {}, peer.name), peer.name === cluster.name ? el('span', {class: 'muted'}, ' (this one)') : null),
    el('td', {}, el('code', {}, peer.address))));
  section.append(dataTable(['Peer', 'Address'], rows, {class: 'am-peers'}));
  return section;
}
