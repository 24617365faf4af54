// Backups (src-tauri/core/src/backups.rs): the panel's facts, "Back up now", and staging a backup
// file to replace the store at the next start. From the desk computer only: the window's
// commands, or the browser API on loopback (the board's guard refuses LAN browsers).
import type { BackupDone } from '../bindings/BackupDone';
import type { BackupStatus } from '../bindings/BackupStatus';
import type { RestoreStaged } from '../bindings/RestoreStaged';
import { call } from './transport';

export function backupStatus(): Promise<BackupStatus> {
  return call({ command: 'backup_status' }, { method: 'GET', path: '/api/backups' });
}

export function backUpNow(): Promise<BackupDone> {
  return call({ command: 'back_up_now' }, { method: 'POST', path: '/api/backups', body: {} });
}

/** `file` is the backup file's whole path (one of `BackupStatus.files`, or any other). */
export function restoreBackup(file: string): Promise<RestoreStaged> {
  return call({ command: 'restore_backup', args: { file } }, { method: 'POST', path: '/api/backups/restore', body: { file } });
}
