import type { Redis } from 'ioredis';
import type { WithheldAnswer, WithheldAnswerBook } from '../tasks/error-answer-delay.js';

/**
 * A command's "waits for its answer" mark only serves a fresh task's first poll; one not answered
 * within the hour (its task ended first) is forgotten.
 */
const unansweredTtlMs = 60 * 60 * 1000;
/** A withheld answer is visible within ~2.2 s of being withheld; its key outlives that by far. */
const withheldTtlMs = 60 * 1000;

/**
 * The withheld error answers of every process on one Redis: the worker that appends an answer
 * withholds it, every API process reads it. Per task a set of commands waiting for their answer
 * and a hash of withheld answers by event id, both expiring by themselves. Times are the writer's
 * clock, compared with the reader's: processes on several machines need synchronised clocks (NTP),
 * as a skew shifts when an error answer shows by as much.
 */
export class RedisWithheldAnswers implements WithheldAnswerBook {
  constructor(
    private readonly client: Redis,
    private readonly prefix = 'open-smooth',
  ) {}

  private key(taskId: string, what: 'unanswered' | 'withheld'): string {
    return `${this.prefix}:answers:{${taskId}}:${what}`;
  }

  async commandPosted(taskId: string, commandId: string): Promise<void> {
    const key = this.key(taskId, 'unanswered');
    failedStep(await this.client.multi().sadd(key, commandId).pexpire(key, unansweredTtlMs).exec());
  }

  async commandAnswered(taskId: string, commandId: string): Promise<void> {
    await this.client.srem(this.key(taskId, 'unanswered'), commandId);
  }

  async hasUnansweredCommands(taskId: string): Promise<boolean> {
    return (await this.client.exists(this.key(taskId, 'unanswered'))) === 1;
  }

  async withhold(taskId: string, answer: WithheldAnswer): Promise<void> {
    const key = this.key(taskId, 'withheld');
    const value = JSON.stringify({ releaseAtMs: answer.releaseAtMs, visibleAtMs: answer.visibleAtMs });
    failedStep(await this.client.multi().hset(key, answer.eventId, value).pexpire(key, withheldTtlMs).exec());
  }

  async pending(taskId: string, nowMs: number): Promise<WithheldAnswer[]> {
    const stored = await this.client.hgetall(this.key(taskId, 'withheld'));
    const answers: WithheldAnswer[] = [];
    for (const [eventId, value] of Object.entries(stored)) {
      const { releaseAtMs, visibleAtMs } = JSON.parse(value) as { releaseAtMs: number; visibleAtMs: number };
      if (visibleAtMs > nowMs) answers.push({ eventId, releaseAtMs, visibleAtMs });
    }
    return answers;
  }
}

/** A transaction's results carry each command's error instead of rejecting: the first one is thrown. */
function failedStep(results: [Error | null, unknown][] | null): void {
  for (const [error] of results ?? []) if (error) throw error;
}
