import { existsSync, mkdirSync } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { Download, Page } from 'playwright-core';

import { EventSubscriptions } from './event-subscriptions.js';

/** A finished download, saved under the task's downloads directory. */
export interface DownloadedFile {
  url: string;
  suggestedFilename: string;
  path: string;
  bytes: number;
}

/** Turns a page-supplied name into a safe plain file name. */
export function safeFileName(suggested: string): string {
  const cleaned = basename(suggested.replace(/\\/g, '/'))
    .replace(/[\u0000-\u001f\u007f<>:"|?*]/g, '_')
    .trim();
  return cleaned === '' || cleaned === '.' || cleaned === '..' ? 'download' : cleaned;
}

/** Saves every download of the pages it watches into one directory, never overwriting a file. */
export class DownloadCollector {
  readonly files: DownloadedFile[] = [];
  readonly #pending = new Set<Promise<void>>();
  readonly #reservedNames = new Set<string>();

  constructor(readonly directory: string) {
    mkdirSync(directory, { recursive: true });
  }

  readonly #subscriptions = new EventSubscriptions();

  watch(page: Page): void {
    this.#subscriptions.on(page, 'download', (download: Download) => {
      const saving = this.#save(download).catch(() => {
        // A failed or cancelled download leaves nothing to report.
      });
      this.#pending.add(saving);
      void saving.finally(() => this.#pending.delete(saving));
    });
  }

  /** Stops saving new downloads (the pages go on to another task); saves in progress finish. */
  dispose(): void {
    this.#subscriptions.dispose();
  }

  /** Waits for the downloads in progress (bounded by timeoutMs) and returns everything saved so far. */
  async waitForAll(timeoutMs: number): Promise<DownloadedFile[]> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    // Saves that finish while we wait may start no new ones, but loop in case a save chained another.
    while (this.#pending.size > 0) {
      const settled = await Promise.race([Promise.allSettled([...this.#pending]).then(() => true), timeout.then(() => false)]);
      if (!settled) break;
    }
    clearTimeout(timer);
    return [...this.files];
  }

  /** Keeps a file the task made itself (a screenshot, a printed PDF) beside the downloads. */
  async saveProduced(suggestedFilename: string, bytes: Uint8Array, url: string): Promise<DownloadedFile> {
    const path = join(this.directory, this.#reserveName(safeFileName(suggestedFilename)));
    await writeFile(path, bytes);
    const file = { url, suggestedFilename, path, bytes: bytes.byteLength };
    this.files.push(file);
    return file;
  }

  async #save(download: Download): Promise<void> {
    const suggestedFilename = download.suggestedFilename();
    const path = join(this.directory, this.#reserveName(safeFileName(suggestedFilename)));
    await download.saveAs(path);
    const { size } = await stat(path);
    this.files.push({ url: download.url(), suggestedFilename, path, bytes: size });
  }

  /** Picks `name`, else `name (1).ext`, `name (2).ext`…, skipping files already on disk or being saved. */
  #reserveName(name: string): string {
    const extension = extname(name);
    const stem = name.slice(0, name.length - extension.length);
    for (let attempt = 0; ; attempt += 1) {
      const candidate = attempt === 0 ? name : `${stem} (${attempt})${extension}`;
      if (!this.#reservedNames.has(candidate) && !existsSync(join(this.directory, candidate))) {
        this.#reservedNames.add(candidate);
        return candidate;
      }
    }
  }
}
