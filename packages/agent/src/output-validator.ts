import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

const ajv = new Ajv({ allErrors: true, strict: false });

export class InvalidResponseModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidResponseModelError';
  }
}

export interface OutputValidator {
  schema: Record<string, unknown>;
  /** Human-readable problems, empty when the value fits. */
  problems(value: unknown): string[];
}

/** Compiles a user's response_model once; throws InvalidResponseModelError when it is not a JSON schema. */
export function compileResponseModel(schema: Record<string, unknown>): OutputValidator {
  let validate: ValidateFunction;
  try {
    validate = ajv.compile(schema);
  } catch (error) {
    throw new InvalidResponseModelError(`response_model is not a valid JSON schema: ${(error as Error).message}`);
  }
  return {
    schema,
    problems(value) {
      return validate(value) ? [] : (validate.errors ?? []).map(describeProblem);
    },
  };
}

function describeProblem(error: ErrorObject): string {
  const where = error.instancePath === '' ? 'the output' : `output${error.instancePath.replaceAll('/', '.')}`;
  const extra = error.keyword === 'additionalProperties' ? ` (${String(error.params['additionalProperty'])})` : '';
  return `${where} ${error.message ?? 'is invalid'}${extra}`;
}
