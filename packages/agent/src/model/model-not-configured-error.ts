/** No usable model configuration: the message tells the operator exactly what to set. */
export class ModelNotConfiguredError extends Error {
  constructor(reason: string) {
    super(
      [
        `No model is configured: ${reason}.`,
        'Set one of OPENAI_API_KEY, ANTHROPIC_API_KEY or GOOGLE_GENERATIVE_AI_API_KEY,',
        'or configure explicitly with SMOOTH_MODEL_PROVIDER (openai | anthropic | google | openai-compatible),',
        'SMOOTH_MODEL, SMOOTH_LITE_MODEL, SMOOTH_MODEL_BASE_URL and SMOOTH_MODEL_API_KEY;',
        'SMOOTH_MODEL_PRICE and SMOOTH_LITE_MODEL_PRICE ("input,output" USD per million tokens) set the price.',
        'Example for a local Ollama: SMOOTH_MODEL_BASE_URL=http://127.0.0.1:11434/v1 SMOOTH_MODEL=qwen2.5:14b SMOOTH_MODEL_PRICE=0,0',
      ].join(' '),
    );
    this.name = 'ModelNotConfiguredError';
  }
}
