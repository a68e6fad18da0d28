/**
 * A custom tool's `inputs` as a JSON schema that real function calling accepts: OpenAI's
 * `parameters` and Anthropic's `input_schema` must be an object schema at the top level.
 * Clients send `inputs` in three shapes, all normalised here:
 * - a JSON schema of an object (`{type: "object", properties, required}`), kept as it is;
 * - the official SDKs' documented form, a map of parameter name → schema (`{question: {type:
 *   "string", description}}`, or `{}` for no parameters): the map becomes the properties, each
 *   one required unless it has a `default`;
 * - a schema of anything else (`{type: "string"}`, `{anyOf: [...]}`, an array schema): wrapped as
 *   the single property `input`, so the tool receives `{input: <value>}`.
 */
export function customToolInputSchema(inputs: Record<string, unknown>): Record<string, unknown> {
  if (isObjectSchema(inputs)) return { ...inputs, type: 'object', properties: isRecord(inputs.properties) ? inputs.properties : {} };
  if (isSchemaOfOtherValue(inputs)) return { type: 'object', properties: { input: inputs }, required: ['input'] };
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const [name, parameter] of Object.entries(inputs)) {
    properties[name] = parameterSchema(parameter);
    if (!(isRecord(parameter) && 'default' in parameter)) required.push(name);
  }
  return { type: 'object', properties, required };
}

/** Keywords only a schema has at its top level (a parameter map's keys are parameter names). */
const schemaKeywords = ['type', 'anyOf', 'oneOf', 'allOf', 'enum', 'const', '$ref', 'items', 'not'];

function isObjectSchema(inputs: Record<string, unknown>): boolean {
  if (inputs.type === 'object') return true;
  // `{properties: {...}}` without a type is an object schema too, unless `properties` is a parameter's name.
  return inputs.type === undefined && isRecord(inputs.properties) && Object.values(inputs.properties).every(isRecord) && !isParameter(inputs.properties);
}

function isSchemaOfOtherValue(inputs: Record<string, unknown>): boolean {
  if (typeof inputs.type === 'string' || Array.isArray(inputs.type)) return true;
  return schemaKeywords.some((keyword) => keyword !== 'type' && keyword in inputs && !isParameter(inputs[keyword]));
}

/** Whether a value looks like one parameter's schema (so its key is a parameter name, not a keyword). */
function isParameter(value: unknown): boolean {
  return isRecord(value) && typeof value.type === 'string' && !('properties' in value && value.type !== 'object');
}

/** `"string"` (a bare type name) → `{type: "string"}`; anything else not an object → any value. */
function parameterSchema(parameter: unknown): Record<string, unknown> {
  if (isRecord(parameter)) return parameter;
  if (typeof parameter === 'string' && ['string', 'number', 'integer', 'boolean', 'object', 'array', 'null'].includes(parameter)) return { type: parameter };
  return {};
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
