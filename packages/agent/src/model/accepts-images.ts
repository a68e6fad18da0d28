/** Model ids known to take image input; any other model counts as text-only unless configured. */
const visionModelIds = [
  /^(gpt-4o|gpt-4\.1|gpt-4-turbo|gpt-5|chatgpt-4o|o1|o3|o4)/,
  /^claude-(3|sonnet-4|opus-4|haiku-4|3-5|3-7)/,
  /^gemini-/,
  /(^|\/)(llava|bakllava|pixtral|moondream|minicpm-v)/,
  /vision|-vl\b|-vl-|qwen2\.5vl|gemma-?3/,
];

/** Whether the model can be shown a screenshot: the configured answer, else known vision ids. */
export function acceptsImages(modelId: string, configured: boolean | undefined): boolean {
  if (configured !== undefined) return configured;
  const id = modelId.toLowerCase();
  return visionModelIds.some((pattern) => pattern.test(id));
}
