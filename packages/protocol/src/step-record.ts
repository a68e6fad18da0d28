/** What an element index meant when the action ran: durable across page loads, unlike the index (for replay). */
export interface ElementDescriptor {
  role: string;
  name: string;
  tagName: string;
  frameUrl: string;
  inputType?: string;
}

/** One action the agent ran in a step, with what came back to the model. */
export interface ActionRecord {
  name: string;
  input: unknown;
  /** Text given back to the model; secrets already masked. */
  result: string;
  ok: boolean;
  /** The elements the action's indices pointed at, by input field (`index`, `from`, `to`). */
  elements?: Record<string, ElementDescriptor>;
}

/** One turn of the agent loop, as kept in the task's step log. */
export interface StepRecord {
  index: number;
  url: string;
  reasoning: string;
  actions: ActionRecord[];
  tokensIn: number;
  tokensOut: number;
  /** US dollars for this step's model calls. */
  cost: number;
  observationTokens: number;
  observeMs: number;
  modelMs: number;
  actMs: number;
  /** Absolute path of the screenshot taken after observing, when one was taken (on the machine that ran the step). */
  screenshotPath?: string;
  /** Where the server stored that screenshot (a blob key), in place of screenshotPath, once it keeps the step. */
  screenshotKey?: string;
}
