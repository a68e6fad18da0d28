import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { findElementIndex, startScriptedModelServer } from '@open-smooth/testkit';
import { firstKey, startTestServer, waitForTask } from './support/test-server.js';

const run = promisify(execFile);

/**
 * A secret typed into a plain text field must not show in any picture of the task: step
 * screenshots, and the recording (made of the same screencast frames as the live view).
 *
 * No OCR: the fields are large, black on white, at fixed places (desktop viewport, 1280 × 800 CSS
 * pixels). Capital letters and digits put ink high up in the line; the discs a password field draws
 * do not. The rows where a field of visible capitals has ink and the password field has none are
 * "glyph rows"; a secret of capitals and digits drawn as text would put ink there.
 */
const secret = 'TOPHAT77';
const viewportWidth = 1280;
const field = { left: 40, width: 360, height: 64, padding: 12 };
const tops = { account: 40, note: 160, reference: 280, shownPassword: 400 };

const page = `<!doctype html><title>Payment details</title>
<style>
  body { margin: 0; background: #fff; }
  input { position: absolute; left: ${field.left}px; width: ${field.width}px; height: ${field.height}px; padding: 0 ${field.padding}px; box-sizing: border-box;
          border: 0; outline: 0; background: #fff; color: #000; font: 40px/${field.height}px monospace; caret-color: transparent; }
</style>
<input id="account" aria-label="Account number" style="top: ${tops.account}px">
<input id="note" aria-label="Note" style="top: ${tops.note}px">
<input id="reference" type="password" aria-label="Reference" value="xxxxxxxx" style="top: ${tops.reference}px">
<input id="shown-password" aria-label="Password shown" autocomplete="current-password" value="HUNTER42" style="top: ${tops.shownPassword}px">
<script>
  const account = document.getElementById('account');
  account.addEventListener('input', () => fetch('/typed', { method: 'POST', body: account.value }));
</script>`;

interface PaymentSite {
  url: string;
  /** The longest value the page reported for the account field (its reports may arrive out of order). */
  typed(): string;
  close(): Promise<void>;
}

