// What staff are editing on the settings tabs that have plain (non-secret) values. Kept by the
// Settings screen rather than by each tab, so an unsaved edit outlasts a switch of tab, and reset
// per section from each saved answer, so saving one section never throws away another's edit.
import type { SettingsSection } from '../../lib/bindings/SettingsSection';
import type { SettingsView } from '../../lib/bindings/SettingsView';

export class Drafts {
  purchases: SettingsView['purchases'];
  notifications: SettingsView['notifications'];
  board: SettingsView['board'];
  fee: number;
  timeZone: string;
  rangeName: string;
  boardListen: string;
  pin: string;
  /** `server.board_hosts`, one `host:port` a line. */
  boardHosts: string;
  boardTls: boolean;
  backup: SettingsView['backup'];
  store: SettingsView['store'];

  constructor(v: SettingsView) {
    this.purchases = $state(copyPurchases(v));
    this.notifications = $state({ ...v.notifications });
    this.board = $state({ ...v.board });
    this.fee = $state(v.carrier_hits.fee);
    this.timeZone = $state(v.server.time_zone);
    this.rangeName = $state(v.server.range_name);
    this.boardListen = $state(v.server.board_listen);
    this.pin = $state('');
    this.boardHosts = $state(v.server.board_hosts.join('\n'));
    this.boardTls = $state(v.server.board_tls);
    this.backup = $state({ ...v.backup });
    this.store = $state({ ...v.store });
  }

  /** Takes the answer to a save of `section`: its drafts become what was saved. */
  reset(v: SettingsView, section: SettingsSection) {
    if (section === 'purchases') this.purchases = copyPurchases(v);
    if (section === 'notifications') this.notifications = { ...v.notifications };
    if (section === 'board') this.board = { ...v.board };
    if (section === 'carrier_hits') this.fee = v.carrier_hits.fee;
    if (section === 'backup') this.backup = { ...v.backup };
    if (section === 'store') this.store = { ...v.store };
    if (section === 'server') {
      this.timeZone = v.server.time_zone;
      this.rangeName = v.server.range_name;
      this.boardListen = v.server.board_listen;
      this.boardHosts = v.server.board_hosts.join('\n');
      this.boardTls = v.server.board_tls;
      this.pin = '';
    }
  }
}

function copyPurchases(v: SettingsView): SettingsView['purchases'] {
  return { ...v.purchases, rules: { ...v.purchases.rules } };
}
