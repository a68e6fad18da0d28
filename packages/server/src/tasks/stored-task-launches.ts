import type { ClientCertificate } from '@open-smooth/browser';
import type { TaskStore } from '../store/task-record.js';
import type { TaskSettings } from '../wire-format.js';
import type { TaskLaunch, TaskLaunches } from './task-launches.js';

/** Settings as JSON text: certificate bytes travel as base64, everything else is JSON already. */
type SettingsText = Omit<TaskSettings, 'clientCertificates'> & { clientCertificates: Array<Omit<ClientCertificate, 'pfx'> & { pfx: string }> };

export function settingsToText(settings: TaskSettings): string {
  const text: SettingsText = { ...settings, clientCertificates: settings.clientCertificates.map((certificate) => ({ ...certificate, pfx: certificate.pfx.toString('base64') })) };
  return JSON.stringify(text);
}

export function settingsFromText(text: string): TaskSettings {
  const parsed = JSON.parse(text) as SettingsText;
  return { ...parsed, clientCertificates: parsed.clientCertificates.map((certificate) => ({ ...certificate, pfx: Buffer.from(certificate.pfx, 'base64') })) };
}

/**
 * Launches through the shared database, for a worker in another process: the API process stores
 * the settings at creation (the store seals them: proxy password, certificates, secrets), the
 * worker that claimed the task reads them with the record, and deletes them once the task has
 * started: a worker that dies in between leaves them for the next one. The caller tunnel is not
 * part of it: the worker opens its own.
 */
export class StoredTaskLaunches implements TaskLaunches {
  constructor(private readonly store: TaskStore) {}

  put(launch: TaskLaunch): Promise<void> {
    return this.store.putTaskLaunch(launch.record.id, settingsToText(launch.settings));
  }

  async take(taskId: string): Promise<TaskLaunch | undefined> {
    const text = await this.store.readTaskLaunch(taskId);
    if (text === undefined) return undefined;
    const record = await this.store.getTask(taskId);
    return record ? { record, settings: settingsFromText(text) } : undefined;
  }

  started(taskId: string): Promise<void> {
    return this.store.deleteTaskLaunch(taskId);
  }

  drop(taskId: string): Promise<void> {
    return this.store.deleteTaskLaunch(taskId);
  }

  waiting(): TaskLaunch[] {
    return [];
  }
}