async function startPaymentSite(): Promise<PaymentSite> {
  let typed = '';
  const server = createServer((request, response) => {
    if (request.method === 'POST' && request.url === '/typed') {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const value = Buffer.concat(chunks).toString('utf8');
        if (value.length >= typed.length) typed = value;
        response.end();
      });
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(page);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    typed: () => typed,
    close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

/** A decoded greyscale picture. */
interface GreyImage {
  width: number;
  height: number;
  pixels: Buffer;
}

/** Every picture in a file (one for a JPEG, every frame for a video), decoded by ffmpeg to greyscale PGM. */
async function decodePictures(path: string): Promise<GreyImage[]> {
  const { stdout } = await run('ffmpeg', ['-v', 'error', '-i', path, '-fps_mode', 'passthrough', '-f', 'image2pipe', '-c:v', 'pgm', '-'], {
    encoding: 'buffer',
    maxBuffer: 512 * 1024 * 1024,
  });
  const images: GreyImage[] = [];
  let offset = 0;
  while (offset < stdout.length) {
    const header = /^P5\s+(\d+)\s+(\d+)\s+255\s/.exec(stdout.subarray(offset, offset + 32).toString('latin1'));
    if (!header) throw new Error(`not a PGM picture at byte ${offset}`);
    const width = Number(header[1]);
    const height = Number(header[2]);
    const start = offset + header[0].length;
    images.push({ width, height, pixels: stdout.subarray(start, start + width * height) });
    offset = start + width * height;
  }
  return images;
}

/** Dark pixels per row of a field's text box (its padding left out), top to bottom. */
function inkRows(image: GreyImage, top: number): number[] {
  const scale = image.width / viewportWidth;
  const rows: number[] = [];
  for (let y = Math.round(top * scale); y < Math.round((top + field.height) * scale); y += 1) {
    let ink = 0;
    for (let x = Math.round((field.left + field.padding) * scale); x < Math.round((field.left + field.width - field.padding) * scale); x += 1) {
      if ((image.pixels[y * image.width + x] ?? 255) < 100) ink += 1;
    }
    rows.push(ink);
  }
  return rows;
}

/** Rows (relative to a field's top) where visible capitals have ink and a password field's discs have none. */
function glyphRows(image: GreyImage): number[] {
  const visible = inkRows(image, tops.note);
  const discs = inkRows(image, tops.reference);
  return visible.flatMap((ink, row) => (ink > 0 && discs[row] === 0 ? [row] : []));
}

function inkIn(rows: number[], selected: number[]): number {
  return selected.reduce((sum, row) => sum + (rows[row] ?? 0), 0);
}


test('a secret typed into a text field shows as discs in step screenshots and in the recording, never as its characters', async (t) => {
  const site = await startPaymentSite();
  const model = await startScriptedModelServer((request) => {
    const observation = request.lastUserText;
    const account = findElementIndex(observation, { role: 'textbox', name: 'Account number' });
    const note = findElementIndex(observation, { role: 'textbox', name: 'Note' });
    if (account === undefined || note === undefined) return { toolCalls: [{ name: 'done', arguments: { answer: 'no form' } }] };
    const typed = request.messages.some((message) => JSON.stringify(message.tool_calls ?? '').includes('<secret:account>'));
    if (typed) return { toolCalls: [{ name: 'done', arguments: { answer: 'filled' } }], delayMs: 1500 };
    return {
      toolCalls: [
        { name: 'type', arguments: { index: account, text: '<secret:account>' } },
        { name: 'type', arguments: { index: note, text: 'HELLO123' } },
      ],
    };
  });
  const server = await startTestServer({ modelEnvironment: model.environment() });
  t.after(async () => {
    await server.close();
    await model.close();
    await site.close();
  });

  const created = await server.api('POST', '/task', {
    body: { task: 'Fill in the payment details', url: `${site.url}/`, device: 'desktop', secrets: { account: secret } },
  });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const id: string = created.body.r.id;
  const finished = await waitForTask(server, id, (task) => task.status !== 'running' && task.status !== 'waiting', 'the task to end');
  assert.equal(finished.status, 'done', finished.error);
  // The field really held the secret: its absence below is the shield's doing, not a task that typed nothing.
  assert.equal(site.typed(), secret);

  // Step screenshots: the last one shows both fields filled.
  const steps = (await server.api('GET', `/task/${id}/steps`)).body.r as Array<{ screenshot_url: string | null }>;
  const screenshots: GreyImage[] = [];
  for (const [index, step] of steps.entries()) {
    assert.ok(step.screenshot_url, `step ${index + 1} has no screenshot`);
    const response = await fetch(`${server.server.url}${step.screenshot_url}`, { headers: { apikey: firstKey } });
    assert.equal(response.status, 200);
    const path = join(server.dataDirectory, `step-${index + 1}.jpg`);
    await writeFile(path, Buffer.from(await response.arrayBuffer()));
    screenshots.push(...(await decodePictures(path)));
  }
  const filledScreenshot = screenshots.at(-1);
  assert.ok(filledScreenshot && steps.length >= 2, `${steps.length} steps`);
  assertSecretNotDrawn(filledScreenshot, screenshots, 'step screenshot');
  // Screenshots draw password-like fields (autocomplete="current-password", shown as text by the page) as discs too.
  const rows = glyphRows(filledScreenshot);
  assert.equal(inkIn(inkRows(filledScreenshot, tops.shownPassword), rows), 0, 'a step screenshot shows the shown password as text');

  // The recording: every frame, decoded from the MP4 the server encoded.
  const ready = await waitForTask(server, id, (task) => task.recording_url !== null, 'the recording');
  const video = await fetch(ready.recording_url);
  assert.equal(video.status, 200);
  const videoPath = join(server.dataDirectory, 'recording.mp4');
  await writeFile(videoPath, Buffer.from(await video.arrayBuffer()));
  const frames = await decodePictures(videoPath);
  const lastFrame = frames.at(-1);
  assert.ok(lastFrame, 'the recording has no frame');
  assertSecretNotDrawn(lastFrame, frames, 'recording frame');
});

/**
 * `filled` shows both fields filled: it gives the glyph rows, proves they catch visible capitals
 * (the note), and shows the secret's field holds discs. In no picture of `all` does the secret's
 * field have ink in the glyph rows (a half-typed secret included).
 */
function assertSecretNotDrawn(filled: GreyImage, all: GreyImage[], what: string): void {
  const rows = glyphRows(filled);
  const visibleInk = inkIn(inkRows(filled, tops.note), rows);
  assert.ok(rows.length >= 4 && visibleInk >= 100, `${what}: visible capitals leave too little ink to tell (${rows.length} rows, ${visibleInk} pixels)`);
  assert.ok(inkRows(filled, tops.account).reduce((sum, ink) => sum + ink, 0) > 50, `${what}: the secret's field shows nothing at all`);
  for (const [index, image] of all.entries()) {
    const secretInk = inkIn(inkRows(image, tops.account), rows);
    assert.ok(secretInk <= visibleInk / 50, `${what} ${index + 1} of ${all.length} draws the secret's characters (${secretInk} dark pixels where discs have none, visible text ${visibleInk})`);
  }
}
