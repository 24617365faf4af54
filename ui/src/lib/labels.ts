// Words staff read for the wire names of the core's enums.

const SOURCES: Record<string, string> = {
  action_target: 'Action Target',
  enviso: 'Enviso',
  samna: 'Samna',
};

/** The vendor's name as it is written in its own portal; unknown ones as they came. */
export function sourceName(source: string): string {
  return SOURCES[source] ?? source;
}
