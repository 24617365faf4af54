// The one Node API a UI test uses (reading the workspace's Cargo.toml, outside what Vite may serve),
// declared here rather than adding @types/node, whose globals would leak into the UI's own types.
declare module 'node:fs' {
  export function readFileSync(path: string, encoding: 'utf8'): string;
}
