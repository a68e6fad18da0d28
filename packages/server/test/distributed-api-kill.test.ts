import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startSpawnedServer } from './support/spawned-server.js';
import { openSession, sharedServices, startInProcess, waitFor } from './support/fault-services.js';
import { apiClientOf, type ApiClient } from './support/test-server.js';

// The distributed mode when an API process dies: SIGKILL to one of two, a worker carrying on.

interface Follower {
  /** Every event seen (heartbeats left out), in the order the polls returned them. */
  events: any[];
  /** How often the follower lost its API process and moved to the next one. */
  switches: number;
  finished: Promise<string>;
}

/** Polls a task with event_t through the first client that answers, moving on from the same cursor when one stops answering. */
function follow(clients: ApiClient[], taskId: string): Follower {
  const follower: Follower = { events: [], switches: 0, finished: Promise.resolve('') };
  follower.finished = (async () => {
    let cursor = 0;
    let index = 0;
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      const client = clients[index];
      if (!client) throw new Error('every API process stopped answering');
      let answer;
      try {
        answer = await client.api('GET', `/task/${taskId}?event_t=${cursor}`);
      } catch {
        // The process died under the request: the next one takes over from the same cursor.
        index += 1;
        follower.switches += 1;
        continue;
      }
      assert.ok(answer.status === 200 || answer.status === 202, `poll answered ${answer.status} ${JSON.stringify(answer.body)}`);
      const fresh: any[] = answer.body.r.events ?? [];
      follower.events.push(...fresh.filter((event) => event.id !== null));
      if (fresh.length > 0) cursor = fresh[fresh.length - 1].timestamp;
      const status: string = answer.body.r.status;
      if (['done', 'failed', 'cancelled'].includes(status)) return status;
    }
    throw new Error(`${taskId} did not finish`);
  })();
  return follower;
}

test('kill -9 an API process: clients polling through the other one see every event once, in order', async (t) => {
  const services = await sharedServices(t);
  await startInProcess(services, 'worker');
  const doomed = await startSpawnedServer({ ...services.environment, SMOOTH_ROLE: 'api', TEST_DATA_DIR: await services.directory() });
  let killed = false;
  services.onCleanup(async () => {
    if (!killed) await doomed.close();
  });
  const survivor = await startInProcess(services, 'api');
  const doomedClient = apiClientOf(() => doomed.apiBaseUrl);
  const survivorClient = apiClientOf(() => survivor.apiBaseUrl);

  const taskId = await openSession(doomedClient);
  // One client polls the doomed process and moves to the survivor when it dies; another polls the survivor throughout.
  const movedOver = follow([doomedClient, survivorClient], taskId);
  const throughout = follow([survivorClient], taskId);
  const sent: string[] = [];
  const send = async (client: ApiClient, number: number) => {
    const id = `command-${number}`;
    const posted = await client.api('POST', `/task/${taskId}/event`, { body: { id, name: 'browser_action', payload: { name: 'evaluate_js', input: { js: `${number} * 2` } } } });
    assert.equal(posted.status, 200, JSON.stringify(posted.body));
    sent.push(id);
    await waitFor(async () => throughout.events.some((event) => event.id === id), Boolean, `the answer to ${id}`);
  };
  // Commands through both API processes in turn, then the kill, then more through the survivor.
  for (let number = 1; number <= 4; number += 1) await send(number % 2 === 0 ? doomedClient : survivorClient, number);
  await doomed.kill();
  killed = true;
  for (let number = 5; number <= 8; number += 1) await send(survivorClient, number);
  const closed = await survivorClient.api('POST', `/task/${taskId}/event`, { body: { id: 'close', name: 'session_action', payload: { name: 'close', input: {} } } });
  assert.equal(closed.status, 200, JSON.stringify(closed.body));
  sent.push('close');
  assert.deepEqual(await Promise.all([movedOver.finished, throughout.finished]), ['done', 'done']);
  assert.ok(movedOver.switches >= 1, 'the first client lost its API process and moved over');

  // The whole log, read once the task is done, is what each client saw: nothing missing, nothing twice.
  const whole = ((await survivorClient.api('GET', `/task/${taskId}?event_t=0`)).body.r.events as any[]).filter((event) => event.id !== null);
  const keys = (events: any[]) => events.map((event) => `${event.timestamp} ${event.id}`);
  assert.deepEqual(
    whole.map((event) => event.id),
    sent,
  );
  for (const event of whole.filter((answer) => answer.id.startsWith('command-'))) assert.equal(event.payload.output.output, Number(event.id.slice('command-'.length)) * 2);
  assert.deepEqual(keys(movedOver.events), keys(whole));
  assert.deepEqual(keys(throughout.events), keys(whole));
  for (let index = 1; index < whole.length; index += 1) assert.ok(whole[index].timestamp > whole[index - 1].timestamp, 'timestamps strictly increase');
});
