// Words staff read for the wire names of the core's enums.
import type { Source } from './bindings/Source';

const SOURCES: Record<Source, string> = {
  action_target: 'Action Target',
  enviso: 'Enviso',
  samna: 'Samna',
};

/** The vendor's name as it is written in its own portal; unknown ones as they came. */
export function sourceName(source: string): string {
  const names: Record<string, string | undefined> = SOURCES;
  return names[source] ?? source;
}
