// Words for the settings screens: delivery verdicts, purchase rules, setting keys.
import { UI_CONSTANTS } from '../../lib/bindings/constants';
import type { Rule } from '../../lib/bindings/Rule';
import type { Verdict } from '../../lib/bindings/Verdict';

export function verdictLabel(v: Verdict): string {
  return { accepted: 'accepted', duplicate: 'duplicate', rejected: 'refused' }[v] ?? v;
}

export const RULES: Array<{ value: Rule; label: string }> = [
  { value: 'approve', label: 'Approve at once' },
  { value: 'ask', label: 'Ask the desk' },
  { value: 'decline', label: 'Decline' },
];

/** A setting that takes effect only after a restart. */
type RestartKey = (typeof UI_CONSTANTS.restart_keys)[number];

/** The settings a restart applies, in words for the notice; the others show their key. */
const KEYS: Partial<Record<RestartKey, string>> = {
  'server.listen': 'webhook address',
  'server.board_listen': 'board address',
  'server.board_pin': 'board PIN',
  'server.tls_cert': 'TLS certificate',
  'server.tls_key': 'TLS key',
  'server.header_timeout_seconds': 'header timeout',
  'server.body_timeout_seconds': 'body timeout',
  'server.max_connections': 'connection limit',
};

export function keyLabel(key: string): string {
  const words: Record<string, string | undefined> = KEYS;
  return words[key] ?? key;
}
