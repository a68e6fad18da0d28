import { z } from 'zod';

/** smooth.sh's optional tools and the options each takes (none but screenshot's full_page). */
const toolOptionSchemas = {
  screenshot: z.strictObject({ full_page: z.boolean().optional() }),
  hover: z.strictObject({}),
  print_page: z.strictObject({}),
  drag_drop: z.strictObject({}),
} as const;

export type AdditionalToolName = keyof typeof toolOptionSchemas;
export const additionalToolNames = Object.keys(toolOptionSchemas) as AdditionalToolName[];

/**
 * `additional_tools`: `{name: options | null}`. An unknown name or option is refused with the
 * known ones named, never dropped.
 */
export const additionalToolsSchema = z.record(z.string(), z.record(z.string(), z.unknown()).nullable()).superRefine((tools, context) => {
  for (const [name, options] of Object.entries(tools)) {
    const schema = (toolOptionSchemas as Record<string, z.ZodType | undefined>)[name];
    if (!schema) {
      context.addIssue({ code: 'custom', path: [name], message: `unknown tool "${name}"; the additional tools are ${additionalToolNames.join(', ')}` });
      continue;
    }
    const parsed = schema.safeParse(options ?? {});
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const allowed = name === 'screenshot' ? 'it takes full_page (boolean)' : 'it takes no options; pass null';
        context.addIssue({ code: 'custom', path: [name, ...issue.path.map(String)], message: `${issue.message} (${allowed})` });
      }
    }
  }
});
