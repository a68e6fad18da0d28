import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { ScreencastFrame, TaskContext } from '../src/index.js';
import { useBrowserFixture } from './browser-fixture.js';

const fixture = useBrowserFixture('frame-source');

/** Collects frames until `until` holds on them (or the deadline passes: the assertion then says so). */
async function collectFrames(task: TaskContext, until: (frames: ScreencastFrame[]) => boolean, act: () => Promise<void> = async () => {}): Promise<ScreencastFrame[]> {
  const frames: ScreencastFrame[] = [];
  let wake = () => {};
  const unsubscribe = task.frames.subscribe((frame) => {
    frames.push(frame);
    wake();
  });
  try {
    await act();
    const deadline = Date.now() + 20_000;
    while (!until(frames) && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 250);
      });
    }
    return frames;
  } finally {
    unsubscribe();
  }
}

const isJpeg = (frame: ScreencastFrame) => frame.jpeg[0] === 0xff && frame.jpeg[1] === 0xd8;

test('frames come while someone subscribes, follow a new active tab, and stop at close', async () => {
  await fixture.withTask({ device: 'desktop' }, async (task) => {
    await task.goto(`${fixture.site.origin}/popup-opener`);
    const first = await collectFrames(task, (frames) => frames.length > 0);
    assert.ok(first.length > 0, 'a frame of the opened page');
    const frame = first[0]!;
    assert.ok(isJpeg(frame));
    assert.ok(frame.width > 100 && frame.height > 100, `${frame.width}x${frame.height}`);
    assert.equal(task.frames.latestFrame, first.at(-1));

    // The popup becomes the active tab: the screencast moves to it (a different picture).
    const popupFrames = await collectFrames(
      task,
      (frames) => frames.some((candidate) => !candidate.jpeg.equals(frame.jpeg)),
      async () => {
        await task.page.click('#open-allowed');
        await task.waitForSettle();
      },
    );
    assert.equal(task.pages.length, 2);
    assert.ok(popupFrames.some((candidate) => !candidate.jpeg.equals(frame.jpeg)), 'the popup shows in the frames');

    // Nobody subscribed: nothing is captured, so the latest frame stays as it was.
    const latest = task.frames.latestFrame;
    await task.goto(`${fixture.site.origin}/`);
    assert.equal(task.frames.latestFrame, latest);
  });
});

test('input reaches the active tab: a click focuses a field and typed keys land in it', async () => {
  await fixture.withTask({ device: 'desktop' }, async (task) => {
    await task.page.setContent('<input id="name" style="position:fixed;left:0;top:0;width:100%;height:50%;font-size:40px">');
    await task.input.mouseDown({ x: 0.5, y: 0.25 }, 'left');
    await task.input.mouseUp({ x: 0.5, y: 0.25 }, 'left');
    for (const key of ['H', 'i', 'Shift', '!']) {
      await task.input.keyDown(key);
      await task.input.keyUp(key);
    }
    await task.input.insertText('é');
    assert.equal(await task.page.inputValue('#name'), 'Hi!é');
  });
});

test('closing the task stops its screencast; a later subscription gets nothing', async () => {
  let received = 0;
  await fixture.withTask({ device: 'desktop' }, async (task) => {
    await task.goto(`${fixture.site.origin}/`);
    await collectFrames(task, (frames) => frames.length > 0);
    await task.close();
    const unsubscribe = task.frames.subscribe(() => (received += 1));
    unsubscribe();
  });
  assert.equal(received, 0);
});

test('a consumer that starts later gets no frame until then, and pictures no larger than it asked for', async () => {
  await fixture.withTask({ device: 'desktop' }, async (task) => {
    let release = () => {};
    const startAfter = new Promise<void>((resolve) => (release = resolve));
    const frames: ScreencastFrame[] = [];
    const unsubscribe = task.frames.subscribe((frame) => frames.push(frame), { maxFrameSide: 400, startAfter });
    try {
      await task.goto(`${fixture.site.origin}/`);
      assert.equal(frames.length, 0, 'no frame before the consumer starts');
      assert.equal(task.frames.latestFrame, undefined, 'nothing was captured');
      release();
      const deadline = Date.now() + 20_000;
      while (frames.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      const frame = frames[0];
      assert.ok(frame, 'a frame once started');
      assert.ok(Math.max(frame.width, frame.height) <= 400 && frame.width > 100, `${frame.width}x${frame.height}`);
    } finally {
      unsubscribe();
    }
  });
});

test('capture takes a picture of what the active tab shows now, no larger than asked', async () => {
  await fixture.withTask({ device: 'desktop' }, async (task) => {
    await task.goto(`${fixture.site.origin}/`);
    const frame = await task.frames.capture({ maxFrameSide: 640 });
    assert.ok(frame && isJpeg(frame));
    assert.equal(frame.width, 640, `${frame.width}x${frame.height} (the desktop viewport is 1280x800)`);
    assert.equal(frame.height, 400);
  });
});
