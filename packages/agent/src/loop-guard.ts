export type LoopGuardVerdict = 'ok' | 'warn' | 'fail';

export interface LoopGuardLimits {
  /** The same actions on the same page state: warn at this many, fail at failRepeatsAt. */
  warnRepeatsAt: number;
  failRepeatsAt: number;
  /** Consecutive steps that start from an identical page view, whatever the actions. */
  warnUnchangedAt: number;
  failUnchangedAt: number;
}

export const defaultLoopGuardLimits: LoopGuardLimits = { warnRepeatsAt: 3, failRepeatsAt: 5, warnUnchangedAt: 4, failUnchangedAt: 8 };

/**
 * Notices an agent that makes no progress, so the model is told and the task then fails with a
 * reason rather than burning its remaining steps. Two signs: the same actions on the same page
 * state again and again; and a page view that stays exactly the same step after step whatever
 * the actions are (an agent that changes one argument each time escapes the first sign only).
 */
export class LoopGuard {
  private readonly repeats = new Map<string, number>();
  private lastView: string | undefined;
  private unchangedSteps = 0;
  private problem = '';

  constructor(private readonly limits: LoopGuardLimits = defaultLoopGuardLimits) {}

  /**
   * Records one step: the page state it acted on (URL and element list), its actions, and the
   * full page view it started from. Says whether to warn the model or give up.
   */
  record(pageState: string, actions: string, view: string = pageState): LoopGuardVerdict {
    const key = `${pageState}\u0000${actions}`;
    const repeats = (this.repeats.get(key) ?? 0) + 1;
    this.repeats.set(key, repeats);
    this.unchangedSteps = view === this.lastView ? this.unchangedSteps + 1 : 1;
    this.lastView = view;
    const unchanged = this.unchangedSteps;
    if (repeats >= this.limits.failRepeatsAt) return this.verdict('fail', `it repeated the same actions ${repeats} times on the same page without progress`);
    if (unchanged >= this.limits.failUnchangedAt) return this.verdict('fail', `the page stayed exactly the same for ${unchanged} steps whatever it did`);
    if (repeats >= this.limits.warnRepeatsAt) return this.verdict('warn', `You repeated the same actions ${repeats} times on the same page and nothing changed. Try a different approach.`);
    if (unchanged >= this.limits.warnUnchangedAt) {
      return this.verdict('warn', `The page has looked exactly the same for ${unchanged} steps: what you did changed nothing. Try something different, or finish with done and say what blocks you.`);
    }
    return this.verdict('ok', '');
  }

  /** For `warn`, advice for the model; for `fail`, why the task stops. */
  get reason(): string {
    return this.problem;
  }

  private verdict(verdict: LoopGuardVerdict, problem: string): LoopGuardVerdict {
    this.problem = problem;
    return verdict;
  }
}
