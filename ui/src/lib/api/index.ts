// The UI's one API client. Every call goes through ./transport.ts, which picks the window's IPC
// or the browser API and decodes every failure into one ApiFailure; every answer has the type
// generated from the Rust structs through ts-rs (../bindings), none declared here by hand.
// Screens import this module only, never @tauri-apps/api.
export * from './backups';
export * from './board';
export * from './history';
export * from './records';
export * from './settings';
export { ApiFailure, errorCode, errorMessage, inWindow, onWindowEvent, refusal } from './transport';

export type { ApiError } from '../bindings/ApiError';
export type { Autostart } from '../bindings/Autostart';
export type { BackupStatus } from '../bindings/BackupStatus';
export type { BoardView } from '../bindings/BoardView';
export type { CatalogueRule } from '../bindings/CatalogueRule';
export type { DayReport } from '../bindings/DayReport';
export type { DeliveryRow } from '../bindings/DeliveryRow';
export type { DesktopStatus } from '../bindings/DesktopStatus';
export type { EventRow } from '../bindings/EventRow';
export type { HookUrls } from '../bindings/HookUrls';
export type { Page } from '../bindings/Page';
export type { PeriodReport } from '../bindings/PeriodReport';
export type { Picture } from '../bindings/Picture';
export type { Product } from '../bindings/Product';
export type { SessionView } from '../bindings/SessionView';
export type { SettingsChanged } from '../bindings/SettingsChanged';
export type { SettingsSection } from '../bindings/SettingsSection';
export type { SettingsView } from '../bindings/SettingsView';
export type { SetupStep } from '../bindings/SetupStep';
export type { Source } from '../bindings/Source';
export type { StartSession } from '../bindings/StartSession';
export type { Status } from '../bindings/Status';
export type { TestDeliveryResult } from '../bindings/TestDeliveryResult';
export type { VisitsView } from '../bindings/VisitsView';
